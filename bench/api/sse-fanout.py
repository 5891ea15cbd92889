#!/usr/bin/env python3
"""sse-fanout.py URL TOKEN [CLIENTS]: opens CLIENTS (default 1000) server-sent
event streams on /api/v1/stream/applications, creates one Application through
the API, and reports how long after the API answered the write each stream
received the change (p50, p99, max) and how many streams got it."""
import json, resource, selectors, socket, sys, time, urllib.parse, urllib.request

url, token = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)), hard))
u = urllib.parse.urlparse(url)
name = "fanout-%d" % int(time.time() * 1000)
req = ("GET /api/v1/stream/applications?name=%s HTTP/1.1\r\nHost: %s\r\n"
       "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n" % (name, u.netloc, token)).encode()
sel = selectors.DefaultSelector()
socks = []
for i in range(n):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(req)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, {"buf": b"", "ready": False, "got": None})
    socks.append(s)
ready, deadline = 0, time.time() + 30
while ready < n and time.time() < deadline:
    for key, _ in sel.select(1):
        d = key.data
        chunk = key.fileobj.recv(65536)
        d["buf"] += chunk
        if not d["ready"] and b"retry:" in d["buf"]:
            d["ready"] = True
            ready += 1
print("streams open: %d/%d" % (ready, n))
body = json.dumps({"metadata": {"name": name}, "spec": {"project": "default",
       "source": {"repoURL": "https://git.example.com/x.git", "path": "."},
       "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"}}}).encode()
r = urllib.request.Request(url + "/api/v1/applications", data=body, method="POST",
                           headers={"Authorization": "Bearer " + token})
urllib.request.urlopen(r).read()
t0 = time.time()
got, deadline = 0, time.time() + 10
needle = ('"name":"%s"' % name).encode()
while got < ready and time.time() < deadline:
    for key, _ in sel.select(1):
        d = key.data
        d["buf"] += key.fileobj.recv(65536)
        if d["got"] is None and needle in d["buf"]:
            d["got"] = time.time() - t0
            got += 1
lat = sorted(d.data["got"] for d in sel.get_map().values() if d.data["got"] is not None)
if lat:
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print("event delivered to %d streams after the write: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (len(lat), pick(0.5), pick(0.99), lat[-1] * 1000))
urllib.request.urlopen(urllib.request.Request(url + "/api/v1/applications/" + name + "?cascade=false",
                       method="DELETE", headers={"Authorization": "Bearer " + token})).read()
for s in socks:
    s.close()
