#!/bin/sh
# jqPathExpressions give gojq's answers. Argo CD runs each expression
# through gojq as del(EXPR); every case of tests/data/jqpath/cases (a
# realistic Kubernetes document and an expression users write) goes through
# gojq and through Bosun's jqpath (build/tests/tools/jqpath-del), and both
# must print the same document (compared as canonical JSON) or both fail.
# Bosun may refuse an expression only where the case says so, and then its
# message must name what it refuses.
. "$(dirname "$0")/lib.sh"

DATA=$ROOT/tests/data/jqpath
TOOL=$BUILD/tests/tools/jqpath-del
command -v gojq >/dev/null 2>&1 || test_skip_all "gojq is not installed (scripts/install-deps.sh)"
test -x "$TOOL" || test_skip_all "$TOOL is not built (make unit)"

# run_case DOC EXPR REFUSE: one comparison; prints what differs.
run_case() {
	doc=$DATA/$1.json
	gojq -c "del($2)" <"$doc" >"$TEST_TMP/g.out" 2>"$TEST_TMP/g.err"
	g=$?
	"$TOOL" "$2" <"$doc" >"$TEST_TMP/b.out" 2>"$TEST_TMP/b.err"
	b=$?
	if [ "$3" = refuse ]; then
		test $b = 2 || { echo "Bosun did not refuse it (exit $b)"; return 1; }
		grep -Eq "not a path expression: .* gives values|is not supported" "$TEST_TMP/b.err" ||
			{ echo "refusal does not name the construct:"; cat "$TEST_TMP/b.err"; return 1; }
		echo refused >>"$TEST_TMP/refused"
		return 0
	fi
	if [ $g != 0 ]; then
		test $b != 0 || { echo "gojq failed, Bosun did not:"; cat "$TEST_TMP/g.err" "$TEST_TMP/b.out"; return 1; }
		grep -q "jq path expression '" "$TEST_TMP/b.err" ||
			{ echo "Bosun's error does not name the expression:"; cat "$TEST_TMP/b.err"; return 1; }
		echo both >>"$TEST_TMP/errors"
		return 0
	fi
	test $b = 0 || { echo "Bosun failed, gojq did not:"; cat "$TEST_TMP/b.err"; return 1; }
	jq -S -c . "$TEST_TMP/g.out" >"$TEST_TMP/g.json" &&
	jq -S -c . "$TEST_TMP/b.out" >"$TEST_TMP/b.json" || return 1
	cmp -s "$TEST_TMP/g.json" "$TEST_TMP/b.json" ||
		{ echo "gojq:  $(cat "$TEST_TMP/g.json")"; echo "bosun: $(cat "$TEST_TMP/b.json")"; return 1; }
}

: >"$TEST_TMP/refused"
: >"$TEST_TMP/errors"
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	refuse=
	case $line in '!'*) refuse=refuse; line=${line#!} ;; esac
	doc=${line%% *}
	expr=${line#* }
	test_expect_success "$doc: $expr" 'run_case "$doc" "$expr" "$refuse"'
done <"$DATA/cases"

say "both gave up: $(wc -l <"$TEST_TMP/errors"), Bosun refused: $(wc -l <"$TEST_TMP/refused")"
test_expect_success 'the table covers answers, shared errors and refusals' '
	test "$(wc -l <"$TEST_TMP/errors")" -ge 20 &&
	test "$(wc -l <"$TEST_TMP/refused")" -le 5
'

test_done
