#!/bin/sh
# Large lists on the bundled cluster are streamed: 3,000 ConfigMaps come
# back whole, valid and in order, at a resourceVersion a watch can start
# from; a label selector streams its subset; clients that stop reading do
# not keep the store's readers from the rest of the cluster; a long list is
# made on a producer thread while the worker sends.
. "$(dirname "$0")/lib.sh"

start_bosund cluster
TOKEN=$(cat "$DATA/cluster-token")
LOAD=$ROOT/tests/data/cluster/list-load.py
N=3000

test_expect_success "$N ConfigMaps of 4 KB each" '
	python3 "$LOAD" create "$CLUSTER_PORT" "$TOKEN" big $N 4000
'

test_expect_success 'the list streams whole; a selector streams its subset; a watch starts at its revision' '
	python3 "$LOAD" check "$CLUSTER_PORT" "$TOKEN" big $N >"$TEST_TMP/check" &&
	cat "$TEST_TMP/check" &&
	grep -q "^items=$N " "$TEST_TMP/check"
'

test_expect_success 'clients that stop reading hold at most half the readers, and let go when they read on' '
	python3 "$LOAD" stalled "$CLUSTER_PORT" "$TOKEN" big $N >"$TEST_TMP/stalled" &&
	cat "$TEST_TMP/stalled" &&
	grep -q "streams again" "$TEST_TMP/stalled"
'

test_expect_success 'a long list is made on a producer thread that ends with its client' '
	python3 "$LOAD" producer "$CLUSTER_PORT" "$TOKEN" big $N "$BOSUND_PID" >"$TEST_TMP/producer" &&
	cat "$TEST_TMP/producer" &&
	grep -q "no producer left" "$TEST_TMP/producer"
'

test_expect_success 'a field selector is served one object at a time, with a label selector too' '
	get() { curl -sfk -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$CLUSTER_PORT/api/v1/namespaces/big/configmaps?$1"; } &&
	get "fieldSelector=metadata.name%3Dcm-00042" >"$TEST_TMP/one.json" &&
	json_check "[i[\"metadata\"][\"name\"] for i in o[\"items\"]] == [\"cm-00042\"]" <"$TEST_TMP/one.json" &&
	get "labelSelector=pick%3Dyes" >"$TEST_TMP/labelled.json" &&
	get "labelSelector=pick%3Dyes&fieldSelector=metadata.name!%3Dcm-00042" >"$TEST_TMP/both.json" &&
	python3 -c "
import json, sys
a = [i[\"metadata\"][\"name\"] for i in json.load(open(sys.argv[1]))[\"items\"]]
b = [i[\"metadata\"][\"name\"] for i in json.load(open(sys.argv[2]))[\"items\"]]
assert \"cm-00042\" in a and b == [n for n in a if n != \"cm-00042\"], (len(a), len(b))
print(len(a), len(b))" "$TEST_TMP/labelled.json" "$TEST_TMP/both.json" &&
	kc get configmaps -n big --field-selector metadata.name=cm-00007 -o name >"$TEST_TMP/kc-one" &&
	test "$(cat "$TEST_TMP/kc-one")" = configmap/cm-00007
'

test_expect_success 'kubectl reads the streamed list; the server is still well' '
	kc get configmaps -n big -o name >"$TEST_TMP/names" &&
	test "$(grep -c "^configmap/cm-" "$TEST_TMP/names")" = $((N - 1)) &&
	kill -0 "$BOSUND_PID"
'

test_done
