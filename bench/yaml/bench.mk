# yaml_read_stream vs a bare libyaml event scan over ~50 MB of generated
# Kubernetes manifests (generated into the build tree, never committed).
YAML_BENCH := $(BUILD)/bench/yaml
YAML_BENCH_MB ?= 50

$(YAML_BENCH)/gen-k8s: yaml/gen-k8s.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(YAML_BENCH)/bench-yaml: yaml/bench-yaml.c $(BUILD)/liblib.a
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_LIBS)

$(YAML_BENCH)/k8s-$(YAML_BENCH_MB)mb.yaml: $(YAML_BENCH)/gen-k8s
	$< $@ $(YAML_BENCH_MB)

.PHONY: bench-yaml
bench-yaml: $(YAML_BENCH)/bench-yaml $(YAML_BENCH)/k8s-$(YAML_BENCH_MB)mb.yaml
	@mkdir -p $(BENCH_RESULTS)
	BENCH_FRAGMENT=$(BENCH_RESULTS)/yaml.md $(YAML_BENCH)/bench-yaml $(YAML_BENCH)/k8s-$(YAML_BENCH_MB)mb.yaml

BENCH_RUNS += bench-yaml
