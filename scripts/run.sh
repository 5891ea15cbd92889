#!/bin/sh
# run.sh — what `make run` does: start Bosun (bundled cluster, repo server,
# controller, API and UI in one `bosund` process) with its data in
# ./bosun-data, turn examples/ into a local git repository on first start,
# register it, create the `guestbook` app, and say where everything is.
# Ctrl-C stops it cleanly; running it again reuses the data.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BOSUN_DATA_DIR:-$ROOT/bosun-data}
BOSUND=$ROOT/build/bosund
BOSUN=$ROOT/build/bosun
EXAMPLES=$DATA/examples-repo

mkdir -p "$DATA"
if [ ! -d "$EXAMPLES/.git" ]; then
	echo "run: making $EXAMPLES a git repository from examples/"
	mkdir -p "$EXAMPLES"
	cp -R "$ROOT/examples/." "$EXAMPLES/"
	git -C "$EXAMPLES" init -q -b main
	git -C "$EXAMPLES" add -A
	git -C "$EXAMPLES" -c user.name=Bosun -c user.email=bosun@localhost \
		commit -q -m "Bosun examples"
fi

rm -f "$DATA/ports.json"
"$BOSUND" all --data-dir "$DATA" --ui-dir "$ROOT/ui" "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' INT TERM

i=0
while [ ! -s "$DATA/ports.json" ]; do
	if ! kill -0 $pid 2>/dev/null; then
		echo "run: bosund exited before it was ready (see the log above)" >&2
		exit 1
	fi
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "run: bosund did not start in 60 s" >&2; kill $pid; exit 1; }
	sleep 0.1
done
API=$(sed -n 's/.*"api": *\([0-9]*\).*/\1/p' "$DATA/ports.json")
SERVER=http://127.0.0.1:$API

"$BOSUN" login "$SERVER" --username admin --password "$(cat "$DATA/admin-password")" >/dev/null
"$BOSUN" repo get "file://$EXAMPLES" >/dev/null 2>&1 ||
	"$BOSUN" repo add "file://$EXAMPLES" >/dev/null
"$BOSUN" app get guestbook >/dev/null 2>&1 ||
	"$BOSUN" app create guestbook --repo "file://$EXAMPLES" --path guestbook \
		--dest-server https://kubernetes.default.svc --dest-namespace default >/dev/null

cat <<MSG

Bosun is running.
  UI:             $SERVER   (user admin)
  admin password: $DATA/admin-password
  kubectl:        export KUBECONFIG=$DATA/kubeconfig.yaml
  CLI:            $BOSUN (logged in to $SERVER)

Try:
  $BOSUN app sync guestbook
  kubectl --kubeconfig $DATA/kubeconfig.yaml get deploy,pods,svc
  $BOSUN app diff guestbook

Ctrl-C stops Bosun; \`make run\` again reuses $DATA.
MSG
wait $pid
