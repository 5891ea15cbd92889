#!/bin/sh
# The API server against the bundled cluster and a repo server: first-start
# admin password, login and sessions, JWT attacks, throttling, API tokens,
# applications/projects/repositories/clusters CRUD with validation, sync,
# rollback, refresh, delete with cascade, RBAC for a readonly user, live
# events with resume, alerts, webhooks, and hostile input that gets 4xx
# while the server keeps serving.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v jq >/dev/null 2>&1 || test_skip_all "jq is not installed"
command -v curl >/dev/null 2>&1 || test_skip_all "curl is not installed"

DATA=$TEST_TMP/cluster start_bosund cluster --pod-start-delay 100ms
CDATA=$TEST_TMP/cluster
kcc() { kubectl --kubeconfig "$CDATA/kubeconfig.yaml" "$@"; }
kcc apply -f "$ROOT/tests/data/api/crds.yaml" >/dev/null 2>&1 ||
	kcc apply -f "$ROOT/tests/data/api/crds.yaml" >/dev/null ||
	{ echo "Bail out! cannot install the CRDs"; exit 1; }

GITREPO=$TEST_TMP/git/app
make_git_repo "$GITREPO"
mkdir -p "$GITREPO/guestbook"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\ndata:\n  a: b\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n' \
	>"$GITREPO/guestbook/all.yaml"
commit_all "$GITREPO" "guestbook"
REPO_URL=file://$GITREPO

DATA=$TEST_TMP/repo start_bosund repo-server
RPORT=$REPO_PORT

mkdir -p "$TEST_TMP/ui"
echo '<!doctype html><title>Bosun</title>' >"$TEST_TMP/ui/index.html"
echo 'console.log(1)' >"$TEST_TMP/ui/app.js"
DATA=$TEST_TMP/api start_bosund api --kubeconfig "$CDATA/kubeconfig.yaml" \
	--repo-server "http://127.0.0.1:$RPORT" --ui-dir "$TEST_TMP/ui"
ADATA=$TEST_TMP/api
B=http://127.0.0.1:$API_PORT
OUT=$TEST_TMP/out.json

login() {
	curl -sS -X POST "$B/api/v1/session" -d "{\"username\":\"$1\",\"password\":\"$2\"}" |
		jq -er .token
}
app_json() {
	# app_json NAME [PROJECT] [REPO] [SERVER] [NAMESPACE]
	printf '{"metadata":{"name":"%s"},"spec":{"project":"%s","source":{"repoURL":"%s","path":"guestbook","targetRevision":"HEAD"},"destination":{"server":"%s","namespace":"%s"}}}' \
		"$1" "${2:-default}" "${3:-$REPO_URL}" "${4:-https://kubernetes.default.svc}" "${5:-guestbook}"
}

FIRST_PW=$(cat "$ADATA/admin-password")
test_expect_success 'first start writes the admin password to a 0600 file and prints it once' '
	test -s "$ADATA/admin-password" &&
	test "$(stat -c %a "$ADATA/admin-password")" = 600 &&
	[ "$(grep -cF "$FIRST_PW" "$TEST_TMP/bosund-api.log")" = 1 ] &&
	grep -F "password=$FIRST_PW" "$TEST_TMP/bosund-api.log" |
		grep "created the admin account" | grep -q "file=$ADATA/admin-password" &&
	kcc -n bosun get secret bosun-secret -o json | jq -e ".data[\"accounts.admin.password\"]" >/dev/null
'

test_expect_success 'login with a wrong password is 401 and says nothing more' '
	TOKEN= expect_error 401 "invalid username or password" POST /api/v1/session \
		"{\"username\":\"admin\",\"password\":\"nope\"}" &&
	TOKEN= expect_error 401 "invalid username or password" POST /api/v1/session \
		"{\"username\":\"ghost\",\"password\":\"nope\"}"
'

ADMIN_PW=$(cat "$ADATA/admin-password")
TOKEN=$(login admin "$ADMIN_PW")

test_expect_success 'login gives a session; userinfo names the user' '
	test -n "$TOKEN" &&
	expect 200 GET /api/v1/session/userinfo &&
	jq -e ".loggedIn and .username == \"admin\"" "$OUT" &&
	curl -sS -D "$TEST_TMP/h" -o /dev/null -X POST "$B/api/v1/session" \
		-d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}" &&
	grep -i "^set-cookie: bosun.token=.*HttpOnly; SameSite=Strict" "$TEST_TMP/h" &&
	C=$(sed -n "s/^[Ss]et-[Cc]ookie: bosun.token=\([^;]*\);.*/\1/p" "$TEST_TMP/h") &&
	curl -sSf -H "Cookie: bosun.token=$C" "$B/api/v1/applications" >/dev/null
'

test_expect_success 'no token, garbage, alg none and forged tokens are 401' '
	TOKEN= expect_error 401 "no session" GET /api/v1/applications &&
	TOKEN=garbage expect 401 GET /api/v1/applications &&
	H=$(printf "{\"alg\":\"none\",\"typ\":\"JWT\"}" | base64 -w0 | tr "+/" "-_" | tr -d =) &&
	P=$(echo "$TOKEN" | cut -d. -f2) &&
	TOKEN="$H.$P." expect_error 401 "HS256" GET /api/v1/applications &&
	FORGED=$(printf "{\"iss\":\"bosun\",\"aud\":\"bosun\",\"sub\":\"admin\",\"iat\":1,\"exp\":9999999999,\"jti\":\"x\",\"kind\":\"session\"}" | base64 -w0 | tr "+/" "-_" | tr -d =) &&
	S=$(echo "$TOKEN" | cut -d. -f3) &&
	TOKEN="$(echo "$TOKEN" | cut -d. -f1).$FORGED.$S" expect_error 401 "signature" GET /api/v1/applications
