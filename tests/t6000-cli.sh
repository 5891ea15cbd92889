#!/bin/sh
# The `bosun` CLI against real daemons: the bundled cluster, a repo server,
# the controller and the API each run alone. Login (flags and an
# interactive prompt without echo, through tmux), contexts, repositories,
# clusters, projects, applications from flags and from an Argo CD
# manifest, tables and -o formats, sync with progress and exit codes, diff
# exit codes, history and rollback, set/unset, drift alerts, tokens,
# password change, delete with and without confirmation, and clear errors
# with the right exit status for unknown apps, bad flags and no login.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v jq >/dev/null 2>&1 || test_skip_all "jq is not installed"

DATA=$TEST_TMP/cluster start_bosund cluster --pod-start-delay 100ms
CL=$TEST_TMP/cluster
DATA=$TEST_TMP/repo start_bosund repo-server
RPORT=$REPO_PORT
DATA=$TEST_TMP/ctrl start_bosund controller --kubeconfig "$CL/kubeconfig.yaml" \
	--repo-server "http://127.0.0.1:$RPORT" --self-heal-timeout 1
DATA=$TEST_TMP/api start_bosund api --kubeconfig "$CL/kubeconfig.yaml" \
	--repo-server "http://127.0.0.1:$RPORT"
APIDATA=$TEST_TMP/api
DATA=$CL
SERVER=http://127.0.0.1:$API_PORT
PW=$(cat "$APIDATA/admin-password")
CFG=$HOME/.config/bosun/config
OUT=$TEST_TMP/out
ERR=$TEST_TMP/err

# run CMD...: runs bosun, stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$BOSUN" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	cat "$OUT" "$ERR"
	return 0
}
# expect_rc N PATTERN CMD...: exit status N and PATTERN on stderr.
expect_rc() {
	want=$1 pat=$2
	shift 2
	run "$@"
	[ "$RC" = "$want" ] || { echo "exit $RC, want $want"; return 1; }
	[ -z "$pat" ] || grep -qE -- "$pat" "$ERR" || { echo "stderr lacks '$pat'"; return 1; }
}

REPO=$TEST_TMP/git
make_git_repo "$REPO"
mkdir -p "$REPO/guestbook"
cat >"$REPO/guestbook/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-config
data:
  color: blue
YAML
cat >"$REPO/guestbook/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: 1
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
cat >"$REPO/guestbook/late.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: late
  annotations:
    argocd.argoproj.io/sync-wave: "5"
data:
  wave: "5"
YAML
cat >"$REPO/guestbook/secret.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: guestbook-creds
stringData:
  password: hunter2-secret
YAML
mkdir -p "$REPO/broken"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\ndata:\n  a: b\n' \
	>"$REPO/broken/cm.yaml"
commit_all "$REPO" "guestbook"
REV1=$(git -C "$REPO" rev-parse HEAD)
URL=file://$REPO

cm_color() { kc -n default get configmap guestbook-config -o 'jsonpath={.data.color}'; }

test_expect_success 'bad flags and unknown commands are usage errors (exit 2)' '
	expect_rc 2 "unknown flag .--bogus." app list --bogus &&
	grep -q "usage: bosun app list" "$ERR" &&
	expect_rc 2 "unknown command" frobnicate &&
	expect_rc 2 "ambiguous command: app.*app set.*app sync" app s x &&
	expect_rc 2 "expects the application NAME" app get &&
	expect_rc 2 "needs a value" app list -o &&
	expect_rc 2 "invalid output" app list -o xml &&
	expect_rc 2 "" app && grep -q "app sync" "$OUT" && ! grep -q "repo add" "$OUT"
'

test_expect_success 'no server and no login say what to do (exit 1)' '
	expect_rc 1 "bosun login SERVER" app list &&
	BOSUN_SERVER=$SERVER expect_rc 1 "not logged in.*bosun login" app list
'

