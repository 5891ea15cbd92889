# Bosun — one build for every part.
#
#   make            build/bosund and build/bosun
#   make test       every test (unit tests and shell tests) under prove
#   make run        the whole thing on the bundled cluster (./bosun-data)
#   make bench      the benchmarks in bench/, each next to its peer
#   make fuzz       libFuzzer targets (clang); FUZZ_SECONDS=N bounds each run
#   make SANITIZE=1 ...   AddressSanitizer + UndefinedBehaviorSanitizer
#
# Each source folder (DESIGN.md) becomes one archive in build/; binaries and
# tests link the archives they need. Missing Debian packages are installed by
# scripts/install-deps.sh the first time pkg-config cannot find them.

CC ?= cc
.DEFAULT_GOAL := all
BUILD := build
PKGS := libgit2 yaml-0.1 openssl libmicrohttpd sqlite3 libcurl jansson libpcre2-8 zlib

CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -pthread -I. -iquote lib
ifeq ($(SANITIZE),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

NEEDS_CONFIG := $(filter-out clean deps,$(or $(MAKECMDGOALS),all))
ifneq ($(NEEDS_CONFIG),)
-include $(BUILD)/config.mk
endif

# config.mk caches pkg-config's answers; making it installs what is missing.
$(BUILD)/config.mk: scripts/install-deps.sh Makefile
	@scripts/install-deps.sh --if-missing
	@mkdir -p $(BUILD)
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS)) -lm"; \
	   echo "CMOCKA_LIBS := $$(pkg-config --libs cmocka)"; } > $@.tmp && mv $@.tmp $@

ALL_CFLAGS = $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS)

# A change of flags (SANITIZE=1 or not) rebuilds everything.
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' > $@

FORCE:

# Keep objects of test binaries (make would delete them as intermediates).
.PRECIOUS: $(BUILD)/obj/%.o

# --- parts --------------------------------------------------------------
PARTS := lib orchestrator repo-server controller api
srcs_of = $(shell find $(1) -name '*.c' 2>/dev/null | sort)
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))

$(foreach p,$(PARTS),$(eval OBJS_$(p) := $(call objs_of,$(p))))
ARCHIVES := $(foreach p,$(PARTS),$(if $(OBJS_$(p)),$(BUILD)/lib$(p).a))
# Parts first, lib last: the linker resolves left to right.
LINK_ARCHIVES := $(filter-out $(BUILD)/liblib.a,$(ARCHIVES)) $(BUILD)/liblib.a

$(BUILD)/obj/%.o: %.c $(BUILD)/flags | $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

define archive_rule
$(BUILD)/lib$(1).a: $(OBJS_$(1))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach p,$(PARTS),$(if $(OBJS_$(p)),$(eval $(call archive_rule,$(p)))))

OBJS_cmd := $(call objs_of,cmd)
OBJS_cli := $(call objs_of,cli)

$(BUILD)/bosund: $(OBJS_cmd) $(LINK_ARCHIVES)
	$(CC) $(LDFLAGS) -pthread -o $@ $(OBJS_cmd) -Wl,--start-group $(LINK_ARCHIVES) -Wl,--end-group $(PKG_LIBS)

$(BUILD)/bosun: $(OBJS_cli) $(LINK_ARCHIVES)
	$(CC) $(LDFLAGS) -pthread -o $@ $(OBJS_cli) -Wl,--start-group $(LINK_ARCHIVES) -Wl,--end-group $(PKG_LIBS)

# --- tests --------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
OBJS_testsupport := $(call objs_of,tests/unit/support)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(OBJS_testsupport) $(LINK_ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $< $(OBJS_testsupport) -Wl,--start-group $(LINK_ARCHIVES) -Wl,--end-group $(PKG_LIBS) $(CMOCKA_LIBS)

# Tools the shell tests run (tests/tools/NAME.c, one file each), not shipped.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRCS))

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(LINK_ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $< -Wl,--start-group $(LINK_ARCHIVES) -Wl,--end-group $(PKG_LIBS)

SHELL_TESTS := $(sort $(wildcard tests/t[0-9][0-9][0-9][0-9]-*.sh))

.PHONY: all test unit deps run bench fuzz fuzz-run clean
all: $(BUILD)/bosund $(BUILD)/bosun

deps:
	scripts/install-deps.sh

unit: $(UNIT_BINS) $(TOOL_BINS)

test: all $(UNIT_BINS) $(TOOL_BINS)
	CMOCKA_MESSAGE_OUTPUT=TAP BOSUN_BUILD=$(abspath $(BUILD)) prove -j$(or $(JOBS),2) $(UNIT_BINS) $(SHELL_TESTS)

run: all
	scripts/run.sh

bench: all
	$(MAKE) -C bench BUILD=$(abspath $(BUILD))

# --- fuzzing (clang + libFuzzer, its own object tree) --------------------
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_SRCS := $(call srcs_of,lib)
FUZZ_SECONDS ?= 30

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) | $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	@clang -MM -MP -MT $@ -D_GNU_SOURCE -I. -iquote lib $(PKG_CFLAGS) $< >$@.d
	clang -std=c11 -g -O1 -D_GNU_SOURCE -pthread -I. -iquote lib $(PKG_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -o $@ $< $(FUZZ_LIB_SRCS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)

# Runs each target for FUZZ_SECONDS on its corpus under tests/fuzz/corpus/.
fuzz-run: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); c=tests/fuzz/corpus/$${n#fuzz-}; w=$(BUILD)/fuzz/work-$$n; \
	  mkdir -p $$w; echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
	     -artifact_prefix=$(BUILD)/fuzz/ $$w $$c 2>$(BUILD)/fuzz/$$n.log \
	  || { tail -50 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units' $(BUILD)/fuzz/$$n.log; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/fuzz -name '*.d' 2>/dev/null)
