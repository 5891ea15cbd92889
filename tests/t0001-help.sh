#!/bin/sh
# --help for every command: each `bosun` command of the CLI's table (as
# `bosun --help` lists it) and each `bosund` role prints its usage and exits
# 0; and the README promises nothing the binaries lack: every command its
# CLI section names exists, and every flag it shows for a command or a role
# is one that command's usage lists.
. "$(dirname "$0")/lib.sh"

"$BOSUN" --help >"$TEST_TMP/commands" 2>&1
sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}\)  .*/\1/p' "$TEST_TMP/commands" |
	sed 's/ *$//' >"$TEST_TMP/names"
"$BOSUND" --help >"$TEST_TMP/roles" 2>&1
sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' "$TEST_TMP/roles" >"$TEST_TMP/role-names"

test_expect_success 'bosun --help lists the command table' '
	test "$(wc -l <"$TEST_TMP/names")" -ge 30 &&
	grep -qx "app sync" "$TEST_TMP/names" &&
	grep -qx "template" "$TEST_TMP/names"
'

test_expect_success 'every bosun command prints its usage for --help and -h, exit 0' '
	while read -r name; do
		for h in --help -h; do
			"$BOSUN" $name $h >"$TEST_TMP/out" 2>&1 ||
				{ echo "bosun $name $h exited $?"; cat "$TEST_TMP/out"; exit 1; }
			grep -q "^usage: bosun $name" "$TEST_TMP/out" ||
				{ echo "bosun $name $h printed no usage:"; cat "$TEST_TMP/out"; exit 1; }
		done
	done <"$TEST_TMP/names"
'

test_expect_success 'bosund --help lists the roles; every role prints its usage' '
	for r in all api cluster controller repo-server; do
		grep -qx $r "$TEST_TMP/role-names" || { echo "role $r not listed"; exit 1; }
	done &&
	while read -r role; do
		test "$role" = version && continue
		"$BOSUND" $role --help >"$TEST_TMP/out" 2>&1 ||
			{ echo "bosund $role --help exited $?"; cat "$TEST_TMP/out"; exit 1; }
		grep -q "^usage: bosund $role" "$TEST_TMP/out" ||
			{ echo "bosund $role --help printed no usage:"; cat "$TEST_TMP/out"; exit 1; }
	done <"$TEST_TMP/role-names" &&
	"$BOSUND" version --help | grep -q "^bosund [0-9]"
'

# The README's CLI block (```...``` after "## The CLI") and bosund table:
# every command named exists, every flag shown is in that command's usage.
cat >"$TEST_TMP/readme.py" <<'PY'
import re, subprocess, sys
readme, bosun, bosund, names_file = sys.argv[1:5]
names = [l.strip() for l in open(names_file) if l.strip()]
text = open(readme).read()
bad = []

def usage(argv):
    p = subprocess.run(argv + ["--help"], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr

def flags_of(s):
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", s))

def check_flags(cmd, shown, argv, common=()):
    rc, out = usage(argv)
    if rc != 0:
        bad.append("%s --help exits %d" % (cmd, rc))
        return
    have = flags_of(out) | set(common)
    for f in sorted(flags_of(shown) - have):
        bad.append("README shows '%s' for '%s', its usage does not list it" % (f, cmd))

def split_commands(s):
    """Splits "a X | b Y [--p | --q]" at the bars outside brackets."""
    out, depth, cur = [], 0, ""
    for i, ch in enumerate(s):
        depth += (ch == "[") - (ch == "]")
        if ch == "|" and depth == 0 and s[i - 1:i] == " ":
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return out + [cur.strip()]

def command_of(words, group):
    """The command of the table that words start (after group, for the second
    and later commands of a line), and how many words it takes."""
    for cand, n in ((words[:2], 2), ([group] + words[:1] if group else None, 1), (words[:1], 1)):
        if cand and len(cand) == len(set(cand)) and " ".join(cand) in names:
            return " ".join(cand), n
    return None, 0

cli = re.search(r"^## The CLI.*?^```\n(.*?)^```", text, re.S | re.M)
if not cli:
    sys.exit("README has no CLI block under '## The CLI'")
count = 0
for line in cli.group(1).splitlines():
    line = line.split("#")[0].strip()
    if not line:
        continue
    if line.startswith("bosun "):
        rest, group, prev = line[len("bosun "):], None, None
    elif prev:                       # a continuation line: more flags
        rest, group = line, None
        check_flags(prev, rest, [bosun] + prev.split())
        continue
    else:
        continue
    # "proj create|list|get ...": one group, several commands
    m = re.match(r"([a-z]+) ([a-z-]+(?:\|[a-z-]+)+)( .*)?$", rest)
    if m:
        for sub in m.group(2).split("|"):
            cmd = m.group(1) + " " + sub
            count += 1
            if cmd not in names:
                bad.append("README names 'bosun %s', which does not exist" % cmd)
        prev = None
        continue
    for i, seg in enumerate(split_commands(rest)):
        words = seg.split()
        cmd, n = command_of(words, group if i else None)
        if not cmd:
            bad.append("README names 'bosun %s', which does not exist" % seg)
            prev = None
            continue
        count += 1
        if i == 0 and " " in cmd:
            group = cmd.split()[0]
        check_flags(cmd, " ".join(words[n:]), [bosun] + cmd.split())
        prev = cmd

roles = re.findall(r"^\| `bosund ([a-z-]+)([^`]*)` \|", text, re.M)
for role, shown in roles:
    count += 1
    check_flags("bosund " + role, shown, [bosund, role],
                common=("--data-dir", "--log-level", "--log-format"))
if count < 30 or len(roles) < 5:
    bad.append("found only %d commands and %d roles in the README" % (count, len(roles)))
print("checked %d commands and roles" % count)
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

test_expect_success 'every command the README names exists, with the flags it shows' '
	python3 "$TEST_TMP/readme.py" "$ROOT/README.md" "$BOSUN" "$BOSUND" "$TEST_TMP/names"
'

test_done