test_expect_success 'login with a wrong password fails clearly' '
	expect_rc 1 "invalid username or password" login "$SERVER" --username admin --password nope &&
	test ! -e "$CFG"
'

test_expect_success 'login saves a context in a 0600 config' '
	run login "$SERVER" --username admin --password "$PW" &&
	[ "$RC" = 0 ] && grep -q "logged in successfully" "$OUT" &&
	test "$(stat -c %a "$CFG")" = 600 &&
	test "$(stat -c %a "$(dirname "$CFG")")" = 700 &&
	! grep -qF -e "$PW" "$CFG" &&
	run context && grep -q "^\*  *127.0.0.1:$API_PORT  *$SERVER" "$OUT"
'

test_expect_success 'version shows client and server' '
	run version && [ "$RC" = 0 ] &&
	grep -q "^bosun: v" "$OUT" && grep -q "^bosun-server: v.*linux" "$OUT" &&
	run version --client && ! grep -q server "$OUT" &&
	run version -o json && jq -e ".server.Version" "$OUT"
'

test_expect_success 'an interactive login prompts for the password without echo' '
	command -v tmux >/dev/null || { echo "no tmux: skipped"; return 0; }
	S=bosun-t6000-$$ &&
	tmux -L "$S" new-session -d -s t -x 200 -y 20 \
		"HOME=$HOME $BOSUN login $SERVER --username admin --name prompted; echo EXIT=\$?; sleep 30" &&
	wait_for 10 sh -c "tmux -L $S capture-pane -p -t t | grep -q Password:" &&
	tmux -L "$S" send-keys -t t -l -- "$PW" && tmux -L "$S" send-keys -t t Enter &&
	wait_for 10 sh -c "tmux -L $S capture-pane -p -t t | grep -q EXIT=" &&
	tmux -L "$S" capture-pane -p -t t >"$TEST_TMP/pane" &&
	tmux -L "$S" kill-server &&
	cat "$TEST_TMP/pane" &&
	grep -q "EXIT=0" "$TEST_TMP/pane" && ! grep -qF -e "$PW" "$TEST_TMP/pane" &&
	run context && grep -q "^\* *prompted" "$OUT" &&
	run context "127.0.0.1:$API_PORT" && grep -q "Switched" "$OUT"
'

test_expect_success 'repo add, list, get; a bad repository is refused with the reason' '
	run repo add "$URL" && [ "$RC" = 0 ] &&
	run repo list && head -1 "$OUT" | grep -q "^TYPE  NAME  REPO  *INSECURE  OCI  *LFS  *CREDS  STATUS  *MESSAGE  PROJECT" &&
	grep -q "^git  *$URL  *false .*Successful" "$OUT" &&
	run repo get "$URL" -o json && jq -e ".repo == \"$URL\"" "$OUT" &&
	run repo list -o name && grep -qx "$URL" "$OUT" &&
	expect_rc 1 "unable to connect to repository" repo add "file://$TEST_TMP/nowhere" &&
	expect_rc 1 "not found" repo get "file://$TEST_TMP/nowhere"
'

test_expect_success 'proj create, add-source, add-destination, get, list, delete' '
	run proj create team --description "the team" -s "$URL" -d "https://kubernetes.default.svc,team-*" &&
	[ "$RC" = 0 ] &&
	run proj add-source team "https://example.com/*" && [ "$RC" = 0 ] &&
	expect_rc 1 "already permitted" proj add-source team "$URL" &&
	run proj add-destination team https://kubernetes.default.svc default && [ "$RC" = 0 ] &&
	run proj get team &&
	grep -q "^Name: *team" "$OUT" && grep -q "^Description: *the team" "$OUT" &&
	grep -q "https://kubernetes.default.svc,team-\*" "$OUT" &&
	grep -q "https://example.com/\*" "$OUT" &&
	run proj list && grep -q "^team  *the team  *2 destinations  *2 repos" "$OUT" &&
	head -1 "$OUT" | grep -q "^NAME  *DESCRIPTION  *DESTINATIONS  *SOURCES" &&
	run proj create gone && run proj delete gone && [ "$RC" = 0 ] &&
	expect_rc 1 "does not exist" proj get gone &&
	expect_rc 2 "invalid --dest" proj create x -d nocomma
