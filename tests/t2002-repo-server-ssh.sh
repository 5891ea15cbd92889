#!/bin/sh
# The repo-server fetching over SSH from a throwaway sshd (openssh-server)
# on a loopback port with generated keys: known_hosts checked (plain and
# hashed entries), a wrong host key and a wrong user key refused, `insecure`
# skipping the host check. The server refuses ssh-rsa (SHA-1) signatures,
# as OpenSSH does by default since 8.8: an RSA key (PEM form) still works, as
# do ECDSA and a key with a passphrase (never in the log); an scp-like URL
# goes through BOSUN_SSH (a wrapper that adds the port). Last, a server
# without OpenSSH's client (BOSUN_SSH names none) falls back to libssh2 for
# an ed25519 key. Skipped when sshd is not installed.
. "$(dirname "$0")/lib.sh"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || test_skip_all "sshd (openssh-server) is not installed"
command -v ssh-keygen >/dev/null || test_skip_all "ssh-keygen is not installed"

S=$TEST_TMP/ssh
mkdir -p "$S"
chmod 700 "$S"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/other_host_key"
ssh-keygen -q -t ed25519 -N "" -f "$S/user_key"
ssh-keygen -q -t ed25519 -N "" -f "$S/stranger_key"
ssh-keygen -q -t rsa -b 2048 -m PEM -N "" -f "$S/rsa_key"
ssh-keygen -q -t ecdsa -b 256 -N "" -f "$S/ecdsa_key"
ssh-keygen -q -t ed25519 -N "pass-phrase-7" -f "$S/locked_key"
cat "$S/user_key.pub" "$S/rsa_key.pub" "$S/ecdsa_key.pub" "$S/locked_key.pub" >"$S/authorized_keys"
chmod 600 "$S/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
cat >"$S/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/host_key
AuthorizedKeysFile $S/authorized_keys
PidFile $S/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PubkeyAcceptedAlgorithms -ssh-rsa
PermitRootLogin prohibit-password
LogLevel VERBOSE
CONF
"$SSHD" -D -e -f "$S/sshd_config" >"$TEST_TMP/sshd.log" 2>&1 &
test_pids="$test_pids $!"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()" \
	|| { echo "Bail out! sshd did not start"; sed 's/^/# /' "$TEST_TMP/sshd.log"; exit 1; }

WORK=$TEST_TMP/work
make_git_repo "$WORK"
mkdir -p "$WORK/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: over-ssh\n' >"$WORK/app/cm.yaml"
commit_all "$WORK" app
git init -q --bare "$TEST_TMP/app.git"
git -C "$WORK" push -q "$TEST_TMP/app.git" main
git -C "$TEST_TMP/app.git" symbolic-ref HEAD refs/heads/main
GIT_URL="ssh://$(id -un)@127.0.0.1:$PORT$TEST_TMP/app.git"

KNOWN="[127.0.0.1]:$PORT $(cat "$S/host_key.pub")"
WRONG="[127.0.0.1]:$PORT $(cat "$S/other_host_key.pub")"
printf '%s\n' "$KNOWN" >"$S/hashed"
ssh-keygen -q -H -f "$S/hashed" >/dev/null 2>&1
HASHED=$(grep -v '^#' "$S/hashed")

start_bosund repo-server
OUT=$TEST_TMP/out.json
# render KEYFILE KNOWN_HOSTS INSECURE [PASSPHRASE]: prints the status of
# /v1/manifests.
render() {
	python3 - "$1" "$2" "$3" "$GIT_URL" "${4:-}" >"$TEST_TMP/body.json" <<'PY'
import json, sys
key, known, insecure, url, passphrase = sys.argv[1:6]
repo = {"sshPrivateKey": open(key).read(), "insecure": insecure == "1"}
if known:
    repo["sshKnownHosts"] = known + "\n"
if passphrase:
    repo["sshPassphrase"] = passphrase
print(json.dumps({"repoURL": url, "path": "app", "repo": repo}))
PY
	curl -sS -o "$OUT" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data @"$TEST_TMP/body.json" "http://127.0.0.1:$REPO_PORT/v1/manifests"
}

test_expect_success 'the git CLI reaches the server with the key' '
	GIT_SSH_COMMAND="ssh -i $S/user_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$S/hashed" \
		git ls-remote "$GIT_URL" | grep -q refs/heads/main
'

test_expect_success 'the right key and known_hosts render the app' '
	code=$(render "$S/user_key" "$KNOWN" 0) && cat "$OUT" && test "$code" = 200 &&
	grep -q "\"name\":\"over-ssh\"" "$OUT"
