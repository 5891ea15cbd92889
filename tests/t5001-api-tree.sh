#!/bin/sh
# The API's views that need the other parts, under `bosund all`: the
# resource tree (the controller's live cache, down the ownerReferences to
# ReplicaSets and Pods, in Argo CD's node shape), `bosun app resources -o
# tree`, and commit metadata (author, date, message, tags) from the repo
# server for a revision, cached by SHA.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v jq >/dev/null 2>&1 || test_skip_all "jq is not installed"

start_bosund all --pod-start-delay 100ms
SERVER=http://127.0.0.1:$API_PORT

GITREPO=$TEST_TMP/git/shop
make_git_repo "$GITREPO"
mkdir -p "$GITREPO/shop"
cat >"$GITREPO/shop/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox:1.36
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
YAML
git -C "$GITREPO" add -A
git -C "$GITREPO" -c user.name="Ada Lovelace" -c user.email=ada@example.com \
	commit -q -m "shop: web, migrate and settings" -m "The second paragraph."
git -C "$GITREPO" tag v1.0.0
SHA=$(git -C "$GITREPO" rev-parse HEAD)

OUT=$TEST_TMP/out.json
# get PATH: GET with the admin token into $OUT, fails unless 200.
get() {
	code=$(curl -sS -o "$OUT" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$SERVER$1")
	[ "$code" = 200 ] || { echo "GET $1 -> $code"; cat "$OUT"; return 1; }
}
tree_pods() {
	get /api/v1/applications/shop/resource-tree &&
	[ "$(jq '[.nodes[] | select(.kind == "Pod")] | length' "$OUT")" = 3 ]
}

test_expect_success 'log in, register the repo, create and sync the app' '
	"$BOSUN" login "$SERVER" --username admin --password "$(cat "$DATA/admin-password")" &&
	TOKEN=$(curl -sS -X POST "$SERVER/api/v1/session" \
		-d "{\"username\":\"admin\",\"password\":\"$(cat "$DATA/admin-password")\"}" | jq -er .token) &&
	echo "$TOKEN" >"$TEST_TMP/token" &&
	"$BOSUN" repo add "file://$GITREPO" &&
	"$BOSUN" app create shop --repo "file://$GITREPO" --path shop \
		--dest-server https://kubernetes.default.svc --dest-namespace default &&
	"$BOSUN" app sync shop --timeout 60 &&
	"$BOSUN" app wait shop --sync --health --timeout 60
'
TOKEN=$(cat "$TEST_TMP/token" 2>/dev/null)

test_expect_success 'the resource tree reaches the ReplicaSet and the Pods' '
	wait_for 30 tree_pods &&
	jq -e ".nodes[] | select(.kind == \"Deployment\" and .name == \"web\" and .group == \"apps\"
		and .version == \"v1\" and .namespace == \"default\" and (.parentRefs | not)
		and (.uid | length > 0) and .health.status == \"Healthy\")" "$OUT" >/dev/null &&
	dep=$(jq -r ".nodes[] | select(.kind == \"Deployment\") | .uid" "$OUT") &&
	jq -e ".nodes[] | select(.kind == \"ReplicaSet\" and .parentRefs[0].uid == \"$dep\"
		and .parentRefs[0].kind == \"Deployment\" and .parentRefs[0].name == \"web\"
		and .parentRefs[0].group == \"apps\" and .parentRefs[0].namespace == \"default\")" \
		"$OUT" >/dev/null &&
	rs=$(jq -r ".nodes[] | select(.kind == \"ReplicaSet\") | .uid" "$OUT") &&
	[ "$(jq "[.nodes[] | select(.kind == \"Pod\" and .parentRefs[0].uid == \"$rs\")] | length" "$OUT")" = 2 ]
'

test_expect_success 'each node carries Argo CD fields: health, info, images, resourceVersion, createdAt' '
	jq -e "[.nodes[] | select(.kind == \"Pod\" and .parentRefs[0].kind == \"ReplicaSet\")][0]
		| (.images == [\"nginx:1.25\"]) and (.resourceVersion | length > 0)
		and (.createdAt | test(\"^[0-9]{4}-\")) and (.health.status | length > 0)
		and ([.info[] | select(.name == \"Containers\")] | length == 1)" "$OUT" >/dev/null &&
	jq -e ".nodes[] | select(.kind == \"Job\" and .name == \"migrate\" and (.parentRefs | not))" "$OUT" >/dev/null &&
	job=$(jq -r ".nodes[] | select(.kind == \"Job\") | .uid" "$OUT") &&
	jq -e ".nodes[] | select(.kind == \"Pod\" and .parentRefs[0].uid == \"$job\"
		and .parentRefs[0].group == \"batch\")" "$OUT" >/dev/null &&
	jq -e ".nodes[] | select(.kind == \"ConfigMap\" and .name == \"settings\")" "$OUT" >/dev/null &&
	[ "$(jq "[.nodes[] | select(has(\"children\"))] | length" "$OUT")" = 0 ] &&
	[ "$(jq "[.nodes[].uid] | length == (unique | length)" "$OUT")" = true ]
'

test_expect_success 'bosun app resources -o tree draws the Pods under their owners' '
	"$BOSUN" app resources shop -o tree >"$TEST_TMP/tree.txt" &&
	cat "$TEST_TMP/tree.txt" &&
	grep -q "^GROUP *KIND *NAMESPACE *NAME *STATUS *HEALTH" "$TEST_TMP/tree.txt" &&
	grep -q "^apps *Deployment *default *web *Synced *Healthy" "$TEST_TMP/tree.txt" &&
	grep -q "^apps *└─ReplicaSet *default *web-[a-z0-9]* *Healthy *Rev:1$" "$TEST_TMP/tree.txt" &&
	grep -q "├─Pod *default *web-.* Healthy *Running$" "$TEST_TMP/tree.txt" &&
	[ "$(grep -c "^ *  └─Pod *default *web-\|^ *  ├─Pod *default *web-" "$TEST_TMP/tree.txt")" = 2 ] &&
	grep -q "^ *└─Pod *default *migrate-" "$TEST_TMP/tree.txt" &&
	"$BOSUN" app resources shop >"$TEST_TMP/flat.txt" &&
	! grep -q Pod "$TEST_TMP/flat.txt"
'

test_expect_success 'the live manifest of a Pod of the tree; nothing outside the tree' '
	get /api/v1/applications/shop/resource-tree &&
	pod=$(jq -r "[.nodes[] | select(.kind == \"Pod\" and .parentRefs[0].kind == \"ReplicaSet\")][0].name" "$OUT") &&
	get "/api/v1/applications/shop/resource?version=v1&kind=Pod&namespace=default&resourceName=$pod" &&
	jq -e ".manifest | fromjson | .kind == \"Pod\" and .metadata.name == \"$pod\"" "$OUT" &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -H "Authorization: Bearer $TOKEN" \
		"$SERVER/api/v1/applications/shop/resource?version=v1&kind=Secret&namespace=bosun&resourceName=bosun-secret") &&
	[ "$code" = 404 ] && jq -e ".error | test(\"not a resource of application\")" "$OUT" &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -H "Authorization: Bearer $TOKEN" \
		"$SERVER/api/v1/applications/shop/resource?kind=Pod") &&
	[ "$code" = 400 ]
'

test_expect_success 'a registered remote cluster: live manifests and managed resources from it' '
	RDATA=$TEST_TMP/remote && mkdir -p "$RDATA" &&
	{ "$BOSUND" cluster --port 0 --data-dir "$RDATA" >>"$TEST_TMP/bosund-remote.log" 2>&1 &
	  test_pids="$test_pids $!"; } &&
	wait_for 30 test -s "$RDATA/kubeconfig.yaml" &&
	CTX=$(kubectl --kubeconfig "$RDATA/kubeconfig.yaml" config current-context) &&
	"$BOSUN" cluster add "$CTX" --kubeconfig "$RDATA/kubeconfig.yaml" --name faraway &&
	mkdir -p "$GITREPO/far" &&
	printf "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: far-cm\ndata:\n  where: remote\n" \
		>"$GITREPO/far/cm.yaml" &&
	commit_all "$GITREPO" "far" &&
	"$BOSUN" app create far --repo "file://$GITREPO" --path far \
		--dest-name faraway --dest-namespace default &&
	"$BOSUN" app sync far --timeout 60 &&
	"$BOSUN" app wait far --sync --health --timeout 60 &&
	kubectl --kubeconfig "$RDATA/kubeconfig.yaml" -n default label cm far-cm seen-by=kubectl &&
	! kc -n default get cm far-cm 2>/dev/null &&
	get "/api/v1/applications/far/resource?version=v1&kind=ConfigMap&namespace=default&resourceName=far-cm" &&
	jq -e ".manifest | fromjson | .data.where == \"remote\" and .metadata.labels[\"seen-by\"] == \"kubectl\"" "$OUT" &&
	get /api/v1/applications/far/managed-resources &&
	jq -e ".items[0].liveState | fromjson | .metadata.labels[\"seen-by\"] == \"kubectl\"" "$OUT"
'

test_expect_success 'a readonly view of the tree still needs applications get' '
	code=$(curl -sS -o /dev/null -w "%{http_code}" "$SERVER/api/v1/applications/shop/resource-tree") &&
	[ "$code" = 401 ] &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -H "Authorization: Bearer $TOKEN" \
		"$SERVER/api/v1/applications/nope/resource-tree") &&
	[ "$code" = 404 ]
'

test_expect_success 'revision metadata: author, date, message and tags of a commit' '
	get "/api/v1/applications/shop/revisions/$SHA/metadata" &&
	jq -e ".author == \"Ada Lovelace <ada@example.com>\"
		and .message == \"shop: web, migrate and settings\\n\\nThe second paragraph.\\n\"
		and .tags == [\"v1.0.0\"] and (.date | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\"))" "$OUT" &&
	get /api/v1/applications/shop/revisions/v1.0.0/metadata &&
	jq -e ".tags == [\"v1.0.0\"] and (.message | startswith(\"shop:\"))" "$OUT" &&
	code=$(curl -sS -o "$OUT" -w "%{http_code}" -H "Authorization: Bearer $TOKEN" \
		"$SERVER/api/v1/applications/shop/revisions/0123456789012345678901234567890123456789/metadata") &&
	[ "$code" = 404 ] && jq -e ".error | test(\"not found\")" "$OUT" &&
	code=$(curl -sS -o /dev/null -w "%{http_code}" \
		"$SERVER/api/v1/applications/shop/revisions/$SHA/metadata") &&
	[ "$code" = 401 ]
'

test_expect_success 'the repo server caches metadata by SHA: served with the mirror gone' '
	curl -sS -X POST "http://127.0.0.1:$REPO_PORT/v1/revision-metadata" \
		-d "{\"repoURL\":\"file://$GITREPO\",\"revision\":\"$SHA\"}" >"$OUT" &&
	jq -e ".revision == \"$SHA\"" "$OUT" &&
	mv "$DATA/repos" "$DATA/repos.away" &&
	curl -sS -X POST "http://127.0.0.1:$REPO_PORT/v1/revision-metadata" \
		-d "{\"repoURL\":\"file://$GITREPO\",\"revision\":\"$SHA\"}" >"$OUT" &&
	mv "$DATA/repos.away" "$DATA/repos" &&
	jq -e ".author == \"Ada Lovelace <ada@example.com>\"" "$OUT"
'

test_expect_success 'hostile commit text: bytes that are not UTF-8 still give valid JSON' '
	git -C "$GITREPO" -c i18n.commitEncoding=latin1 commit -q --allow-empty \
		-m "$(printf "caf\351 \377\376 broken")" &&
	bad=$(git -C "$GITREPO" rev-parse HEAD) &&
	curl -sS -X POST "http://127.0.0.1:$REPO_PORT/v1/revision-metadata" \
		-d "{\"repoURL\":\"file://$GITREPO\",\"revision\":\"$bad\"}" >"$OUT" &&
	jq -e ".message | startswith(\"caf\\ufffd \\ufffd\\ufffd broken\")" "$OUT" &&
	for body in "{}" "{\"repoURL\":1}" "[1]" "{\"repoURL\":\"file://$GITREPO\"}"; do
		code=$(curl -sS -o "$OUT" -w "%{http_code}" -X POST \
			"http://127.0.0.1:$REPO_PORT/v1/revision-metadata" -d "$body") &&
		[ "$code" = 400 ] || { echo "$body -> $code"; cat "$OUT"; exit 1; }
	done
'

test_expect_success 'bosun app history shows each revision with its commit message' '
	"$BOSUN" app history shop >"$TEST_TMP/history.txt" &&
	cat "$TEST_TMP/history.txt" &&
	grep -q "^ID *DATE *REVISION *INITIATED-BY *ROLLBACK-OF *MESSAGE" "$TEST_TMP/history.txt" &&
	grep -q "$SHA .*shop: web, migrate and settings$" "$TEST_TMP/history.txt"
'

test_done
