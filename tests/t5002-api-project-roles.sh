#!/bin/sh
# Project roles, as Argo CD's: an AppProject's spec.roles gives the subject
# proj:<project>:<role> policies inside that project only; project tokens
# act as the role until their entry is removed; a role's groups map users
# onto it; policies that reach outside the project are refused.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v jq >/dev/null 2>&1 || test_skip_all "jq is not installed"

DATA=$TEST_TMP/cluster start_bosund cluster
CDATA=$TEST_TMP/cluster
kcc() { kubectl --kubeconfig "$CDATA/kubeconfig.yaml" "$@"; }
kcc apply -f "$ROOT/tests/data/api/crds.yaml" >/dev/null 2>&1 ||
	kcc apply -f "$ROOT/tests/data/api/crds.yaml" >/dev/null ||
	{ echo "Bail out! cannot install the CRDs"; exit 1; }
DATA=$TEST_TMP/api start_bosund api --kubeconfig "$CDATA/kubeconfig.yaml"
B=http://127.0.0.1:$API_PORT
OUT=$TEST_TMP/out.json

ADMIN=$(curl -sS -X POST "$B/api/v1/session" \
	-d "{\"username\":\"admin\",\"password\":\"$(cat "$TEST_TMP/api/admin-password")\"}" | jq -er .token)
TOKEN=$ADMIN

project() {
	# project NAME ROLES-JSON
	printf '{"project":{"metadata":{"name":"%s"},"spec":{"sourceRepos":["*"],"destinations":[{"server":"*","namespace":"*"}],"roles":%s}}}' "$1" "$2"
}
app() {
	printf 'apiVersion: bosun.io/v1alpha1\nkind: Application\nmetadata: {name: %s, namespace: bosun}\nspec:\n  project: %s\n  source: {repoURL: "https://git.example.com/x.git", path: ., targetRevision: HEAD}\n  destination: {server: "https://kubernetes.default.svc", namespace: %s}\n' "$1" "$2" "$1"
}
CI_ROLE='[{"name":"ci","description":"deploys","policies":["p, proj:team:ci, applications, get, team/*, allow","p, proj:team:ci, applications, sync, team/*, allow","p, proj:team:ci, applications, sync, team/frozen, deny"],"groups":["qa-group"]}]'

