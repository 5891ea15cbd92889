#!/bin/sh
# bench-repo-server.sh BUILD [FILES] [WARM]: the repo-server rendering a
# directory app of FILES small manifests (default 1000) from a local git
# repository, next to the git CLI doing the same work. Cold: a fresh data dir
# (no mirror, no cache), POST /v1/manifests timed by curl, 5 runs, median.
# Peer, same runs: `git clone --mirror` + `git archive HEAD app | tar -x`
# into a fresh temp dir, and the same without extraction (archive to
# /dev/null), since writing 1,000 small files can dominate on a busy disk.
# Warm: WARM (default 20) renders of the same request on a server whose
# cache holds it, median, once with curl (a new connection each) and once
# on one kept-alive connection. Everything lives in a private temp dir that
# is removed at the end.
set -eu
BUILD=$(cd "${1:?usage: bench-repo-server.sh BUILD [FILES] [WARM]}" && pwd)
FILES=${2:-1000}
WARM=${3:-20}
T=$(mktemp -d "${TMPDIR:-/tmp}/bosun-bench-repo.XXXXXX")
export TMPDIR="$T"
PID=""
trap '[ -z "$PID" ] || kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
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
while [ $k -lt "$WARM" ]; do
	render | awk '{ printf "%.3f\n", $1 * 1000 }' >>"$T/warm"
	k=$((k + 1))
done
WARMMS=$(median <"$T/warm")
WARMMIN=$(sort -n "$T/warm" | head -1)
# the same on one kept-alive connection, without curl's connection set-up
KEEP=$(python3 - "$B" "$REQ" "$WARM" <<'PY'
import http.client, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port)
body = sys.argv[2].encode()
ts = []
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    c.request("POST", "/v1/manifests", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    ts.append((time.perf_counter() - t0) * 1e3)
    if r.status != 200:
        sys.exit("render answered %d" % r.status)
ts.sort()
print("%.3f ms (best %.3f ms)" % (ts[(len(ts) - 1) // 2], ts[0]))
PY
)
RSS=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$PID/status)
OUTB=$(wc -c <"$T/out.json")
stop_server

echo "bench/repo-server: directory app of $FILES manifests ($BYTES bytes of YAML, $OUTB bytes of JSON out)"
echo
echo "| what | measured | target |"
echo "|---|---|---|"
echo "| cold render, fresh data dir (median of 5: $(tr '\n' ' ' <"$T/cold")ms) | $COLD ms | |"
echo "| peer: git clone --mirror + git archive app, tar -x (median of 5: $(tr '\n' ' ' <"$T/git")ms) | $GIT ms | |"
echo "| peer without extraction: clone --mirror + archive app >/dev/null (median of 5: $(tr '\n' ' ' <"$T/gitnox")ms) | $GITNOX ms | |"
echo "| cold ratio, repo-server / git CLI (clone + archive + tar -x) | $(echo "$COLD $GIT" | awk '{ printf "%.2f", $1 / $2 }')x | <= 1.2x |"
echo "| cold ratio, repo-server / git CLI without extraction | $(echo "$COLD $GITNOX" | awk '{ printf "%.2f", $1 / $2 }')x | |"
echo "| warm render, cache hit (median of $WARM, curl time_total) | $WARMMS ms (best $WARMMIN ms) | <= 2 ms |"
echo "| warm render, one kept-alive connection (median of $WARM, python http.client) | $KEEP | <= 2 ms |"
echo "| repo-server RSS after the runs | $RSS MB | |"

# --- the fragment for bench/RESULTS.md (bench/Makefile), when asked for
[ -n "${BENCH_FRAGMENT:-}" ] || exit 0
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
cat >"$BENCH_FRAGMENT" <<MD
## repo-server

| benchmark | Bosun | peer (same run) | ratio / target |
|---|---|---|---|
| cold render of a $FILES-file directory app from git (fresh data dir, median of 5) | $COLD ms | git clone --mirror + archive + tar -x $GIT ms; without extraction $GITNOX ms | $(ratio "$COLD" "$GIT")× ($(ratio "$COLD" "$GITNOX")× without extraction); target ≤ 1.2× |
| warm render, cache hit (median of $WARM) | $WARMMS ms by curl (new process each); $KEEP on a kept-alive connection | — | target ≤ 2 ms |

Runs, cold: repo-server $(tr '\n' ' ' <"$T/cold")ms; git with extraction $(tr '\n' ' ' <"$T/git")ms; without $(tr '\n' ' ' <"$T/gitnox")ms. The app is $BYTES bytes of YAML in $FILES files, the answer $OUTB bytes of JSON; the repo-server held $RSS MB RSS after the runs. Writing $FILES small files (\`tar -x\`) swings with the disk's state, hence the stricter peer without it.
MD
