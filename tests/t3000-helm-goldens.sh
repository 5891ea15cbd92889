#!/bin/sh
# t3000-helm-goldens — `bosun template` against the golden outputs of
# `helm template` v3.21.4 (../shared/peer/helm): stdout and stderr together,
# byte for byte, with the exit status Helm had. Helm names itself in one
# usage message; that golden is read with "helm" spelt "bosun".
. "$(dirname "$0")/lib.sh"

H=$PEER/helm/v3.21.4
[ -f "$PEER/helm/goldens.tsv" ] || test_skip_all "no $PEER/helm/goldens.tsv"

matched=0
total=0
while IFS='	' read -r golden want_err args; do
	case $golden in '#'*|'') continue ;; esac
	total=$((total + 1))
	export golden want_err args
	test_expect_success "$golden ($args)" '
		cd "$H" &&
		eval "set -- $args" &&
		if "$BOSUN" template "$@" >"$TEST_TMP/out" 2>&1; then got_err=false; else got_err=true; fi &&
		sed "s/\"helm template\"/\"bosun template\"/; s/helm template \[NAME\]/bosun template [NAME]/" \
			"$H/$golden" >"$TEST_TMP/want" &&
		diff -u "$TEST_TMP/want" "$TEST_TMP/out" &&
		test "$got_err" = "$want_err"
	'
done <"$PEER/helm/goldens.tsv"
say "goldens: $((total - test_failed)) of $total match"
test_done
