#!/bin/sh
# t1010 — `kubectl drain` on the bundled cluster, through the real kubectl:
# cordon, the pods/eviction subresource with PodDisruptionBudgets (429 while
# a budget forbids, the pod evicted once it allows), the disruption
# controller's PDB status, `--disable-eviction` (client-go's protobuf
# DeleteOptions), and uncordon.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null || test_skip_all "kubectl not installed"
start_bosund cluster --nodes 3 --pod-start-delay 100ms

# allowed NAME: the PDB's ALLOWED DISRUPTIONS column.
allowed() {
	kc get pdb "$1" --no-headers | awk "{ print \$4 }"
}

# pdb_status NAME FIELD VALUE: the PDB's status.FIELD is VALUE.
pdb_status() {
	test "$(kc get pdb "$1" -o jsonpath="{.status.$2}")" = "$3"
}

# ready_pods N: the web Deployment has N available replicas.
ready_pods() {
	test "$(kc get deploy web -o jsonpath='{.status.availableReplicas}')" = "$1"
}

test_expect_success 'discovery offers pods/eviction as a policy/v1 Eviction' '
	kc get --raw /api/v1 | json_check "[r for r in o[\"resources\"] if r[\"name\"] == \"pods/eviction\" and r[\"group\"] == \"policy\" and r[\"version\"] == \"v1\" and r[\"kind\"] == \"Eviction\" and r[\"verbs\"] == [\"create\"]]"
'

test_expect_success 'a budget reports its pods in its status' '
	kc create deployment web --image=nginx:1.25 --replicas=3 &&
	kc wait --for=condition=Available deploy/web --timeout=30s &&
	wait_for 20 ready_pods 3 &&
	kc create pdb web --selector=app=web --min-available=3 &&
	wait_for 10 pdb_status web expectedPods 3 &&
	kc get pdb web -o json | json_check "o[\"status\"][\"currentHealthy\"] == 3 and o[\"status\"][\"desiredHealthy\"] == 3 and o[\"status\"][\"disruptionsAllowed\"] == 0 and o[\"status\"][\"conditions\"][0][\"reason\"] == \"InsufficientPods\"" &&
	kc get pdb web | grep -E "^web +3 +N/A +0 " &&
	kc describe pdb web | grep -E "Allowed disruptions: +0"
'

test_expect_success 'drain cordons the node and is refused while the budget forbids' '
	NODE=$(kc get pods -l app=web -o jsonpath="{.items[0].spec.nodeName}") &&
	echo "$NODE" >"$TEST_TMP/node" &&
	! kc drain "$NODE" --ignore-daemonsets --timeout=3s >"$TEST_TMP/drain.out" 2>&1 &&
	grep -F "Cannot evict pod as it would violate the pod'"'"'s disruption budget." "$TEST_TMP/drain.out" &&
	kc get node "$NODE" | grep -E "Ready,SchedulingDisabled" &&
	test "$(kc get pods -l app=web --field-selector spec.nodeName=$NODE -o name | wc -l)" = 1
'

test_expect_success 'an eviction the budget forbids answers 429 naming the budget' '
	POD=$(kc get pods -l app=web -o jsonpath="{.items[0].metadata.name}") &&
	printf "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\"}}" "$POD" >"$TEST_TMP/ev.json" &&
	! kc create --raw "/api/v1/namespaces/default/pods/$POD/eviction" -f "$TEST_TMP/ev.json" >"$TEST_TMP/ev.out" 2>&1 &&
	grep -F "TooManyRequests" "$TEST_TMP/ev.out" &&
	kc get pod "$POD"
'

test_expect_success 'an Eviction naming another pod is a bad request' '
	POD=$(kc get pods -l app=web -o jsonpath="{.items[0].metadata.name}") &&
	printf "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"other\"}}" >"$TEST_TMP/other.json" &&
	! kc create --raw "/api/v1/namespaces/default/pods/$POD/eviction" -f "$TEST_TMP/other.json" 2>"$TEST_TMP/other.out" &&
	grep -F "does not match name in Eviction object" "$TEST_TMP/other.out"
'

test_expect_success 'once the budget allows one disruption, drain evicts and the pod moves' '
	NODE=$(cat "$TEST_TMP/node") &&
	kc patch pdb web --type=merge -p "{\"spec\":{\"minAvailable\":2}}" &&
	wait_for 10 pdb_status web disruptionsAllowed 1 &&
	kc drain "$NODE" --ignore-daemonsets --timeout=30s >"$TEST_TMP/drain2.out" 2>&1 &&
	grep -F "evicted" "$TEST_TMP/drain2.out" &&
	grep -F "drained" "$TEST_TMP/drain2.out" &&
	test "$(kc get pods -l app=web --field-selector spec.nodeName=$NODE -o name | wc -l)" = 0 &&
	wait_for 20 ready_pods 3
'

test_expect_success 'two budgets on one pod: the eviction is refused' '
	kc create pdb web2 --selector=app=web --max-unavailable=1 &&
	POD=$(kc get pods -l app=web -o jsonpath="{.items[0].metadata.name}") &&
	printf "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\"}}" "$POD" >"$TEST_TMP/ev2.json" &&
	! kc create --raw "/api/v1/namespaces/default/pods/$POD/eviction" -f "$TEST_TMP/ev2.json" 2>"$TEST_TMP/ev2.out" &&
	grep -F "more than one PodDisruptionBudget" "$TEST_TMP/ev2.out" &&
	kc delete pdb web2
'

test_expect_success 'maxUnavailable as a percentage rounds up, as the disruption controller does' '
	kc delete pdb web &&
	kc create pdb web --selector=app=web --max-unavailable=34% &&
	wait_for 10 pdb_status web desiredHealthy 1 &&
	test "$(allowed web)" = 2
'

test_expect_success 'drain --disable-eviction deletes with client-go protobuf DeleteOptions' '
	NODE=$(cat "$TEST_TMP/node") &&
	kc uncordon "$NODE" &&
	kc get node "$NODE" | grep -E " Ready +<none>" &&
	OTHER=$(kc get pods -l app=web -o jsonpath="{.items[0].spec.nodeName}") &&
	kc drain "$OTHER" --ignore-daemonsets --disable-eviction --timeout=30s >"$TEST_TMP/drain3.out" 2>&1 &&
	grep -F "drained" "$TEST_TMP/drain3.out" &&
	test "$(kc get pods -l app=web --field-selector spec.nodeName=$OTHER -o name | wc -l)" = 0 &&
	wait_for 20 ready_pods 3 &&
	kc uncordon "$OTHER"
'

test_done
