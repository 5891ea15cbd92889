# The repo-server rendering a directory app of REPO_BENCH_FILES manifests
# cold (fresh data dir) and warm (cache hit, median of REPO_BENCH_WARM), next
# to the git CLI (clone --mirror + archive) doing the same work
# (bench/repo-server/bench-repo-server.sh).
REPO_BENCH_FILES ?= 1000
REPO_BENCH_WARM ?= 20

.PHONY: bench-repo-server
bench-repo-server: $(BUILD)/bosund
	@mkdir -p $(BENCH_RESULTS)
	BENCH_FRAGMENT=$(BENCH_RESULTS)/repo-server.md repo-server/bench-repo-server.sh $(BUILD) $(REPO_BENCH_FILES) $(REPO_BENCH_WARM)

BENCH_RUNS += bench-repo-server
