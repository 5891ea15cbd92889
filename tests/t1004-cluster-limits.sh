#!/bin/sh
# Hostile and heavy input on the bundled cluster: 1,000 simultaneous
# watches, a watch that stops reading, watches that come and go under
# concurrent writes, 10 MiB bodies, malformed JSON and
# YAML, the wrong apiVersion or kind, invalid names. Each gets a clear
# Status error or is served, memory stays bounded, nothing crashes.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || test_skip_all "curl is not installed"

start_bosund cluster
TOKEN=$(sed -n 's/^ *token: *//p' "$DATA/kubeconfig.yaml" | head -1)
LOAD=$ROOT/tests/data/cluster/watch-load.py
CM=/api/v1/namespaces/default/configmaps

# send METHOD PATH CONTENT-TYPE FILE: the status code; the body in $TEST_TMP/out
send() {
	curl -sk -o "$TEST_TMP/out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: $3" -X "$1" "https://127.0.0.1:$CLUSTER_PORT$2" --data-binary "@$4"
}

# status CODE REASON PATTERN: $TEST_TMP/out is that Status
status() {
	python3 - "$TEST_TMP/out" "$1" "$2" "$3" <<-'PY'
	import json, re, sys
	st = json.load(open(sys.argv[1]))
	print(st)
	assert st["kind"] == "Status" and st["status"] == "Failure", st
	assert st["code"] == int(sys.argv[2]) and st["reason"] == sys.argv[3], st
	assert re.search(sys.argv[4], st["message"]), st["message"]
	PY
}

# AddressSanitizer's shadow memory and quarantine multiply what a process holds
RSS_SCALE=1
ldd "$BOSUND" 2>/dev/null | grep -q libasan && RSS_SCALE=4

rss_mb() {
	awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$BOSUND_PID/status"
}

test_expect_success '1,000 simultaneous watches all get the event, memory stays bounded' '
	python3 "$LOAD" many "$CLUSTER_PORT" "$TOKEN" "$BOSUND_PID" 1000 >"$TEST_TMP/many" &&
	cat "$TEST_TMP/many" &&
	grep -q "got_event=1000" "$TEST_TMP/many" &&
	test "$(rss_mb)" -lt $((200 * RSS_SCALE))
'

test_expect_success 'a watch that stops reading is dropped; the server stays responsive' '
	python3 "$LOAD" stalled "$CLUSTER_PORT" "$TOKEN" "$BOSUND_PID" >"$TEST_TMP/stalled" &&
	cat "$TEST_TMP/stalled" &&
	grep -q "closed=True" "$TEST_TMP/stalled" &&
	test "$(rss_mb)" -lt $((300 * RSS_SCALE))
'

test_expect_success 'watches that come and go while four clients write see every write once, in order' '
	python3 "$LOAD" race "$CLUSTER_PORT" "$TOKEN" "$BOSUND_PID" >"$TEST_TMP/race" &&
	cat "$TEST_TMP/race" &&
	grep -q "each saw every write once, in order" "$TEST_TMP/race"
'

test_expect_success 'a 10 MiB body is refused with 413 RequestEntityTooLarge' '
	head -c 10485760 /dev/zero | tr "\0" " " >"$TEST_TMP/big" &&
	code=$(send POST $CM application/json "$TEST_TMP/big") &&
	test "$code" = 413 && status 413 RequestEntityTooLarge "limit of 3145728" &&
	code=$(curl -sk -o "$TEST_TMP/out" -w "%{http_code}" -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/json" -H "Transfer-Encoding: chunked" \
		-X POST "https://127.0.0.1:$CLUSTER_PORT$CM" --data-binary "@$TEST_TMP/big") &&
	test "$code" = 413 && status 413 RequestEntityTooLarge "limit of 3145728"
'

test_expect_success 'malformed JSON and YAML are BadRequest with the position' '
	printf "{\"apiVersion\": \"v1\", \"kind\": " >"$TEST_TMP/bad.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/bad.json") &&
	test "$code" = 400 && status 400 BadRequest "^request body:1:[0-9]+: " &&
	printf "metadata:\n  name: [a\nkind: ConfigMap\n" >"$TEST_TMP/bad.yaml" &&
	code=$(send POST $CM application/yaml "$TEST_TMP/bad.yaml") &&
	test "$code" = 400 && status 400 BadRequest "^request body:[0-9]+:[0-9]+: " &&
	printf "[1, 2]" >"$TEST_TMP/array.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/array.json") &&
	test "$code" = 400 && status 400 BadRequest "not a JSON object" &&
	printf "<xml/>" >"$TEST_TMP/x.xml" &&
	code=$(send POST $CM application/xml "$TEST_TMP/x.xml") &&
	test "$code" = 415 && status 415 UnsupportedMediaType "unknown format"
'

test_expect_success 'a body of another apiVersion or kind is BadRequest' '
	printf "{\"apiVersion\":\"apps/v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}" >"$TEST_TMP/g.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/g.json") && test "$code" = 400 &&
	status 400 BadRequest "the API version in the data \(apps/v1\) does not match the expected API version \(v1\)" &&
	printf "{\"apiVersion\":\"v2\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}" >"$TEST_TMP/v.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/v.json") && test "$code" = 400 &&
	status 400 BadRequest "the API version in the data \(v2\) does not match" &&
	printf "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"a\"}}" >"$TEST_TMP/k.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/k.json") && test "$code" = 400 &&
	status 400 BadRequest "the kind in the data \(Secret\) does not match the expected kind \(ConfigMap\)"
'

test_expect_success 'invalid names are Invalid with the rule they break' '
	printf "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"Bad_Name\"}}" >"$TEST_TMP/n.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/n.json") && test "$code" = 422 &&
	status 422 Invalid "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain" &&
	printf "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a.b\"}}" >"$TEST_TMP/ns.json" &&
	code=$(send POST /api/v1/namespaces application/json "$TEST_TMP/ns.json") && test "$code" = 422 &&
	status 422 Invalid "a lowercase RFC 1123 label" &&
	printf "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}" >"$TEST_TMP/none.json" &&
	code=$(send POST $CM application/json "$TEST_TMP/none.json") && test "$code" = 422 &&
	status 422 Invalid "metadata.name: Required value"
'

test_expect_success 'the server is still well after all that' '
	code=$(curl -sk -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $TOKEN" \
		"https://127.0.0.1:$CLUSTER_PORT$CM/big-0") &&
	test "$code" = 200 && kill -0 "$BOSUND_PID"
'

test_done
