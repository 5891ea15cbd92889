# The AWS/CNOE Argo CD scale test (bench/reconcile/bench-reconcile.py):
# RECONCILE_APPS applications (default 10000; 1000 for a quick run), each
# one ~2 KB ConfigMap from one git repository, synced by the controller.
RECONCILE_APPS ?= 10000

.PHONY: bench-reconcile
bench-reconcile:
	python3 reconcile/bench-reconcile.py $(BUILD) $(RECONCILE_APPS) $(BUILD)/bench/results/reconcile.md

BENCH_RUNS += bench-reconcile
