# helm_render vs the Go reference renderer (bench/helm-ref) on the real
# charts of ../shared/peer/charts: HELM_BENCH_N renders of each; the
# fragment for bench/RESULTS.md goes to $(BUILD)/bench/results/helm.md.
HELM_BENCH := $(BUILD)/bench/helm
HELM_BENCH_N ?= 1000
HELM_CHARTS ?= $(abspath ../../shared/peer/charts)

$(HELM_BENCH)/bench-helm: helm/bench-helm.c $(BUILD)/librepo-server.a $(BUILD)/liblib.a
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BUILD)/librepo-server.a $(BENCH_LIBS)

$(HELM_BENCH)/helm-ref: helm-ref/main.go helm-ref/build.sh
	helm-ref/build.sh $@

.PHONY: bench-helm
bench-helm: $(HELM_BENCH)/bench-helm $(HELM_BENCH)/helm-ref
	@mkdir -p $(BUILD)/bench/results
	$(HELM_BENCH)/bench-helm --md $(BUILD)/bench/results/helm.md $(HELM_BENCH)/helm-ref $(HELM_BENCH_N) \
	  $(HELM_CHARTS)/prometheus-node-exporter $(HELM_CHARTS)/kube-state-metrics \
	  $(HELM_CHARTS)/alertmanager $(HELM_CHARTS)/prometheus-pushgateway \
	  $(HELM_CHARTS)/argo-rollouts $(HELM_CHARTS)/argocd-apps:$(HELM_CHARTS)/argocd-apps/ci/applications-values.yaml \
	  $(HELM_CHARTS)/argo-workflows

BENCH_RUNS += bench-helm
