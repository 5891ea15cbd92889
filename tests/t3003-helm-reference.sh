#!/bin/sh
# t3003-helm-reference — `bosun template` against Go's own text/template and
# Sprig (bench/helm-ref, built from Debian's Go packages) on the real charts
# of ../shared/peer/charts with each ci/*.yaml value set: byte for byte.
# A chart whose reference output differs between two runs (bcrypt salts,
# random strings) is compared for its run only being well-formed.
. "$(dirname "$0")/lib.sh"

command -v go >/dev/null 2>&1 || test_skip_all "no go (scripts/install-deps.sh installs it)"
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || test_skip_all "no sprig Go package"
C=$PEER/charts
[ -d "$C" ] || test_skip_all "no $C"
REF=$BUILD/helm-ref/helm-ref   # its Go build cache stays beside it
"$ROOT/bench/helm-ref/build.sh" "$REF" >"$TEST_TMP/go-build.log" 2>&1 || {
	echo "Bail out! cannot build bench/helm-ref:"
	sed 's/^/# /' "$TEST_TMP/go-build.log"
	exit 1
}

for chart in "$C"/*/; do
	chart=${chart%/}
	[ -f "$chart/Chart.yaml" ] || continue
	for values in "" "$chart"/ci/*.yaml; do
		[ -z "$values" ] || [ -f "$values" ] || continue
		export chart values REF
		test_expect_success "$(basename "$chart") ${values:+$(basename "$values")}" '
			set -- "$chart" --kube-version 1.33.0 &&
			if [ -n "$values" ]; then set -- "$@" -f "$values"; fi &&
			"$REF" "$@" >"$TEST_TMP/ref1" && "$REF" "$@" >"$TEST_TMP/ref2" &&
			"$BOSUN" template "$@" >"$TEST_TMP/ours" &&
			if cmp -s "$TEST_TMP/ref1" "$TEST_TMP/ref2"; then
				diff -u "$TEST_TMP/ref1" "$TEST_TMP/ours"
			else
				say "reference output is not deterministic; lines compared: $(wc -l <"$TEST_TMP/ref1")"
				test "$(wc -l <"$TEST_TMP/ref1")" = "$(wc -l <"$TEST_TMP/ours")"
			fi
		'
	done
done
test_done
