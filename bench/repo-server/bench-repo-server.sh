#!/bin/sh
# bench-repo-server.sh BUILD [FILES] [WARM] [COMMITS]: the repo-server next
# to the git CLI doing the same work, in the same run, on this machine.
#
# Cold render: a directory app of FILES small manifests (default 1000) from
# a local repository, on a fresh data dir (no mirror, no cache), POST
# /v1/manifests timed by curl, 5 runs, median. Peer: `git clone --mirror` +
# `git archive HEAD app | tar -x`, and the same without extraction (archive
# to /dev/null), since writing 1,000 small files can dominate on a busy disk.
#
# Warm render (cache hit): WARM (default 200) requests on a server whose
# cache holds the answer, median and p90, from one python process that does
# not fork per request (warm-client.py): on one kept-alive connection, then
# with a new TCP connection per request; and 20 by curl (a process each).
#
# Fetch: a repository of COMMITS (default 10,000) commits made with
# `git fast-import`, mirrored by POST /v1/resolve on a fresh data dir (the
# mirror fetch plus resolving HEAD) next to `git clone --mirror`, 3 runs
# each, median; over file:// and over smart HTTP (tests/git-http.py: `git
# http-backend` behind a small python server on loopback, the same for
# both). Then one more commit upstream and the refetch: POST /v1/invalidate
# + /v1/resolve next to `git fetch --prune` in git's mirror.
#
# Prints a markdown fragment and writes it to
# BUILD/bench/results/repo-server.md for bench/RESULTS.md. Everything else
# lives in a private temp dir removed at the end.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: bench-repo-server.sh BUILD [FILES] [WARM] [COMMITS]}" && pwd)
FILES=${2:-1000}
WARM=${3:-200}
COMMITS=${4:-10000}
T=$(mktemp -d "${TMPDIR:-/tmp}/bosun-bench-repo.XXXXXX")
export TMPDIR="$T"
PID=""
HTTPD=""
trap '[ -z "$PID" ] || kill $PID 2>/dev/null; [ -z "$HTTPD" ] || kill $HTTPD 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
ms() { echo "$1 $2" | awk '{ printf "%.1f\n", ($2 - $1) / 1e6 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# --- the repository: FILES manifests under app/, plus a little else
R="$T/repo"
mkdir -p "$R/app" "$R/docs"
i=0
while [ $i -lt "$FILES" ]; do
	n=$(printf %04d $i)
	case $((i % 3)) in
	0) cat >"$R/app/deploy-$n.yaml" <<Y
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-$n
  labels: {app: web-$n, tier: frontend}
spec:
  replicas: $((i % 5 + 1))
  selector:
    matchLabels: {app: web-$n}
  template:
    metadata:
      labels: {app: web-$n, tier: frontend}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.$((i % 40)).0
          ports: [{containerPort: 8080, name: http}]
          env:
            - {name: LOG_LEVEL, value: info}
            - {name: SHARD, value: "$i"}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
Y
	;;
	1) cat >"$R/app/svc-$n.yaml" <<Y
apiVersion: v1
kind: Service
metadata:
  name: web-$n
  labels: {app: web-$n}
  annotations:
    example.com/owner: team-$((i % 12))
spec:
  type: ClusterIP
  selector: {app: web-$n}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
Y
	;;
	2) cat >"$R/app/cm-$n.yaml" <<Y
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config-$n
  labels: {app: web-$n}
data:
  app.properties: |
    server.port=8080
    cache.size=$((1000 + i))
    feature.search=true
    endpoint=https://api-$i.example.internal/v1
  region: eu-west-$((i % 3 + 1))
Y
	;;
	esac
	i=$((i + 1))
done
echo "# bench app" >"$R/docs/README.md"
git -C "$R" init -q
git -C "$R" add -A
git -C "$R" -c user.name=bench -c user.email=bench@example.com commit -qm "app of $FILES manifests"
URL="file://$R"
BYTES=$(cat "$R"/app/*.yaml | wc -c)

start_server() { # $1: data dir
	"$BUILD/bosund" repo-server --port 0 --data-dir "$1" --log-level warn >"$1.log" 2>&1 &
	PID=$!
	k=0
	while [ ! -s "$1/ports.json" ] && [ $k -lt 300 ]; do sleep 0.02; k=$((k + 1)); done
	B=http://127.0.0.1:$(sed 's/.*"repoServer": *\([0-9]*\).*/\1/' "$1/ports.json")
	k=0
	until curl -fsS -o /dev/null "$B/healthz"; do k=$((k + 1)); [ $k -lt 200 ] || exit 1; sleep 0.02; done
}
stop_server() { kill $PID; wait $PID 2>/dev/null || true; PID=""; }
REQ="{\"repoURL\":\"$URL\",\"targetRevision\":\"HEAD\",\"path\":\"app\"}"
render() { # prints seconds; checks the answer
	curl -sS -o "$T/out.json" -w '%{http_code} %{time_total}\n' -X POST \
		-H 'Content-Type: application/json' -d "$REQ" "$B/v1/manifests" >"$T/code"
	read -r code secs <"$T/code"
	[ "$code" = 200 ] || { echo "bench-repo-server: render answered $code: $(head -c 300 "$T/out.json")" >&2; exit 1; }
	echo "$secs"
}

