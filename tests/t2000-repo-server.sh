#!/bin/sh
# The repo-server alone: render a directory app from a real git repository
# over HTTP, the cache, revisions, refs, hostile paths and symlinks, a Helm
# chart through the Helm engine, metrics.
. "$(dirname "$0")/lib.sh"

REPO=$TEST_TMP/app-repo
mkdir -p "$REPO/app/sub" "$REPO/evil" "$REPO/chart"
git -C "$REPO" init -q
cat >"$REPO/app/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  key: value
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
YAML
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: deep\n' >"$REPO/app/sub/svc.yml"
echo 'ignored' >"$REPO/app/README.md"
ln -s /etc/passwd "$REPO/evil/passwd.yaml"
printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' >"$REPO/chart/Chart.yaml"
mkdir -p "$REPO/bomb" "$REPO/deep"
python3 - "$REPO" <<'PY'
import sys
root = sys.argv[1]
with open(root + "/bomb/bomb.yaml", "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n")
    f.write("  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
    for i in range(1, 9):
        f.write("  a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)))
with open(root + "/deep/deep.yaml", "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: " + "[" * 100000 + "]" * 100000 + "\n")
PY
commit_all "$REPO" first
git -C "$REPO" tag v1.0.0
git -C "$REPO" tag v1.2.0

start_bosund repo-server
URL=http://127.0.0.1:$REPO_PORT
OUT=$TEST_TMP/out.json

# call METHOD PATH [BODY]: prints the HTTP status, leaves the body in $OUT.
call() {
	if [ $# -ge 3 ]; then
		curl -sS -o "$OUT" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
			--data "$3" "$URL$2"
	else
		curl -sS -o "$OUT" -w '%{http_code}' -X "$1" "$URL$2"
	fi
}
# jq_ EXPR: evaluates a python expression over the last body (as `d`).
jq_() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"
}
expect_status() {
	got=$(call "$@")
	[ "$got" = "$want" ] || { echo "status $got, wanted $want"; cat "$OUT"; return 1; }
}

HEAD=$(git -C "$REPO" rev-parse HEAD)
q="'"

test_expect_success 'healthz answers' '
	want=200 expect_status GET /healthz && grep -q ok "$OUT"
'

test_expect_success 'renders a directory app at HEAD' '
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"app\"}" &&
	test "$(jq_ "d[\"revision\"]")" = "$HEAD" &&
	test "$(jq_ "d[\"sourceType\"]")" = Directory &&
	test "$(jq_ "[m[\"metadata\"][\"name\"] for m in d[\"manifests\"]]")" = "[${q}one${q}, ${q}two${q}]" &&
	test "$(jq_ "d[\"sources\"]")" = "[${q}app/cm.yaml${q}, ${q}app/cm.yaml${q}]" &&
	test "$(jq_ "d[\"cached\"]")" = False
'

test_expect_success 'the same request is served from the cache' '
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"app\"}" &&
	test "$(jq_ "d[\"cached\"]")" = True &&
	test "$(jq_ "len(d[\"manifests\"])")" = 2
'

test_expect_success 'recurse and include' '
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"file://$REPO\", \"path\": \"app\",
		\"directory\": {\"recurse\": true, \"include\": \"{sub/*,nothing}\"}}" &&
	test "$(jq_ "[m[\"metadata\"][\"name\"] for m in d[\"manifests\"]]")" = "[${q}deep${q}]"
'

test_expect_success 'a semver constraint picks the highest tag' '
	want=200 expect_status POST /v1/resolve "{\"repoURL\": \"$REPO\", \"targetRevision\": \"^1.0\"}" &&
	test "$(jq_ "d[\"revision\"]")" = "$HEAD"
'

test_expect_success 'a push is seen after invalidate' '
	printf "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: three\n" >"$REPO/app/three.yaml" &&
	commit_all "$REPO" second &&
	want=200 expect_status POST /v1/invalidate "{\"repoURL\": \"$REPO\"}" &&
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"app\"}" &&
	test "$(jq_ "d[\"revision\"]")" = "$(git -C "$REPO" rev-parse HEAD)" &&
	test "$(jq_ "len(d[\"manifests\"])")" = 3
'

test_expect_success 'an old commit renders by its SHA' '
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"app\",
		\"targetRevision\": \"$HEAD\"}" &&
	test "$(jq_ "len(d[\"manifests\"])")" = 2
'

test_expect_success 'refs lists branches and tags' '
	want=200 expect_status GET "/v1/refs?repo=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=str()))" "$REPO")" &&
	test "$(jq_ "[b[\"name\"] for b in d[\"branches\"]]")" = "[${q}main${q}]" &&
	test "$(jq_ "[t[\"name\"] for t in d[\"tags\"]]")" = "[${q}v1.0.0${q}, ${q}v1.2.0${q}]"
'

test_expect_success 'a path leaving the repository is refused' '
	want=400 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"../..\"}" &&
	grep -q "leaves the repository" "$OUT"
'

test_expect_success 'a symlink out of the repository is refused, naming it' '
	want=400 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"evil\"}" &&
	grep -q "symlink .evil/passwd.yaml. points outside the repository" "$OUT" &&
	! grep -q "root:" "$OUT"
'

test_expect_success 'a YAML alias bomb is refused with the file named' '
	want=413 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"bomb\"}" ||
	want=400 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"bomb\"}" &&
	grep -q "bomb/bomb.yaml:" "$OUT"
'

test_expect_success 'a 100k-deep nesting is refused with the file named' '
	want=413 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"deep\"}" ||
	want=400 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"deep\"}" &&
	grep -q "deep/deep.yaml:" "$OUT"
'

test_expect_success 'a Helm chart is rendered by the Helm engine' '
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"chart\"}" &&
	grep -q "\"sourceType\": *\"Helm\"" "$OUT"
'

test_expect_success 'bad requests say what is wrong' '
	want=400 expect_status POST /v1/manifests "{\"path\": \"app\"}" &&
	grep -q "repoURL" "$OUT" &&
	want=400 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"directory\": {\"recurse\": \"yes\"}}" &&
	grep -q "directory.recurse" "$OUT" &&
	want=400 expect_status POST /v1/manifests "{not json" &&
	want=404 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"targetRevision\": \"nope\"}" &&
	grep -q "unable to resolve .nope." "$OUT" &&
	want=404 expect_status POST /v1/manifests "{\"repoURL\": \"$TEST_TMP/missing\"}"
'

test_expect_success 'credentials in a failing URL are not echoed' '
	want=502 expect_status POST /v1/test-connection \
		"{\"repoURL\": \"http://u:pw-s3cret@127.0.0.1:9/x.git\", \"repo\": {\"password\": \"tok-s3cret\"}}" &&
	! grep -q s3cret "$OUT" && ! grep -q s3cret "$TEST_TMP/bosund-repo-server.log"
'

test_expect_success 'test-connection reaches a good repository' '
	want=200 expect_status POST /v1/test-connection "{\"repoURL\": \"$REPO\"}" &&
	test "$(jq_ "d[\"ok\"]")" = True
'

# hits: the repeated request, and the old commit by SHA (same key as the first)
test_expect_success 'metrics count git fetches and cache hits' '
	want=200 expect_status GET /metrics &&
	grep -q "^bosun_repo_cache_hits_total 2$" "$OUT" &&
	grep -q "^bosun_repo_git_fetch_total [1-9]" "$OUT" &&
	grep -q "^bosun_repo_renders_in_flight 0$" "$OUT"
'

test_expect_success 'the server is still up after the hostile requests' '
	want=200 expect_status GET /healthz
'

test_expect_success 'it stops cleanly on SIGTERM' '
	stop_bosund TERM
'

start_bosund repo-server --fetch-reuse 0
URL=http://127.0.0.1:$REPO_PORT

test_expect_success 'after a restart the cache and mirror are reused' '
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"app\"}" &&
	test "$(jq_ "d[\"cached\"]")" = True
'

test_expect_success 'with --fetch-reuse 0 every request sees the latest push' '
	printf "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: four\n" >"$REPO/app/four.yaml" &&
	commit_all "$REPO" third &&
	want=200 expect_status POST /v1/manifests "{\"repoURL\": \"$REPO\", \"path\": \"app\"}" &&
	test "$(jq_ "d[\"revision\"]")" = "$(git -C "$REPO" rev-parse HEAD)" &&
	test "$(jq_ "len(d[\"manifests\"])")" = 4
'

if [ "$test_failed" != 0 ]; then
	echo "# bosund repo-server log:"
	tail -20 "$TEST_TMP/bosund-repo-server.log" | sed 's/^/#   /'
fi
test_done
