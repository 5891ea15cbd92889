# The bundled cluster under a ConfigMap load (bench/cluster/bench-cluster.c):
# CLUSTER_BENCH_N ConfigMaps created, read, listed and watched by
# CLUSTER_BENCH_CLIENTS clients over HTTPS, next to raw sqlite inserts and
# selects of the same rows on the same disk. Data lives in a private temp dir.
CLUSTER_BENCH := $(BUILD)/bench/cluster
CLUSTER_BENCH_N ?= 10000
CLUSTER_BENCH_CLIENTS ?= 8

$(CLUSTER_BENCH)/bench-cluster: cluster/bench-cluster.c $(BUILD)/liblib.a
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_LIBS)

.PHONY: bench-cluster
bench-cluster: $(CLUSTER_BENCH)/bench-cluster $(BUILD)/bosund
	@mkdir -p $(BENCH_RESULTS)
	@T=$$(mktemp -d "$${TMPDIR:-/tmp}/bosun-bench-cluster.XXXXXX") && \
	  TMPDIR=$$T BENCH_FRAGMENT=$(BENCH_RESULTS)/cluster.md $(CLUSTER_BENCH)/bench-cluster $(BUILD)/bosund $$T $(CLUSTER_BENCH_N) $(CLUSTER_BENCH_CLIENTS); \
	  rc=$$?; rm -rf "$$T"; exit $$rc

BENCH_RUNS += bench-cluster
