#!/usr/bin/env python3
# warm-client.py BASE BODY N: N POSTs of BODY to BASE/v1/manifests from this
# one process (no fork per request), first on one kept-alive connection,
# then with a new TCP connection per request. Prints one line per mode:
# "median p90 best" in milliseconds. Exits non-zero on an answer other than 200.
import http.client
import sys
import time
import urllib.parse

base, body, n = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
u = urllib.parse.urlsplit(base)


def run(keep):
    conn = http.client.HTTPConnection(u.hostname, u.port)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        if not keep:
            conn = http.client.HTTPConnection(u.hostname, u.port)
        conn.request("POST", "/v1/manifests", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if not keep:
            conn.close()
        times.append((time.perf_counter() - t0) * 1e3)
        if r.status != 200:
            sys.exit("render answered %d" % r.status)
    times.sort()
    return "%.3f %.3f %.3f" % (times[(n - 1) // 2], times[max(0, int(n * 0.9) - 1)], times[0])


print(run(True))
print(run(False))
