#!/bin/sh
# The controller under failure: a bad image makes an app Degraded; a
# controller killed with SIGKILL in the middle of a sync resumes the
# operation after a restart and records it once; a failing sync is retried
# with backoff; ignoreDifferences hides a field; a resource claimed by two
# apps raises SharedResourceWarning.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

DATA=$TEST_TMP/cluster
start_bosund cluster --pod-start-delay 100ms
CL=$DATA
DATA=$TEST_TMP/repo
start_bosund repo-server
CTRL_ARGS="--kubeconfig $CL/kubeconfig.yaml --repo-server http://127.0.0.1:$REPO_PORT --self-heal-timeout 1"
DATA=$TEST_TMP/ctrl
start_bosund controller $CTRL_ARGS
CTRL_DATA=$DATA
DATA=$CL
REPO=$TEST_TMP/git

field() { kc -n bosun get application "$1" -o "jsonpath=$2"; }
state_is() { [ "$(field "$1" "{.status.sync.status}/{.status.health.status}")" = "$2" ]; }
op_is() { [ "$(field "$1" '{.status.operationState.phase}')" = "$2" ] && [ -z "$(field "$1" '{.operation}')" ]; }
running() { [ "$(field "$1" '{.status.operationState.phase}')" = Running ]; }
deadline_exceeded() {
	[ "$(kc -n broken get deployment web -o 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}')" = ProgressDeadlineExceeded ]
}
no_refresh() { [ -z "$(field "$1" '{.metadata.annotations.bosun\.io/refresh}')" ]; }
# dump NAME: the application's status, for a failing test's log
dump() { kc -n bosun get application "$1" -o jsonpath='{.status}'; echo; return 1; }
sync_app() {
	kc -n bosun patch application "$1" --type merge \
		-p "{\"operation\":{\"initiatedBy\":{\"username\":\"tester\"},\"sync\":{\"prune\":true}}}"
}
new_app() { # name path [extra spec yaml]
	cat >"$TEST_TMP/$1.yaml" <<-YAML
	apiVersion: bosun.io/v1alpha1
	kind: Application
	metadata:
	  name: $1
	  namespace: bosun
	spec:
	  project: default
	  source:
	    repoURL: file://$REPO
	    targetRevision: main
	    path: $2
	  destination:
	    server: https://kubernetes.default.svc
	    namespace: $1
	  syncPolicy:
	    syncOptions: [CreateNamespace=true]
	${3:-}
	YAML
	kc apply -f "$TEST_TMP/$1.yaml"
}
deployment() { # name image env-simulate wave
	cat <<-YAML
	apiVersion: apps/v1
	kind: Deployment
	metadata:
	  name: $1
	  annotations: {argocd.argoproj.io/sync-wave: "${4:-0}"}
	spec:
	  replicas: 1
	  progressDeadlineSeconds: ${5:-600}
	  selector:
	    matchLabels: {app: $1}
	  template:
	    metadata:
	      labels: {app: $1}
	    spec:
	      containers:
	      - name: main
	        image: $2
	        env: [{name: BOSUN_SIMULATE, value: "${3:-}"}]
	YAML
}

make_git_repo "$REPO"
mkdir -p "$REPO/broken" "$REPO/slow" "$REPO/ignored" "$REPO/shared-a" "$REPO/shared-b"
deployment web nginx:does-not-exist "" 0 2 >"$REPO/broken/deploy.yaml"
deployment web nginx:1.25 unready 0 >"$REPO/slow/deploy.yaml"
cat >"$REPO/slow/after.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  annotations: {argocd.argoproj.io/sync-wave: "1"}
data: {x: "1"}
YAML
deployment web nginx:1.25 >"$REPO/ignored/deploy.yaml"
for d in shared-a shared-b; do
	cat >"$REPO/$d/cm.yaml" <<-'YAML'
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: common
	  namespace: shared
	data: {x: "1"}
	YAML
done
commit_all "$REPO" "apps"

test_expect_success 'a bad image makes the application Degraded' '
	new_app broken broken &&
	wait_for 30 state_is broken OutOfSync/Missing &&
	sync_app broken &&
	if wait_for 20 deadline_exceeded; then
		{ wait_for 30 state_is broken Synced/Degraded || dump broken; }
	else
		# the cluster must say the rollout timed out before Argo CD rules say Degraded
		echo "# the cluster never reported ProgressDeadlineExceeded" &&
		{ wait_for 30 state_is broken Synced/Progressing || dump broken; }
	fi &&
	field broken "{.status.resources[0].health.message}" | grep -q .
'

test_expect_success 'a controller killed mid-sync resumes the operation and records it once' '
	new_app slow slow &&
	wait_for 30 state_is slow OutOfSync/Missing &&
	sync_app slow &&
	wait_for 30 running slow &&
	wait_for 30 kc -n slow get deployment web &&
	DATA=$CTRL_DATA && stop_bosund KILL && DATA=$CL &&
	! kc -n slow get configmap after &&
	deployment web nginx:1.25 >"$REPO/slow/deploy.yaml" &&
	commit_all "$REPO" "slow becomes ready" &&
	DATA=$CTRL_DATA && start_bosund controller $CTRL_ARGS && DATA=$CL &&
	wait_for 90 op_is slow Succeeded &&
	kc -n slow get configmap after &&
	[ "$(field slow "{.status.history[*].id}")" = 0 ] &&
	{ wait_for 30 state_is slow Synced/Healthy || dump slow; }
'