'

test_expect_success 'a hashed known_hosts entry is accepted' '
	code=$(render "$S/user_key" "$HASHED" 0) && cat "$OUT" && test "$code" = 200
'

test_expect_success 'a wrong host key is refused' '
	code=$(render "$S/user_key" "$WRONG" 0); cat "$OUT"; test "$code" = 403 &&
	grep -q "host key of .127.0.0.1. does not match its known_hosts entry" "$OUT"
'

test_expect_success 'a key the server does not know is refused' '
	code=$(render "$S/stranger_key" "$KNOWN" 0); cat "$OUT"; test "$code" = 403 &&
	grep -q "authentication failed" "$OUT"
'

test_expect_success 'without known_hosts or insecure the host is not trusted' '
	code=$(render "$S/user_key" "" 0); cat "$OUT"; test "$code" = 403 &&
	grep -q "give its known_hosts entry, or set insecure" "$OUT"
'

test_expect_success 'insecure skips the host key check' '
	code=$(render "$S/user_key" "" 1) && cat "$OUT" && test "$code" = 200
'

test_expect_success 'the server refuses ssh-rsa (SHA-1) signatures' '
	! ssh -F /dev/null -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PubkeyAcceptedAlgorithms=ssh-rsa -i "$S/rsa_key" -p "$PORT" 127.0.0.1 true \
		</dev/null 2>/dev/null
'

test_expect_success 'an RSA key (PEM) works: signed with rsa-sha2' '
	code=$(render "$S/rsa_key" "$KNOWN" 0) && cat "$OUT" && test "$code" = 200 &&
	grep -q "\"name\":\"over-ssh\"" "$OUT"
'

test_expect_success 'an ECDSA key works' '
	code=$(render "$S/ecdsa_key" "$KNOWN" 0) && cat "$OUT" && test "$code" = 200
'

test_expect_success 'a key with a passphrase works; a wrong passphrase is refused' '
	code=$(render "$S/locked_key" "$KNOWN" 0 pass-phrase-7) && cat "$OUT" && test "$code" = 200 &&
	code=$(render "$S/locked_key" "$KNOWN" 0 wrong-phrase-8); cat "$OUT"; test "$code" = 403 &&
	grep -q "authentication failed" "$OUT" && ! grep -q wrong-phrase-8 "$OUT"
'

test_expect_success 'no private key material, passphrase or key file left behind' '
	! grep -E "PRIVATE KEY|pass-phrase-7|wrong-phrase-8" "$TEST_TMP/bosund-repo-server.log" &&
	test -z "$(find "$DATA" -name "ssh-*")"
'

test_expect_success 'an scp-like URL (user@host:path) through BOSUN_SSH, a wrapper adding the port' '
	printf "#!/bin/sh\nexec ssh -p %s \"\$@\"\n" "$PORT" >"$S/ssh-port" && chmod +x "$S/ssh-port" &&
	stop_bosund &&
	BOSUN_SSH=$S/ssh-port && export BOSUN_SSH &&
	DATA=$TEST_TMP/data3 && start_bosund repo-server && unset BOSUN_SSH &&
	GIT_URL="$(id -un)@127.0.0.1:$TEST_TMP/app.git" &&
	code=$(render "$S/rsa_key" "$KNOWN" 0) && cat "$OUT" && test "$code" = 200 &&
	grep -q "\"name\":\"over-ssh\"" "$OUT"
'
GIT_URL="ssh://$(id -un)@127.0.0.1:$PORT$TEST_TMP/app.git"

test_expect_success 'without OpenSSH (BOSUN_SSH names none) libssh2 takes an ed25519 key' '
	stop_bosund &&
	BOSUN_SSH=$TEST_TMP/no-such-ssh && export BOSUN_SSH &&
	DATA=$TEST_TMP/data2 && start_bosund repo-server && unset BOSUN_SSH &&
	grep -q "ssh client not found" "$TEST_TMP/bosund-repo-server.log" &&
	code=$(render "$S/user_key" "$KNOWN" 0) && cat "$OUT" && test "$code" = 200 &&
	code=$(render "$S/user_key" "$WRONG" 0); test "$code" = 403 &&
	grep -q "host key of .127.0.0.1. is not in known_hosts" "$OUT"
'

if [ "$test_failed" != 0 ]; then
	echo "# bosund repo-server log:"
	tail -20 "$TEST_TMP/bosund-repo-server.log" | sed 's/^/#   /'
fi
test_done