'

test_expect_success 'cluster list shows in-cluster; add from a kubeconfig context and remove' '
	run cluster list && grep -q "^https://kubernetes.default.svc  *in-cluster" "$OUT" &&
	CTX=$(kubectl --kubeconfig "$CL/kubeconfig.yaml" config current-context) &&
	KSERVER=$(kubectl --kubeconfig "$CL/kubeconfig.yaml" config view --minify -o "jsonpath={.clusters[0].cluster.server}") &&
	run cluster add "$CTX" --kubeconfig "$CL/kubeconfig.yaml" --name second && [ "$RC" = 0 ] &&
	run cluster list && grep -q "^$KSERVER  *second" "$OUT" &&
	run cluster rm "$KSERVER" && [ "$RC" = 0 ] &&
	run cluster list && ! grep -q second "$OUT" &&
	expect_rc 1 "built in" cluster rm https://kubernetes.default.svc
'

test_expect_success 'app create from flags; validation errors are clear' '
	run app create guestbook --repo "$URL" --path guestbook --revision main \
		--dest-server https://kubernetes.default.svc --dest-namespace default \
		--sync-option CreateNamespace=true -l team=a && [ "$RC" = 0 ] &&
	expect_rc 1 "already exists" app create guestbook --repo "$URL" --path guestbook &&
	expect_rc 1 "project .nope. does not exist" app create other --repo "$URL" --path guestbook -p nope &&
	expect_rc 1 "not permitted in project" app create other --repo https://elsewhere/x --path p -p team \
		--dest-namespace team-a &&
	expect_rc 2 "--repo and --path are required" app create other
'

cat >"$TEST_TMP/argo.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: argo-style
  namespace: argocd
  finalizers:
  - resources-finalizer.argocd.argoproj.io
spec:
  project: team
  source:
    repoURL: $URL
    targetRevision: HEAD
    path: guestbook
  destination:
    server: https://kubernetes.default.svc
    namespace: team-a
YAML

test_expect_success 'app create -f converts an Argo CD Application' '
	run app create -f "$TEST_TMP/argo.yaml" && [ "$RC" = 0 ] &&
	kc -n bosun get application argo-style -o jsonpath="{.apiVersion} {.metadata.finalizers[0]}" |
		grep -qx "bosun.io/v1alpha1 resources-finalizer.bosun.io"
'

test_expect_success 'app list: argocd columns, filters and formats' '
	wait_for 30 sh -c "\"$BOSUN\" app get guestbook -o json | jq -e \".status.sync.status == \\\"OutOfSync\\\"\"" &&
	run app list &&
	head -1 "$OUT" | grep -q "^NAME  *CLUSTER  *NAMESPACE  *PROJECT  *STATUS  *HEALTH  *SYNCPOLICY  *CONDITIONS  *REPO  *PATH  *TARGET$" &&
	grep -q "^guestbook  *https://kubernetes.default.svc  *default  *default  *OutOfSync  *Missing  *<none>  *<none>  *file://.*  *guestbook  *main$" "$OUT" &&
	run app list -o name && grep -qx guestbook "$OUT" && grep -qx argo-style "$OUT" &&
	run app list -p team -o name && [ "$(cat "$OUT")" = argo-style ] &&
	run app list -l team=a -o name && [ "$(cat "$OUT")" = guestbook ] &&
	run app list -o json && jq -e "length == 2" "$OUT" &&
	run app list -o yaml && grep -q "^- apiVersion: bosun.io/v1alpha1" "$OUT" &&
	run app list -o wide && head -1 "$OUT" | grep -q "REVISION$"
'

