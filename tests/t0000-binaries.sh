#!/bin/sh
# The binaries exist, dispatch roles and commands, and refuse what they don't know.
. "$(dirname "$0")/lib.sh"

test_expect_success 'bosund prints its version' '
	"$BOSUND" version | grep -E "^bosund [0-9]+\.[0-9]+\.[0-9]+$"
'

test_expect_success 'bosund refuses an unknown role' '
	expect_fail_with "unknown role .nope." "$BOSUND" nope
'

test_expect_success 'bosun finds a command by unique prefix' '
	"$BOSUN" vers | grep -E "^bosun: v[0-9]"
'

test_expect_success 'a prefix shared by one-word and two-word commands is ambiguous' '
	expect_fail_with "ambiguous command: a, could be: account .*alerts, app create" "$BOSUN" a &&
	expect_fail_with "ambiguous command: ap, could be: app create, app delete" "$BOSUN" ap
'

test_expect_success 'bosun refuses an unknown command' '
	expect_fail_with "unknown command: frobnicate" "$BOSUN" frobnicate
'

test_expect_success 'bosun help lists the commands' '
	"$BOSUN" --help | grep -q "version"
'

test_done
