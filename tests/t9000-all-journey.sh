#!/bin/sh
# `bosund all`: every part in one process, as `make run` starts it. One
# journey through the real CLI and kubectl: ports.json names all four parts,
# the admin password file is private, a git repo is registered, an app is
# created, synced and healthy, and SIGTERM stops the process cleanly.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

start_bosund all --pod-start-delay 100ms
SERVER=http://127.0.0.1:$API_PORT

test_expect_success 'ports.json names every part, each answering' '
	for k in api cluster repoServer controller; do
		json_get "$DATA/ports.json" $k | grep -qE "^[0-9]+$" || exit 1
	done &&
	curl -fsS "http://127.0.0.1:$API_PORT/healthz" &&
	curl -fsS "http://127.0.0.1:$REPO_PORT/healthz" &&
	curl -fsS "http://127.0.0.1:$CONTROLLER_PORT/healthz" &&
	kc get ns default
'

test_expect_success 'the admin password file is mode 0600' '
	test "$(stat -c %a "$DATA/admin-password")" = 600
'

REPO=$TEST_TMP/examples
make_git_repo "$REPO"
cp -R "$ROOT/examples/guestbook" "$REPO/"
commit_all "$REPO" "guestbook"

test_expect_success 'log in, register the repo, create the app' '
	"$BOSUN" login "$SERVER" --username admin --password "$(cat "$DATA/admin-password")" &&
	"$BOSUN" repo add "file://$REPO" &&
	"$BOSUN" app create guestbook --repo "file://$REPO" --path guestbook \
		--dest-server https://kubernetes.default.svc --dest-namespace default &&
	wait_for 30 sh -c "\"$BOSUN\" app get guestbook -o json | grep -q OutOfSync"
'

test_expect_success 'sync brings the example up, Synced and Healthy' '
	"$BOSUN" app sync guestbook --timeout 60 &&
	"$BOSUN" app wait guestbook --sync --health --timeout 60 &&
	kc rollout status deployment/guestbook-ui --timeout 60s &&
	kc get configmap guestbook-config -o jsonpath="{.data.MAX_ENTRIES}" | grep -qx 100
'

test_expect_success 'a sync right after create is accepted (the API retries conflicts)' '
	"$BOSUN" app create second --repo "file://$REPO" --path guestbook \
		--dest-server https://kubernetes.default.svc --dest-namespace second \
		--sync-option CreateNamespace=true &&
	"$BOSUN" app sync second --timeout 60 &&
	kc -n second get deployment guestbook-ui
'

kill -TERM "$BOSUND_PID"
wait "$BOSUND_PID"
STOP_RC=$?
test_expect_success 'SIGTERM stops every part and exits 0' '
	test "$STOP_RC" = 0 &&
	grep -q "shutting down" "$TEST_TMP/bosund-all.log"
'

test_done
