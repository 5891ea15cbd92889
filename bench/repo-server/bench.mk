# The repo-server rendering a directory app of REPO_BENCH_FILES manifests
# cold (fresh data dir) and warm (cache hit, REPO_BENCH_WARM requests), and
# mirroring a repository of REPO_BENCH_COMMITS commits over file:// and smart
# HTTP, each next to the git CLI doing the same work
# (bench/repo-server/bench-repo-server.sh; fragment in
# $(BUILD)/bench/results/repo-server.md).
REPO_BENCH_FILES ?= 1000
REPO_BENCH_WARM ?= 200
REPO_BENCH_COMMITS ?= 10000

.PHONY: bench-repo-server
bench-repo-server: $(BUILD)/bosund
	@mkdir -p $(BENCH_RESULTS)
	repo-server/bench-repo-server.sh $(BUILD) $(REPO_BENCH_FILES) $(REPO_BENCH_WARM) $(REPO_BENCH_COMMITS)

BENCH_RUNS += bench-repo-server
