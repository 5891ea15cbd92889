#!/usr/bin/env python3
# make-history.py N: a `git fast-import` stream of N commits on
# refs/heads/main, each changing one of 200 small manifests under app/, with
# a tag every 1,000 commits. Pipe it into `git fast-import`.
import sys

n = int(sys.argv[1])
out = sys.stdout
for i in range(1, n + 1):
    msg = "commit %d\n" % i
    data = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n"
            "data:\n  rev: \"%d\"\n" % (i % 200, i))
    out.write("commit refs/heads/main\nmark :%d\n" % i)
    out.write("committer bench <bench@example.com> %d +0000\n" % (1700000000 + i))
    out.write("data %d\n%s" % (len(msg), msg))
    if i > 1:
        out.write("from :%d\n" % (i - 1))
    out.write("M 100644 inline app/cm-%03d.yaml\ndata %d\n%s\n" % (i % 200, len(data), data))
    if i % 1000 == 0:
        out.write("reset refs/tags/v%d.0.0\nfrom :%d\n\n" % (i // 1000, i))
