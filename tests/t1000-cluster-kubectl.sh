#!/bin/sh
# The bundled cluster driven by the real kubectl: discovery, a multi-document
# apply, rollout status, reads in every output form, selectors, scale, a
# rolling update, errors, deletes, and a restart that keeps everything.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

start_bosund cluster --pod-start-delay 200ms

cat >"$TEST_TMP/app.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
  labels: {app: web}
data:
  greeting: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: shop
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
YAML

test_expect_success 'kubectl reaches the cluster with the written kubeconfig' '
	kc version -o json >"$TEST_TMP/version.json" &&
	grep -q "\"minor\": \"32\"" "$TEST_TMP/version.json"
'

test_expect_success 'a request without the token is refused with 401' '
	code=$(curl -sk -o /dev/null -w "%{http_code}" "https://127.0.0.1:$CLUSTER_PORT/api/v1/namespaces") &&
	test "$code" = 401
'

test_expect_success 'api-resources lists kinds with short names and categories' '
	kc api-resources >"$TEST_TMP/res" &&
	grep -E "^deployments +deploy +apps/v1 +true +Deployment" "$TEST_TMP/res" &&
	grep -E "^configmaps +cm +v1 +true +ConfigMap" "$TEST_TMP/res" &&
	grep -E "^namespaces +ns +v1 +false +Namespace" "$TEST_TMP/res" &&
	kc api-resources --categories=all -o name >"$TEST_TMP/all" &&
	grep -qx "pods" "$TEST_TMP/all" && grep -qx "deployments.apps" "$TEST_TMP/all" &&
	! grep -qx "configmaps" "$TEST_TMP/all"
'

test_expect_success 'the default namespaces and a ready node exist' '
	kc get ns default kube-system kube-public kube-node-lease &&
	kc get nodes | grep -E "bosun-node-1 +Ready"
'

test_expect_success 'apply of a multi-document manifest creates everything' '
	kc apply -f "$TEST_TMP/app.yaml" >"$TEST_TMP/out" &&
	grep -q "namespace/shop created" "$TEST_TMP/out" &&
	grep -q "deployment.apps/web created" "$TEST_TMP/out" &&
	grep -q "service/web created" "$TEST_TMP/out"
'

test_expect_success 'rollout status succeeds' '
	kc -n shop rollout status deploy/web --timeout=30s
'

test_expect_success 'get shows the pods Running and Ready' '
	kc -n shop get pods >"$TEST_TMP/pods" &&
	test $(grep -c "1/1 *Running" "$TEST_TMP/pods") = 3 &&
	kc -n shop get deploy web | grep -E "web +3/3 +3 +3"
'

test_expect_success 'describe shows the events of a pod and a deployment' '
	pod=$(kc -n shop get pods -o name | head -1) &&
	kc -n shop describe "$pod" >"$TEST_TMP/describe" &&
	grep -E "Normal +Scheduled .*default-scheduler" "$TEST_TMP/describe" &&
	grep -E "Normal +Started .*kubelet" "$TEST_TMP/describe" &&
	kc -n shop describe deploy web | grep -E "ScalingReplicaSet .*Scaled up replica set web-"
'

test_expect_success 'the service gets Endpoints of its ready pods' '
	wait_for 10 sh -c "test \$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get ep web -o jsonpath={.subsets[0].addresses[*].ip} | wc -w) = 3" &&
	test "$(kc -n shop get ep web -o jsonpath={.subsets[0].ports[0].port})" = 80
'

test_expect_success 'a second apply changes nothing' '
	kc apply -f "$TEST_TMP/app.yaml" >"$TEST_TMP/out" &&
	grep -q "configmap/web-config unchanged" "$TEST_TMP/out" &&
	grep -q "deployment.apps/web unchanged" "$TEST_TMP/out"
'

