#!/bin/sh
# deploy/helm/bosun, the chart that installs Bosun on a real cluster:
# rendered with `bosun template` and applied with kubectl to the bundled
# cluster, where its pods run simulated. Every role becomes its own
# Deployment and rolls out; the controller gets one Deployment per shard
# with the right --shard/--shards; scaling is a values change; the flags
# the chart passes are ones each role really takes.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

CHART=$ROOT/deploy/helm/bosun
OUT=$TEST_TMP/bosun.yaml

start_bosund cluster --pod-start-delay 100ms

test_expect_success 'the chart renders with bosun template' '
	"$BOSUN" template bosun "$CHART" --namespace bosun >"$OUT" &&
	for k in ServiceAccount ClusterRole ClusterRoleBinding Role RoleBinding ConfigMap Service Deployment; do
		grep -q "^kind: $k\$" "$OUT" || { echo "no $k"; exit 1; }
	done
'

test_expect_success 'kubectl applies it to the cluster' '
	printf "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bosun\n" | kc apply -f - &&
	kc apply -f "$OUT"
'

test_expect_success 'api, two controller shards and repo-server roll out' '
	for d in bosun-api bosun-controller-0 bosun-controller-1 bosun-repo-server; do
		kc -n bosun rollout status deployment/$d --timeout 60s || exit 1
	done &&
	test "$(kc -n bosun get deployment bosun-api -o jsonpath="{.status.readyReplicas}")" = 2 &&
	test "$(kc -n bosun get pods -l app.kubernetes.io/component=controller -o name | wc -l)" = 2
'

test_expect_success 'each shard knows its number and the total' '
	for i in 0 1; do
		args=$(kc -n bosun get deployment bosun-controller-$i \
			-o jsonpath="{.spec.template.spec.containers[0].args}") &&
		echo "$args" | grep -q "\"--shard\",\"$i\",\"--shards\",\"2\"" || { echo "$args"; exit 1; }
	done
'

test_expect_success 'service accounts, RBAC, probes and the in-cluster kubeconfig are in place' '
	kc get clusterrolebinding bosun-controller -o jsonpath="{.subjects[0].name}" | grep -qx bosun-controller &&
	kc -n bosun get rolebinding bosun-api &&
	kc -n bosun get deployment bosun-repo-server \
		-o jsonpath="{.spec.template.spec.automountServiceAccountToken}" | grep -qx false &&
	kc -n bosun get deployment bosun-api \
		-o jsonpath="{.spec.template.spec.containers[0].readinessProbe.httpGet.path}" | grep -qx /healthz &&
	kc -n bosun get configmap bosun-kubeconfig -o jsonpath="{.data.kubeconfig\.yaml}" |
		grep -q "tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token" &&
	kc -n bosun get service bosun-api bosun-repo-server bosun-controller-metrics \
		bosun-controller-0 bosun-controller-1 &&
	kc -n bosun get deployment bosun-api -o jsonpath="{.spec.template.spec.containers[0].args}" |
		grep -q "http://bosun-controller-0:8082,http://bosun-controller-1:8082"
'

test_expect_success 'scaling is a values change: three shards, three api pods' '
	"$BOSUN" template bosun "$CHART" --namespace bosun \
		--set controller.shards=3 --set api.replicas=3 >"$TEST_TMP/scaled.yaml" &&
	kc apply -f "$TEST_TMP/scaled.yaml" &&
	kc -n bosun rollout status deployment/bosun-controller-2 --timeout 60s &&
	kc -n bosun rollout status deployment/bosun-api --timeout 60s &&
	test "$(kc -n bosun get deployment bosun-api -o jsonpath="{.status.readyReplicas}")" = 3 &&
	kc -n bosun get deployment bosun-controller-0 \
		-o jsonpath="{.spec.template.spec.containers[0].args}" | grep -q "\"--shards\",\"3\""
'

test_expect_success 'one shard runs without --shard; zero shards is refused' '
	"$BOSUN" template bosun "$CHART" --set controller.shards=1 >"$TEST_TMP/one.yaml" &&
	grep -q "name: bosun-controller-0" "$TEST_TMP/one.yaml" &&
	! grep -q -- "--shard" "$TEST_TMP/one.yaml" &&
	expect_fail_with "controller.shards must be at least 1" \
		"$BOSUN" template bosun "$CHART" --set controller.shards=0
'

# The chart passes each role flags; every one must be a flag the role takes
# (the pods above run simulated, so nothing else would notice a wrong one).
role_args() {
	python3 - "$OUT" "$1" <<'PY'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Deployment" and d["metadata"]["name"] == sys.argv[2]:
        print("\n".join(d["spec"]["template"]["spec"]["containers"][0]["args"]))
PY
}
test_expect_success 'every flag the chart passes is one the role accepts' '
	for d in bosun-api bosun-controller-0 bosun-repo-server; do
		role=$(role_args $d | head -1) &&
		usage=$("$BOSUND" $role --help 2>&1) &&
		for f in $(role_args $d | grep "^--"); do
			case $f in --log-level|--log-format) continue ;; esac
			echo "$usage" | grep -q -- "$f" || { echo "$role has no $f"; exit 1; }
		done || exit 1
	done
'

test_done