'

test_expect_success 'settings, version, healthz and security headers' '
	TOKEN= expect 200 GET /api/v1/settings && jq -e ".appLabelKey" "$OUT" &&
	TOKEN= expect 200 GET /api/version && jq -e ".Version" "$OUT" &&
	curl -sSf "$B/healthz" | grep -q ok &&
	curl -sS -D "$TEST_TMP/h" -o /dev/null "$B/api/v1/settings" &&
	grep -qi "^x-content-type-options: nosniff" "$TEST_TMP/h" &&
	grep -qi "^content-security-policy:.*frame-ancestors .none." "$TEST_TMP/h" &&
	! grep -qi "content-security-policy:.*unsafe-inline" "$TEST_TMP/h"
'

test_expect_success 'projects: create default and a restricted one, list, get' '
	expect 200 POST /api/v1/projects "{\"project\":{\"metadata\":{\"name\":\"default\"},\"spec\":{\"sourceRepos\":[\"*\"],\"destinations\":[{\"server\":\"*\",\"namespace\":\"*\"}]}}}" &&
	expect 200 POST /api/v1/projects "{\"project\":{\"metadata\":{\"name\":\"team\"},\"spec\":{\"description\":\"team apps\",\"sourceRepos\":[\"https://git.example.com/team/*\"],\"destinations\":[{\"server\":\"https://kubernetes.default.svc\",\"namespace\":\"team-*\"}]}}}" &&
	expect_error 409 "already exists" POST /api/v1/projects "{\"project\":{\"metadata\":{\"name\":\"team\"}}}" &&
	expect 200 GET /api/v1/projects && jq -e "[.items[].metadata.name] == [\"default\",\"team\"]" "$OUT" &&
	expect 200 GET /api/v1/projects/team && jq -e ".spec.description == \"team apps\"" "$OUT" &&
	kcc -n bosun get appproject team
'

test_expect_success 'projects: bad bodies are 400' '
	expect_error 400 "unknown field .spec.bogus" POST /api/v1/projects "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"bogus\":1}}" &&
	expect_error 400 "invalid project name" POST /api/v1/projects "{\"metadata\":{\"name\":\"../x\"}}" &&
	expect_error 400 "must be a list" POST /api/v1/projects "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"sourceRepos\":\"*\"}}" &&
	expect_error 404 "does not exist" GET /api/v1/projects/nope
'

test_expect_success 'applications: create, get, list with filters' '
	expect 200 POST /api/v1/applications "$(app_json guestbook)" &&
	jq -e ".metadata.namespace == \"bosun\" and .spec.project == \"default\"" "$OUT" &&
	expect 200 POST /api/v1/applications "$(app_json other default https://github.com/x/other)" &&
	kcc -n bosun get application guestbook &&
	expect 200 GET /api/v1/applications/guestbook && jq -e ".spec.source.path == \"guestbook\"" "$OUT" &&
	expect 200 GET /api/v1/applications && jq -e "(.items | length) == 2" "$OUT" &&
	expect 200 "GET" "/api/v1/applications?search=guest" && jq -e "[.items[].metadata.name] == [\"guestbook\"]" "$OUT" &&
	expect 200 GET "/api/v1/applications?repo=https://github.com/x/other" && jq -e "[.items[].metadata.name] == [\"other\"]" "$OUT" &&
	expect 200 GET "/api/v1/applications?projects=team" && jq -e ".items == []" "$OUT" &&
	expect 200 GET "/api/v1/applications?sync=Synced" && jq -e ".items == []" "$OUT" &&
	expect_error 400 "invalid selector" GET "/api/v1/applications?selector=a%20in%20(" &&
	expect_error 409 "already exists" POST /api/v1/applications "$(app_json guestbook)" &&
	expect 200 POST "/api/v1/applications?upsert=true" "$(app_json guestbook)"
'

test_expect_success 'applications: the project decides which repos and destinations' '
	expect_error 403 "repository .* not permitted in project .team." POST /api/v1/applications \
		"$(app_json t1 team https://github.com/else/where https://kubernetes.default.svc team-a)" &&
	expect_error 403 "destination .* not permitted" POST /api/v1/applications \
		"$(app_json t1 team https://git.example.com/team/a https://kubernetes.default.svc prod)" &&
	expect 200 POST /api/v1/applications \
		"$(app_json t1 team https://git.example.com/team/a https://kubernetes.default.svc team-a)" &&
	expect_error 400 "project .nope. does not exist" POST /api/v1/applications "$(app_json t2 nope)" &&
	expect_error 400 "not registered" POST /api/v1/applications \
		"$(app_json t2 default "$REPO_URL" https://10.9.9.9:6443)" &&
	expect_error 409 "referenced by 1 applications" DELETE /api/v1/projects/team
'

