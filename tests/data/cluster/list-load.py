#!/usr/bin/env python3
"""Large lists on the bundled cluster, for tests/t1011-cluster-list-stream.sh.

  list-load.py create PORT TOKEN NS N SIZE   N ConfigMaps cm-00000... with SIZE
                                             bytes of data; every 7th labelled
                                             pick=yes, the others pick=no
  list-load.py check PORT TOKEN NS N         the list is streamed (chunked),
                                             complete and valid JSON; so is a
                                             label-selected one; a watch from
                                             its resourceVersion sees exactly
                                             what came after; a limited list
                                             is still buffered with its token
  list-load.py stalled PORT TOKEN NS N       clients that stop reading a
                                             streamed list do not hold the
                                             store's readers: other requests
                                             go on, and once the stalled
                                             clients read again their streams
                                             let go of their readers
  list-load.py producer PORT TOKEN NS N PID  a list longer than its first
                                             block is made on a producer
                                             thread of the server (PID),
                                             which ends when its client goes

Each step prints what it saw and exits non-zero on the first failure.
"""
import http.client, json, os, socket, ssl, sys, threading, time

PORT, TOKEN, NS = int(sys.argv[2]), sys.argv[3], sys.argv[4]
N = int(sys.argv[5])
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
HDRS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
CMS = f"/api/v1/namespaces/{NS}/configmaps"


def conn(timeout=30):
    return http.client.HTTPSConnection("127.0.0.1", PORT, context=CTX, timeout=timeout)


def call(c, method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=HDRS)
    r = c.getresponse()
    return r.status, r.read(), r


def get(path, timeout=30):
    c = conn(timeout)
    try:
        return call(c, "GET", path)
    finally:
        c.close()


