# tests/lib.sh — the one library every shell test sources (after git's test-lib.sh).
#
# A test is a short story of commands:
#
#     . "$(dirname "$0")/lib.sh"
#     start_bosund cluster
#     test_expect_success 'kubectl sees the cluster' '
#         kc get ns default
#     '
#     test_done
#
# Output is TAP for prove. Each test gets its own temp dir ($TEST_TMP); every
# daemon started here is stopped, and the temp dir removed, when the script
# exits (set BOSUN_KEEP_TMP=1 to keep it). Nothing sleeps a fixed time:
# wait_for polls a condition until a deadline.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BOSUN_BUILD:-$ROOT/build}
BOSUND=$BUILD/bosund
BOSUN=$BUILD/bosun
PEER=${BOSUN_PEER_DIR:-$ROOT/../shared/peer}
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bosun-test.XXXXXX")
export HOME=$TEST_TMP/home GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1
mkdir -p "$HOME"
git config --global user.name "Bosun Test"
git config --global user.email test@bosun.invalid
git config --global init.defaultBranch main
git config --global protocol.file.allow always

test_count=0
test_failed=0
test_pids=""

cleanup() {
	for p in $test_pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $test_pids; do
		# wait up to 10 s for a clean stop, then kill
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	# anything else still running from this test's temp dir: processes a
	# test started inside test_expect_success's subshell, whose pids never
	# reached test_pids (a restart test's new bosund, say)
	pkill -KILL -f -- "$TEST_TMP/" 2>/dev/null
	if [ "${BOSUN_KEEP_TMP:-}" = 1 ]; then
		echo "# kept $TEST_TMP"
	else
		rm -rf "$TEST_TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "# $*"; }

# test_expect_success DESCRIPTION COMMANDS: runs COMMANDS in this shell.
test_expect_success() {
	test_count=$((test_count + 1))
	log=$TEST_TMP/test-$test_count.log
	if (eval "$2") >"$log" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$log" | tail -40
	fi
}

# test_expect_failure-like helper for commands that must fail with a message:
# expect_fail_with PATTERN CMD...: CMD must exit non-zero and print PATTERN.
expect_fail_with() {
	pat=$1
	shift
	if out=$("$@" 2>&1); then
		echo "expected failure, but it succeeded: $out"
		return 1
	fi
	echo "$out"
	echo "$out" | grep -qE -- "$pat" || { echo "missing '$pat' in output"; return 1; }
}

test_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" = 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
	deadline=$(( $(date +%s) + $1 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# json_get FILE KEY: a top-level value of a small JSON file.
json_get() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# start_bosund ROLE [OPTIONS...]: starts `bosund ROLE` with its data in
# $TEST_TMP/data (or $DATA if set), every port picked free, and waits until
# ports.json says it listens. Sets DATA and, for each part it runs,
# CLUSTER_PORT, API_PORT, REPO_PORT, CONTROLLER_PORT.
start_bosund() {
	role=$1
	shift
	DATA=${DATA:-$TEST_TMP/data}
	mkdir -p "$DATA"
	rm -f "$DATA/ports.json"
	case $role in
	all) set -- --api-port 0 --cluster-port 0 --repo-server-port 0 --controller-port 0 "$@" ;;
	*) set -- --port 0 "$@" ;;
	esac
	"$BOSUND" "$role" --data-dir "$DATA" "$@" >>"$TEST_TMP/bosund-$role.log" 2>&1 &
	BOSUND_PID=$!
	test_pids="$test_pids $BOSUND_PID"
	if ! wait_for 30 test -s "$DATA/ports.json"; then
		echo "Bail out! bosund $role did not start:"
		sed 's/^/# /' "$TEST_TMP/bosund-$role.log" | tail -30
		exit 1
	fi
	CLUSTER_PORT=$(json_get "$DATA/ports.json" cluster 2>/dev/null || true)
	API_PORT=$(json_get "$DATA/ports.json" api 2>/dev/null || true)
	REPO_PORT=$(json_get "$DATA/ports.json" repoServer 2>/dev/null || true)
	CONTROLLER_PORT=$(json_get "$DATA/ports.json" controller 2>/dev/null || true)
}

# stop_bosund [SIGNAL]: stops the last bosund started and waits for it.
stop_bosund() {
	kill "-${1:-TERM}" "$BOSUND_PID" 2>/dev/null
	wait "$BOSUND_PID" 2>/dev/null
	return 0
}

# json_check PY: holds when the Python expression PY on `o`, the JSON read
# from stdin, is true.
json_check() {
	python3 -c "import json,sys; o=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}

# kc ARGS...: the real kubectl against the bundled cluster of $DATA.
kc() {
	kubectl --kubeconfig "$DATA/kubeconfig.yaml" "$@"
}

# make_git_repo DIR: a new git repository with one empty commit.
make_git_repo() {
	mkdir -p "$1"
	git -C "$1" init -q
	git -C "$1" commit -q --allow-empty -m "initial"
}

# commit_all DIR MESSAGE: commits everything in DIR.
commit_all() {
	git -C "$1" add -A
	git -C "$1" commit -q -m "$2"
}

# start_git_http DIR USER PASSWORD: serves the bare repositories under DIR
# over smart HTTP (tests/git-http.py: `git http-backend` as a CGI on
# loopback), asking every request for basic auth as USER:PASSWORD. Sets
# GIT_HTTP to the server's base URL (http://127.0.0.1:PORT).
start_git_http() {
	rm -f "$TEST_TMP/git-http.port"
	python3 "$ROOT/tests/git-http.py" "$1" "$TEST_TMP/git-http.port" --auth "$2:$3" \
		>>"$TEST_TMP/git-http.log" 2>&1 &
	test_pids="$test_pids $!"
	if ! wait_for 10 test -s "$TEST_TMP/git-http.port"; then
		echo "Bail out! the git HTTP server did not start"
		exit 1
	fi
	GIT_HTTP=http://127.0.0.1:$(cat "$TEST_TMP/git-http.port")
}

# api METHOD PATH [BODY]: a request to the Bosun API at $B; prints the status,
# the body goes to $OUT. $TOKEN, when set, is sent as the bearer token.
api() {
	if [ $# -ge 3 ]; then
		curl -sS -o "$OUT" -w '%{http_code}' -X "$1" -H "Authorization: Bearer ${TOKEN:-}" \
			-H 'Content-Type: application/json' --data-binary "$3" "$B$2"
	else
		curl -sS -o "$OUT" -w '%{http_code}' -X "$1" -H "Authorization: Bearer ${TOKEN:-}" "$B$2"
	fi
}
# expect STATUS METHOD PATH [BODY]
expect() {
	want=$1
	shift
	got=$(api "$@")
	[ "$got" = "$want" ] || { echo "$* -> $got, want $want"; cat "$OUT"; return 1; }
}
# expect_error STATUS PATTERN METHOD PATH [BODY]: a JSON error naming PATTERN.
expect_error() {
	want=$1 pat=$2
	shift 2
	expect "$want" "$@" &&
	jq -e ".code == $want and (.error | test(\"$pat\"))" "$OUT" >/dev/null ||
		{ echo "error body does not match '$pat':"; cat "$OUT"; return 1; }
}