test_expect_success 'applications: hostile input is 4xx with a JSON error' '
	expect_error 400 "invalid request body" POST /api/v1/applications "{not json" &&
	expect_error 400 "expected a JSON object" POST /api/v1/applications "[1,2]" &&
	expect_error 400 "invalid application name" POST /api/v1/applications "$(app_json Upper)" &&
	expect_error 400 "invalid application name" POST /api/v1/applications "$(app_json "a/b")" &&
	expect_error 400 "invalid application name" POST /api/v1/applications "$(app_json "..")" &&
	expect_error 400 "invalid application name" POST /api/v1/applications "$(app_json "caf\u00e9")" &&
	expect_error 400 "not a git or helm URL" POST /api/v1/applications "$(app_json js default "javascript:alert(1)")" &&
	expect_error 400 "unknown field .spec.bogus" POST /api/v1/applications \
		"{\"metadata\":{\"name\":\"x\"},\"spec\":{\"bogus\":true}}" &&
	expect_error 400 "unknown field .hack" POST /api/v1/applications "{\"hack\":1,\"metadata\":{\"name\":\"x\"}}" &&
	expect_error 400 "spec.destination" POST /api/v1/applications \
		"{\"metadata\":{\"name\":\"x\"},\"spec\":{\"source\":{\"repoURL\":\"$REPO_URL\"}}}" &&
	expect_error 400 "must be relative" POST /api/v1/applications \
		"{\"metadata\":{\"name\":\"x\"},\"spec\":{\"source\":{\"repoURL\":\"$REPO_URL\",\"path\":\"../../etc\"},\"destination\":{\"name\":\"in-cluster\"}}}" &&
	expect_error 404 "no such API path" GET /api/v1/applications/..%2Fx &&
	expect_error 400 "invalid application name" GET /api/v1/applications/a..b &&
	expect_error 400 "invalid application name" GET /api/v1/applications/%E2%80%AEx &&
	expect_error 404 "not found" GET /api/v1/applications/missing &&
	head -c 10485760 /dev/zero | tr "\0" a >"$TEST_TMP/big" &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -X POST -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$TEST_TMP/big" "$B/api/v1/applications") &&
	test "$code" = 413 &&
	expect_error 400 "must be true or false" POST /api/v1/applications/guestbook/sync "{\"prune\":\"yes\"}" &&
	expect_error 400 "unknown field" POST /api/v1/applications/guestbook/sync "{\"force\":1}" &&
	expect_error 400 "Name=value" POST /api/v1/applications/guestbook/sync "{\"syncOptions\":[1]}" &&
	expect_error 404 "no such API path" GET /api/v1/nothing-here &&
	curl -sSf "$B/healthz" | grep -q ok
'

test_expect_success 'applications: update spec and the whole object' '
	S=$(app_json guestbook | jq -c ".spec | .source.targetRevision = \"main\"") &&
	expect 200 PUT /api/v1/applications/guestbook/spec "$S" &&
	jq -e ".spec.source.targetRevision == \"main\"" "$OUT" &&
	expect 200 PUT /api/v1/applications/guestbook "$(app_json guestbook | jq -c ".metadata.labels = {\"team\":\"web\"}")" &&
	jq -e ".metadata.labels.team == \"web\" and .spec.source.targetRevision == \"HEAD\"" "$OUT" &&
	expect 200 GET "/api/v1/applications?selector=team%3Dweb" && jq -e "[.items[].metadata.name] == [\"guestbook\"]" "$OUT" &&
	expect_error 400 "does not match the path" PUT /api/v1/applications/guestbook "$(app_json other)" &&
	expect_error 403 "not permitted" PUT /api/v1/applications/guestbook/spec \
		"$(app_json guestbook team | jq -c .spec)"
'

test_expect_success 'sync: the project resource lists apply to the target manifests' '
	kcc -n bosun patch appproject default --type merge \
		-p "{\"spec\":{\"namespaceResourceBlacklist\":[{\"group\":\"\",\"kind\":\"Secret\"}]}}" &&
	expect_error 403 "resource :Secret .creds. is not permitted in project .default." \
		POST /api/v1/applications/guestbook/sync "{}" &&
	kcc -n bosun patch appproject default --type json \
		-p "[{\"op\":\"remove\",\"path\":\"/spec/namespaceResourceBlacklist\"}]"
'

test_expect_success 'sync writes the operation; a second sync is 409; terminate withdraws it' '
	expect 200 POST /api/v1/applications/guestbook/sync \
		"{\"revision\":\"main\",\"prune\":true,\"syncOptions\":{\"items\":[\"CreateNamespace=true\"]},\"resources\":[{\"kind\":\"ConfigMap\",\"name\":\"guestbook\"}]}" &&
	kcc -n bosun get application guestbook -o json >"$TEST_TMP/app.json" &&
	jq -e ".operation.sync.revision == \"main\" and .operation.sync.prune and .operation.initiatedBy.username == \"admin\" and .operation.sync.syncOptions == [\"CreateNamespace=true\"] and .operation.sync.resources[0].kind == \"ConfigMap\"" "$TEST_TMP/app.json" &&
	expect_error 409 "already in progress" POST /api/v1/applications/guestbook/sync "{}" &&
	expect 200 DELETE /api/v1/applications/guestbook/operation &&
	kcc -n bosun get application guestbook -o json | jq -e ".operation == null" &&
	expect_error 400 "no operation is in progress" DELETE /api/v1/applications/guestbook/operation
'

test_expect_success 'sync windows: an active deny window blocks a sync unless manualSync' '
	expect_error 400 "invalid minute" PUT /api/v1/projects/team \
		"{\"project\":{\"metadata\":{\"name\":\"team\"},\"spec\":{\"syncWindows\":[{\"kind\":\"deny\",\"schedule\":\"99 * * * *\",\"duration\":\"1h\"}]}}}" &&
	kcc -n bosun patch appproject team --type merge \
		-p "{\"spec\":{\"syncWindows\":[{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\",\"applications\":[\"t*\"]}]}}" &&
	expect_error 403 "deny sync window .* is active" POST /api/v1/applications/t1/sync "{}" &&
	kcc -n bosun patch appproject team --type merge \
		-p "{\"spec\":{\"syncWindows\":[{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\",\"applications\":[\"t*\"],\"manualSync\":true}]}}" &&
	expect 200 POST /api/v1/applications/t1/sync "{}" &&
	expect 200 DELETE /api/v1/applications/t1/operation &&
	kcc -n bosun patch appproject team --type json -p "[{\"op\":\"remove\",\"path\":\"/spec/syncWindows\"}]"
