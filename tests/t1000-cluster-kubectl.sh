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

test_expect_success 'secret stringData is stored as base64 data' '
	test "$(kc -n shop get secret web-secret -o jsonpath={.data.password})" = "aHVudGVyMg=="
'

test_expect_success 'label selectors and all-namespace lists work' '
	kc get cm -A -l app=web | grep -E "^shop +web-config" &&
	kc -n shop get all -l "app in (web)" -o name >"$TEST_TMP/names" &&
	grep -q "deployment.apps/web" "$TEST_TMP/names" &&
	grep -q "service/web" "$TEST_TMP/names" &&
	test -z "$(kc -n shop get cm -l app=nothing -o name)"
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

test_expect_success 'imperative generators get 415 with a hint' '
	expect_fail_with "use .kubectl apply -f." kc create namespace imperative
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

test_expect_success 'delete of the deployment collects its ReplicaSets and pods' '
	kc -n shop delete deploy web &&
	wait_for 20 sh -c "test -z \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n shop get rs,pods -o name)\""
'

test_expect_success 'deleting the namespace empties and removes it' '
	kc delete ns shop --timeout=30s &&
	expect_fail_with "not found" kc get ns shop &&
	test -z "$(kc get cm -A -l app=web -o name)"
'

test_done