test_expect_success 'a failing sync is retried with backoff, then fails' '
	cat >"$TEST_TMP/bad.yaml" <<-YAML &&
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: bad
	  namespace: no-such-namespace
	data: {x: "1"}
	YAML
	mkdir -p "$REPO/retry" && cp "$TEST_TMP/bad.yaml" "$REPO/retry/" &&
	commit_all "$REPO" "retry" &&
	cat >"$TEST_TMP/retry.yaml" <<-YAML &&
	apiVersion: bosun.io/v1alpha1
	kind: Application
	metadata: {name: retry, namespace: bosun}
	spec:
	  source: {repoURL: "file://$REPO", targetRevision: main, path: retry}
	  destination: {server: "https://kubernetes.default.svc", namespace: default}
	YAML
	kc apply -f "$TEST_TMP/retry.yaml" &&
	kc -n bosun patch application retry --type merge -p "{\"operation\":{\"sync\":{},\"retry\":{\"limit\":2,\"backoff\":{\"duration\":\"200ms\",\"factor\":2}}}}" &&
	wait_for 60 op_is retry Failed &&
	[ "$(field retry "{.status.operationState.retryCount}")" = 2 ] &&
	field retry "{.status.operationState.message}" | grep -q "no-such-namespace"
'

test_expect_success 'ignoreDifferences hides a field changed live' '
	new_app ignored ignored "  ignoreDifferences: [{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}]" &&
	wait_for 30 state_is ignored OutOfSync/Missing &&
	sync_app ignored &&
	wait_for 60 state_is ignored Synced/Healthy &&
	kc -n ignored scale deployment web --replicas=3 &&
	kc -n bosun annotate application ignored bosun.io/refresh=normal &&
	wait_for 10 no_refresh ignored &&
	state_is ignored Synced/Healthy &&
	kc -n ignored set image deployment/web main=nginx:1.26 &&
	wait_for 30 state_is ignored OutOfSync/Healthy &&
	field ignored "{.status.conditions[0].message}" >"$TEST_TMP/drift" &&
	cat "$TEST_TMP/drift" &&
	grep -q "image git \"nginx:1.25\" live \"nginx:1.26\"" "$TEST_TMP/drift" &&
	! grep -q replicas "$TEST_TMP/drift"
'

test_expect_success 'a resource claimed by two applications raises SharedResourceWarning' '
	new_app shared-a shared-a &&
	new_app shared-b shared-b &&
	wait_for 30 state_is shared-a OutOfSync/Missing &&
	sync_app shared-a &&
	wait_for 60 state_is shared-a Synced/Healthy &&
	kc -n bosun annotate application shared-b bosun.io/refresh=normal &&
	wait_for 30 sh -c "kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application shared-b -o jsonpath={.status.conditions[*].type} | grep -q SharedResourceWarning" &&
	field shared-b "{.status.conditions[*].message}" | grep -q "ConfigMap/common is part of applications shared-a and shared-b"
'

test_expect_success 'an application deploys to a cluster registered as a Secret' '
	server=$(kc config view --raw -o "jsonpath={.clusters[0].cluster.server}") &&
	token=$(kc config view --raw -o "jsonpath={.users[0].user.token}") &&
	ca=$(kc config view --raw -o "jsonpath={.clusters[0].cluster.certificate-authority-data}") &&
	if [ -n "$ca" ]; then tls="{\"caData\":\"$ca\"}"; else tls="{\"insecure\":true}"; fi &&
	cat >"$TEST_TMP/remote-secret.yaml" <<-YAML &&
	apiVersion: v1
	kind: Secret
	metadata:
	  name: remote
	  namespace: bosun
	  labels: {bosun.io/secret-type: cluster}
	stringData:
	  name: remote
	  server: "$server"
	  config: '"'"'{"bearerToken": "$token", "tlsClientConfig": $tls}'"'"'
	YAML
	kc apply -f "$TEST_TMP/remote-secret.yaml" &&
	mkdir -p "$REPO/remote" && cp "$REPO/shared-a/cm.yaml" "$REPO/remote/" &&
	sed -i "s/name: common/name: remote-cm/; s/namespace: shared/namespace: default/" "$REPO/remote/cm.yaml" &&
	commit_all "$REPO" "remote" &&
	cat >"$TEST_TMP/remote.yaml" <<-YAML &&
	apiVersion: bosun.io/v1alpha1
	kind: Application
	metadata: {name: remote, namespace: bosun}
	spec:
	  source: {repoURL: "file://$REPO", targetRevision: main, path: remote}
	  destination: {name: remote, namespace: default}
	YAML
	kc apply -f "$TEST_TMP/remote.yaml" &&
	wait_for 30 state_is remote OutOfSync/Missing &&
	sync_app remote &&
	{ wait_for 60 state_is remote Synced/Healthy || dump remote; } &&
	kc -n default get configmap remote-cm
'

test_expect_success 'an unregistered destination is a ComparisonError' '
	cat >"$TEST_TMP/nowhere.yaml" <<-YAML &&
	apiVersion: bosun.io/v1alpha1
	kind: Application
	metadata: {name: nowhere, namespace: bosun}
	spec:
	  source: {repoURL: "file://$REPO", targetRevision: main, path: remote}
	  destination: {server: "https://nowhere.invalid:6443", namespace: default}
	YAML
	kc apply -f "$TEST_TMP/nowhere.yaml" &&
	wait_for 30 sh -c "kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application nowhere -o jsonpath={.status.conditions[0].type} | grep -qx ComparisonError" &&
	field nowhere "{.status.conditions[0].message}" | grep -q "not registered" &&
	[ "$(field nowhere "{.status.sync.status}")" = Unknown ]
'

test_done
