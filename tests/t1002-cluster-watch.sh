#!/bin/sh
# Watches on the bundled cluster at the HTTP level: Go's boolean spellings,
# replay from a resourceVersion, 410 Expired once compaction removed it,
# selectors that objects move in and out of, timeoutSeconds, bookmarks.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || test_skip_all "curl is not installed"

start_bosund cluster --history 20

TOKEN=$(cat "$DATA/cluster-token")
API="https://127.0.0.1:$CLUSTER_PORT"
# c URL... : curl with the token (the cluster's certificate is self-signed)
c() { curl -sk -H "Authorization: Bearer $TOKEN" "$@"; }
cm() {
	c -X POST -H "Content-Type: application/json" \
		-d "{\"metadata\":{\"name\":\"$1\",\"labels\":{\"tier\":\"$2\"}}}" \
		"$API/api/v1/namespaces/default/configmaps" >/dev/null
}
relabel() {
	c -X PATCH -H "Content-Type: application/merge-patch+json" \
		-d "{\"metadata\":{\"labels\":{\"tier\":\"$2\"}}}" \
		"$API/api/v1/namespaces/default/configmaps/$1" >/dev/null
}
rv_of() {
	c "$API/api/v1/namespaces/default/configmaps/$1" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['metadata']['resourceVersion'])"
}

test_expect_success 'every boolean spelling of watch starts a watch' '
	cm w0 front &&
	for v in true 1 t True TRUE; do
		c "$API/api/v1/namespaces/default/configmaps?watch=$v&timeoutSeconds=1" >"$TEST_TMP/w" &&
		grep -q "\"type\":\"ADDED\"" "$TEST_TMP/w" || return 1
	done &&
	c "$API/api/v1/namespaces/default/configmaps?watch=false" | grep -q "\"kind\":\"ConfigMapList\""
'

test_expect_success 'a label selector sees objects enter and leave it' '
	rv=$(rv_of w0) &&
	relabel w0 back &&
	relabel w0 front &&
	c "$API/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv&labelSelector=tier%3Dfront&timeoutSeconds=1" >"$TEST_TMP/sel" &&
	sed -n 1p "$TEST_TMP/sel" | grep -q "\"type\":\"DELETED\"" &&
	sed -n 2p "$TEST_TMP/sel" | grep -q "\"type\":\"ADDED\"" &&
	test $(wc -l <"$TEST_TMP/sel") = 2
'

test_expect_success 'a field selector on metadata.name' '
	cm w1 front &&
	c "$API/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dw1&timeoutSeconds=1" >"$TEST_TMP/f" &&
	test $(wc -l <"$TEST_TMP/f") = 1 && grep -q "\"name\":\"w1\"" "$TEST_TMP/f"
'

test_expect_success 'timeoutSeconds ends the stream' '
	start=$(date +%s) &&
	c "$API/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=2" >/dev/null &&
	test $(( $(date +%s) - start )) -le 5
'

test_expect_success 'a live watch receives new events' '
	(c -N "$API/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$(rv_of w1)&timeoutSeconds=5" >"$TEST_TMP/live" &) &&
	sleep 0.5 &&
	cm live-one front &&
	wait_for 5 grep -q "\"name\":\"live-one\"" "$TEST_TMP/live"
'

test_expect_success 'a resourceVersion compacted away gives 410 Expired' '
	old=$(rv_of w0) &&
	i=0 && while [ $i -lt 60 ]; do relabel w1 "t$i" || return 1; i=$((i + 1)); done &&
	c "$API/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$old&timeoutSeconds=1" >"$TEST_TMP/gone" &&
	grep -q "\"type\":\"ERROR\"" "$TEST_TMP/gone" &&
	grep -q "\"code\":410" "$TEST_TMP/gone" &&
	grep -q "\"reason\":\"Expired\"" "$TEST_TMP/gone"
'

test_expect_success 'a bad resourceVersion is a 400' '
	code=$(c -o /dev/null -w "%{http_code}" "$API/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=abc") &&
	test "$code" = 400
'

test_done