test_expect_success 'app get: summary and resource table; unknown app is exit 1' '
	run app get guestbook && [ "$RC" = 0 ] &&
	grep -q "^Name:               guestbook$" "$OUT" &&
	grep -q "^Project:            default$" "$OUT" &&
	grep -q "^Server:             https://kubernetes.default.svc$" "$OUT" &&
	grep -q "^URL:                $SERVER/applications/guestbook$" "$OUT" &&
	grep -q "^Target:             main$" "$OUT" &&
	grep -q "^Sync Policy:        <none>$" "$OUT" &&
	grep -q "^Sync Status:        OutOfSync from main ($(echo $REV1 | cut -c1-7))$" "$OUT" &&
	grep -q "^GROUP  KIND  *NAMESPACE  NAME  *STATUS  *HEALTH  *HOOK  MESSAGE$" "$OUT" &&
	grep -q "^apps   Deployment  default    guestbook  *OutOfSync  Missing$" "$OUT" &&
	expect_rc 1 "application .nope. not found" app get nope &&
	expect_rc 1 "application .gestbook. not found \(did you mean .guestbook.\?\)" app get gestbook &&
	expect_rc 1 "not found" app sync nope
'

test_expect_success 'app diff before a sync: differences, exit 1' '
	run app diff guestbook && [ "$RC" = 1 ] &&
	grep -q "^===== /ConfigMap default/guestbook-config ======" "$OUT" &&
	grep -q "^+  color: blue" "$OUT" &&
	! grep -q "\[3" "$OUT"
'

test_expect_success 'app sync follows progress to success, exit 0' '
	run app sync guestbook --timeout 90 && [ "$RC" = 0 ] &&
	grep -q "^TIMESTAMP  *WAVE  *GROUP  *KIND" "$OUT" &&
	grep -q " 0  *ConfigMap  *default  *guestbook-config  *Synced" "$OUT" &&
	grep -q " 5  *ConfigMap  *default  *late  *Synced" "$OUT" &&
	[ "$(grep -n " guestbook-config  *Synced" "$OUT" | head -1 | cut -d: -f1)" -lt \
	  "$(grep -n " late  *Synced" "$OUT" | head -1 | cut -d: -f1)" ] &&
	grep -q "^Phase:              Succeeded" "$OUT" &&
	[ "$(cm_color)" = blue ] &&
	run app get guestbook && grep -q "^Health Status:      Healthy" "$OUT" &&
	run app diff guestbook && [ "$RC" = 0 ] && [ ! -s "$OUT" ]
'

test_expect_success 'app wait, resources and manifests' '
	run app wait guestbook --timeout 30 && [ "$RC" = 0 ] &&
	run app wait guestbook --sync --health --operation --timeout 30 && [ "$RC" = 0 ] &&
	run app resources guestbook &&
	grep -q "^apps   Deployment  default    guestbook  *Synced  Healthy" "$OUT" &&
	run app manifests guestbook && grep -q "^  color: blue" "$OUT" && grep -q "^---" "$OUT" &&
	run app manifests guestbook --source live && grep -q "uid:" "$OUT" &&
	expect_rc 2 "invalid --source" app manifests guestbook --source nowhere
'

test_expect_success 'a new commit: refresh, diff exit 1, diff --local, sync' '
	sed -i "s/blue/green/" "$REPO/guestbook/config.yaml" &&
	commit_all "$REPO" green &&
	run app get guestbook --refresh && grep -q "^Sync Status:        OutOfSync" "$OUT" &&
	run app diff guestbook && [ "$RC" = 1 ] &&
	grep -q "^-  color: blue" "$OUT" && grep -q "^+  color: green" "$OUT" &&
	mkdir -p "$TEST_TMP/local" && cp "$REPO/guestbook/"*.yaml "$TEST_TMP/local/" &&
	sed -i "s/green/pink/" "$TEST_TMP/local/config.yaml" &&
	run app diff guestbook --local "$TEST_TMP/local" && [ "$RC" = 1 ] &&
	grep -q "^+  color: pink" "$OUT" &&
	run app diff guestbook --revision "$REV1" && [ "$RC" = 0 ] &&
	expect_rc 2 "cannot read directory" app diff guestbook --local "$TEST_TMP/none" &&
	expect_rc 2 "not found" app diff nope &&
	run app sync guestbook --timeout 90 && [ "$RC" = 0 ] && [ "$(cm_color)" = green ]
