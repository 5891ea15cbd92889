#!/bin/sh
# A new user's afternoon, through the real binaries: `bosund all`; a git
# repository served over smart HTTP with basic auth, registered with the CLI;
# three apps (plain YAML, a Helm chart, sync waves with PreSync and PostSync
# hooks) synced from the API and from the CLI; a kubectl edit behind git's
# back raising a drift alert seen by `bosun alerts --follow` and by a
# notification webhook on a local listener; self-heal putting git's value
# back; new commits deployed and listed in the history; a rollback from the
# CLI; and deleting the apps with cascade removing what they deployed.
. "$(dirname "$0")/lib.sh"
export GIT_TERMINAL_PROMPT=0

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

# --- the git server: one bare repository over HTTP, alice's password needed
SRV=$TEST_TMP/srv
git init -q --bare "$SRV/journey.git"
git -C "$SRV/journey.git" symbolic-ref HEAD refs/heads/main
start_git_http "$SRV" alice 's3cret-journey'
REPO_URL=$GIT_HTTP/journey.git

WORK=$TEST_TMP/work
make_git_repo "$WORK"
mkdir -p "$WORK/plain" "$WORK/chart/templates" "$WORK/waves"

# plain YAML: a ConfigMap, a Deployment and a Service
plain_config() {
	cat >"$WORK/plain/config.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: $1
EOF
}
plain_config hello
cat >"$WORK/plain/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/journey-web:1.0
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
EOF

# a Helm chart with a values file per environment
cat >"$WORK/chart/Chart.yaml" <<'EOF'
apiVersion: v2
name: shop
version: 0.3.0
appVersion: "2.1"
EOF
cat >"$WORK/chart/values.yaml" <<'EOF'
replicas: 1
banner: plain
EOF
cat >"$WORK/chart/values-prod.yaml" <<'EOF'
replicas: 2
banner: production
EOF
cat >"$WORK/chart/templates/_helpers.tpl" <<'EOF'
{{- define "shop.fullname" -}}{{ .Release.Name }}-shop{{- end -}}
EOF
cat >"$WORK/chart/templates/shop.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    chart: {{ .Chart.Name }}-{{ .Chart.Version }}
data:
  banner: {{ .Values.banner | quote }}
  version: {{ .Chart.AppVersion | quote }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ include "shop.fullname" . }}}
  template:
    metadata:
      labels: {app: {{ include "shop.fullname" . }}}
    spec:
      containers:
        - name: shop
          image: "registry.example/shop:{{ .Chart.AppVersion }}"
EOF

# waves: PreSync hook, wave 0 ConfigMap, wave 1 Deployment, PostSync hook
hook_job() { # NAME PHASE
	cat <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
  annotations:
    argocd.argoproj.io/hook: $2
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: $1
          image: registry.example/tools:1.0
          command: ["/bin/true"]
EOF
}
hook_job migrate PreSync >"$WORK/waves/pre.yaml"
hook_job smoke-test PostSync >"$WORK/waves/post.yaml"
cat >"$WORK/waves/app.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: waves-settings
  annotations: {argocd.argoproj.io/sync-wave: "0"}