'

test_expect_success 'rollback picks a history entry; refresh sets the annotation' '
	kcc -n bosun patch application guestbook --type merge \
		-p "{\"status\":{\"history\":[{\"id\":3,\"revision\":\"abc123\",\"source\":{\"repoURL\":\"$REPO_URL\",\"path\":\"guestbook\"}}]}}" &&
	expect_error 404 "no history id 9" POST /api/v1/applications/guestbook/rollback "{\"id\":9}" &&
	expect_error 400 "history id" POST /api/v1/applications/guestbook/rollback "{\"id\":\"x\"}" &&
	expect 200 POST /api/v1/applications/guestbook/rollback "{\"id\":3,\"prune\":true}" &&
	jq -e ".operation == {\"rollback\":{\"id\":3,\"prune\":true},\"initiatedBy\":{\"username\":\"admin\"}}" "$OUT" &&
	expect 200 DELETE /api/v1/applications/guestbook/operation &&
	expect 200 GET /api/v1/applications/guestbook/history && jq -e ".items[0].id == 3" "$OUT" &&
	expect 200 GET "/api/v1/applications/guestbook?refresh=hard" &&
	kcc -n bosun get application guestbook -o jsonpath="{.metadata.annotations.bosun\.io/refresh}" | grep -qx hard &&
	expect_error 400 "normal. or .hard" GET "/api/v1/applications/guestbook?refresh=soft"
'

test_expect_success 'manifests come from the repo server, Secrets masked' '
	expect 200 GET /api/v1/applications/guestbook/manifests &&
	jq -e "(.manifests | length) == 2 and (.revision | length) == 40" "$OUT" &&
	! grep -q hunter2 "$OUT" && grep -q "++++++++" "$OUT" &&
	kcc -n bosun patch application guestbook --type merge \
		-p "{\"status\":{\"resources\":[{\"version\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"guestbook\",\"name\":\"guestbook\",\"status\":\"OutOfSync\"}]}}" &&
	expect 200 GET /api/v1/applications/guestbook/managed-resources &&
	jq -e ".items[0].kind == \"ConfigMap\" and (.items[0].targetState | fromjson | .data.a) == \"b\"" "$OUT" &&
	expect 200 GET /api/v1/applications/guestbook/resource-tree &&
	jq -e ".nodes[0].name == \"guestbook\"" "$OUT" &&
	expect 200 GET /api/v1/applications/guestbook/events
'

