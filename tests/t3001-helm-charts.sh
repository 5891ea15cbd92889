#!/bin/sh
# t3001-helm-charts — real public charts (../shared/peer/charts) render with
# `bosun template`, with their defaults and with each ci/*.yaml value set.
# Kubernetes 1.33 is given because some need a newer cluster than the
# v1.20.0 `helm template` assumes by default. bosun template parses every
# manifest it prints (a bad one is an error), so success plus the
# `# Source:` headers is the check here (a chart whose defaults render
# nothing prints an empty line, as helm does).
. "$(dirname "$0")/lib.sh"

C=$PEER/charts
[ -d "$C" ] || test_skip_all "no $C"

for chart in "$C"/*/; do
	chart=${chart%/}
	name=$(basename "$chart")
	[ -f "$chart/Chart.yaml" ] || continue
	for values in "" "$chart"/ci/*.yaml; do
		[ -z "$values" ] || [ -f "$values" ] || continue
		export chart values
		test_expect_success "$name ${values:+$(basename "$values")}" '
			set -- "$chart" --kube-version 1.33.0 &&
			if [ -n "$values" ]; then set -- "$@" -f "$values"; fi &&
			"$BOSUN" template "$@" >"$TEST_TMP/out" &&
			{ grep -q "^# Source: $(basename "$chart")/" "$TEST_TMP/out" ||
			  test "$(cat "$TEST_TMP/out")" = ""; }
		'
	done
done
test_done