data: {mode: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: waves-api
  annotations: {argocd.argoproj.io/sync-wave: "1"}
spec:
  replicas: 1
  selector:
    matchLabels: {app: waves-api}
  template:
    metadata:
      labels: {app: waves-api}
    spec:
      containers:
        - name: api
          image: registry.example/waves-api:1.0
EOF
commit_all "$WORK" "plain app, shop chart, waves with hooks"
git -C "$WORK" push -q "$SRV/journey.git" main
C1=$(git -C "$WORK" rev-parse HEAD)

# --- the notification listener: every POST body, one JSON line each
cat >"$TEST_TMP/listener.py" <<'PY'
import http.server, json, os, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        self.send_response(204)
        self.end_headers()
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$TEST_TMP/listener.py" "$TEST_TMP/hooks.jsonl" "$TEST_TMP/listener.port" \
	>"$TEST_TMP/listener.log" 2>&1 &
test_pids="$test_pids $!"
wait_for 10 test -s "$TEST_TMP/listener.port" || { echo "Bail out! the listener did not start"; exit 1; }
: >"$TEST_TMP/hooks.jsonl"
HOOK_URL=http://127.0.0.1:$(cat "$TEST_TMP/listener.port")/bosun

start_bosund all --pod-start-delay 100ms
SERVER=http://127.0.0.1:$API_PORT
DEST="--dest-server https://kubernetes.default.svc --sync-option CreateNamespace=true"
NS=journey

# app_field APP JQ: one value of the Application as the CLI shows it.
app_field() {
	"$BOSUN" app get "$1" -o json | jq -r "$2"
}
live_greeting() {
	kc -n $NS get configmap web-config -o jsonpath='{.data.greeting}'
}
# wait_greeting VALUE: until the live ConfigMap says VALUE.
wait_greeting() {
	wait_for 60 sh -c "test \"\$(kubectl --kubeconfig \"$DATA/kubeconfig.yaml\" -n $NS get configmap web-config -o jsonpath='{.data.greeting}')\" = $1"
}

test_expect_success 'log in with the admin password' '
	"$BOSUN" login "$SERVER" --username admin --password "$(cat "$DATA/admin-password")" &&
	"$BOSUN" version | grep -q "bosund\|server"
'

test_expect_success 'the repository needs its password; registered with it' '
	expect_fail_with "^bosun: unable to connect to repository .$REPO_URL.: authentication failed: the repository requires credentials and none were given$" \
		"$BOSUN" repo add "$REPO_URL" &&
	"$BOSUN" repo add "$REPO_URL" --username alice --password s3cret-journey &&
	"$BOSUN" repo get "$REPO_URL" -o json >"$TEST_TMP/repo.json" &&
	! grep -q s3cret-journey "$TEST_TMP/repo.json" &&
	"$BOSUN" repo list | grep -q "$REPO_URL"
'

test_expect_success 'create the plain, Helm and waves apps' '
	"$BOSUN" app create web --repo "$REPO_URL" --path plain $DEST --dest-namespace $NS &&
	"$BOSUN" app create shop --repo "$REPO_URL" --path chart --values values-prod.yaml \
		--release-name prod $DEST --dest-namespace $NS &&
	"$BOSUN" app create waves --repo "$REPO_URL" --path waves $DEST --dest-namespace $NS &&
	for a in web shop waves; do
		wait_for 60 sh -c "\"$BOSUN\" app get $a -o json | jq -e \".status.sync.status == \\\"OutOfSync\\\"\"" || exit 1
	done &&
	"$BOSUN" app list | grep -c OutOfSync | grep -qx 3
'

test_expect_success 'sync the Helm app from the API: values-prod.yaml applied' '
	TOKEN=$(curl -fsS -X POST "$SERVER/api/v1/session" \
		-d "{\"username\":\"admin\",\"password\":\"$(cat "$DATA/admin-password")\"}" | jq -r .token) &&
	curl -fsS -X POST -H "Authorization: Bearer $TOKEN" -d "{}" \
		"$SERVER/api/v1/applications/shop/sync" >"$TEST_TMP/sync.json" &&
	"$BOSUN" app wait shop --sync --health --operation --timeout 90 &&
	test "$(app_field shop .status.operationState.phase)" = Succeeded &&
	test "$(kc -n $NS get configmap prod-shop -o jsonpath={.data.banner})" = production &&
	test "$(kc -n $NS get deploy prod-shop -o jsonpath={.spec.replicas})" = 2 &&
	test "$(kc -n $NS get deploy prod-shop -o jsonpath={.spec.template.spec.containers[0].image})" = registry.example/shop:2.1
'

test_expect_success 'sync the plain app from the CLI: Synced and Healthy' '
	"$BOSUN" app sync web --timeout 90 &&
	"$BOSUN" app wait web --sync --health --timeout 90 &&
	test "$(live_greeting)" = hello &&
	kc -n $NS get service web &&
	kc -n $NS rollout status deploy/web --timeout 60s &&
	test "$(app_field web .status.sync.revision)" = "$C1"
'

test_expect_success 'sync the waves app: PreSync, wave 0, wave 1, then PostSync' '
	"$BOSUN" app sync waves --timeout 120 &&
	"$BOSUN" app wait waves --sync --health --timeout 90 &&
	kc -n $NS get job migrate -o jsonpath={.status.succeeded} | grep -qx 1 &&
	kc -n $NS get job smoke-test -o jsonpath={.status.succeeded} | grep -qx 1 &&
	kc -n $NS get configmap waves-settings &&
	kc -n $NS get deploy waves-api &&
	"$BOSUN" app get waves -o json |
		jq -r ".status.operationState.syncResult.resources[] | \"\(.hookPhase // .syncPhase // \"-\") \(.kind)/\(.name)\"" \
		>"$TEST_TMP/waves-order" &&
	cat "$TEST_TMP/waves-order" &&
	grep -n . "$TEST_TMP/waves-order" | grep -E "Job/migrate|ConfigMap/waves-settings|Deployment/waves-api|Job/smoke-test" |
		cut -d: -f2- | sed "s/^[^ ]* //" | tr "\n" " " >"$TEST_TMP/order" &&
	test "$(cat "$TEST_TMP/order")" = "Job/migrate ConfigMap/waves-settings Deployment/waves-api Job/smoke-test "
'

# the notification route: drift alerts of app web to the local listener
cat >"$TEST_TMP/notify.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: bosun-notifications-cm, namespace: bosun}
data:
  service.webhook.journey: "{url: $HOOK_URL}"
  subscriptions: |
    - triggers: [on-drift]
      destinations: [webhook.journey]
      applications: [web]
EOF

# follows the alerts stream from its start (lastEventId=0), so nothing raised
# after this line can be missed however late the stream connects
"$BOSUN" alerts --follow --app web >"$TEST_TMP/follow.out" 2>"$TEST_TMP/follow.err" &
FOLLOW=$!
test_pids="$test_pids $FOLLOW"

test_expect_success 'a kubectl edit is drift: seen by alerts --follow and the webhook' '
	kc apply -f "$TEST_TMP/notify.yaml" &&
	kill -0 $FOLLOW &&
	kc -n $NS patch configmap web-config --field-manager=journey-hotfix --type merge \
		-p "{\"data\":{\"greeting\":\"hacked\"}}" &&
	wait_for 60 grep -q "Drift.*web" "$TEST_TMP/follow.out" &&
	cat "$TEST_TMP/follow.out" &&
	grep "Drift.*web" "$TEST_TMP/follow.out" | grep -q greeting &&
	wait_for 60 grep -q on-drift "$TEST_TMP/hooks.jsonl" &&
	grep on-drift "$TEST_TMP/hooks.jsonl" | head -1 | jq -r .body >"$TEST_TMP/hook-body.json" &&
	cat "$TEST_TMP/hook-body.json" &&
	jq -e ".app == \"web\" and .trigger == \"on-drift\" and .type == \"Drift\" and
		(.message | test(\"data.greeting\")) and (.message | test(\"hacked\")) and (.message | test(\"journey-hotfix\"))" "$TEST_TMP/hook-body.json" &&
	wait_for 30 sh -c "\"$BOSUN\" app get web -o json | jq -e \".status.sync.status == \\\"OutOfSync\\\"\"" &&
	test "$(live_greeting)" = hacked
'

test_expect_success 'self-heal puts git back, and keeps it there' '
	"$BOSUN" app set web --sync-policy automated --self-heal &&
	wait_greeting hello &&
	kc -n $NS patch configmap web-config --field-manager=journey-hotfix --type merge \
		-p "{\"data\":{\"greeting\":\"hacked-again\"}}" &&
	wait_greeting hello &&
	"$BOSUN" app wait web --sync --health --timeout 60
'

test_expect_success 'new commits are deployed by the automated sync' '
	plain_config v2 && commit_all "$WORK" "greeting v2" &&
	git -C "$WORK" push -q "$SRV/journey.git" main &&
	"$BOSUN" app get web --refresh >/dev/null &&
	wait_greeting v2 &&
	plain_config v3 && commit_all "$WORK" "greeting v3" &&
	git -C "$WORK" push -q "$SRV/journey.git" main &&
	"$BOSUN" app get web --refresh >/dev/null &&
	wait_greeting v3 &&
	wait_for 60 sh -c "test \"\$(\"$BOSUN\" app get web -o json | jq -r .status.sync.revision)\" = $(git -C "$WORK" rev-parse HEAD)"
'

test_expect_success 'the history shows each deployed commit' '
	"$BOSUN" app history web >"$TEST_TMP/history" &&
	cat "$TEST_TMP/history" &&
	for c in $C1 $(git -C "$WORK" rev-parse HEAD~1 HEAD); do
		grep -q "$(echo $c | cut -c1-7)" "$TEST_TMP/history" || { echo "missing $c"; exit 1; }
	done &&
	"$BOSUN" app history web -o json | jq -e "length >= 3"
'

test_expect_success 'rollback from the CLI to the first release, with automation off' '
	FIRST=$("$BOSUN" app history web -o json | jq -r "[.[] | select(.revision == \"$C1\")][0].id") &&
	test -n "$FIRST" && test "$FIRST" != null &&
	expect_fail_with "auto-sync is enabled" "$BOSUN" app rollback web "$FIRST" &&
	"$BOSUN" app set web --sync-policy none &&
	"$BOSUN" app rollback web "$FIRST" --timeout 90 &&
	test "$(live_greeting)" = hello &&
	test "$(app_field web .status.operationState.syncResult.revision)" = "$C1" &&
	"$BOSUN" app history web -o json | jq -e ".[-1].revision == \"$C1\"" &&
	wait_for 30 sh -c "\"$BOSUN\" app get web -o json | jq -e \".status.sync.status == \\\"OutOfSync\\\"\""
'

test_expect_success 'delete with cascade removes what each app deployed' '
	"$BOSUN" app delete web shop waves -y &&
	wait_for 60 sh -c "! \"$BOSUN\" app get web >/dev/null 2>&1" &&
	wait_for 60 sh -c "! \"$BOSUN\" app get shop >/dev/null 2>&1 && ! \"$BOSUN\" app get waves >/dev/null 2>&1" &&
	for o in configmap/web-config deploy/web service/web configmap/prod-shop deploy/prod-shop \
		configmap/waves-settings deploy/waves-api; do
		wait_for 60 sh -c "! kubectl --kubeconfig \"$DATA/kubeconfig.yaml\" -n $NS get $o >/dev/null 2>&1" ||
			{ echo "$o is still there"; exit 1; }
	done &&
	wait_for 60 sh -c "test -z \"\$(kubectl --kubeconfig \"$DATA/kubeconfig.yaml\" -n $NS get pods -o name)\""
'

test_expect_success 'the repository password never reached the log' '
	! grep -q s3cret-journey "$TEST_TMP/bosund-all.log"
'

if [ "$test_failed" != 0 ]; then
	echo "# bosund all log:"
	tail -40 "$TEST_TMP/bosund-all.log" | sed 's/^/#   /'
fi
test_done
