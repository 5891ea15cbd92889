#!/usr/bin/env python3
# git-http.py ROOT PORTFILE [options]: a git smart-HTTP server for tests and
# benchmarks. `git http-backend` runs as a CGI for every request (HTTP/1.1,
# keep-alive) on a free loopback port, written to PORTFILE once listening.
#
#   --auth USER:PASSWORD   every request needs this basic auth (401 otherwise)
#   --tls CERT KEY         serve HTTPS
#   --client-ca CA         with --tls: require a client certificate from CA
#   --redirect FROM=TO     /FROM/info/refs... answers 301 to /TO/info/refs...
#                          (a renamed repository)
import argparse
import base64
import http.server
import os
import ssl
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument("root")
ap.add_argument("portfile")
ap.add_argument("--auth")
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
ap.add_argument("--client-ca")
ap.add_argument("--redirect", action="append", default=[])
args = ap.parse_args()

want = args.auth and "Basic " + base64.b64encode(args.auth.encode()).decode()
user = args.auth.split(":", 1)[0] if args.auth else ""
redirects = [r.split("=", 1) for r in args.redirect]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = b""
        while True:
            n = int(self.rfile.readline().split(b";")[0], 16)
            if n == 0:
                self.rfile.readline()
                return out
            out += self.rfile.read(n)
            self.rfile.readline()

    def empty(self, status, header=None):
        self.send_response(status)
        if header:
            self.send_header(*header)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve(self):
        data = self.body() if self.command == "POST" else b""
        for old, new in redirects:
            prefix = "/" + old + "/info/refs"
            if self.path.startswith(prefix):
                return self.empty(301, ("Location", "/" + new + self.path[len(old) + 1:]))
        if want and self.headers.get("Authorization") != want:
            return self.empty(401, ("WWW-Authenticate", 'Basic realm="git"'))
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=args.root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(data)), REMOTE_USER=user, REMOTE_ADDR="127.0.0.1",
                   GIT_HTTP_MAX_REQUEST_BUFFER="100M")
        for h, e in (("Content-Encoding", "HTTP_CONTENT_ENCODING"), ("Git-Protocol", "GIT_PROTOCOL")):
            if self.headers.get(h):
                env[e] = self.headers[h]
        out = subprocess.run(["git", "http-backend"], input=data, env=env,
                             capture_output=True).stdout
        head, _, rest = out.partition(b"\r\n\r\n")
        status, headers = 200, []
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


class TLSServer(http.server.ThreadingHTTPServer):
    # The handshake runs in the request's thread; a refused client gets the
    # TLS alert and the connection is drained before it closes, so the alert
    # is not lost to a TCP reset (nginx and lighttpd close the same way).
    def finish_request(self, request, addr):
        raw = request.dup()
        conn = ctx.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
        try:
            conn.do_handshake()
        except (ssl.SSLError, OSError):
            raw.settimeout(2)
            try:
                while raw.recv(65536):
                    pass
            except OSError:
                pass
            raw.close()
            conn.close()
            return
        raw.close()
        self.RequestHandlerClass(conn, addr, self)


if args.tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*args.tls)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    server = TLSServer(("127.0.0.1", 0), Handler)
else:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(args.portfile + ".tmp", args.portfile)
server.serve_forever()
