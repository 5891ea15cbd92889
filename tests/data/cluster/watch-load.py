#!/usr/bin/env python3
"""Watch load on the bundled cluster, for tests/t1004-cluster-limits.sh.

  watch-load.py many PORT TOKEN PID N     N simultaneous watches all get one event
  watch-load.py stalled PORT TOKEN PID    a watch that never reads is dropped
  watch-load.py race PORT TOKEN PID       watches that come and go, each resuming
                                          from the last event it saw, while four
                                          clients write: every watch sees every
                                          write once, in order

Both check that the server answers other requests meanwhile and print the
server's resident memory (VmRSS of PID) so the caller can bound it. Raw
sockets rather than a client library: the point is to hold the connections
open exactly as a slow or numerous client would.
"""
import http.client, json, random, selectors, socket, ssl, sys, threading, time

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0

def connect(port, rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(s)

def request(port, token, method, path, body=None, timeout=10):
    s = connect(port)
    s.settimeout(timeout)
    data = json.dumps(body).encode() if body is not None else b""
    s.sendall((f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
               "Connection: close\r\n\r\n").encode() + data)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    head, _, rest = out.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest

def watch_request(token, rv):
    return (f"GET /api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv} HTTP/1.1\r\n"
            f"Host: x\r\nAuthorization: Bearer {token}\r\n\r\n").encode()

def current_rv(port, token):
    code, body = request(port, token, "GET", "/api/v1/namespaces/default/configmaps?limit=1")
    assert code == 200, code
    return json.loads(body.split(b"\r\n", 1)[1] if body[:1] != b"{" else body)["metadata"]["resourceVersion"]

def responsive(port, token, limit=2.0):
    t = time.time()
    code, _ = request(port, token, "GET", "/version")
    took = time.time() - t
    assert code == 200 and took < limit, f"/version answered {code} after {took:.2f}s"
    return took

def many(port, token, pid, n):
    base = rss_mb(pid)
    rv = current_rv(port, token)
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        s = connect(port)
        s.sendall(watch_request(token, rv))
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, i)
    responsive(port, token)
    held = rss_mb(pid)
    code, _ = request(port, token, "POST", "/api/v1/namespaces/default/configmaps",
                      {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ping"}})
    assert code == 201, code
    got = [b""] * n
    done = set()
    deadline = time.time() + 60
    while len(done) < n and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            i = key.data
            try:
                while True:
                    chunk = key.fileobj.recv(65536)
                    if not chunk:
                        break
                    got[i] += chunk
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            if b'"ADDED"' in got[i] and b'"ping"' in got[i]:
                done.add(i)
                sel.unregister(key.fileobj)
    for s in socks:
        s.close()
    print(f"watches={n} got_event={len(done)} rss_base_mb={base:.1f} rss_held_mb={held:.1f}")
    assert len(done) == n, f"only {len(done)} of {n} watches saw the event"

def stalled(port, token, pid):
    base = rss_mb(pid)
    rv = current_rv(port, token)
    s = connect(port, rcvbuf=4096)
    s.sendall(watch_request(token, rv))
    value = "x" * (900 * 1024)
    events = 40
    worst = 0
    for i in range(events):
        code, _ = request(port, token, "POST", "/api/v1/namespaces/default/configmaps",
                          {"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": f"big-{i}"}, "data": {"v": value}})
        assert code == 201, code
        worst = max(worst, responsive(port, token))
    peak = rss_mb(pid)
    # the stalled client now reads: it must find its connection closed
    # before it received every event
    s.settimeout(20)
    total = 0
    closed = False
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            chunk = s.recv(1 << 20)
            if not chunk:
                closed = True
                break
            total += len(chunk)
    except (ConnectionResetError, ssl.SSLError, socket.timeout) as e:
        closed = not isinstance(e, socket.timeout)
    s.close()
    print(f"stalled: written_mb={events * 0.9:.0f} received_mb={total / 1048576:.1f} "
          f"closed={closed} rss_base_mb={base:.1f} rss_peak_mb={peak:.1f} "
          f"slowest_version_s={worst:.3f}")
    assert closed, "the stalled watch was not dropped"
    assert total < events * 900 * 1024, "the stalled watch received everything"
    code, _ = request(port, token, "GET", "/api/v1/namespaces/default/configmaps/big-0")
    assert code == 200, code

def race(port, token, pid, writers=4, per_writer=150, watchers=12):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    hdrs = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = "/api/v1/namespaces/default/configmaps"
    start = int(current_rv(port, token))
    writes, lock, done = [], threading.Lock(), threading.Event()
    failures = []

    def write(t):
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
        for i in range(per_writer):
            name = f"race-{t}-{i}"
            for method, url, body in (
                    ("POST", path, {"metadata": {"name": name}, "data": {"n": "0"}}),
                    ("PUT", f"{path}/{name}", {"metadata": {"name": name}, "data": {"n": "1"}})):
                c.request(method, url, json.dumps(body), hdrs)
                r = c.getresponse()
                obj = json.loads(r.read())
                if r.status not in (200, 201):
                    failures.append((method, name, r.status))
                    return
                with lock:
                    writes.append(int(obj["metadata"]["resourceVersion"]))
        c.close()

    def watch(k, out):
        rv, seen, rounds = start, [], 0
        deadline = time.time() + 60
        while time.time() < deadline:
            if done.is_set():
                with lock:
                    last = max(writes) if writes else start
                if rv >= last:
                    break
            rounds += 1
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=0.3)
            until = time.time() + random.uniform(0.02, 0.2)
            try:
                c.request("GET", f"{path}?watch=1&resourceVersion={rv}", headers=hdrs)
                r = c.getresponse()
                while time.time() < until:
                    line = r.readline()
                    if not line:
                        break
                    ev = json.loads(line)
                    meta = ev["object"].get("metadata", {})
                    if ev["type"] == "ERROR":
                        failures.append((k, ev["object"].get("message")))
                        return
                    if meta.get("name", "").startswith("race-"):
                        seen.append(int(meta["resourceVersion"]))
                        rv = seen[-1]
            except (OSError, http.client.HTTPException, ValueError):
                pass        # this round's time is up: resume from rv
            finally:
                c.close()
        out[k] = (seen, rounds)

    results = {}
    ws = [threading.Thread(target=watch, args=(k, results)) for k in range(watchers)]
    for w in ws:
        w.start()
    ts = [threading.Thread(target=write, args=(t,)) for t in range(writers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    done.set()
    for w in ws:
        w.join()
    assert not failures, failures[:5]
    want = sorted(writes)
    assert len(want) == writers * per_writer * 2, len(want)
    rounds = 0
    for k in range(watchers):
        seen, r = results[k]
        rounds += r
        assert seen == sorted(set(seen)), f"watch {k}: events repeated or out of order"
        missing = sorted(set(want) - set(seen))
        assert not missing, f"watch {k} missed {len(missing)} events, first {missing[:5]}"
    print(f"race: {len(want)} writes, {watchers} watches over {rounds} connections: "
          f"each saw every write once, in order")

if __name__ == "__main__":
    mode, port, token, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    if mode == "many":
        many(port, token, pid, int(sys.argv[5]))
    elif mode == "race":
        race(port, token, pid)
    else:
        stalled(port, token, pid)