test_expect_success 'a project with a role; policies outside the project are refused' '
	expect 200 POST /api/v1/projects "$(project team "$CI_ROLE")" &&
	expect 200 POST /api/v1/projects "$(project other "[]")" &&
	{ app web team; echo ---; app frozen team; echo ---; app billing other; } | kcc apply -f - &&
	expect_error 400 "subject .proj:evil:ci." POST /api/v1/projects \
		"$(project evil "[{\"name\":\"ci\",\"policies\":[\"p, proj:team:ci, applications, get, team/*, allow\"]}]")" &&
	expect_error 400 "must be in project .evil." POST /api/v1/projects \
		"$(project evil "[{\"name\":\"ci\",\"policies\":[\"p, proj:evil:ci, applications, get, */*, allow\"]}]")" &&
	expect_error 400 "only grant" POST /api/v1/projects \
		"$(project evil "[{\"name\":\"ci\",\"policies\":[\"p, proj:evil:ci, projects, update, evil/x, allow\"]}]")" &&
	expect_error 400 "one CSV line" POST /api/v1/projects \
		"$(project evil "[{\"name\":\"ci\",\"policies\":[\"p, proj:evil:ci, applications, get, evil/*, allow\\ng, admin, proj:evil:ci\"]}]")" &&
	expect_error 400 "roles\\\\[0\\\\].name" POST /api/v1/projects "$(project evil "[{\"name\":\"bad name\"}]")" &&
	expect_error 400 "defined twice" POST /api/v1/projects "$(project evil "[{\"name\":\"a\"},{\"name\":\"a\"}]")" &&
	expect_error 400 "unknown field" POST /api/v1/projects "$(project evil "[{\"name\":\"a\",\"admin\":true}]")" &&
	expect 404 GET /api/v1/projects/evil
'

test_expect_success 'a project token acts as its role: inside the project only, deny wins' '
	expect 200 POST /api/v1/projects/team/roles/ci/token "{\"id\":\"pipeline\",\"expiresIn\":3600}" &&
	CI=$(jq -er .token "$OUT") && echo "$CI" >"$TEST_TMP/ci" &&
	expect 200 GET /api/v1/projects/team &&
	jq -e ".spec.roles[0].jwtTokens[0].id == \"pipeline\" and (.spec.roles[0].jwtTokens[0].exp > .spec.roles[0].jwtTokens[0].iat)" "$OUT" &&
	TOKEN=$CI expect 200 GET /api/v1/applications &&
	jq -e "[.items[].metadata.name] == [\"frozen\", \"web\"]" "$OUT" &&
	TOKEN=$CI expect 200 GET /api/v1/applications/web &&
	TOKEN=$CI expect 200 POST /api/v1/applications/web/sync "{}" &&
	kcc -n bosun get application web -o json | jq -e ".operation.initiatedBy.username == \"proj:team:ci\"" &&
	TOKEN=$CI expect_error 403 "applications, sync, team/frozen, sub: proj:team:ci" POST /api/v1/applications/frozen/sync "{}" &&
	TOKEN=$CI expect_error 403 "applications, delete, team/web" DELETE /api/v1/applications/web &&
	TOKEN=$CI expect_error 403 "" GET /api/v1/applications/billing &&
	TOKEN=$CI expect_error 403 "projects, update, team" POST /api/v1/projects/team/roles/ci/token "{}" &&
	TOKEN=$CI expect 200 GET /api/v1/account/can-i/applications/sync/team/web && jq -e ".value == \"yes\"" "$OUT" &&
	TOKEN=$CI expect 200 GET /api/v1/account/can-i/applications/sync/other/billing && jq -e ".value == \"no\"" "$OUT"
'
CI=$(cat "$TEST_TMP/ci" 2>/dev/null)

test_expect_success 'tokens: a role the project lacks, a duplicate id, bad input' '
	expect_error 404 "has no role .deploy." POST /api/v1/projects/team/roles/deploy/token "{}" &&
	expect_error 404 "does not exist" POST /api/v1/projects/nope/roles/ci/token "{}" &&
	expect_error 409 "already has a token .pipeline." POST /api/v1/projects/team/roles/ci/token "{\"id\":\"pipeline\"}" &&
	expect_error 400 "expiresIn" POST /api/v1/projects/team/roles/ci/token "{\"expiresIn\":\"soon\"}" &&
	expect_error 400 "invalid role name" POST "/api/v1/projects/team/roles/a%2Cb/token" "{}" &&
	expect 200 POST /api/v1/projects/team/roles/ci/token "{}" &&
	jq -e ".id | length == 32" "$OUT"
'

test_expect_success 'a forged or edited token is refused: other role, other key' '
	header=$(printf "%s" "$CI" | cut -d. -f1) &&
	body=$(printf "%s" "$CI" | cut -d. -f2 | tr "_-" "/+" | base64 -d 2>/dev/null;
	       true) &&
	forged=$(printf "%s" "$body" | sed "s/proj:team:ci/proj:other:ci/" | base64 -w0 | tr "/+" "_-" | tr -d "=") &&
	TOKEN="$header.$forged.$(printf "%s" "$CI" | cut -d. -f3)" expect 401 GET /api/v1/applications
'

test_expect_success 'deleting the token entry revokes it at once' '
	expect 200 DELETE /api/v1/projects/team/roles/ci/token/pipeline &&
	TOKEN=$CI expect_error 401 "revoked" GET /api/v1/applications &&
	expect_error 404 "no token .pipeline." DELETE /api/v1/projects/team/roles/ci/token/pipeline
'

test_expect_success 'a role s groups give users the role through policy.csv' '
	kcc -n bosun create configmap bosun-cm --dry-run=client -o yaml \
		--from-literal=accounts.carol=login | kcc apply -f - &&
	wait_for 5 sh -c "curl -sf -H \"Authorization: Bearer $ADMIN\" $B/api/v1/account/carol" &&
	expect 200 PUT /api/v1/account/password \
		"{\"name\":\"carol\",\"currentPassword\":\"$(cat "$TEST_TMP/api/admin-password")\",\"newPassword\":\"carol-pass-1\"}" &&
	CAROL=$(curl -sS -X POST "$B/api/v1/session" -d "{\"username\":\"carol\",\"password\":\"carol-pass-1\"}" | jq -er .token) &&
	TOKEN=$CAROL expect 200 GET /api/v1/applications && jq -e ".items == []" "$OUT" &&
	kcc -n bosun create configmap bosun-rbac-cm --dry-run=client -o yaml \
		--from-literal=policy.csv="g, carol, qa-group" | kcc apply -f - &&
	wait_for 5 sh -c "curl -sS -H \"Authorization: Bearer $CAROL\" $B/api/v1/applications | jq -e \".items | length == 2\"" &&
	TOKEN=$CAROL expect 200 GET /api/v1/account/can-i/applications/sync/team/web &&
	jq -e ".value == \"yes\"" "$OUT" &&
	TOKEN=$CAROL expect_error 409 "another operation" POST /api/v1/applications/web/sync "{}" &&
	TOKEN=$CAROL expect_error 403 "sync, team/frozen, sub: carol" POST /api/v1/applications/frozen/sync "{}" &&
	TOKEN=$CAROL expect_error 403 "sub: carol" GET /api/v1/applications/billing
'

test_expect_success 'removing the role takes its permissions and tokens away' '
	expect 200 POST /api/v1/projects/team/roles/ci/token "{\"id\":\"second\"}" &&
	SECOND=$(jq -er .token "$OUT") &&
	TOKEN=$SECOND expect 200 GET /api/v1/applications/web &&
	expect 200 PUT /api/v1/projects/team "$(project team "[]")" &&
	TOKEN=$SECOND expect_error 401 "revoked or its role is gone" GET /api/v1/applications/web
'

test_expect_success 'a role written around the API cannot reach outside its project' '
	kcc -n bosun patch appproject other --type merge -p "{\"spec\":{\"roles\":[{\"name\":\"sneaky\",
		\"policies\":[\"p, proj:other:sneaky, applications, *, */*, allow\",
		              \"p, proj:other:sneaky, applications, get, other/*, allow\"],
		\"jwtTokens\":[{\"iat\":1,\"id\":\"t\"}]}]}}" &&
	expect 200 POST /api/v1/projects/other/roles/sneaky/token "{\"id\":\"s2\"}" &&
	S=$(jq -er .token "$OUT") &&
	TOKEN=$S expect 200 GET /api/v1/applications/billing &&
	TOKEN=$S expect_error 403 "" GET /api/v1/applications/web &&
	TOKEN=$S expect_error 403 "applications, sync, other/billing" POST /api/v1/applications/billing/sync "{}" &&
	grep -q "ignoring a project role policy" "$TEST_TMP/bosund-api.log"
'

test_done
