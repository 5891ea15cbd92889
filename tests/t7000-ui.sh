#!/bin/sh
# The web UI in a real browser: Debian's Chromium driven by playwright-core
# (tests/ui/journey.mjs) against the bundled cluster, a repo server, the
# controller and the API serving ui/. The journey logs in, registers a git
# repository, creates an application, syncs it to Healthy/Synced, syncs a
# new commit, sees a kubectl edit raise a drift alert without a reload and
# rolls back from History; screenshots go to build/ui-shots/.
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v node >/dev/null 2>&1 || test_skip_all "node is not installed"
[ -x "$CHROMIUM" ] || test_skip_all "chromium is not installed (apt-get install chromium)"
if [ ! -d "$ROOT/tests/ui/node_modules/playwright-core" ]; then
	command -v npm >/dev/null 2>&1 || test_skip_all "npm is not installed"
	(cd "$ROOT/tests/ui" && npm ci --no-audit --no-fund >"$TEST_TMP/npm.log" 2>&1) ||
		{ echo "Bail out! npm ci failed:"; sed 's/^/# /' "$TEST_TMP/npm.log" | tail -20; exit 1; }
fi

DATA=$TEST_TMP/cluster start_bosund cluster --pod-start-delay 100ms
CL=$TEST_TMP/cluster
DATA=$TEST_TMP/repo start_bosund repo-server
RPORT=$REPO_PORT
DATA=$TEST_TMP/ctrl start_bosund controller --kubeconfig "$CL/kubeconfig.yaml" \
	--repo-server "http://127.0.0.1:$RPORT"
CPORT=$CONTROLLER_PORT
# the API asks the controller for the resource tree (ReplicaSets, Pods)
DATA=$TEST_TMP/api start_bosund api --kubeconfig "$CL/kubeconfig.yaml" \
	--repo-server "http://127.0.0.1:$RPORT" --controller "http://127.0.0.1:$CPORT" \
	--ui-dir "$ROOT/ui"
B=http://127.0.0.1:$API_PORT

GITREPO=$TEST_TMP/git/guestbook
make_git_repo "$GITREPO"
mkdir -p "$GITREPO/guestbook"
cat >"$GITREPO/guestbook/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-config
  annotations:
    bosun.io/sync-wave: "-1"
data:
  color: blue
YAML
cat >"$GITREPO/guestbook/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: 2
  selector:
    matchLabels: {app: guestbook}
  template:
    metadata:
      labels: {app: guestbook}
    spec:
      containers:
      - name: web
        image: nginx:1.25
YAML
cat >"$GITREPO/guestbook/secret.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: guestbook-creds
stringData:
  password: hunter2
YAML
commit_all "$GITREPO" "guestbook: blue"

test_expect_success 'the API serves the UI with a strict CSP' '
	curl -sS -D "$TEST_TMP/h" "$B/" | grep -q "<script type=\"module\" src=\"/js/main.js\">" &&
	grep -qi "^content-security-policy: default-src .self.; script-src .self.;" "$TEST_TMP/h" &&
	curl -sSf "$B/js/main.js" >/dev/null &&
	curl -sSf "$B/css/bosun.css" >/dev/null &&
	curl -sSf "$B/applications/guestbook" | grep -q "<title>Bosun"
'

test_expect_success 'the UI has no inline script, inline handler or innerHTML' '
	! grep -rn "<script" "$ROOT/ui" --include=*.html | grep -v "<script type=\"module\" src=" &&
	! grep -rn -e " on[a-z]*=\"" -e "style=\"" -e "javascript:" "$ROOT/ui" --include=*.html &&
	! grep -rn -e "innerHTML" -e "outerHTML" -e "insertAdjacentHTML" -e "document.write" -e "eval(" \
		-e "new Function" "$ROOT/ui/js"
'

test_expect_success 'the diff, YAML writer, Secret masking and safe links pass their unit tests' '
	node --test "$ROOT/tests/ui/units.mjs"
'

SHOTS=$ROOT/build/ui-shots
RESULTS=$TEST_TMP/ui-results
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
BOSUN_URL=$B ADMIN_PASSWORD_FILE=$TEST_TMP/api/admin-password REPO_URL=file://$GITREPO \
	GIT_REPO=$GITREPO KUBECONFIG=$CL/kubeconfig.yaml SHOTS=$SHOTS RESULTS=$RESULTS CHROMIUM=$CHROMIUM \
	timeout 900 node "$ROOT/tests/ui/journey.mjs" >"$TEST_TMP/journey.log" 2>&1
sed 's/^/# /' "$TEST_TMP/journey.log" | grep -v '^# *$' | tail -40

# step NAME: the journey's step NAME passed (see tests/ui/journey.mjs).
step() {
	grep -qxF "ok|$1" "$RESULTS" && return 0
	grep -F "|$1|" "$RESULTS" || echo "the journey did not reach '$1'"
	return 1
}
test_expect_success 'log in (a wrong password is refused first)' 'step "login"'
test_expect_success 'register a git repository; connection Successful' 'step "register repository"'
test_expect_success 'create an application with the New app form' 'step "create application"'
test_expect_success 'sync it; Healthy and Synced; the graph shows the ReplicaSet and Pods' \
	'step "sync to Healthy and Synced"'
test_expect_success 'a resource shows its live and desired manifests, diff; Secrets masked; a Pod its live manifest' \
	'step "resource panel: live, desired, diff"'
test_expect_success 'a new commit goes OutOfSync after Refresh and syncs; History shows commit messages' \
	'step "sync a new commit"'
test_expect_success 'a kubectl edit raises a drift alert without a reload; its diff' \
	'step "kubectl edit raises a drift alert without a reload"'
test_expect_success 'roll back from History with confirmation' 'step "rollback from History"'
test_expect_success 'clusters, projects, table, dark theme, phone width, user menu, logout' \
	'step "other pages, menus, themes and widths"'
test_expect_success 'a thousand applications: paged, searched, live' 'step "1,000 applications stay fast"'
test_expect_success 'add and remove a cluster and a project; delete an application with cascade' \
	'step "add and remove a cluster and a project; delete an application"'
test_expect_success 'no console errors and no CSP violations' 'step "no console errors and no CSP violations"'
test_expect_success 'screenshots of each page are saved' '
	for s in 01-login 03-repositories 06-app-synced 07-pod-panel 09-alerts 10-app-diff 08-history 13-clusters 14-projects; do
		test -s "$SHOTS/$s.png" || { echo "missing $s.png"; return 1; }
	done
'

test_done
