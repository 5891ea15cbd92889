#!/bin/sh
# Every example in examples/ through `bosund all`, the CLI and kubectl: the
# examples become a git repository as `make run` makes them, each one is
# created as an app, synced, and comes up Synced and Healthy; the waves and
# hooks run in order; the app of apps creates its children; drift-demo.sh
# runs to its end without pausing.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

# Pods start after 1 s, so each wave with pods (and each hook Job) takes a
# second or more, and creation times (whole seconds) show the wave order.
start_bosund all --pod-start-delay 1s
SERVER=http://127.0.0.1:$API_PORT
DEST=https://kubernetes.default.svc

# the repository as scripts/run.sh makes it
REPO=$TEST_TMP/examples-repo
mkdir -p "$REPO"
cp -R "$ROOT/examples/." "$REPO/"
git -C "$REPO" init -q -b main
commit_all "$REPO" "Bosun examples"
URL=file://$REPO

# compared: the controller has looked at a new app once (as t9000 waits).
# Syncing before that races the controller's first status write, and the
# API answers 409 "changed meanwhile" (see the report of branch examples).
compared() {
	wait_for 30 sh -c "\"$BOSUN\" app get $1 -o json | grep -qE \"OutOfSync|\\\"Synced\""
}

app_ready() {
	compared "$1" &&
	"$BOSUN" app sync "$1" --timeout 120 &&
	"$BOSUN" app wait "$1" --sync --health --timeout 120
}

test_expect_success 'log in and register the examples repository' '
	"$BOSUN" login "$SERVER" --username admin --password "$(cat "$DATA/admin-password")" &&
	"$BOSUN" repo add "$URL"
'

test_expect_success 'guestbook: plain YAML, Synced and Healthy' '
	"$BOSUN" app create guestbook --repo "$URL" --path guestbook \
		--dest-server $DEST --dest-namespace default &&
	app_ready guestbook &&
	kc rollout status deployment/guestbook-ui --timeout 60s
'

test_expect_success 'sync-waves: waves and hooks, Synced and Healthy' '
	"$BOSUN" app create sync-waves --repo "$URL" --path sync-waves \
		--dest-server $DEST --dest-namespace waves --sync-option CreateNamespace=true &&
	app_ready sync-waves &&
	kc -n waves rollout status deployment/waves-frontend --timeout 60s
'

# Each wave's objects are created after the previous wave's is Healthy, and
# the hooks bracket them: PreSync first, PostSync last (deleted on success).
created() { kc -n waves get "$1" -o jsonpath="{.metadata.creationTimestamp}"; }
before() { echo "$1 < $2"; test "$(printf "%s\n%s\n" "$1" "$2" | sort | head -1)" = "$1" && test "$1" != "$2"; }
test_expect_success 'sync-waves: PreSync, then waves 0..3 in order, then PostSync' '
	pre=$(created job/waves-db-migrate) &&
	w0=$(created configmap/waves-config) &&
	w1=$(created statefulset/waves-db) &&
	w2=$(created deployment/waves-api) &&
	w3=$(created deployment/waves-frontend) &&
	before "$pre" "$w0" && ! before "$w1" "$w0" && before "$w1" "$w2" && before "$w2" "$w3" &&
	kc -n waves get job waves-db-migrate -o jsonpath="{.status.succeeded}" | grep -qx 1 &&
	wait_for 30 sh -c "! kubectl --kubeconfig \"$DATA/kubeconfig.yaml\" -n waves get job waves-smoke-test" &&
	kc -n bosun get application sync-waves \
		-o jsonpath="{.status.operationState.syncResult.resources[?(@.hookType==\"PostSync\")].hookPhase}" |
		grep -qx Succeeded
'

test_expect_success 'data-pipeline: CRD, then Postgres and Redis, then Airflow' '
	"$BOSUN" app create data-pipeline --repo "$URL" --path data-pipeline \
		--dest-server $DEST --dest-namespace data --sync-option CreateNamespace=true &&
	compared data-pipeline &&
	"$BOSUN" app sync data-pipeline --async &&
	wait_for 120 sh -c "kubectl --kubeconfig \"$DATA/kubeconfig.yaml\" -n bosun get application \
		data-pipeline -o jsonpath={.status.operationState.phase} | grep -qx Succeeded" &&
	kc get crd sparkapplications.sparkoperator.k8s.io &&
	kc -n data rollout status statefulset/pipeline-postgres --timeout 60s &&
	kc -n data rollout status deployment/pipeline-redis --timeout 60s &&
	kc -n data rollout status deployment/airflow-worker --timeout 60s &&
	test "$(kc -n data get deployment airflow-worker -o jsonpath="{.status.readyReplicas}")" = 3
'

# The SparkApplication's kind is unknown until the CRD wave has run; it must
# still land in the app's destination namespace.
test_expect_success 'data-pipeline: the SparkApplication in its namespace, app Synced and Healthy' '
	kc -n data get sparkapplication daily-events-rollup -o jsonpath="{.spec.type}" | grep -qx Python &&
	"$BOSUN" app wait data-pipeline --sync --health --timeout 60
'

test_expect_success 'helm-guestbook: dev and prod values, Synced and Healthy' '
	"$BOSUN" app create hg-dev --repo "$URL" --path helm-guestbook \
		--values values-dev.yaml --dest-server $DEST --dest-namespace hg-dev \
		--sync-option CreateNamespace=true &&
	"$BOSUN" app create hg-prod --repo "$URL" --path helm-guestbook \
		--values values-prod.yaml --dest-server $DEST --dest-namespace hg-prod \
		--sync-option CreateNamespace=true &&
	app_ready hg-dev && app_ready hg-prod &&
	kc -n hg-dev get configmap hg-dev-helm-guestbook -o jsonpath="{.data.MAX_ENTRIES}" | grep -qx 20 &&
	test "$(kc -n hg-prod get deployment hg-prod-helm-guestbook -o jsonpath="{.status.readyReplicas}")" = 3
'

# The children get a name prefix (two guestbooks side by side) and leave
# out data-pipeline, whose CRD the data-pipeline app above already owns.
test_expect_success 'app-of-apps: the parent creates its children, each Synced and Healthy' '
	"$BOSUN" app create app-of-apps --repo "$URL" --path app-of-apps \
		--dest-server $DEST --dest-namespace bosun \
		--helm-set repoURL="$URL" --helm-set namePrefix=aoa- \
		--helm-set apps.data-pipeline.enabled=false &&
	app_ready app-of-apps &&
	for child in aoa-guestbook aoa-sync-waves aoa-helm-guestbook-dev aoa-helm-guestbook-prod; do
		"$BOSUN" app wait $child --sync --health --timeout 120 || exit 1
	done &&
	! "$BOSUN" app get aoa-data-pipeline
'

test_expect_success 'drift-demo.sh runs to its end without pausing' '
	BOSUN_DATA_DIR=$DATA BOSUN=$BOSUN DEMO_TIMEOUT=60 \
		"$ROOT/examples/drift-demo.sh" --no-pause guestbook </dev/null >"$TEST_TMP/drift.out" 2>&1 ||
		{ cat "$TEST_TMP/drift.out"; exit 1; }
	sed "s/^/# /" "$TEST_TMP/drift.out" &&
	grep -q "MAX_ENTRIES live now: 5" "$TEST_TMP/drift.out" &&
	grep -q "guestbook-config (changed by drift-demo" "$TEST_TMP/drift.out" &&
	grep -q "MAX_ENTRIES live again: 100" "$TEST_TMP/drift.out"
'

test_done
