# The bundled cluster under load (bench/cluster/bench-cluster.c):
# CLUSTER_BENCH_N ConfigMaps created, read, listed and watched by
# CLUSTER_BENCH_CLIENTS clients over HTTPS, next to raw sqlite inserts and
# selects of the same rows on the same disk; the vCluster test (5,000
# Secrets at 200 requests/s); CLUSTER_BENCH_N Pods (on one simulated node per
# 100 pods, as a node holds 110) brought up and listed. Data lives in a
# private temp dir; the results fragment goes to $(BUILD)/bench/results/cluster.md.
CLUSTER_BENCH := $(BUILD)/bench/cluster
CLUSTER_BENCH_N ?= 10000
CLUSTER_BENCH_CLIENTS ?= 8

$(CLUSTER_BENCH)/bench-cluster: cluster/bench-cluster.c $(BUILD)/liblib.a
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_LIBS)

.PHONY: bench-cluster
bench-cluster: $(CLUSTER_BENCH)/bench-cluster $(BUILD)/bosund
	@mkdir -p $(BUILD)/bench/results
	@T=$$(mktemp -d "$${TMPDIR:-/tmp}/bosun-bench-cluster.XXXXXX") && \
	  TMPDIR=$$T $(CLUSTER_BENCH)/bench-cluster $(BUILD)/bosund $$T $(CLUSTER_BENCH_N) \
	    $(CLUSTER_BENCH_CLIENTS) >$$T/cluster.md; \
	  rc=$$?; cat $$T/cluster.md; \
	  if [ $$rc = 0 ]; then cp $$T/cluster.md $(BUILD)/bench/results/cluster.md; fi; \
	  rm -rf "$$T"; exit $$rc

BENCH_RUNS += bench-cluster