'

test_expect_success 'secret values are never printed' '
	for cmd in "app diff guestbook" "app manifests guestbook" "app manifests guestbook --source live" \
		"app get guestbook -o json" "app diff guestbook --local $REPO/guestbook"; do
		run $cmd; ! grep -q hunter2 "$OUT" "$ERR" || { echo "leaked by $cmd"; return 1; }
	done &&
	kc -n default get secret guestbook-creds -o jsonpath="{.data.password}" | base64 -d | grep -qx hunter2-secret
'

test_expect_success 'app history and rollback to the previous release' '
	run app history guestbook &&
	head -1 "$OUT" | grep -q "^ID  DATE  *REVISION" &&
	[ "$(grep -c "^[0-9]" "$OUT")" = 2 ] && grep -q "^0 .*$REV1  *admin" "$OUT" &&
	run app rollback guestbook --timeout 90 && [ "$RC" = 0 ] &&
	[ "$(cm_color)" = blue ] &&
	run app history guestbook && [ "$(grep -c "^[0-9]" "$OUT")" = 3 ] &&
	expect_rc 1 "no history id 42" app rollback guestbook 42 &&
	expect_rc 2 "invalid history ID" app rollback guestbook x
'

RW=$TEST_TMP/rewritten
make_git_repo "$RW"
mkdir -p "$RW/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-me\ndata:\n  v: one\n' >"$RW/app/cm.yaml"
commit_all "$RW" "keep-me"

test_expect_success 'rollback restores the stored release after git history was rewritten' '
	run app create rewritten --repo "file://$RW" --path app --dest-namespace rewritten \
		--sync-option CreateNamespace=true && [ "$RC" = 0 ] &&
	run app sync rewritten --timeout 90 && [ "$RC" = 0 ] &&
	kc -n rewritten get configmap keep-me &&
	# a force-push replaces the history with a commit without the manifests
	OLD=$(git -C "$RW" rev-parse HEAD) &&
	git -C "$RW" checkout -q --orphan rewrite &&
	git -C "$RW" rm -rq --cached . && rm -rf "$RW/app" && mkdir "$RW/app" &&
	echo "moved elsewhere" >"$RW/app/README.md" && commit_all "$RW" "rewritten" &&
	git -C "$RW" branch -M rewrite main &&
	git -C "$RW" reflog expire --expire=now --all && git -C "$RW" gc -q --prune=now &&
	! git -C "$RW" cat-file -e "$OLD" &&
	run app get rewritten --hard-refresh && [ "$RC" = 0 ] &&
	run app sync rewritten --prune --timeout 90 && [ "$RC" = 0 ] &&
	! kc -n rewritten get configmap keep-me &&
	run app rollback rewritten 0 --timeout 90 && [ "$RC" = 0 ] &&
	grep -q "^Operation:  *Rollback" "$OUT" &&
	kc -n rewritten get configmap keep-me -o jsonpath="{.data.v}" | grep -qx one &&
	kc -n bosun get application rewritten -o jsonpath="{.status.history[*].id}" | grep -qx "0 1 2" &&
	kc -n bosun get application rewritten -o jsonpath="{.status.history[2].rollbackOf}" | grep -qx 0 &&
	run app delete rewritten -y && [ "$RC" = 0 ]
'

test_expect_success 'app sync --resource syncs only what it names' '
	run app sync guestbook --resource apps:Deployment:guestbook --timeout 90 && [ "$RC" = 0 ] &&
	grep -q "Deployment  *default  *guestbook  *Synced" "$OUT" &&
	! grep -q "guestbook-config  *Synced" "$OUT" &&
	[ "$(cm_color)" = blue ] &&
	expect_rc 2 "invalid --resource" app sync guestbook --resource nonsense
