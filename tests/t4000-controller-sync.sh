#!/bin/sh
# The controller end to end: the bundled cluster, the repo server and the
# controller each run alone; a git repo with a ConfigMap and a Deployment;
# an Application created with kubectl goes OutOfSync, syncs on request to
# Synced/Healthy, sees a git change, raises a drift alert naming the field
# and who changed it, self-heals, runs hooks and waves, and rolls back.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

DATA=$TEST_TMP/cluster
start_bosund cluster --pod-start-delay 100ms
CL=$DATA
DATA=$TEST_TMP/repo
start_bosund repo-server
DATA=$TEST_TMP/ctrl
start_bosund controller --kubeconfig "$CL/kubeconfig.yaml" \
	--repo-server "http://127.0.0.1:$REPO_PORT" --self-heal-timeout 1
DATA=$CL
REPO=$TEST_TMP/git

app() { kc -n bosun get application guestbook -o "jsonpath=$1"; }
app_is() { [ "$(app "{.status.sync.status}/{.status.health.status}")" = "$1" ]; }
sync_is() { [ "$(app '{.status.sync.status}')" = "$1" ]; }
op_phase_is() { [ "$(app '{.status.operationState.phase}')" = "$1" ] && [ -z "$(app '{.operation}')" ]; }
revision_is() { [ "$(app '{.status.sync.revision}')" = "$1" ]; }
cm_value_is() { [ "$(kc -n default get configmap guestbook-config -o 'jsonpath={.data.color}')" = "$1" ]; }
events() { kc -n bosun get events -o 'jsonpath={range .items[*]}{.reason}|{.type}|{.message}{"\n"}{end}'; }
has_event() { events | grep -q "^$1|"; }
count_events() { events | grep -c "^$1|" || true; }
sync_app() {
	kc -n bosun patch application guestbook --type merge \
		-p "{\"operation\":{\"initiatedBy\":{\"username\":\"tester\"},\"sync\":{\"prune\":true}}}"
}
no_refresh() { [ -z "$(app '{.metadata.annotations.bosun\.io/refresh}')" ]; }
refresh() { kc -n bosun annotate application guestbook bosun.io/refresh=normal --overwrite; }

test_expect_success 'the controller installs its CRDs and the default project' '
	kc get crd applications.bosun.io appprojects.bosun.io &&
	kc -n bosun get appproject default -o jsonpath="{.spec.sourceRepos[0]}" | grep -qx "\*" &&
	kc api-resources --api-group=bosun.io | grep -q "app.*apps"
'

make_git_repo "$REPO"
mkdir -p "$REPO/guestbook"
cat >"$REPO/guestbook/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-config
data:
  color: blue
YAML
cat >"$REPO/guestbook/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: 2
  selector:
    matchLabels: {app: guestbook}
  template:
    metadata:
      labels: {app: guestbook}
    spec:
      containers:
      - name: web
        image: nginx:1.25
YAML
commit_all "$REPO" "guestbook"
REV1=$(git -C "$REPO" rev-parse HEAD)

cat >"$TEST_TMP/app.yaml" <<YAML
apiVersion: bosun.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: bosun
spec:
  project: default
  source:
    repoURL: file://$REPO
    targetRevision: main
    path: guestbook
  destination:
    server: https://kubernetes.default.svc
    namespace: default
YAML

test_expect_success 'a new application is OutOfSync and Missing at the branch head' '
	kc apply -f "$TEST_TMP/app.yaml" &&
	wait_for 30 app_is OutOfSync/Missing &&
	revision_is "$REV1" &&
	app "{.status.resources[*].kind}" | grep -q "ConfigMap Deployment" &&
	kc -n bosun get apps | grep -q "guestbook.*OutOfSync.*Missing"
'

