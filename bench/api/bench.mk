# The API server's application list under wrk (bench/api/bench-api.sh):
# API_BENCH_APPS applications, API_BENCH_SECONDS of load at 64 connections.
API_BENCH_APPS ?= 1000
API_BENCH_SECONDS ?= 30

.PHONY: bench-api
bench-api:
	@mkdir -p $(BENCH_RESULTS)
	BENCH_FRAGMENT=$(BENCH_RESULTS)/api.md api/bench-api.sh $(BUILD) $(API_BENCH_APPS) $(API_BENCH_SECONDS)

BENCH_RUNS += bench-api