test_expect_success 'get -o yaml and -o json show server-filled metadata and defaults' '
	kc -n shop get cm web-config -o yaml >"$TEST_TMP/cm.yaml" &&
	grep -q "^  uid: " "$TEST_TMP/cm.yaml" &&
	grep -q "^  resourceVersion: " "$TEST_TMP/cm.yaml" &&
	grep -q "creationTimestamp: \"20" "$TEST_TMP/cm.yaml" &&
	kc -n shop get deploy web -o json >"$TEST_TMP/d.json" &&
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
s = d[\"spec\"]
assert s[\"strategy\"][\"rollingUpdate\"][\"maxSurge\"] == \"25%\", s
assert s[\"revisionHistoryLimit\"] == 10 and s[\"progressDeadlineSeconds\"] == 600
assert s[\"template\"][\"spec\"][\"restartPolicy\"] == \"Always\"
assert d[\"metadata\"][\"generation\"] == 1
assert d[\"status\"][\"availableReplicas\"] == 3
" "$TEST_TMP/d.json" &&
	kc -n shop get svc web -o jsonpath="{.spec.clusterIP}" | grep -E "^10\.(9[6-9]|10[0-9]|11[01])\."
'

test_expect_success 'secret stringData is stored as base64 data, encrypted at rest' '
	test "$(kc -n shop get secret web-secret -o jsonpath={.data.password})" = "aHVudGVyMg==" &&
	! cat "$DATA"/cluster.db* | grep -aq "aHVudGVyMg==" &&
	test "$(stat -c %a "$DATA/encryption-key")" = 600
'

test_expect_success 'label selectors and all-namespace lists work' '
	kc get cm -A -l app=web | grep -E "^shop +web-config" &&
	kc -n shop get all -l "app in (web)" -o name >"$TEST_TMP/names" &&
	grep -q "deployment.apps/web" "$TEST_TMP/names" &&
	grep -q "service/web" "$TEST_TMP/names" &&
	test -z "$(kc -n shop get cm -l app=nothing -o name)"
'

test_expect_success 'lists page with limit and continue' '
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		echo "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"page-$i\",\"namespace\":\"shop\",\"labels\":{\"page\":\"yes\"}}}"
	done >"$TEST_TMP/pages.json" &&
	kc apply -f "$TEST_TMP/pages.json" >/dev/null &&
	kc -n shop get cm -l page=yes --chunk-size=5 -o name -v=6 >"$TEST_TMP/pages" 2>"$TEST_TMP/pages.log" &&
	test $(grep -c "^configmap/page-" "$TEST_TMP/pages") = 12 &&
	test $(grep -c "GET .*configmaps?.*limit=5" "$TEST_TMP/pages.log") = 3 &&
	expect_fail_with "continue key is not valid" kc get --raw "/api/v1/namespaces/shop/configmaps?limit=1&continue=bm9wZQ==" &&
	kc -n shop delete cm -l page=yes >/dev/null
'

test_expect_success 'scale and a rolling update to a new ReplicaSet' '
	kc -n shop scale deploy web --replicas=4 &&
	kc -n shop rollout status deploy/web --timeout=30s &&
	kc -n shop set image deploy/web web=nginx:1.26 &&
	kc -n shop rollout status deploy/web --timeout=30s &&
	kc -n shop get rs -o name >"$TEST_TMP/rs" &&
	test $(wc -l <"$TEST_TMP/rs") = 2 &&
	kc -n shop get deploy web | grep -E "web +4/4 +4 +4" &&
	test "$(kc -n shop get deploy web -o jsonpath={.metadata.generation})" = 3
'

cat >"$TEST_TMP/ghost.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: lost
  namespace: ghost
YAML

test_expect_success 'errors carry the real reasons' '
	expect_fail_with "NotFound.*configmaps \"nope\" not found" kc -n shop get cm nope &&
	expect_fail_with "namespaces \"ghost\" not found" kc create -f "$TEST_TMP/ghost.yaml"
'

cat >"$TEST_TMP/bad.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: Bad_Name
  namespace: shop
YAML

test_expect_success 'an invalid name is refused with Invalid' '
	expect_fail_with "is invalid: metadata.name: Invalid value: \"Bad_Name\"" kc create -f "$TEST_TMP/bad.yaml"
'

test_expect_success 'creating what exists is AlreadyExists' '
	kc -n shop get cm web-config -o json >"$TEST_TMP/cm.json" &&
	expect_fail_with "AlreadyExists" kc create -f "$TEST_TMP/cm.json"
'

test_expect_success 'a stale update is a Conflict' '
	kc -n shop get cm web-config -o json >"$TEST_TMP/stale.json" &&
	kc -n shop label cm web-config fresh=yes &&
	expect_fail_with "the object has been modified" kc replace -f "$TEST_TMP/stale.json"
'

test_expect_success 'imperative generators (protobuf bodies) create objects' '
	kc create namespace imperative | grep -x "namespace/imperative created" &&
	kc get ns imperative
'

test_expect_success 'patch in all three types; a no-op patch keeps the revision' '
	kc -n shop patch cm web-config --type=merge -p "{\"data\":{\"m\":\"1\"}}" &&
	kc -n shop patch cm web-config --type=json -p "[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"2\"}]" &&
	kc -n shop patch deploy web -p "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"env\":[{\"name\":\"A\",\"value\":\"b\"}]}]}}}}" &&
	test "$(kc -n shop get cm web-config -o jsonpath={.data.m}{.data.j})" = 12 &&
	test "$(kc -n shop get deploy web -o jsonpath={.spec.template.spec.containers[0].image})" = nginx:1.26 &&
	rv=$(kc -n shop get cm web-config -o jsonpath={.metadata.resourceVersion}) &&
	kc -n shop patch cm web-config --type=merge -p "{\"data\":{\"m\":\"1\"}}" | grep -q "no change" &&
	test "$(kc -n shop get cm web-config -o jsonpath={.metadata.resourceVersion})" = "$rv" &&
	kc -n shop rollout status deploy/web --timeout=30s
'

cat >"$TEST_TMP/ssa.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: ssa, namespace: shop}
data: {a: "1"}
YAML

test_expect_success 'server-side apply creates, then merges, and records the manager' '
	kc apply --server-side -f "$TEST_TMP/ssa.yaml" | grep -q "serverside-applied" &&
	sed -i "s/a: \"1\"}/a: \"1\", b: \"2\"}/" "$TEST_TMP/ssa.yaml" &&
	kc apply --server-side -f "$TEST_TMP/ssa.yaml" &&
	test "$(kc -n shop get cm ssa -o jsonpath={.data.b})" = 2 &&
	kc -n shop get cm ssa -o yaml --show-managed-fields | grep -q "operation: Apply"
'

test_expect_success 'server-side apply conflicts with another manager unless forced' '
	kc -n shop patch cm ssa --type=merge -p "{\"data\":{\"a\":\"changed\"}}" &&
	kc -n shop get cm ssa -o yaml --show-managed-fields | grep -q "manager: kubectl-patch" &&
	expect_fail_with "Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.a" \
		kc apply --server-side -f "$TEST_TMP/ssa.yaml" &&
	kc apply --server-side --force-conflicts -f "$TEST_TMP/ssa.yaml" &&
	test "$(kc -n shop get cm ssa -o jsonpath={.data.a})" = 1 &&
	! kc -n shop get cm ssa -o yaml --show-managed-fields | grep -q "manager: kubectl-patch"
'

test_expect_success 'kubectl get --watch sees a new pod come up' '
	(timeout 8 kubectl --kubeconfig "$DATA/kubeconfig.yaml" -n shop get pods -w >"$TEST_TMP/watch" 2>&1 &) &&
	sleep 1 &&
	kc -n shop scale deploy web --replicas=5 &&
	wait_for 10 grep -q "ContainerCreating\|Pending" "$TEST_TMP/watch" &&
	kc -n shop rollout status deploy/web --timeout=30s &&
	test "$(kc -n shop get deploy web -o jsonpath={.status.readyReplicas})" = 5
'

test_expect_success 'a watch from a resourceVersion replays what came after it' '
	rv=$(kc -n shop get cm web-config -o jsonpath={.metadata.resourceVersion}) &&
	kc -n shop label cm web-config replay=yes &&
	curl -sk -H "Authorization: Bearer $(cat "$DATA/cluster-token")" \
		"https://127.0.0.1:$CLUSTER_PORT/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=1" >"$TEST_TMP/replay" &&
	grep -q "\"type\":\"MODIFIED\"" "$TEST_TMP/replay" &&
	grep -q "\"replay\":\"yes\"" "$TEST_TMP/replay" &&
	! grep "\"type\":\"ADDED\"" "$TEST_TMP/replay" | grep -q "\"name\":\"web-config\""
'

cat >"$TEST_TMP/broken.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers:
      - {name: c, image: "nginx:does-not-exist"}
YAML

test_expect_success 'an image that does not exist ends in ImagePullBackOff' '
	kc apply -f "$TEST_TMP/broken.yaml" &&
	wait_for 20 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get pods -l app=broken | grep -q ImagePullBackOff" &&
	expect_fail_with "timed out|exceeded" kc -n shop rollout status deploy/broken --timeout=2s
'

test_expect_success 'a stuck rollout exceeds its progress deadline and stays failed' '
	kc -n shop patch deploy broken --type=merge -p "{\"spec\":{\"progressDeadlineSeconds\":2}}" &&
	wait_for 20 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get deploy broken -o jsonpath={.status.conditions} | grep -q ProgressDeadlineExceeded" &&
	expect_fail_with "exceeded its progress deadline" kc -n shop rollout status deploy/broken --timeout=10s &&
	for i in 1 2 3 4 5 6; do
		kc -n shop get deploy broken -o jsonpath="{.status.conditions}" | grep -q ProgressDeadlineExceeded || exit 1
		sleep 0.5   # the controller passes every second: it must not flip back
	done
'

cat >"$TEST_TMP/simulate.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: shop}
spec:
  containers:
  - {name: c, image: "app:1", env: [{name: BOSUN_SIMULATE, value: crash}]}
---
apiVersion: v1
kind: Pod
metadata: {name: unready, namespace: shop}
spec:
  containers:
  - {name: c, image: "app:1", env: [{name: BOSUN_SIMULATE, value: unready}]}
---
apiVersion: v1
kind: Pod
metadata: {name: probed, namespace: shop}
spec:
  containers:
  - name: c
    image: "app:1"
    readinessProbe: {initialDelaySeconds: 2, httpGet: {path: /, port: 80}}
YAML

test_expect_success 'simulated failures: CrashLoopBackOff, never Ready, a probe that delays Ready' '
	kc apply -f "$TEST_TMP/simulate.yaml" &&
	wait_for 20 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get pod crasher | grep -q CrashLoopBackOff" &&
	wait_for 20 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get pod unready | grep -qE \"0/1 +Running\"" &&
	kc -n shop get pod probed | grep -qE "0/1 +(Running|Pending|ContainerCreating)" &&
	kc -n shop wait --for=condition=Ready pod/probed --timeout=20s &&
	expect_fail_with "no logs: pod \"crasher\" runs a simulated container" kc -n shop logs crasher &&
	kc -n shop delete pod crasher unready probed
'

test_expect_success 'delete with --cascade=orphan leaves the ReplicaSet without its owner' '
	kc -n shop delete deploy broken --cascade=orphan &&
	sleep 0.5 &&
	test -n "$(kc -n shop get rs -l app=broken -o name)" &&
	test -z "$(kc -n shop get rs -l app=broken -o jsonpath={.items[0].metadata.ownerReferences})"
'

test_expect_success 'delete with --cascade=foreground removes dependents first' '
	kc -n shop delete rs -l app=broken --cascade=foreground --timeout=20s &&
	test -z "$(kc -n shop get rs,pods -l app=broken -o name)"
'

cat >"$TEST_TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: shop}
spec: {size: 3}
YAML

test_expect_success 'a CRD serves its resources at once, with printer columns' '
	kc apply -f "$TEST_TMP/crd.yaml" 2>"$TEST_TMP/crd.err" ||
		kc apply -f "$TEST_TMP/crd.yaml" &&
	kc wait --for condition=established crd/widgets.example.com --timeout=10s &&
	kc -n shop get wd | grep -E "^w1 +3 " &&
	kc -n shop patch wd w1 --type=merge -p "{\"spec\":{\"size\":4}}" &&
	kc get widgets -A | grep -E "^shop +w1 +4 " &&
	expect_fail_with "not supported" kc -n shop patch wd w1 -p "{\"spec\":{\"size\":5}}"
'

cat >"$TEST_TMP/jobs.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: m, image: "busybox:1.36"}
---
apiVersion: batch/v1
kind: Job
metadata: {name: failing, namespace: shop}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: m
        image: "busybox:1.36"
        env: [{name: BOSUN_SIMULATE, value: fail}]
YAML

test_expect_success 'a Job completes; one whose pods fail hits its backoff limit' '
	kc apply -f "$TEST_TMP/jobs.yaml" &&
	kc -n shop wait --for=condition=complete job/migrate --timeout=30s &&
	kc -n shop wait --for=condition=failed job/failing --timeout=30s &&
	kc -n shop get jobs migrate | grep -E "migrate +Complete +2/2" &&
	test $(kc -n shop get pods -l job-name=migrate | grep -c Completed) = 2 &&
	test $(kc -n shop get pods -l job-name=failing | grep -c Error) = 2
'

cat >"$TEST_TMP/sts.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: "agent:1"}]
YAML

test_expect_success 'a StatefulSet gets ordered pods and claims; a DaemonSet one pod per node' '
	kc apply -f "$TEST_TMP/sts.yaml" &&
	kc -n shop rollout status sts/db --timeout=30s &&
	kc -n shop rollout status ds/agent --timeout=30s &&
	kc -n shop get pods db-0 db-1 db-2 &&
	kc -n shop get pvc data-db-0 data-db-1 data-db-2 &&
	test "$(kc -n shop get pods -l app=agent -o name | wc -l)" = 1 &&
	kc -n shop set image sts/db db=postgres:17 &&
	kc -n shop rollout status sts/db --timeout=30s &&
	test "$(kc -n shop get pods -l app=db -o jsonpath={.items[*].spec.containers[0].image})" = "postgres:17 postgres:17 postgres:17"
'

test_expect_success 'a restart keeps every object' '
	kc -n shop get deploy,rs,pods,svc,cm,secret -o name | sort >"$TEST_TMP/before" &&
	stop_bosund &&
	start_bosund cluster --pod-start-delay 200ms &&
	kc -n shop get deploy,rs,pods,svc,cm,secret -o name | sort >"$TEST_TMP/after" &&
	test_cmp() { diff -u "$1" "$2"; } &&
	test_cmp "$TEST_TMP/before" "$TEST_TMP/after" &&
	kc -n shop rollout status deploy/web --timeout=30s
'

test_expect_success 'the CRD and its objects survived the restart; deleting it removes them' '
	kc -n shop get wd w1 &&
	kc delete crd widgets.example.com &&
	expect_fail_with "the server doesn.t have a resource type|could not find" kc -n shop get wd
'

test_expect_success 'delete of the deployment collects its ReplicaSets and pods' '
	kc -n shop delete deploy web &&
	wait_for 20 sh -c "test -z \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get rs,pods -l app=web -o name)\""
'

test_expect_success 'deleting the namespace empties and removes it' '
	kc delete ns shop --timeout=30s &&
	expect_fail_with "not found" kc get ns shop &&
	test -z "$(kc get cm -A -l app=web -o name)"
'

test_done