test_expect_success 'a sync written on the application makes it Synced and Healthy' '
	sync_app &&
	wait_for 60 app_is Synced/Healthy &&
	wait_for 30 op_phase_is Succeeded &&
	cm_value_is blue &&
	kc -n default get configmap guestbook-config -o "jsonpath={.metadata.labels.bosun\.io/app}" | grep -qx guestbook &&
	kc -n default get configmap guestbook-config -o "jsonpath={.metadata.annotations.bosun\.io/tracking-id}" |
		grep -qx "guestbook:/ConfigMap:default/guestbook-config" &&
	kc -n default get configmap guestbook-config -o yaml | grep -q "last-applied-configuration" &&
	[ "$(app "{.status.history[0].revision}")" = "$REV1" ] &&
	[ "$(app "{.status.history[0].initiatedBy.username}")" = tester ] &&
	app "{.status.operationState.syncResult.resources[*].status}" | grep -qx "Synced Synced" &&
	kc -n bosun get secret -l bosun.io/release=guestbook -o name | grep -q "bosun.release.guestbook.v0"
'

test_expect_success 'a new commit makes the application OutOfSync without a drift alert' '
	sed -i "s/blue/green/" "$REPO/guestbook/config.yaml" &&
	commit_all "$REPO" "green" &&
	REV2=$(git -C "$REPO" rev-parse HEAD) &&
	refresh &&
	wait_for 30 revision_is "$REV2" &&
	sync_is OutOfSync &&
	[ "$(app "{.status.resources[?(@.kind==\"ConfigMap\")].status}")" = OutOfSync ] &&
	[ "$(app "{.status.resources[?(@.kind==\"Deployment\")].status}")" = Synced ] &&
	! has_event Drift
'

test_expect_success 'syncing the new commit' '
	sync_app &&
	wait_for 60 app_is Synced/Healthy &&
	wait_for 30 op_phase_is Succeeded &&
	cm_value_is green &&
	[ "$(app "{.status.history[1].id}")" = 1 ]
'

test_expect_success 'a live edit raises one drift alert naming the field, both values and the writer' '
	kc -n default patch configmap guestbook-config --type merge -p "{\"data\":{\"color\":\"red\"}}" &&
	wait_for 30 has_event Drift &&
	events | grep "^Drift|Warning|" >"$TEST_TMP/drift" &&
	cat "$TEST_TMP/drift" &&
	grep -q "ConfigMap default/guestbook-config" "$TEST_TMP/drift" &&
	grep -q "data.color git \"green\" live \"red\"" "$TEST_TMP/drift" &&
	grep -q "changed by kubectl" "$TEST_TMP/drift" &&
	sync_is OutOfSync &&
	[ "$(app "{.status.conditions[0].type}")" = DriftDetected ] &&
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/v1/applications/guestbook/managed-resources" >"$TEST_TMP/managed" &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"items\"][0][\"diff\"])" "$TEST_TMP/managed" >"$TEST_TMP/udiff" &&
	cat "$TEST_TMP/udiff" &&
	grep -qx -- "-  color: red" "$TEST_TMP/udiff" &&
	grep -qx -- "+  color: green" "$TEST_TMP/udiff" &&
	refresh && wait_for 10 no_refresh &&
	[ "$(count_events Drift)" = 1 ]
'

test_expect_success 'self-heal reverts the drift and resolves the alert' '
	kc -n bosun patch application guestbook --type merge \
		-p "{\"spec\":{\"syncPolicy\":{\"automated\":{\"prune\":true,\"selfHeal\":true}}}}" &&
	wait_for 60 cm_value_is green &&
	wait_for 30 has_event DriftResolved &&
	wait_for 30 app_is Synced/Healthy &&
	[ -z "$(app "{.status.conditions}")" ] &&
	[ "$(app "{.status.operationState.operation.initiatedBy.automated}")" = true ]
'

test_expect_success 'auto-sync runs a PreSync hook, then the waves in order' '
	cat >"$REPO/guestbook/hooks.yaml" <<-YAML &&
	apiVersion: batch/v1
	kind: Job
	metadata:
	  name: migrate
	  annotations:
	    argocd.argoproj.io/hook: PreSync
	    argocd.argoproj.io/hook-delete-policy: HookSucceeded
	spec:
	  template:
	    spec:
	      restartPolicy: Never
	      containers:
	      - name: migrate
	        image: busybox
	---
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: late
	  annotations:
	    argocd.argoproj.io/sync-wave: "5"
	data: {wave: "5"}
	YAML
	commit_all "$REPO" "hooks and waves" &&
	REV3=$(git -C "$REPO" rev-parse HEAD) &&
	refresh &&
	wait_for 90 revision_is "$REV3" &&
	wait_for 90 app_is Synced/Healthy &&
	wait_for 30 op_phase_is Succeeded &&
	app "{range .status.operationState.syncResult.resources[*]}{.syncPhase}/{.kind}/{.name}/{.hookPhase} {end}" >"$TEST_TMP/order" &&
	cat "$TEST_TMP/order" &&
	grep -q "^PreSync/Job/migrate/Succeeded Sync/ConfigMap/guestbook-config/ Sync/Deployment/guestbook/ Sync/ConfigMap/late/" "$TEST_TMP/order" &&
	wait_for 30 sh -c "! kubectl --kubeconfig $CL/kubeconfig.yaml -n default get job migrate"
'

test_expect_success 'rollback is refused while auto-sync is on' '
	kc -n bosun patch application guestbook --type merge \
		-p "{\"operation\":{\"initiatedBy\":{\"username\":\"tester\"},\"rollback\":{\"id\":0}}}" &&
	wait_for 30 op_phase_is Error &&
	app "{.status.operationState.message}" | grep -q "auto-sync is enabled"
'

test_expect_success 'rollback to history 0 re-applies the stored release and prunes' '
	kc -n bosun patch application guestbook --type merge -p "{\"spec\":{\"syncPolicy\":null}}" &&
	kc -n bosun patch application guestbook --type merge \
		-p "{\"operation\":{\"initiatedBy\":{\"username\":\"tester\"},\"rollback\":{\"id\":0,\"prune\":true}}}" &&
	wait_for 60 op_phase_is Succeeded &&
	cm_value_is blue &&
	! kc -n default get configmap late &&
	app "{.status.operationState.syncResult.resources[*].status}" | grep -q Pruned &&
	wait_for 30 sync_is OutOfSync &&
	[ "$(count_events Drift)" = 1 ]
'

test_expect_success 'the resource tree follows ownerReferences down to the pods' '
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/v1/applications/guestbook/resource-tree" >"$TEST_TMP/tree" &&
	python3 - "$TEST_TMP/tree" >"$TEST_TMP/tree.txt" <<-"PY" &&
	import json, sys
	def walk(n, depth):
	    print("  " * depth + n["kind"] + " " + n.get("health", {}).get("status", "-"))
	    for c in n.get("children", []):
	        walk(c, depth + 1)
	for n in json.load(open(sys.argv[1]))["nodes"]:
	    walk(n, 0)
	PY
	cat "$TEST_TMP/tree.txt" &&
	grep -q "^Deployment Healthy" "$TEST_TMP/tree.txt" &&
	grep -q "^  ReplicaSet Healthy" "$TEST_TMP/tree.txt" &&
	[ "$(grep -c "^    Pod" "$TEST_TMP/tree.txt")" = 2 ]
'

test_expect_success 'metrics count reconciles, syncs and drift alerts' '
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/metrics" >"$TEST_TMP/metrics" &&
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/healthz" | grep -q ok &&
	grep -q "^bosun_app_reconcile_count [1-9]" "$TEST_TMP/metrics" &&
	grep -q "^bosun_app_sync_total{phase=\"Succeeded\"} [1-9]" "$TEST_TMP/metrics" &&
	grep -q "^bosun_drift_alerts_total 1" "$TEST_TMP/metrics" &&
	grep -q "^bosun_app_info{name=\"guestbook\"" "$TEST_TMP/metrics" &&
	grep -q "^workqueue_depth" "$TEST_TMP/metrics"
'

test_expect_success 'a refresh pass over unchanged apps writes no status' '
	curl -sf -X POST "http://127.0.0.1:$CONTROLLER_PORT/v1/refresh?wait=true" >"$TEST_TMP/pass1" &&
	curl -sf -X POST "http://127.0.0.1:$CONTROLLER_PORT/v1/refresh?wait=true" >"$TEST_TMP/pass2" &&
	cat "$TEST_TMP/pass2" &&
	[ "$(json_get "$TEST_TMP/pass2" apps)" -ge 1 ] &&
	[ "$(json_get "$TEST_TMP/pass2" statusWrites)" = 0 ] &&
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/metrics" | grep -q "^bosun_app_compares_skipped_total"
'

vault() { kc -n bosun get application vault -o "jsonpath=$1"; }
vault_done() { [ "$(vault '{.status.operationState.phase}')" = Succeeded ] && [ -z "$(vault '{.operation}')" ]; }
sync_vault() {
	kc -n bosun patch application vault --type merge \
		-p "{\"operation\":{\"initiatedBy\":{\"username\":\"tester\"},\"sync\":{}}}"
}

test_expect_success 'the controller never shows a Secret value, not even the last-applied annotation' '
	mkdir -p "$REPO/vault" &&
	printf "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vault-creds\nstringData:\n  password: hunter2-plain\n" \
		>"$REPO/vault/secret.yaml" &&
	commit_all "$REPO" "vault" &&
	sed "s/guestbook/vault/g" "$TEST_TMP/app.yaml" | kc apply -f - &&
	wait_for 30 sh -c "[ \"\$(kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application vault -o jsonpath={.status.sync.status})\" = OutOfSync ]" &&
	sync_vault && wait_for 60 vault_done &&
	kc -n default get secret vault-creds -o "jsonpath={.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}" |
		grep -q hunter2-plain &&
	kc -n default patch secret vault-creds --type merge -p "{\"stringData\":{\"password\":\"hunter2-live\"}}" &&
	wait_for 30 sh -c "[ \"\$(kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application vault -o jsonpath={.status.sync.status})\" = OutOfSync ]" &&
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/v1/applications/vault/managed-resources" >"$TEST_TMP/vault" &&
	curl -sf "http://127.0.0.1:$CONTROLLER_PORT/v1/applications/vault/resource-tree" >>"$TEST_TMP/vault" &&
	kc -n bosun get application vault -o json >>"$TEST_TMP/vault" &&
	kc -n bosun get events -o json >>"$TEST_TMP/vault" &&
	grep -q "vault-creds" "$TEST_TMP/vault" && grep -q "++++++++" "$TEST_TMP/vault" &&
	! grep -e hunter2 -e aHVudGVyMi "$TEST_TMP/vault"
'

test_expect_success 'syncs in quick succession each get their history entry' '
	before=$(vault "{.status.history[-1:].id}") &&
	for i in 1 2 3 4; do
		sync_vault && wait_for 60 vault_done || exit 1
	done &&
	vault "{.status.history[*].id}" &&
	[ "$(vault "{.status.history[-1:].id}")" = $((before + 4)) ] &&
	[ "$(vault "{.status.history[*].id}" | wc -w)" = $((before + 5)) ]
'

test_expect_success 'deleting the application with the resources finalizer deletes what it deployed' '
	kc -n bosun patch application guestbook --type merge \
		-p "{\"metadata\":{\"finalizers\":[\"resources-finalizer.argocd.argoproj.io\"]}}" &&
	kc -n bosun delete application guestbook --wait=false &&
	wait_for 60 sh -c "! kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application guestbook" &&
	! kc -n default get configmap guestbook-config &&
	! kc -n default get deployment guestbook
'

test_done