# --- cold: fresh data dir each run; the git CLI on a fresh dir each run
: >"$T/cold"; : >"$T/git"; : >"$T/gitnox"
for run in 1 2 3 4 5; do
	D="$T/rs-$run"
	mkdir -p "$D"
	start_server "$D"
	render | awk '{ printf "%.1f\n", $1 * 1000 }' >>"$T/cold"
	[ $run -lt 5 ] && stop_server
	G="$T/git-$run"
	mkdir -p "$G/out"
	t0=$(date +%s%N)
	git clone -q --mirror "$URL" "$G/mirror.git"
	git --git-dir="$G/mirror.git" archive HEAD app | tar -x -C "$G/out"
	t1=$(date +%s%N)
	ms "$t0" "$t1" >>"$T/git"
	# the stricter peer: the same without writing the files out
	t0=$(date +%s%N)
	git clone -q --mirror "$URL" "$G/mirror2.git"
	git --git-dir="$G/mirror2.git" archive HEAD app >/dev/null
	t1=$(date +%s%N)
	ms "$t0" "$t1" >>"$T/gitnox"
	rm -rf "$G"
done
N=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["manifests"]))' "$T/out.json")
[ "$N" = "$FILES" ] || { echo "bench-repo-server: rendered $N manifests, expected $FILES" >&2; exit 1; }
COLD=$(median <"$T/cold")
GIT=$(median <"$T/git")
GITNOX=$(median <"$T/gitnox")

# --- warm: the same request on the last server, whose cache now holds it
: >"$T/warm"
k=0
while [ $k -lt 20 ]; do
	render | awk '{ printf "%.3f\n", $1 * 1000 }' >>"$T/warm"
	k=$((k + 1))
done
CURLMS=$(median <"$T/warm")
python3 "$HERE/warm-client.py" "$B" "$REQ" "$WARM" >"$T/py"
read -r KEEP KEEP90 KEEPMIN <"$T/py"
sed -n 2p "$T/py" >"$T/py2"
read -r NEWC NEWC90 NEWCMIN <"$T/py2"
RSS=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$PID/status)
OUTB=$(wc -c <"$T/out.json")
stop_server

# --- fetch: a repository of COMMITS commits, over file:// and smart HTTP
H="$T/hist.git"
git init -q --bare "$H"
python3 "$HERE/make-history.py" "$COMMITS" | git --git-dir="$H" fast-import --quiet
git --git-dir="$H" symbolic-ref HEAD refs/heads/main
git --git-dir="$H" gc -q
HSIZE=$(du -sk "$H" | awk '{ printf "%.1f", $1 / 1024 }')
python3 "$HERE/../../tests/git-http.py" "$T" "$T/http-port" >"$T/git-http.log" 2>&1 &
HTTPD=$!
k=0
while [ ! -s "$T/http-port" ] && [ $k -lt 300 ]; do sleep 0.02; k=$((k + 1)); done
[ -s "$T/http-port" ] || { echo "bench-repo-server: git http server did not start" >&2; exit 1; }
URL_HTTP="http://127.0.0.1:$(cat "$T/http-port")/hist.git"
URL_FILE="file://$H"
HEADSHA=$(git --git-dir="$H" rev-parse HEAD)

