#!/bin/sh
# t3002-helm-repo-server — Helm sources through the repo server: a chart in
# a git repository rendered with spec.source.helm settings (value files in
# and out of the repository, values, valuesObject, parameters with
# forceString, file parameters, release name from the app, namespace,
# skipCrds, kubeVersion and apiVersions), each as `helm template` would.
. "$(dirname "$0")/lib.sh"

REPO=$TEST_TMP/helm-repo
mkdir -p "$REPO/charts/web/templates" "$REPO/charts/web/crds" "$REPO/env"
git -C "$REPO" init -q
cat >"$REPO/charts/web/Chart.yaml" <<'YAML'
apiVersion: v2
name: web
version: 1.0.0
YAML
cat >"$REPO/charts/web/values.yaml" <<'YAML'
replicas: 1
image: nginx
tag: latest
extra: none
YAML
cat >"$REPO/charts/web/templates/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  namespace: {{ .Release.Namespace }}
data:
  image: "{{ .Values.image }}:{{ .Values.tag }}"
  replicas: {{ .Values.replicas | quote }}
  extra: {{ .Values.extra | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  api: {{ .Capabilities.APIVersions.Has "example.com/v1" | quote }}
  {{- with .Values.motd }}
  motd: {{ . | quote }}
  {{- end }}
  {{- with .Values.list }}
  list: {{ toJson . | quote }}
  {{- end }}
YAML
cat >"$REPO/charts/web/crds/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
YAML
printf 'replicas: 3\n' >"$REPO/env/prod.yaml"
printf 'hello, world\n' >"$REPO/env/motd.txt"
commit_all "$REPO" chart

start_bosund repo-server
URL=http://127.0.0.1:$REPO_PORT
OUT=$TEST_TMP/out.json

# manifests BODY-FIELDS: POST /v1/manifests for charts/web with extra
# fields; prints the status, leaves the body in $OUT.
manifests() {
	curl -sS -o "$OUT" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "{\"repoURL\": \"$REPO\", \"path\": \"charts/web\", \"appName\": \"shop\", \"namespace\": \"prod\"$1}" \
		"$URL/v1/manifests"
}
# py EXPR: a python expression over the last body (as `d`).
py() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"
}
cm() {
	py "[m for m in d['manifests'] if m['kind'] == 'ConfigMap'][0]['data']['$1']"
}

test_expect_success 'a chart renders with the app name, namespace and CRDs' '
	test "$(manifests "")" = 200 &&
	test "$(py "d[\"sourceType\"]")" = Helm &&
	test "$(py "[m[\"metadata\"][\"name\"] for m in d[\"manifests\"]]")" = "[$(printf "%s" "'"'"'things.example.com'"'"', '"'"'shop-cm'"'"'")]" &&
	test "$(py "d[\"sources\"]")" = "['"'"'web/crds/crd.yaml'"'"', '"'"'web/templates/cm.yaml'"'"']" &&
	test "$(cm image)" = nginx:latest &&
	test "$(py "d[\"manifests\"][1][\"metadata\"][\"namespace\"]")" = prod &&
	test "$(cm kube)" = v1.20.0 && test "$(cm api)" = false
'

test_expect_success 'value files, values, parameters and file parameters in Argo CD order' '
	test "$(manifests ", \"helm\": {\"valueFiles\": [\"../../env/prod.yaml\"], \"values\": \"tag: v2\\nextra: from-values\", \"parameters\": [{\"name\": \"extra\", \"value\": \"a,b\"}, {\"name\": \"tag\", \"value\": \"3\", \"forceString\": true}, {\"name\": \"list\", \"value\": \"{x,y}\"}], \"fileParameters\": [{\"name\": \"motd\", \"path\": \"../../env/motd.txt\"}], \"releaseName\": \"rel\", \"skipCrds\": true}")" = 200 &&
	test "$(py "len(d[\"manifests\"])")" = 1 &&
	test "$(cm replicas)" = 3 &&
	test "$(cm image)" = nginx:3 &&
	test "$(cm extra)" = "a,b" &&
	test "$(cm list)" = "[\"x\",\"y\"]" &&
	test "$(cm motd)" = "hello, world" &&
	test "$(py "d[\"manifests\"][0][\"metadata\"][\"name\"]")" = rel-cm
'

test_expect_success 'valuesObject wins over values; kubeVersion and apiVersions' '
	test "$(manifests ", \"helm\": {\"values\": \"tag: no\", \"valuesObject\": {\"tag\": \"obj\"}, \"kubeVersion\": \"1.30.2\", \"apiVersions\": [\"example.com/v1\"]}")" = 200 &&
	test "$(cm image)" = nginx:obj && test "$(cm kube)" = v1.30.2 && test "$(cm api)" = true
'

test_expect_success 'a missing value file fails unless ignoreMissingValueFiles' '
	test "$(manifests ", \"helm\": {\"valueFiles\": [\"nope.yaml\"]}")" = 404 &&
	grep -q "nope.yaml" "$OUT" &&
	test "$(manifests ", \"helm\": {\"valueFiles\": [\"nope.yaml\"], \"ignoreMissingValueFiles\": true}")" = 200
'

test_expect_success 'value files outside the repository are refused' '
	test "$(manifests ", \"helm\": {\"valueFiles\": [\"../../../etc/passwd\"]}")" = 400 &&
	grep -q "outside the repository" "$OUT" &&
	test "$(manifests ", \"helm\": {\"valueFiles\": [\"/etc/passwd\"]}")" = 400 &&
	! grep -q "root:" "$OUT"
'

test_expect_success 'a template error is a clear 400' '
	test "$(manifests ", \"helm\": {\"parameters\": [{\"name\": \"image\", \"value\": \"{x\"}]}")" = 400 &&
	grep -q "list must terminate with" "$OUT" &&
	printf "{{ required \"need x\" .Values.x }}\n" >"$REPO/charts/web/templates/bad.yaml" &&
	commit_all "$REPO" bad &&
	test "$(manifests ", \"targetRevision\": \"$(git -C "$REPO" rev-parse HEAD)\"")" = 400 &&
	grep -q "need x" "$OUT"
'
test_done
