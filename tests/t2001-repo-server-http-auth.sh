#!/bin/sh
# The repo-server fetching over smart HTTP with basic auth: `git
# http-backend` behind a small CGI server (python3, already needed by
# tests/lib.sh) on loopback. No credentials, a wrong password and the right
# one; the password never reaches a response or the log. The same server
# over HTTPS with a certificate from a throwaway CA: untrusted, trusted
# through tlsCA, or skipped with insecure. A third server requires a TLS
# client certificate from its own CA: the right one works, none, one from
# another CA and a key that is not the certificate's are refused, each with
# an error that names the repository; no key material reaches the log.
# Last, http_proxy from the environment carries the fetch, and no_proxy
# lets it go direct.
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

# every server asks for alice's password; /moved.git is a renamed repository
GIT_HTTP_OPTS="--auth alice:pw-right-1 --redirect moved.git=app.git"
python3 "$ROOT/tests/git-http.py" "$SRV" "$TEST_TMP/git-port" $GIT_HTTP_OPTS >"$TEST_TMP/cgi.log" 2>&1 &
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
python3 "$ROOT/tests/git-http.py" "$SRV" "$TEST_TMP/tls-port" $GIT_HTTP_OPTS --tls "$P/srv.pem" "$P/srv.key" >"$TEST_TMP/tls.log" 2>&1 &
test_pids="$test_pids $!"
wait_for 10 test -s "$TEST_TMP/tls-port" || { echo "Bail out! https git server did not start"; exit 1; }
TLS_URL=https://127.0.0.1:$(cat "$TEST_TMP/tls-port")/app.git
jstr() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }
CA_JSON=$(jstr "$P/ca.pem")

# client certificates: one from the CA the server trusts for clients, one
# from a stranger CA, and a key that belongs to neither
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bosun-client-ca \
	-keyout "$P/cca.key" -out "$P/cca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stranger-ca \
	-keyout "$P/sca.key" -out "$P/sca.pem" 2>/dev/null