test_expect_success 'no endpoint shows a Secret value, not even the last-applied annotation' '
	# what a sync leaves in the cluster: the controller applies as kubectl
	# does, whose last-applied annotation holds the plain values
	printf "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: guestbook\n" | kcc apply -f - &&
	kcc -n guestbook apply -f "$GITREPO/guestbook/all.yaml" &&
	kcc -n guestbook get secret creds -o json |
		jq -e ".metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"] | test(\"hunter2\")" &&
	kcc -n bosun patch application guestbook --type merge -p "{\"status\":{\"resources\":[
		{\"version\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"guestbook\",\"name\":\"guestbook\",\"status\":\"Synced\"},
		{\"version\":\"v1\",\"kind\":\"Secret\",\"namespace\":\"guestbook\",\"name\":\"creds\",\"status\":\"Synced\"}]}}" &&
	expect 200 GET /api/v1/applications/guestbook/managed-resources &&
	jq -e "[.items[] | select(.kind == \"Secret\")][0] | (.liveState | fromjson) as \$l |
		\$l.data.password == \"++++++++\" and
		(\$l.metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"] | fromjson |
		 .stringData.password == \"++++++++\" and .metadata.name == \"creds\") and
		(.targetState | fromjson | .stringData.password == \"++++++++\")" "$OUT" ||
		{ cat "$OUT"; exit 1; } &&
	for p in managed-resources manifests resource-tree events history ""; do
		expect 200 GET "/api/v1/applications/guestbook${p:+/$p}" &&
		! grep -q -e hunter2 -e aHVudGVyMg "$OUT" || { echo "$p leaks:"; cat "$OUT"; exit 1; }
	done
'

test_expect_success 'repositories: connection test, write-only credentials' '
	expect_error 400 "unable to connect to repository .*nowhere.: repository not found" POST /api/v1/repositories \
		"{\"repo\":\"file://$TEST_TMP/nowhere\"}" &&
	expect 200 POST /api/v1/repositories "{\"repo\":\"$REPO_URL\",\"username\":\"git\",\"password\":\"s3cr3t-pw\"}" &&
	jq -e ".repo == \"$REPO_URL\" and .username == \"git\" and .hasCredentials and .connectionState.status == \"Successful\"" "$OUT" &&
	! grep -q s3cr3t "$OUT" &&
	expect 200 GET /api/v1/repositories && jq -e "(.items | length) == 1" "$OUT" && ! grep -q s3cr3t "$OUT" &&
	expect 200 GET "/api/v1/repositories/$REPO_URL" && ! grep -q s3cr3t "$OUT" &&
	kcc -n bosun get secret -l bosun.io/secret-type=repository -o json | jq -e ".items | length == 1" &&
	expect_error 409 "already exists" POST /api/v1/repositories "{\"repo\":\"$REPO_URL\"}" &&
	expect 200 PUT "/api/v1/repositories/$REPO_URL" "{\"password\":\"n3w-pw\"}" &&
	jq -e ".username == \"git\"" "$OUT" && ! grep -q n3w-pw "$OUT" &&
	expect_error 400 "unknown field" POST /api/v1/repositories "{\"repo\":\"$REPO_URL\",\"pass\":1}" &&
	expect_error 400 "repository URL" POST /api/v1/repositories "{\"repo\":\"javascript:alert(1)\"}" &&
	! grep -q -e s3cr3t -e n3w-pw "$TEST_TMP/bosund-api.log" &&
	expect 200 DELETE "/api/v1/repositories/$REPO_URL" &&
	expect 404 GET "/api/v1/repositories/$REPO_URL"
'

test_expect_success 'clusters: in-cluster is built in; add, mask, remove' '
	expect 200 GET /api/v1/clusters && jq -e ".items[0].name == \"in-cluster\"" "$OUT" &&
	expect 200 POST /api/v1/clusters "{\"server\":\"https://10.1.2.3:6443\",\"name\":\"edge\",\"config\":{\"bearerToken\":\"tok-XYZ\",\"tlsClientConfig\":{\"insecure\":true}}}" &&
	jq -e ".name == \"edge\" and .config.tlsClientConfig.insecure" "$OUT" && ! grep -q tok-XYZ "$OUT" &&
	expect 200 GET /api/v1/clusters && jq -e "(.items | length) == 2" "$OUT" && ! grep -q tok-XYZ "$OUT" &&
	expect 200 POST /api/v1/applications "$(app_json edge-app default "$REPO_URL" https://10.1.2.3:6443 web)" &&
	expect 200 DELETE /api/v1/applications/edge-app &&
	expect_error 400 "built in" DELETE "/api/v1/clusters/https://kubernetes.default.svc" &&
	expect_error 400 "https://" POST /api/v1/clusters "{\"server\":\"http://x\",\"name\":\"x\"}" &&
	expect 200 DELETE "/api/v1/clusters/https://10.1.2.3:6443" &&
	expect 404 GET "/api/v1/clusters/https://10.1.2.3:6443"
'

test_expect_success 'accounts: admin sets a new account password; it logs in' '
	kcc -n bosun create configmap bosun-cm --dry-run=client -o yaml \
		--from-literal=accounts.alice=login | kcc apply -f - &&
	wait_for 5 curl -sf -H "Authorization: Bearer $TOKEN" "$B/api/v1/account/alice" &&
	expect_error 404 "account .carol. not found" PUT /api/v1/account/password \
		"{\"name\":\"carol\",\"currentPassword\":\"$ADMIN_PW\",\"newPassword\":\"alice-pass-1\"}" &&
	expect 200 PUT /api/v1/account/password \
		"{\"name\":\"alice\",\"currentPassword\":\"$ADMIN_PW\",\"newPassword\":\"alice-pass-1\"}" &&
	login alice alice-pass-1 >/dev/null &&
	expect 200 GET /api/v1/account && jq -e "[.items[].name] == [\"admin\",\"alice\"]" "$OUT" &&
	! grep -q pbkdf2 "$OUT"
'
ALICE=$(login alice alice-pass-1)

test_expect_success 'RBAC: a user without policy sees nothing; readonly reads but cannot write' '
	TOKEN=$ALICE expect 200 GET /api/v1/applications && jq -e ".items == []" "$OUT" &&
	TOKEN=$ALICE expect_error 403 "permission denied: applications, get" GET /api/v1/applications/guestbook &&
	kcc -n bosun create configmap bosun-rbac-cm --dry-run=client -o yaml \
		--from-literal=policy.default=role:readonly | kcc apply -f - &&
	wait_for 5 sh -c "curl -sS -H \"Authorization: Bearer $ALICE\" $B/api/v1/applications | jq -e \".items | length >= 3\"" &&
	TOKEN=$ALICE expect 200 GET /api/v1/applications/guestbook &&
	TOKEN=$ALICE expect_error 403 "permission denied: applications, create, default/x" POST /api/v1/applications "$(app_json x)" &&
	TOKEN=$ALICE expect_error 403 "applications, sync, default/guestbook" POST /api/v1/applications/guestbook/sync "{}" &&
	TOKEN=$ALICE expect_error 403 "applications, delete" DELETE /api/v1/applications/guestbook &&
	TOKEN=$ALICE expect_error 403 "projects, create" POST /api/v1/projects "{\"metadata\":{\"name\":\"p\"}}" &&
	TOKEN=$ALICE expect_error 403 "repositories, create" POST /api/v1/repositories "{\"repo\":\"$REPO_URL\"}" &&
	TOKEN=$ALICE expect_error 403 "clusters, create" POST /api/v1/clusters "{\"server\":\"https://1.2.3.4\",\"name\":\"c\"}" &&
	TOKEN=$ALICE expect_error 403 "accounts, update" PUT /api/v1/account/password \
		"{\"name\":\"admin\",\"currentPassword\":\"alice-pass-1\",\"newPassword\":\"pwned-pwned\"}" &&
	TOKEN=$ALICE expect 200 GET /api/v1/account/can-i/applications/get/default/guestbook &&
	jq -e ".value == \"yes\"" "$OUT" &&
	TOKEN=$ALICE expect 200 GET /api/v1/account/can-i/applications/sync/default/guestbook &&
	jq -e ".value == \"no\"" "$OUT"
'

test_expect_success 'RBAC: a project role from policy.csv, deny wins' '
	kcc -n bosun create configmap bosun-rbac-cm --dry-run=client -o yaml \
		--from-literal=policy.csv="p, role:team, applications, *, team/*, allow
p, role:team, applications, delete, team/*, deny
g, alice, role:team" | kcc apply -f - &&
	wait_for 5 sh -c "curl -sS -H \"Authorization: Bearer $ALICE\" $B/api/v1/applications | jq -e \".items | length == 1\"" &&
	TOKEN=$ALICE expect 200 POST /api/v1/applications/t1/sync "{}" &&
	TOKEN=$ALICE expect_error 403 "applications, delete, team/t1" DELETE /api/v1/applications/t1 &&
	TOKEN=$ALICE expect_error 403 "" GET /api/v1/applications/guestbook
'

list_cache() { curl -sS "$B/metrics" | sed -n "s/^bosun_api_list_cache_total{result=\"$1\"} //p"; }
test_expect_success 'plain lists come from the list cache, per caller, and follow every change' '
	expect 200 GET /api/v1/applications && n=$(jq ".items | length" "$OUT") &&
	hits=$(list_cache hit) &&
	expect 200 GET /api/v1/applications && [ "$(jq ".items | length" "$OUT")" = "$n" ] &&
	[ "$(list_cache hit)" -gt "$hits" ] &&
	TOKEN=$ALICE expect 200 GET /api/v1/applications && jq -e ".items | length == 1" "$OUT" &&
	kcc -n bosun label application t1 cached=fresh &&
	wait_for 5 sh -c "curl -sS -H \"Authorization: Bearer $TOKEN\" $B/api/v1/applications |
		jq -e \".items[] | select(.metadata.name == \\\"t1\\\") | .metadata.labels.cached == \\\"fresh\\\"\"" &&
	expect 200 GET "/api/v1/applications?search=t1" && jq -e ".items[0].metadata.labels.cached == \"fresh\"" "$OUT"
'

test_expect_success 'login throttling: the 6th failure in a row waits' '
	for i in 1 2 3 4 5; do
		TOKEN= expect 401 POST /api/v1/session "{\"username\":\"bob\",\"password\":\"x$i\"}" || return 1
	done &&
	TOKEN= expect_error 429 "too many failed login attempts" POST /api/v1/session \
		"{\"username\":\"bob\",\"password\":\"x6\"}" &&
	curl -sS "$B/metrics" | grep -E "^bosun_api_logins_failed_total [0-9]+" &&
	curl -sS "$B/metrics" | grep -q "bosun_api_request_duration_seconds_bucket"
'

test_expect_success 'API tokens: create, use, list, revoke' '
	expect 200 POST /api/v1/account/admin/token "{\"id\":\"ci\",\"expiresIn\":3600}" &&
	CI=$(jq -r .token "$OUT") &&
	TOKEN=$CI expect 200 GET /api/v1/applications &&
	TOKEN=$CI expect 200 GET /api/v1/session/userinfo && jq -e ".authMethod == \"apiKey\"" "$OUT" &&
	expect 200 GET /api/v1/account/admin && jq -e ".tokens[0].id == \"ci\"" "$OUT" && ! grep -q "$CI" "$OUT" &&
	expect_error 409 "already has a token" POST /api/v1/account/admin/token "{\"id\":\"ci\"}" &&
	expect_error 400 "apiKey capability" POST /api/v1/account/alice/token "{}" &&
	expect 200 DELETE /api/v1/account/admin/token/ci &&
	TOKEN=$CI expect_error 401 "revoked" GET /api/v1/applications
'

test_expect_success 'logout ends the session' '
	S=$(login admin "$ADMIN_PW") &&
	TOKEN=$S expect 200 DELETE /api/v1/session &&
	TOKEN=$S expect_error 401 "logout" GET /api/v1/applications
'

test_expect_success 'a password change ends earlier sessions' '
	OLD=$TOKEN &&
	expect_error 401 "current password does not match" PUT /api/v1/account/password \
		"{\"currentPassword\":\"wrong\",\"newPassword\":\"brand-new-pass\"}" &&
	expect_error 400 "at least 8" PUT /api/v1/account/password \
		"{\"currentPassword\":\"$ADMIN_PW\",\"newPassword\":\"short\"}" &&
	expect 200 PUT /api/v1/account/password \
		"{\"currentPassword\":\"$ADMIN_PW\",\"newPassword\":\"brand-new-pass\"}" &&
	TOKEN=$OLD expect_error 401 "password change" GET /api/v1/applications &&
	TOKEN= expect 401 POST /api/v1/session "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}" &&
	login admin brand-new-pass >/dev/null
'
TOKEN=$(login admin brand-new-pass)

test_expect_success 'the applications stream sends changes, and resumes from Last-Event-ID' '
	curl -sSN -H "Authorization: Bearer $TOKEN" "$B/api/v1/stream/applications?name=streamed" \
		>"$TEST_TMP/sse" 2>/dev/null &
	SSE=$! &&
	sleep 0.3 &&
	expect 200 POST /api/v1/applications "$(app_json streamed)" &&
	wait_for 5 grep -q "\"ADDED\".*\"streamed\"" "$TEST_TMP/sse" &&
	ID=$(sed -n "s/^id: //p" "$TEST_TMP/sse" | tail -1) &&
	expect 200 DELETE "/api/v1/applications/streamed?cascade=false" &&
	wait_for 5 grep -q "\"DELETED\".*\"streamed\"" "$TEST_TMP/sse" &&
	kill $SSE &&
	timeout 2 curl -sSN -H "Authorization: Bearer $TOKEN" -H "Last-Event-ID: $ID" \
		"$B/api/v1/stream/applications?name=streamed" >"$TEST_TMP/sse2" 2>/dev/null;
	grep -q "\"DELETED\".*\"streamed\"" "$TEST_TMP/sse2" &&
	! grep -q "\"ADDED\"" "$TEST_TMP/sse2"
'

# a webhook receiver that records each request as one JSON line
cat >"$TEST_TMP/receiver.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"path": self.path, "sig": self.headers.get("X-Bosun-Signature"),
                                "team": self.headers.get("X-Team"), "body": body}) + "\n")
        self.send_response(200 if self.path != "/fail" else 500)
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
python3 "$TEST_TMP/receiver.py" "$TEST_TMP/receiver.port" "$TEST_TMP/received" &
test_pids="$test_pids $!"
wait_for 10 test -s "$TEST_TMP/receiver.port"
RECV=http://127.0.0.1:$(cat "$TEST_TMP/receiver.port")

test_expect_success 'notifications: a degraded app is posted to a webhook and Slack, signed, once' '
	cat >"$TEST_TMP/notif.yaml" <<-EOF &&
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: bosun-notifications-cm, namespace: bosun}
	data:
	  service.webhook.ops: "{url: $RECV/ops, headers: {X-Team: web}}"
	  service.slack.team: "{url: $RECV/slack}"
	  service.webhook.broken: "{url: $RECV/fail}"
	  template.short: "{\"who\": \"{{app}}\", \"what\": \"{{trigger}}\", \"msg\": \"{{message}}\"}"
	  subscriptions: |
	    - triggers: [on-health-degraded]
	      destinations: [webhook.ops, slack.team]
	      template: short
	    - triggers: [on-health-degraded]
	      destinations: [webhook.broken]
	      applications: [guestbook]
	    - triggers: [on-deployed]
	      destinations: [webhook.ops]
	EOF
	kcc apply -f "$TEST_TMP/notif.yaml" &&
	kcc -n bosun patch secret bosun-secret --type merge \
		-p "{\"stringData\":{\"notifications.webhook.ops.secret\":\"n-secret\"}}" &&
	printf "apiVersion: v1\nkind: Event\nmetadata:\n  name: guestbook.degraded1\n  namespace: bosun\ninvolvedObject:\n  kind: Application\n  name: guestbook\nreason: HealthDegraded\nmessage: \"Deployment \\\"web\\\" has 0/3 ready\"\ntype: Warning\n" | kcc create -f - &&
	wait_for 15 sh -c "grep -q /slack \"$TEST_TMP/received\" && grep -q /ops \"$TEST_TMP/received\" && test \$(grep -c /fail \"$TEST_TMP/received\") = 3" &&
	grep /ops "$TEST_TMP/received" | jq -e ".team == \"web\" and (.body | fromjson | .who == \"guestbook\" and .what == \"on-health-degraded\" and (.msg | test(\"0/3 ready\")))" &&
	B1=$(grep /ops "$TEST_TMP/received" | jq -r .body) &&
	S1=$(grep /ops "$TEST_TMP/received" | jq -r .sig) &&
	test "$S1" = "sha256=$(printf "%s" "$B1" | openssl dgst -sha256 -hmac n-secret | sed "s/.*= //")" &&
	grep /slack "$TEST_TMP/received" | jq -e ".sig == null" &&
	expect 200 GET /api/v1/notifications/deliveries &&
	jq -e "[.items[] | select(.destination == \"webhook.broken\")][0] | .delivered == false and .attempts == 3 and .status == 500" "$OUT" &&
	jq -e "[.items[] | select(.delivered)] | length == 2" "$OUT" &&
	test "$(grep -c /ops "$TEST_TMP/received")" = 1 &&
	kcc -n bosun get event guestbook.degraded1 -o json | jq -e ".metadata.annotations[\"bosun.io/notified\"]"
'

test_expect_success 'alerts come from the controller Events, listed and streamed' '
	curl -sSN -H "Authorization: Bearer $TOKEN" "$B/api/v1/stream/alerts" >"$TEST_TMP/alerts" 2>/dev/null &
	AS=$! &&
	sleep 0.3 &&
	printf "apiVersion: v1\nkind: Event\nmetadata:\n  name: guestbook.drift1\n  namespace: bosun\ninvolvedObject:\n  apiVersion: bosun.io/v1alpha1\n  kind: Application\n  name: guestbook\n  namespace: bosun\nreason: Drift\nmessage: ConfigMap guestbook drifted\ntype: Warning\n" | kcc create -f - &&
	printf "apiVersion: v1\nkind: Event\nmetadata:\n  name: guestbook.boring\n  namespace: bosun\ninvolvedObject:\n  kind: Application\n  name: guestbook\nreason: Scheduled\nmessage: nothing\n" | kcc create -f - &&
	wait_for 5 grep -q "\"type\":\"Drift\"" "$TEST_TMP/alerts" &&
	kill $AS &&
	! grep -q Scheduled "$TEST_TMP/alerts" &&
	expect 200 "GET" "/api/v1/alerts?app=guestbook" &&
	jq -e "[.items[].type] | sort == [\"Drift\", \"HealthDegraded\"]" "$OUT" &&
	expect 200 "GET" "/api/v1/alerts?app=guestbook&type=Drift" &&
	jq -e "(.items | length) == 1 and .items[0].severity == \"Warning\"" "$OUT" &&
	expect 200 GET "/api/v1/alerts?type=Deployed" && jq -e ".items == []" "$OUT" &&
	expect_error 400 "since" GET "/api/v1/alerts?since=yesterday" &&
	timeout 2 curl -sSN -H "Authorization: Bearer $TOKEN" -H "Last-Event-ID: 0" \
		"$B/api/v1/stream/alerts" >"$TEST_TMP/alerts2" 2>/dev/null;
	grep -q "ConfigMap guestbook drifted" "$TEST_TMP/alerts2"
'

test_expect_success 'webhooks: signatures checked, a push refreshes the matching apps' '
	kcc -n bosun patch application guestbook --type json \
		-p "[{\"op\":\"remove\",\"path\":\"/metadata/annotations\"}]" &&
	kcc -n bosun patch secret bosun-secret --type merge \
		-p "{\"stringData\":{\"webhook.github.secret\":\"hook-secret\"}}" &&
	BODY="{\"ref\":\"refs/heads/main\",\"repository\":{\"html_url\":\"$REPO_URL\",\"default_branch\":\"main\"}}" &&
	SIG=$(printf "%s" "$BODY" | openssl dgst -sha256 -hmac hook-secret | sed "s/.*= //") &&
	wait_for 5 sh -c "curl -sS -o /dev/null -w %{http_code} -X POST -H \"X-GitHub-Event: push\" \
		-H \"X-Hub-Signature-256: sha256=0000\" --data-binary \"{}\" $B/api/webhook | grep -qx 401" &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -X POST -H "X-GitHub-Event: push" \
		-H "X-Hub-Signature-256: sha256=$SIG" --data-binary "$BODY" "$B/api/webhook") &&
	test "$code" = 200 && { jq -e ".refreshed | index(\"guestbook\") and (index(\"t1\") | not)" "$OUT" || { cat "$OUT"; false; }; } &&
	kcc -n bosun get application guestbook -o jsonpath="{.metadata.annotations.bosun\.io/refresh}" | grep -qx normal &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -X POST -H "X-Gitlab-Event: Push Hook" \
		--data-binary "{\"project\":" "$B/api/webhook") &&
	test "$code" = 400 &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -X POST --data-binary "{}" "$B/api/webhook") &&
	test "$code" = 400 &&
	head -c 2000000 /dev/zero | tr "\0" " " >"$TEST_TMP/hook" &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -X POST -H "X-Gitlab-Event: Push Hook" \
		--data-binary @"$TEST_TMP/hook" "$B/api/webhook") &&
	test "$code" = 413
'

test_expect_success 'delete with cascade sets the finalizer; without it removes the app' '
	expect 200 DELETE /api/v1/applications/guestbook &&
	kcc -n bosun get application guestbook -o json >"$TEST_TMP/app.json" &&
	jq -e ".metadata.finalizers == [\"resources-finalizer.bosun.io\"] and .metadata.deletionTimestamp" "$TEST_TMP/app.json" &&
	expect 200 DELETE "/api/v1/applications/other?cascade=false" &&
	! kcc -n bosun get application other 2>/dev/null &&
	expect_error 400 "cascade must be" DELETE "/api/v1/applications/t1?cascade=maybe"
'

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
	-keyout "$TEST_TMP/tls.key" -out "$TEST_TMP/tls.crt" 2>/dev/null
DATA=$TEST_TMP/api2 start_bosund api --kubeconfig "$CDATA/kubeconfig.yaml" \
	--tls-cert "$TEST_TMP/tls.crt" --tls-key "$TEST_TMP/tls.key"
P2=$API_PORT

test_expect_success 'a second replica over TLS shares accounts and sessions' '
	test ! -e "$TEST_TMP/api2/admin-password" &&
	curl -sSf --cacert "$TEST_TMP/tls.crt" -H "Authorization: Bearer $TOKEN" \
		"https://localhost:$P2/api/v1/applications" | jq -e ".items | length > 0" &&
	curl -sS -D "$TEST_TMP/h2" -o /dev/null --cacert "$TEST_TMP/tls.crt" -X POST \
		-d "{\"username\":\"admin\",\"password\":\"brand-new-pass\"}" "https://localhost:$P2/api/v1/session" &&
	grep -qi "^set-cookie: bosun.token=.*; Secure" "$TEST_TMP/h2" &&
	! curl -sS "http://127.0.0.1:$P2/healthz" >/dev/null 2>&1
'

test_expect_success 'the admin password was printed once only; no other secret reaches the log' '
	[ "$(grep -c "created the admin account" "$TEST_TMP/bosund-api.log")" = 1 ] &&
	[ "$(grep -cF "$FIRST_PW" "$TEST_TMP/bosund-api.log")" = 1 ] &&
	! grep -q -e brand-new-pass -e hunter2 "$TEST_TMP/bosund-api.log" &&
	! grep -qF "$TOKEN" "$TEST_TMP/bosund-api.log"
'

test_expect_success 'the UI is served at /, never a file outside it' '
	curl -sSf "$B/" | grep -q "<title>Bosun" &&
	curl -sS -D "$TEST_TMP/h" "$B/app.js" | grep -q console &&
	grep -qi "content-type: text/javascript" "$TEST_TMP/h" &&
	curl -sSf "$B/applications/guestbook" | grep -q "<title>Bosun" &&
	! curl -sS --path-as-is "$B/../../../../etc/passwd" | grep -q root: &&
	! curl -sS --path-as-is "$B/%2e%2e/%2e%2e/etc/passwd" | grep -q root: &&
	curl -sSf "$B/healthz" | grep -q ok
'

test_done
