#!/bin/sh
# Exec credential plugins (client.authentication.k8s.io, as EKS, GKE and AKS
# kubeconfigs use): `bosund api --kubeconfig` with an exec user, a token
# that the cluster refuses is replaced by running the plugin again, a
# cluster registered from such a kubeconfig (execProviderConfig) is synced
# to by the controller, and a failing or missing plugin is named with what
# it said. The plugin is a shell script; the real kubectl checks that the
# kubeconfig is one kubectl accepts.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v jq >/dev/null 2>&1 || test_skip_all "jq is not installed"

# the target cluster, with Bosun's CRDs for a bosund api pointed at it
TDATA=$TEST_TMP/target
OUT=$TEST_TMP/out.json
DATA=$TDATA start_bosund cluster
kt() { kubectl --kubeconfig "$TDATA/kubeconfig.yaml" "$@"; }
kt apply -f "$ROOT/tests/data/api/crds.yaml" >/dev/null 2>&1 ||
	kt apply -f "$ROOT/tests/data/api/crds.yaml" >/dev/null ||
	{ echo "Bail out! cannot install the CRDs"; exit 1; }

P=$TEST_TMP/plugin
mkdir -p "$P/bin"
kt config view --raw -o jsonpath='{.users[0].user.token}' >"$P/token"
SERVER=$(kt config view --raw -o jsonpath='{.clusters[0].cluster.server}')
CADATA=$(kt config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')

# The plugin counts its runs, keeps what it was told in KUBERNETES_EXEC_INFO,
# and prints token.N for run N when that file exists, else the real token.
cat >"$P/bin/creds.sh" <<'SH'
#!/bin/sh
n=$(( $(cat "$PLUGIN_DIR/runs" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$PLUGIN_DIR/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" >"$PLUGIN_DIR/info.$n"
if [ -f "$PLUGIN_DIR/fail" ]; then
	echo "starting up" >&2
	echo "error: no credentials for $PLUGIN_WHO" >&2
	exit 3
fi
tok=$(cat "$PLUGIN_DIR/token.$n" 2>/dev/null || cat "$PLUGIN_DIR/token")
printf '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
  "status": {"token": "%s"}}\n' "$tok"
SH
chmod +x "$P/bin/creds.sh"

# exec_kubeconfig FILE COMMAND: a kubeconfig for the target whose user runs COMMAND.
exec_kubeconfig() {
	cat >"$1" <<-YAML
	apiVersion: v1
	kind: Config
	clusters:
	- name: target
	  cluster: {server: "$SERVER", certificate-authority-data: "$CADATA"}
	users:
	- name: plugin-user
	  user:
	    exec:
	      apiVersion: client.authentication.k8s.io/v1
	      command: $2
	      args: [--cluster, target]
	      env:
	      - {name: PLUGIN_DIR, value: "$P"}
	      - {name: PLUGIN_WHO, value: bosun-test}
	      provideClusterInfo: true
	      interactiveMode: Never
	      installHint: install creds.sh from the test
	contexts:
	- name: target
	  context: {cluster: target, user: plugin-user}
	current-context: target
	YAML
}
# relative to the kubeconfig's directory, as client-go resolves it
exec_kubeconfig "$P/exec.yaml" ./bin/creds.sh
runs() { cat "$P/runs" 2>/dev/null || echo 0; }

test_expect_success 'kubectl takes the exec kubeconfig and gets the token from the plugin' '
	kubectl --kubeconfig "$P/exec.yaml" get ns default -o name | grep -q "namespace/default" &&
	[ "$(runs)" -ge 1 ]
'

test_expect_success 'bosund api runs the plugin once, tells it the cluster, and keeps the token' '
	rm -f "$P/runs" "$P"/info.* &&
	DATA=$TEST_TMP/api start_bosund api --kubeconfig "$P/exec.yaml" &&
	B=http://127.0.0.1:$API_PORT &&
	TOKEN=$(curl -sS -X POST "$B/api/v1/session" \
		-d "{\"username\":\"admin\",\"password\":\"$(cat "$TEST_TMP/api/admin-password")\"}" | jq -er .token) &&
	for i in 1 2 3 4 5; do expect 200 GET /api/v1/applications || return 1; done &&
	expect 200 GET /api/v1/clusters &&
	[ "$(runs)" = 1 ] &&
	jq -e ".kind == \"ExecCredential\" and .apiVersion == \"client.authentication.k8s.io/v1\"
		and .spec.interactive == false and .spec.cluster.server == \"$SERVER\"
		and (.spec.cluster[\"certificate-authority-data\"] | length > 100)" "$P/info.1" &&
	stop_bosund
'

test_expect_success 'a token the cluster refuses is replaced by running the plugin again' '
	rm -f "$P/runs" &&
	echo "not-the-token" >"$P/token.1" &&
	DATA=$TEST_TMP/api start_bosund api --kubeconfig "$P/exec.yaml" &&
	B=http://127.0.0.1:$API_PORT &&
	TOKEN=$(curl -sS -X POST "$B/api/v1/session" \
		-d "{\"username\":\"admin\",\"password\":\"$(cat "$TEST_TMP/api/admin-password")\"}" | jq -er .token) &&
	expect 200 GET /api/v1/applications &&
	[ "$(runs)" = 2 ] &&
	stop_bosund &&
	rm -f "$P/token.1"
'

test_expect_success 'a failing plugin: bosund names the command, its status and what it said' '
	touch "$P/fail" &&
	! "$BOSUND" api --port 0 --data-dir "$TEST_TMP/api-fail" --kubeconfig "$P/exec.yaml" \
		>"$TEST_TMP/fail.log" 2>&1 &&
	cat "$TEST_TMP/fail.log" &&
	grep -q "exec plugin .*creds.sh.* exited with status 3: error: no credentials for bosun-test" \
		"$TEST_TMP/fail.log" &&
	rm -f "$P/fail"
'

test_expect_success 'a missing plugin: not found, with the install hint' '
	exec_kubeconfig "$P/missing.yaml" bosun-no-such-plugin &&
	! "$BOSUND" api --port 0 --data-dir "$TEST_TMP/api-missing" --kubeconfig "$P/missing.yaml" \
		>"$TEST_TMP/missing.log" 2>&1 &&
	grep -q "executable .bosun-no-such-plugin. not found; install creds.sh from the test" \
		"$TEST_TMP/missing.log"
'

test_expect_success 'bad exec settings are named: apiVersion, interactiveMode Always' '
	sed "s#client.authentication.k8s.io/v1\$#client.authentication.k8s.io/v9#" "$P/exec.yaml" >"$P/v9.yaml" &&
	! "$BOSUND" api --port 0 --data-dir "$TEST_TMP/api-v9" --kubeconfig "$P/v9.yaml" >"$TEST_TMP/v9.log" 2>&1 &&
	grep -q "user .plugin-user.: exec: apiVersion .client.authentication.k8s.io/v9. is not supported" "$TEST_TMP/v9.log" &&
	sed "s#interactiveMode: Never#interactiveMode: Always#" "$P/exec.yaml" >"$P/always.yaml" &&
	! "$BOSUND" api --port 0 --data-dir "$TEST_TMP/api-always" --kubeconfig "$P/always.yaml" >"$TEST_TMP/always.log" 2>&1 &&
	grep -q "interactiveMode Always needs a terminal" "$TEST_TMP/always.log"
'

# the control plane, with the target registered from the exec kubeconfig
DATA=$TEST_TMP/cp start_bosund all --pod-start-delay 100ms
CP=http://127.0.0.1:$API_PORT
REPO=$TEST_TMP/git/apps
make_git_repo "$REPO"
mkdir -p "$REPO/far"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-bosun\ndata:\n  via: exec-plugin\n' \
	>"$REPO/far/cm.yaml"
commit_all "$REPO" "far"

test_expect_success 'bosun cluster add stores the plugin as execProviderConfig; the controller syncs through it' '
	"$BOSUN" login "$CP" --username admin --password "$(cat "$TEST_TMP/cp/admin-password")" &&
	rm -f "$P/runs" &&
	"$BOSUN" cluster add target --kubeconfig "$P/exec.yaml" --name plugged &&
	kubectl --kubeconfig "$TEST_TMP/cp/kubeconfig.yaml" -n bosun get secrets \
		-l bosun.io/secret-type=cluster -o json >"$TEST_TMP/secrets.json" &&
	jq -r ".items[0].data.config" "$TEST_TMP/secrets.json" | base64 -d >"$TEST_TMP/config.json" &&
	jq -e ".execProviderConfig.command == \"$P/bin/creds.sh\"
		and .execProviderConfig.env.PLUGIN_DIR == \"$P\"
		and .execProviderConfig.args == [\"--cluster\", \"target\"]
		and (has(\"bearerToken\") | not)" "$TEST_TMP/config.json" &&
	"$BOSUN" repo add "file://$REPO" &&
	"$BOSUN" app create far --repo "file://$REPO" --path far --dest-name plugged --dest-namespace default &&
	"$BOSUN" app sync far --timeout 60 &&
	"$BOSUN" app wait far --sync --health --timeout 60 &&
	[ "$(kt -n default get cm from-bosun -o jsonpath={.data.via})" = exec-plugin ] &&
	[ "$(runs)" -ge 1 ]
'

test_expect_success 'the API refuses an execProviderConfig it could not run' '
	B=$CP && TOKEN=$(curl -sS -X POST "$CP/api/v1/session" \
		-d "{\"username\":\"admin\",\"password\":\"$(cat "$TEST_TMP/cp/admin-password")\"}" | jq -er .token) &&
	expect_error 400 "apiVersion .v0. is not supported" POST /api/v1/clusters \
		"{\"server\": \"https://10.1.2.3:6443\", \"name\": \"bad\",
		  \"config\": {\"execProviderConfig\": {\"command\": \"x\", \"apiVersion\": \"v0\"}}}"
'

test_done