for who in good:cca bad:sca; do
	name=${who%%:*} ca=${who#*:}
	openssl req -newkey rsa:2048 -nodes -subj "/CN=bosun-$name" -keyout "$P/$name.key" \
		-out "$P/$name.csr" 2>/dev/null
	openssl x509 -req -in "$P/$name.csr" -CA "$P/$ca.pem" -CAkey "$P/$ca.key" -CAcreateserial \
		-days 2 -out "$P/$name.pem" 2>/dev/null
done
python3 "$ROOT/tests/git-http.py" "$SRV" "$TEST_TMP/mtls-port" $GIT_HTTP_OPTS --tls "$P/srv.pem" "$P/srv.key" --client-ca "$P/cca.pem" \
	>"$TEST_TMP/mtls.log" 2>&1 &
test_pids="$test_pids $!"
wait_for 10 test -s "$TEST_TMP/mtls-port" || { echo "Bail out! mTLS git server did not start"; exit 1; }
MTLS_URL=https://127.0.0.1:$(cat "$TEST_TMP/mtls-port")/app.git
# mtls CERT KEY [PATH]: POSTs to PATH (default /v1/manifests) for MTLS_URL
# with the password, tlsCA and the given client certificate files ("" = none).
mtls() {
	python3 - "$MTLS_URL" "$P/ca.pem" "$1" "$2" >"$TEST_TMP/body.json" <<'PY'
import json, sys
url, ca, cert, key = sys.argv[1:5]
repo = {"username": "alice", "password": "pw-right-1", "tlsCA": open(ca).read()}
if cert:
    repo["tlsClientCertData"] = open(cert).read()
if key:
    repo["tlsClientCertKey"] = open(key).read()
print(json.dumps({"repoURL": url, "path": "app", "repo": repo}))
PY
	curl -sS -o "$OUT" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data @"$TEST_TMP/body.json" "http://127.0.0.1:$REPO_PORT${3:-/v1/manifests}"
}

# a forward proxy for plain http that notes each request line it carries
cat >"$TEST_TMP/proxy.py" <<'PY'
import http.client, http.server, os, sys, urllib.parse
portfile, logfile = sys.argv[1:3]
class P(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def forward(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        with open(logfile, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        hop = ("proxy-connection", "connection", "host", "keep-alive")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in hop}
        c = http.client.HTTPConnection(u.hostname, u.port)
        c.request(self.command, u.path + ("?" + u.query if u.query else ""), body, headers)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = forward
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), P)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY

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

test_expect_success 'a redirected ref advertisement moves the repository URL' '
	test "$(post /v1/manifests "{\"repoURL\": \"${GIT_URL%/app.git}/moved.git\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 200 &&
	grep -q "\"name\":\"over-http\"" "$OUT"
'

test_expect_success 'a password in the URL works as well' '
	test "$(post /v1/resolve "{\"repoURL\": \"http://alice:pw-right-1@${GIT_URL#http://}\",
		\"targetRevision\": \"main\"}")" = 200 &&
	grep -q "$(git -C "$WORK" rev-parse main)" "$OUT" && ! grep -q pw-right-1 "$OUT"
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

test_expect_success 'a missing repository: not found, named' '
	test "$(post /v1/manifests "{\"repoURL\": \"${GIT_URL}x\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 404 &&
	grep -q "repository not found (HTTP 404)" "$OUT" && grep -q "app.gitx" "$OUT"
'

test_expect_success 'the git CLI needs the client certificate too' '
	! GIT_SSL_CAINFO="$P/ca.pem" git ls-remote "https://alice:pw-right-1@${MTLS_URL#https://}" \
		</dev/null 2>/dev/null &&
	GIT_SSL_CAINFO="$P/ca.pem" GIT_SSL_CERT="$P/good.pem" GIT_SSL_KEY="$P/good.key" \
		git ls-remote "https://alice:pw-right-1@${MTLS_URL#https://}" | grep -q refs/heads/main
'

test_expect_success 'client certificate: the right one renders the app' '
	code=$(mtls "$P/good.pem" "$P/good.key") && test "$code" = 200 &&
	grep -q "\"name\":\"over-http\"" "$OUT" &&
	test "$(mtls "$P/good.pem" "$P/good.key" /v1/test-connection)" = 200
'

test_expect_success 'client certificate: none given, refused with a clear error' '
	code=$(mtls "" "" /v1/test-connection); cat "$OUT"; test "$code" = 403 &&
	grep -q "$MTLS_URL" "$OUT" &&
	grep -q "the server requires a TLS client certificate: give tlsClientCertData and tlsClientCertKey" "$OUT"
'

test_expect_success 'client certificate: one from another CA is refused' '
	code=$(mtls "$P/bad.pem" "$P/bad.key"); cat "$OUT"; test "$code" = 403 &&
	grep -q "$MTLS_URL" "$OUT" && grep -q "the server refused the TLS client certificate" "$OUT"
'

test_expect_success 'client certificate: a key that is not its own, or half of the pair' '
	code=$(mtls "$P/good.pem" "$P/bad.key"); cat "$OUT"; test "$code" = 400 &&
	grep -q "tlsClientCertKey. is not the key of the certificate in .tlsClientCertData" "$OUT" &&
	code=$(mtls "$P/good.pem" ""); test "$code" = 400 &&
	grep -q "needs both .tlsClientCertData. and .tlsClientCertKey.; only .tlsClientCertData. is given" "$OUT"
'

test_expect_success 'no password or key reached the log' '
	! grep -E "pw-(right|wrong|url)|PRIVATE KEY|$(sed -n 2p "$P/good.key" | cut -c1-24)" \
		"$TEST_TMP/bosund-repo-server.log"
'

stop_bosund
python3 "$TEST_TMP/proxy.py" "$TEST_TMP/proxy-port" "$TEST_TMP/proxy.log" >/dev/null 2>&1 &
test_pids="$test_pids $!"
test_expect_success 'http_proxy from the environment carries the fetch; no_proxy skips it' '
	wait_for 10 test -s "$TEST_TMP/proxy-port" &&
	http_proxy=http://127.0.0.1:$(cat "$TEST_TMP/proxy-port") && export http_proxy &&
	DATA=$TEST_TMP/data-proxy && start_bosund repo-server && unset http_proxy &&
	test "$(post /v1/manifests "{\"repoURL\": \"$GIT_URL\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 200 &&
	grep -q "GET $GIT_URL/info/refs?service=git-upload-pack" "$TEST_TMP/proxy.log" &&
	grep -q "POST $GIT_URL/git-upload-pack" "$TEST_TMP/proxy.log" &&
	stop_bosund && : >"$TEST_TMP/proxy.log" &&
	http_proxy=http://127.0.0.1:$(cat "$TEST_TMP/proxy-port") no_proxy=127.0.0.1 &&
	export http_proxy no_proxy &&
	DATA=$TEST_TMP/data-noproxy && start_bosund repo-server && unset http_proxy no_proxy &&
	test "$(post /v1/manifests "{\"repoURL\": \"$GIT_URL\", \"path\": \"app\",
		\"repo\": {\"username\": \"alice\", \"password\": \"pw-right-1\"}}")" = 200 &&
	test ! -s "$TEST_TMP/proxy.log" && stop_bosund
'

# The same mTLS repository through the whole product: registered with the
# CLI's client certificate flags, an app on it synced by the controller.
DATA=$TEST_TMP/all
start_bosund all
SERVER=http://127.0.0.1:$API_PORT

test_expect_success 'bosun repo add with a client certificate; an app on it syncs' '
	"$BOSUN" login "$SERVER" --username admin --password "$(cat "$DATA/admin-password")" &&
	expect_fail_with "TLS client certificate" "$BOSUN" repo add "$MTLS_URL" --username alice \
		--password pw-right-1 --insecure-skip-server-verification &&
	"$BOSUN" repo add "$MTLS_URL" --username alice --password pw-right-1 \
		--insecure-skip-server-verification \
		--tls-client-cert-path "$P/good.pem" --tls-client-cert-key-path "$P/good.key" &&
	"$BOSUN" app create over-mtls --repo "$MTLS_URL" --path app \
		--dest-server https://kubernetes.default.svc --dest-namespace default &&
	"$BOSUN" app sync over-mtls --timeout 60 &&
	"$BOSUN" app wait over-mtls --sync --timeout 60 &&
	kc -n default get configmap over-http
'

test_expect_success 'no key material reached the log of bosund all' '
	! grep -E "pw-right|PRIVATE KEY|$(sed -n 2p "$P/good.key" | cut -c1-24)" "$TEST_TMP/bosund-all.log"
'

if [ "$test_failed" != 0 ]; then
	echo "# bosund repo-server log:"
	tail -20 "$TEST_TMP/bosund-repo-server.log" | sed 's/^/#   /'
fi
test_done
