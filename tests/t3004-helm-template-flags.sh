#!/bin/sh
# t3004-helm-template-flags — `bosun template` flags beyond the goldens:
# --set-literal (the value taken as is, commas and backslashes included)
# and --output-dir (files named by their `# Source:` path, a file's later
# manifests appended, hooks appended to a file already there, CRDs outside
# the release directory, "wrote PATH" per write); and toYamlPretty against
# goyaml.v3 itself (bench/helm-ref built with it), when Go is there.
. "$(dirname "$0")/lib.sh"

C=$TEST_TMP/flags
mkdir -p "$C/templates" "$C/crds"
cat >"$C/Chart.yaml" <<'EOF'
apiVersion: v2
name: flags
version: 0.1.0
EOF
cat >"$C/values.yaml" <<'EOF'
greeting: hello
EOF
cat >"$C/templates/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  greeting: {{ .Values.greeting | quote }}
  {{- with .Values.lit }}
  lit: {{ toJson . | quote }}
  {{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
EOF
cat >"$C/templates/job.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  name: hook
  annotations:
    helm.sh/hook: post-install
EOF
cat >"$C/crds/crd.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
EOF
export C

test_expect_success '--set-literal keeps commas, backslashes and braces' '
	"$BOSUN" template "$C" --set-literal "lit.v=a,b\\c={x}" --set-literal "lit.l[1]=9" >"$TEST_TMP/out" &&
	cat "$TEST_TMP/out" &&
	grep -F "lit: \"{\\\"l\\\":[null,\\\"9\\\"],\\\"v\\\":\\\"a,b\\\\\\\\c={x}\\\"}\"" "$TEST_TMP/out"
'

test_expect_success '--set-literal comes after --set' '
	"$BOSUN" template "$C" --set-literal greeting=lit --set greeting=set >"$TEST_TMP/out" &&
	grep -F "greeting: \"lit\"" "$TEST_TMP/out"
'

test_expect_success '--set-literal with a key and no value fails as helm does' '
	expect_fail_with "failed parsing --set-literal data: key \"nokey\" has no value" \
		"$BOSUN" template "$C" --set-literal nokey
'

test_expect_success '--output-dir writes each source file, appending its later manifests' '
	cd "$TEST_TMP" && rm -rf od &&
	"$BOSUN" template "$C" --output-dir od --include-crds >"$TEST_TMP/out" &&
	printf "%s\n" "wrote od/flags/crds/crd.yaml" "wrote od/flags/templates/cm.yaml" \
		"wrote od/flags/templates/cm.yaml" "wrote od/flags/templates/job.yaml" "" >"$TEST_TMP/want" &&
	diff -u "$TEST_TMP/want" "$TEST_TMP/out" &&
	test "$(grep -c "^# Source: flags/templates/cm.yaml" od/flags/templates/cm.yaml)" = 2 &&
	"$BOSUN" template "$C" --include-crds --show-only templates/cm.yaml >"$TEST_TMP/stream" &&
	diff -u "$TEST_TMP/stream" od/flags/templates/cm.yaml
'

test_expect_success '--output-dir truncates a file it writes first, hooks append to one already there' '
	cd "$TEST_TMP" &&
	"$BOSUN" template "$C" --output-dir od >/dev/null &&
	test "$(grep -c "^# Source:" od/flags/templates/cm.yaml)" = 2 &&
	test "$(grep -c "^# Source:" od/flags/templates/job.yaml)" = 2
'

test_expect_success '--output-dir --release-name puts the release directory in between, CRDs stay out' '
	cd "$TEST_TMP" && rm -rf od2 &&
	"$BOSUN" template myrel "$C" --output-dir od2 --release-name --include-crds >"$TEST_TMP/out" &&
	test -f od2/flags/crds/crd.yaml &&
	test -f od2/myrel/flags/templates/cm.yaml &&
	test -f od2/myrel/flags/templates/job.yaml &&
	grep -F "wrote od2/myrel/flags/templates/job.yaml" "$TEST_TMP/out"
'
if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/gopkg.in/yaml.v3 ] &&
   [ -d /usr/share/gocode/src/github.com/Masterminds/sprig ]; then
	P=$TEST_TMP/pretty
	mkdir -p "$P/templates"
	printf 'apiVersion: v2\nname: pretty\nversion: 0.1.0\n' >"$P/Chart.yaml"
	cat >"$P/values.yaml" <<'EOF'
a:
  b:
  - x: |
      line1
      - not: an item
    "y": [1, 2.5, 1000000]
  - - nested
    - list
  empty: []
  none: {}
s: "yes"
t: "80"
long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq
EOF
	cat >"$P/templates/cm.yaml" <<'EOF'
# {{ toYamlPretty .Values | replace "\n" "\n# " }}
# {{ toYamlPretty (list (dict "k" (list (list "a"))) "on" 3) | replace "\n" "\n# " }}
EOF
	export P
	test_expect_success 'toYamlPretty prints as goyaml.v3 with indent 2' '
		"$ROOT/bench/helm-ref/build.sh" "$BUILD/helm-ref/helm-ref" &&
		"$BUILD/helm-ref/helm-ref" "$P" >"$TEST_TMP/ref" &&
		"$BOSUN" template "$P" >"$TEST_TMP/ours" &&
		diff -u "$TEST_TMP/ref" "$TEST_TMP/ours"
	'
fi
test_done