def create(size):
    c = conn()
    call(c, "POST", "/api/v1/namespaces",
         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    c.close()
    value = "x" * size
    errors = []

    def part(lo, hi):
        c = conn()
        for i in range(lo, hi):
            code, body, _ = call(c, "POST", CMS, {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i:05d}",
                             "labels": {"pick": "yes" if i % 7 == 0 else "no"}},
                "data": {"v": value}})
            if code != 201:
                errors.append((i, code, body[:200]))
                return
        c.close()

    threads = [threading.Thread(target=part, args=(k * N // 2, (k + 1) * N // 2))
               for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    print(f"created={N}")


def names(doc):
    return [o["metadata"]["name"] for o in doc["items"]]


def check():
    t = time.time()
    code, body, r = get(CMS)
    took = time.time() - t
    assert code == 200, (code, body[:300])
    print(f"list: {len(body)} bytes in {took * 1000:.0f} ms,"
          f" transfer-encoding={r.getheader('Transfer-Encoding')}")
    assert r.getheader("Transfer-Encoding") == "chunked", r.getheaders()
    assert r.getheader("Content-Type") == "application/json"
    doc = json.loads(body)
    assert doc["kind"] == "ConfigMapList" and doc["apiVersion"] == "v1", doc.keys()
    want = [f"cm-{i:05d}" for i in range(N)]
    got = [n for n in names(doc) if n.startswith("cm-")]
    assert got == want, (len(got), got[:3], got[-3:])
    rv = int(doc["metadata"]["resourceVersion"])
    assert all(int(o["metadata"]["resourceVersion"]) <= rv for o in doc["items"])
    assert all(len(o["data"]["v"]) > 0 for o in doc["items"] if o["metadata"]["name"] in want)
    print(f"items={len(got)} resourceVersion={rv}")

    code, body, r = get(CMS + "?labelSelector=pick%3Dyes")
    assert code == 200 and r.getheader("Transfer-Encoding") == "chunked", code
    sel = json.loads(body)
    want_sel = [f"cm-{i:05d}" for i in range(0, N, 7)]
    assert names(sel) == want_sel, (len(names(sel)), len(want_sel))
    assert all(o["metadata"]["labels"]["pick"] == "yes" for o in sel["items"])
    code, body, _ = get(CMS + "?labelSelector=pick%3Dnone")
    assert code == 200 and json.loads(body)["items"] == [], body[:200]
    print(f"selected={len(want_sel)}")

    # what happens after the list is what a watch from its revision sees
    c = conn()
    code, _, _ = call(c, "POST", CMS, {"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": "extra"}})
    assert code == 201, code
    code, _, _ = call(c, "DELETE", CMS + "/cm-00000")
    assert code == 200, code
    c.close()
    code, body, _ = get(CMS + f"?watch=1&resourceVersion={rv}&timeoutSeconds=2")
    assert code == 200, code
    events = [json.loads(line) for line in body.splitlines() if line.strip()]
    seen = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert seen == [("ADDED", "extra"), ("DELETED", "cm-00000")], seen
    print(f"watch from {rv}: {seen}")

    # a limited list keeps the buffered path and its continue token
    code, body, r = get(CMS + "?limit=100")
    page = json.loads(body)
    assert code == 200 and r.getheader("Content-Length") and len(page["items"]) == 100, code
    code, body, _ = get(CMS + "?continue=" + page["metadata"]["continue"])
    rest = json.loads(body)
    assert len(page["items"]) + len(rest["items"]) == len(doc["items"]), len(rest["items"])
    print("limit and continue: ok")


def stall_one(path):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", PORT))
    s = CTX.wrap_socket(s)
    s.settimeout(10)
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n")
              .encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    return s, head


def read_some(s, n):
    got = 0
    try:
        while got < n:
            b = s.recv(65536)
            if not b:
                break
            got += len(b)
    except socket.timeout:
        pass
    return got


def stalled():
    clients = [stall_one(CMS) for _ in range(10)]
    heads = [h.split(b"\r\n\r\n")[0].lower() for _, h in clients]
    streamed = sum(b"transfer-encoding: chunked" in h for h in heads)
    print(f"10 clients stopped reading, {streamed} of them streamed")
    assert 1 <= streamed <= 4, heads
    # the store still answers, and a list is buffered while the held
    # readers are taken
    t = time.time()
    code, body, _ = get(CMS + "/cm-00001", timeout=10)
    assert code == 200, code
    code, body, r = get(CMS, timeout=20)
    assert code == 200 and len(json.loads(body)["items"]) >= N, code
    print(f"get and list meanwhile: {(time.time() - t) * 1000:.0f} ms,"
          f" list transfer-encoding={r.getheader('Transfer-Encoding')}")
    assert r.getheader("Transfer-Encoding") != "chunked", r.getheaders()
    # the stalled streams read on, a little: past their hold time each
    # reads the rest of its rows at once and gives its reader back, so lists
    # stream again while those clients are still connected, none of them
    # having read more than a third of its list
    deadline = time.time() + 20
    read = [0] * len(clients)
    while True:
        for i, (s, _) in enumerate(clients):
            if read[i] < (4 << 20):
                read[i] += read_some(s, 128 << 10)
        _, _, r = get(CMS + "?labelSelector=pick%3Dyes", timeout=20)
        if r.getheader("Transfer-Encoding") == "chunked":
            break
        assert time.time() < deadline, "the stalled streams still hold their readers"
        time.sleep(0.1)
    print(f"read {max(read) >> 10} KB at most from each slow client")
    print("streams again while the slow clients are connected")
    for s, _ in clients:
        s.close()


def producer(pid):
    def producers():
        n = 0
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/comm") as f:
                    n += f.read().strip() == "list-producer"
            except FileNotFoundError:
                pass
        return n

    def wait(cond, what):
        deadline = time.time() + 20
        while not cond():
            assert time.time() < deadline, what
            time.sleep(0.05)

    assert producers() == 0
    s, _ = stall_one(CMS)
    wait(lambda: producers() == 1, "no producer thread for a long list")
    print("a long list has its producer thread")
    s.close()
    wait(lambda: producers() == 0, "the producer outlived its client")
    print("it ends when the client goes")
    # several at once, read whole: each list complete
    out = [None] * 3

    def whole(i):
        out[i] = get(CMS)

    threads = [threading.Thread(target=whole, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for code, body, _ in out:
        assert code == 200 and len(json.loads(body)["items"]) >= N, code
    wait(lambda: producers() == 0, "producers left behind")
    print("3 lists at once: complete, no producer left")


{"create": lambda: create(int(sys.argv[6])), "check": check, "stalled": stalled,
 "producer": lambda: producer(int(sys.argv[6]))}[sys.argv[1]]()
