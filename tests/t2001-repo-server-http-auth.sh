#!/bin/sh
# The repo-server fetching over smart HTTP with basic auth: `git
# http-backend` behind a small CGI server (python3, already needed by
# tests/lib.sh) on loopback. No credentials, a wrong password and the right
# one; the password never reaches a response or the log. The same server
# over HTTPS with a certificate from a throwaway CA: untrusted, trusted
# through tlsCA, or skipped with insecure.
. "$(dirname "$0")/lib.sh"
export GIT_TERMINAL_PROMPT=0

SRV=$TEST_TMP/srv
mkdir -p "$SRV"
git init -q --bare "$SRV/app.git"
WORK=$TEST_TMP/work
make_git_repo "$WORK"
mkdir -p "$WORK/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: over-http\n' >"$WORK/app/cm.yaml"
commit_all "$WORK" app
git -C "$WORK" push -q "$SRV/app.git" main
git -C "$SRV/app.git" symbolic-ref HEAD refs/heads/main

cat >"$TEST_TMP/cgi.py" <<'PY'
import base64, http.server, os, subprocess, sys
root, portfile = sys.argv[1], sys.argv[2]
tls = sys.argv[3:5]
WANT = "Basic " + base64.b64encode(b"alice:pw-right-1").decode()

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))
    def serve(self):
        data = self.body() if self.command == "POST" else b""
        if self.headers.get("Authorization") != WANT:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(data)), REMOTE_USER="alice", REMOTE_ADDR="127.0.0.1",
                   GIT_HTTP_MAX_REQUEST_BUFFER="100M")
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(["git", "http-backend"], input=data, env=env,
                             capture_output=True).stdout
        head, _, rest = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            k, _, v = line.decode().partition(":")
            if k.lower() == "status":
                status = int(v.strip().split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)
    do_GET = do_POST = serve

s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
if tls:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls[0], tls[1])
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$TEST_TMP/cgi.py" "$SRV" "$TEST_TMP/git-port" >"$TEST_TMP/cgi.log" 2>&1 &
test_pids="$test_pids $!"
wait_for 10 test -s "$TEST_TMP/git-port" || { echo "Bail out! git http server did not start"; exit 1; }
GIT_URL=http://127.0.0.1:$(cat "$TEST_TMP/git-port")/app.git

# a throwaway CA and a server certificate for 127.0.0.1
P=$TEST_TMP/pki
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bosun-test-ca \
	-keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$P/srv.key" -out "$P/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$P/ext"
openssl x509 -req -in "$P/srv.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
	-extfile "$P/ext" -out "$P/srv.pem" 2>/dev/null
python3 "$TEST_TMP/cgi.py" "$SRV" "$TEST_TMP/tls-port" "$P/srv.pem" "$P/srv.key" >"$TEST_TMP/tls.log" 2>&1 &
test_pids="$test_pids $!"
wait_for 10 test -s "$TEST_TMP/tls-port" || { echo "Bail out! https git server did not start"; exit 1; }
TLS_URL=https://127.0.0.1:$(cat "$TEST_TMP/tls-port")/app.git
CA_JSON=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$P/ca.pem")

start_bosund repo-server
OUT=$TEST_TMP/out.json
post() {
	curl -sS -o "$OUT" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://127.0.0.1:$REPO_PORT$1"
}

test_expect_success 'the git CLI itself needs the password' '
	! git ls-remote "$GIT_URL" </dev/null 2>/dev/null &&
	git -c credential.helper= ls-remote "http://alice:pw-right-1@${GIT_URL#http://}" | grep -q refs/heads/main
'

test_expect_success 'no credentials: a clear authentication error' '
	test "$(post /v1/manifests "{\"repoURL\": \"$GIT_URL\", \"path\": \"app\"}")" = 403 &&
	grep -q "authentication failed: the repository requires credentials and none were given" "$OUT"
'

test_expect_success 'a wrong password: refused, and not echoed' '
	test "$(post /v1/manifests "{\"repoURL\": \"$GIT_URL\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-wrong-2\"}}")" = 403 &&
	grep -q "authentication failed: the credentials were rejected" "$OUT" &&
	! grep -q pw-wrong-2 "$OUT"
'

test_expect_success 'the right password renders the app' '
	test "$(post /v1/manifests "{\"repoURL\": \"$GIT_URL\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 200 &&
	grep -q "\"name\":\"over-http\"" "$OUT" &&
	test "$(post /v1/test-connection "{\"repoURL\": \"$GIT_URL\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 200
'

test_expect_success 'a password in the URL is redacted from errors' '
	test "$(post /v1/manifests "{\"repoURL\": \"http://alice:pw-url-3@${GIT_URL#http://}x\"}")" != 200 &&
	! grep -q pw-url-3 "$OUT"
'

test_expect_success 'https: a certificate from an unknown CA is refused' '
	test "$(post /v1/manifests "{\"repoURL\": \"$TLS_URL\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 403 &&
	grep -q "TLS certificate of .127.0.0.1. is not trusted" "$OUT"
'

test_expect_success 'https: trusted through the tlsCA given with the request' '
	test "$(post /v1/manifests "{\"repoURL\": \"$TLS_URL\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\", \"tlsCA\": $CA_JSON}}")" = 200 &&
	grep -q "\"name\":\"over-http\"" "$OUT"
'

test_expect_success 'https: insecure skips the certificate check' '
	test "$(post /v1/test-connection "{\"repoURL\": \"$TLS_URL\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\", \"insecure\": true}}")" = 200
'

test_expect_success 'no password reached the log' '
	! grep -E "pw-(right|wrong|url)" "$TEST_TMP/bosund-repo-server.log"
'

if [ "$test_failed" != 0 ]; then
	echo "# bosund repo-server log:"
	tail -20 "$TEST_TMP/bosund-repo-server.log" | sed 's/^/#   /'
fi
test_done