'

test_expect_success 'a failing sync exits 1 with the reason' '
	run app create broken --repo "$URL" --path broken --dest-namespace default &&
	run app sync broken --timeout 60 && [ "$RC" = 1 ] &&
	grep -q "ended Failed.*Not_Valid" "$ERR" && grep -q "^Phase:  *Failed" "$OUT" &&
	run app delete broken -y && [ "$RC" = 0 ]
'

test_expect_success 'an automated app syncs by itself; app wait returns when it has' '
	run app create auto --repo "$URL" --path guestbook --dest-namespace auto \
		--sync-policy automated --auto-prune --sync-option CreateNamespace=true && [ "$RC" = 0 ] &&
	run app wait auto --timeout 90 && [ "$RC" = 0 ] &&
	grep -q "^Sync Policy:        Automated (Prune)$" "$OUT" &&
	grep -q "^Sync Status:        Synced" "$OUT" && grep -q "^Health Status:      Healthy" "$OUT" &&
	kc -n auto get configmap guestbook-config &&
	run app delete auto -y && [ "$RC" = 0 ] &&
	wait_for 60 sh -c "! kubectl --kubeconfig $CL/kubeconfig.yaml -n auto get configmap guestbook-config"
'

test_expect_success 'app wait times out with exit 1' '
	run app create idle --repo "$URL" --path guestbook --dest-namespace idle &&
	expect_rc 1 "timed out \(2s\) waiting for .idle." app wait idle --sync --timeout 2
'

test_expect_success 'app set and unset change the spec; rollback refused under auto-sync' '
	run app set guestbook --sync-policy automated --self-heal --helm-set a=b && [ "$RC" = 0 ] &&
	kc -n bosun get application guestbook -o jsonpath="{.spec.syncPolicy.automated.selfHeal}" | grep -qx true &&
	run app get guestbook && grep -q "^Sync Policy:        Automated (Self Heal)" "$OUT" &&
	expect_rc 1 "auto-sync is enabled" app rollback guestbook 0 &&
	run app unset guestbook --helm-set a --self-heal && [ "$RC" = 0 ] &&
	[ -z "$(kc -n bosun get application guestbook -o jsonpath="{.spec.source.helm.parameters}")" ] &&
	run app set guestbook --sync-policy none && [ "$RC" = 0 ] &&
	[ -z "$(kc -n bosun get application guestbook -o jsonpath="{.spec.syncPolicy.automated}")" ] &&
	expect_rc 2 "nothing to unset" app unset guestbook &&
	expect_rc 1 "--self-heal needs --sync-policy automated" app set guestbook --self-heal
'

test_expect_success 'a live edit raises a drift alert: alerts lists it, --follow streams it' '
	{ "$BOSUN" app wait guestbook --operation --timeout 60 >/dev/null &&
	  "$BOSUN" app sync guestbook --timeout 90 >/dev/null || exit 1; }
	"$BOSUN" alerts --follow --app guestbook >"$TEST_TMP/follow" 2>&1 &
	FOLLOW=$! &&
	kc -n default patch configmap guestbook-config --type merge -p "{\"data\":{\"color\":\"red\"}}" &&
	wait_for 30 grep -q "Drift  *guestbook .*color" "$TEST_TMP/follow";
	ok=$?; kill "$FOLLOW"; wait "$FOLLOW" 2>/dev/null; cat "$TEST_TMP/follow"; [ $ok = 0 ] &&
	wait_for 30 sh -c "\"$BOSUN\" alerts --app guestbook --type drift | grep -q Drift" &&
	run alerts --app guestbook &&
	head -1 "$OUT" | grep -q "^TIME  *TYPE  *APP  *COUNT  *MESSAGE" &&
	grep -q "Drift  *guestbook .*color" "$OUT" &&
	expect_rc 2 "invalid --type" alerts --type weird
