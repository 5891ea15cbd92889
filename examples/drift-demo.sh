#!/bin/sh
# drift-demo.sh — watch Bosun notice a change made behind git's back.
#
# With Bosun running (`make run`) and the CLI logged in, this syncs the
# guestbook app, then edits its live ConfigMap with kubectl as someone
# "hot-fixing" production would, and waits for the drift alert to arrive in
# `bosun alerts` (the UI shows the same alert on the app's page). A sync
# puts git's value back and the alert resolves.
#
# Usage: examples/drift-demo.sh [--no-pause] [APP]
#   APP          the guestbook app (default: guestbook)
#   --no-pause   do not wait for Enter between steps (for scripts and tests)
# Environment: BOSUN_DATA_DIR (default ./bosun-data: the kubeconfig is read
# from there), BOSUN (the CLI, default build/bosun), DEMO_NAMESPACE (the
# app's destination namespace, default "default"), DEMO_TIMEOUT (seconds to
# wait for the alert, default 60).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAUSE=1
APP=guestbook
for a in "$@"; do
	case $a in
	--no-pause) PAUSE=0 ;;
	-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "drift-demo: unknown option '$a'" >&2; exit 2 ;;
	*) APP=$a ;;
	esac
done
DATA=${BOSUN_DATA_DIR:-$ROOT/bosun-data}
BOSUN=${BOSUN:-$ROOT/build/bosun}
NS=${DEMO_NAMESPACE:-default}
TIMEOUT=${DEMO_TIMEOUT:-60}
KC="kubectl --kubeconfig $DATA/kubeconfig.yaml -n $NS"
CM=guestbook-config

step() {
	printf '\n==> %s\n' "$*"
	if [ $PAUSE = 1 ]; then
		printf '    (Enter to go on) '
		read -r _
	fi
}

[ -f "$DATA/kubeconfig.yaml" ] ||
	{ echo "drift-demo: no kubeconfig in '$DATA': is Bosun running (make run)?" >&2; exit 1; }
"$BOSUN" app get "$APP" >/dev/null ||
	{ echo "drift-demo: no app '$APP': create it first (make run does)" >&2; exit 1; }

step "sync '$APP' so that the cluster matches git"
"$BOSUN" app sync "$APP" --timeout 120
"$BOSUN" app wait "$APP" --sync --health --timeout 120
echo "MAX_ENTRIES in git and live: $($KC get configmap $CM -o jsonpath='{.data.MAX_ENTRIES}')"

step "edit the live ConfigMap with kubectl, as a hot fix would"
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
$KC patch configmap $CM --field-manager=drift-demo --type merge \
	-p '{"data":{"MAX_ENTRIES":"5"}}'
echo "MAX_ENTRIES live now: $($KC get configmap $CM -o jsonpath='{.data.MAX_ENTRIES}')"

step "wait for Bosun's drift alert (bosun alerts --app $APP --type drift)"
deadline=$(( $(date +%s) + TIMEOUT ))
until "$BOSUN" alerts --app "$APP" --type drift --since "$since" | grep -q "$APP"; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "drift-demo: no drift alert for '$APP' after ${TIMEOUT}s" >&2
		exit 1
	fi
	sleep 1
done
"$BOSUN" alerts --app "$APP" --type drift --since "$since"
api=$(sed -n 's/.*"api": *\([0-9]*\).*/\1/p' "$DATA/ports.json" 2>/dev/null || true)
[ -z "$api" ] || echo "The UI shows it on the app's page: http://127.0.0.1:$api/applications/$APP"
echo
"$BOSUN" app diff "$APP" || true

step "sync again: git's value comes back and the alert resolves"
"$BOSUN" app sync "$APP" --timeout 120
"$BOSUN" app wait "$APP" --sync --health --timeout 120
echo "MAX_ENTRIES live again: $($KC get configmap $CM -o jsonpath='{.data.MAX_ENTRIES}')"
echo
echo "drift-demo: done. (With syncPolicy.automated.selfHeal the controller would"
echo "have put it back by itself: bosun app set $APP --sync-policy automated --self-heal)"