post() { # PATH BODY: prints milliseconds; checks the answer
	curl -sS -o "$T/post.json" -w '%{http_code} %{time_total}\n' -X POST \
		-H 'Content-Type: application/json' -d "$2" "$B$1" >"$T/code"
	read -r code secs <"$T/code"
	[ "$code" = 200 ] || { echo "bench-repo-server: $1 answered $code: $(head -c 300 "$T/post.json")" >&2; exit 1; }
	echo "$secs" | awk '{ printf "%.1f\n", $1 * 1000 }'
}
fetch_runs() { # URL TAG: 3 cold mirror fetches by each side; the last server stays up
	: >"$T/f-$2"
	: >"$T/g-$2"
	for run in 1 2 3; do
		D="$T/fetch-$2-$run"
		mkdir -p "$D"
		[ -z "$PID" ] || stop_server
		start_server "$D"
		post /v1/resolve "{\"repoURL\":\"$1\",\"targetRevision\":\"HEAD\"}" >>"$T/f-$2"
		grep -q "$HEADSHA" "$T/post.json" || { echo "bench-repo-server: resolved the wrong commit" >&2; exit 1; }
		G="$T/gfetch-$2-$run.git"
		t0=$(date +%s%N)
		git clone -q --mirror "$1" "$G"
		t1=$(date +%s%N)
		ms "$t0" "$t1" >>"$T/g-$2"
		[ "$run" = 3 ] || rm -rf "$G" "$D"
	done
}
fetch_runs "$URL_FILE" file
stop_server
fetch_runs "$URL_HTTP" http
# one more commit upstream, then the refetch on both sides
W="$T/hist-work"
git clone -q "$H" "$W"
echo "extra" >"$W/app/extra.txt"
git -C "$W" add -A
git -C "$W" -c user.name=bench -c user.email=bench@example.com commit -qm "one more"
git -C "$W" push -q origin main
HEADSHA=$(git -C "$W" rev-parse HEAD)
post /v1/invalidate "{\"repoURL\":\"$URL_HTTP\"}" >/dev/null
REF_B=$(post /v1/resolve "{\"repoURL\":\"$URL_HTTP\",\"targetRevision\":\"HEAD\"}")
grep -q "$HEADSHA" "$T/post.json" || { echo "bench-repo-server: the refetch missed the new commit" >&2; exit 1; }
t0=$(date +%s%N)
git --git-dir="$T/gfetch-http-3.git" fetch -q --prune origin
t1=$(date +%s%N)
REF_G=$(ms "$t0" "$t1")
stop_server

FB=$(median <"$T/f-file")
FG=$(median <"$T/g-file")
HB=$(median <"$T/f-http")
HG=$(median <"$T/g-http")
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
list() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

mkdir -p "$BUILD/bench/results"
{
	echo "## repo-server"
	echo
	echo "| benchmark | Bosun | peer (same run) | ratio / target |"
	echo "|---|---|---|---|"
	echo "| cold render of a $FILES-file directory app, fresh data dir (median of 5) | $COLD ms | git clone --mirror + archive + tar -x $GIT ms (without extraction $GITNOX ms) | $(ratio "$COLD" "$GIT")× ($(ratio "$COLD" "$GITNOX")×); target ≤ 1.2× |"
	echo "| warm render (cache hit), one kept-alive connection (median of $WARM) | $KEEP ms (p90 $KEEP90, best $KEEPMIN) | — | target ≤ 2 ms |"
	echo "| warm render (cache hit), a new connection per request from one process (median of $WARM) | $NEWC ms (p90 $NEWC90, best $NEWCMIN) | — | target ≤ 2 ms |"
	echo "| mirror fetch of $COMMITS commits over file:// (median of 3) | $FB ms | git clone --mirror $FG ms | $(ratio "$FB" "$FG")× |"
	echo "| mirror fetch of $COMMITS commits over smart HTTP (median of 3) | $HB ms | git clone --mirror $HG ms | $(ratio "$HB" "$HG")× |"
	echo "| refetch after one new commit, smart HTTP | $REF_B ms | git fetch --prune $REF_G ms | $(ratio "$REF_B" "$REF_G")× |"
	echo
	echo "Cold renders $(list "$T/cold") ms; git $(list "$T/git") ms, without extraction"
	echo "$(list "$T/gitnox") ms. The app is $BYTES bytes of YAML, $OUTB bytes of JSON out;"
	echo "repo-server RSS after the warm runs $RSS MB. Warm requests come from one python"
	echo "process (bench/repo-server/warm-client.py); by curl, a process and a connection"
	echo "per request, the median of 20 is $CURLMS ms. Fetches: a fast-import repository of"
	echo "$COMMITS commits ($HSIZE MB packed); Bosun is POST /v1/resolve on a fresh data dir"
	echo "(mirror fetch + resolving HEAD, curl time_total): file:// $(list "$T/f-file") ms, HTTP"
	echo "$(list "$T/f-http") ms; git clone --mirror: file:// $(list "$T/g-file") ms, HTTP"
	echo "$(list "$T/g-http") ms. Both HTTP sides fetch from one python server running"
	echo "git http-backend (tests/git-http.py) on loopback."
} >"$BUILD/bench/results/repo-server.md"
cat "$BUILD/bench/results/repo-server.md"