'

test_expect_success 'terminate-op with nothing running is a clear error' '
	expect_rc 1 "no operation is in progress" app terminate-op guestbook
'

test_expect_success 'a readonly user: 403 names the missing permission; can-i says no' '
	kc -n bosun create configmap bosun-cm --dry-run=client -o yaml \
		--from-literal=accounts.alice=login | kc apply -f - &&
	kc -n bosun create configmap bosun-rbac-cm --dry-run=client -o yaml \
		--from-literal=policy.default=role:readonly | kc apply -f - &&
	wait_for 10 sh -c "\"$BOSUN\" account list -o name | grep -qx alice" &&
	run account update-password --account alice --current-password "$PW" --new-password alice-pass-1 &&
	[ "$RC" = 0 ] &&
	run login "$SERVER" --username alice --password alice-pass-1 --name alice && [ "$RC" = 0 ] &&
	wait_for 10 sh -c "\"$BOSUN\" app get guestbook" &&
	expect_rc 1 "permission denied: applications, sync, default/guestbook" app sync guestbook &&
	expect_rc 1 "permission denied: projects, create" proj create p2 &&
	run account can-i sync applications default/guestbook && [ "$(cat "$OUT")" = no ] &&
	run account can-i get applications default/guestbook && [ "$(cat "$OUT")" = yes ] &&
	run context "127.0.0.1:$API_PORT" && [ "$RC" = 0 ]
'

test_expect_success 'app delete asks first; -y and --cascade=false' '
	echo n | "$BOSUN" app delete idle >"$OUT" 2>"$ERR"; RC=$? &&
	[ "$RC" = 1 ] && grep -q "Are you sure" "$ERR" &&
	kc -n bosun get application idle &&
	echo y | "$BOSUN" app delete idle && wait_for 30 sh -c "! kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application idle" &&
	run app delete argo-style --cascade=false -y && [ "$RC" = 0 ] &&
	wait_for 30 sh -c "! kubectl --kubeconfig $CL/kubeconfig.yaml -n bosun get application argo-style" &&
	run app delete guestbook -y && [ "$RC" = 0 ] &&
	wait_for 60 sh -c "! kubectl --kubeconfig $CL/kubeconfig.yaml -n default get configmap guestbook-config"
'

test_expect_success 'account generate-token gives a token that works with BOSUN_AUTH_TOKEN' '
	run account generate-token --expires-in 1h && [ "$RC" = 0 ] &&
	TOK=$(cat "$OUT") && [ -n "$TOK" ] &&
	BOSUN_AUTH_TOKEN=$TOK BOSUN_SERVER=$SERVER HOME=$TEST_TMP/nohome "$BOSUN" proj list -o name | grep -qx default &&
	expect_rc 2 "invalid --expires-in" account generate-token --expires-in soon
'

test_expect_success 'account update-password, then login with the new one' '
	expect_rc 1 "current password does not match" account update-password --current-password wrong --new-password "N3w-passw0rd!" &&
	run account update-password --current-password "$PW" --new-password "N3w-passw0rd!" && [ "$RC" = 0 ] &&
	run login "$SERVER" --username admin --password "N3w-passw0rd!" && [ "$RC" = 0 ]
'

test_expect_success 'logout forgets the token; commands then say to log in' '
	run logout && [ "$RC" = 0 ] && grep -q "Logged out" "$OUT" &&
	{ for ctx in prompted alice; do "$BOSUN" logout "$ctx" >/dev/null 2>&1; done; true; } &&
	! grep -q auth-token "$CFG" &&
	expect_rc 1 "not logged in.*bosun login" app list &&
	BOSUN_AUTH_TOKEN=garbage expect_rc 1 "run .bosun login" app list
'

test_expect_success 'an unreachable server names the URL' '
	expect_rc 1 "cannot reach the API server at .http://127.0.0.1:1." --server http://127.0.0.1:1 --auth-token x app list
'

test_done
