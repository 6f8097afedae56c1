# Fuzzing (owned by tests/fuzz; included by the top Makefile, which provides BUILD, CPPFLAGS,
# LDLIBS). See tests/fuzz/README.md.
#
#   make fuzz                      build every tests/fuzz/fuzz_*.c with libFuzzer + ASan + UBSan
#   make fuzz-run [FUZZ_SECONDS=60] [FUZZ_TARGETS="gcdump"] [FUZZ_FLAGS="-max_len=4096"]
#                                  run each target from a fresh seed corpus (the fixtures in
#                                  ../shared when present, plus crafted seeds; for metadata the
#                                  installed runtime's small assemblies; for clrwalk and
#                                  descriptor mkseeds' synthetic .NET process), in a temp dir
#
# The library is rebuilt with clang into build-fuzz/ (a separate tree: the instrumented objects
# never mix with the normal build). Crashes are written to build-fuzz/artifacts/.

FUZZ_CC       ?= clang
FUZZ_DIR      := build-fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SRC      := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN      := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_SECONDS  ?= 60
FUZZ_FLAGS    ?=
FUZZ_TARGETS  ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SHARED   ?= $(shell git rev-parse --show-toplevel 2>/dev/null || pwd)/../shared

.PHONY: fuzz fuzz-lib fuzz-run

fuzz: $(FUZZ_BIN) $(FUZZ_DIR)/mkseeds

# The instrumented library: the normal rules with another compiler, flags and tree. Always
# delegated to a sub-make so its own dependency tracking decides what to rebuild.
fuzz-lib:
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }
	$(MAKE) --no-print-directory BUILD=$(FUZZ_DIR) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_DIR)/libheapdiff.a

# (In the sub-make BUILD is $(FUZZ_DIR) and the top Makefile's own $(LIB) rule applies.)
ifneq ($(BUILD),$(FUZZ_DIR))
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/clrproc_builder.h fuzz-lib
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libheapdiff.a $(LDLIBS)

endif

$(FUZZ_DIR)/mkseeds: tests/fuzz/mkseeds.c tests/fuzz/gcdump_builder.h tests/fuzz/clrproc_builder.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -O1 -g -Wall -Wextra -Werror -o $@ tests/fuzz/mkseeds.c

# Seeds are assembled at run time in a temporary directory (fixtures are third-party data and
# are never copied into the repository); the corpus grown by the run is kept in
# $(FUZZ_DIR)/corpus-TARGET so later runs start from it.
fuzz-run: fuzz
	@set -e; \
	for t in $(FUZZ_TARGETS); do \
	  corpus=$$(mktemp -d /tmp/heapdiff-fuzz-$$t.XXXXXX); \
	  dict=-dict=tests/fuzz/gcdump.dict; \
	  case $$t in \
	    elfcore) kind=elfcore; ext=core; dict=;; \
	    minidump) kind=minidump; ext=dmp; dict=-dict=tests/fuzz/minidump.dict;; \
	    pe_image) kind=minidump; ext=dmp; dict=;; \
	    metadata) kind=metadata; ext=dll; dict=; \
	      rt=$$(ls -d "$$(dirname "$$(readlink -f "$$(command -v dotnet || echo /none)")")"/shared/Microsoft.NETCore.App/*/ 2>/dev/null | tail -1); \
	      [ -z "$$rt" ] || find "$$rt" -maxdepth 1 -name '*.dll' -size -64k -exec cp {} $$corpus/ \; ;; \
	    clrwalk|descriptor) kind=none; ext=none; dict=; $(FUZZ_DIR)/mkseeds --$$t $$corpus;; \
	    hgraph) kind=gcdump; ext=gcdump; dict=-dict=tests/fuzz/hgraph.dict; $(FUZZ_DIR)/mkseeds $$corpus; cp tests/data/example/*.gcdump "$(FUZZ_SHARED)"/fixtures/gcdump/*.gcdump $$corpus/ 2>/dev/null || true; HD_FUZZ_HGRAPH_SEEDS=$$corpus $(FUZZ_DIR)/fuzz_hgraph $$corpus/* >/dev/null 2>&1 || true;; \
	    *) kind=gcdump; ext=gcdump; $(FUZZ_DIR)/mkseeds $$corpus;; \
	  esac; \
	  if [ -d "$(FUZZ_SHARED)/fixtures/$$kind" ]; then \
	    cp "$(FUZZ_SHARED)"/fixtures/$$kind/*.$$ext $$corpus/ 2>/dev/null || true; \
	    if [ $$t = archive ]; then for f in $$corpus/*; do gzip -c "$$f" >"$$f.gz"; done; fi; \
	  elif [ $$kind != none ]; then echo "fuzz-run: $(FUZZ_SHARED)/fixtures absent: crafted seeds only"; fi; \
	  mkdir -p $(FUZZ_DIR)/corpus-$$t $(FUZZ_DIR)/artifacts; \
	  echo "fuzz-run: $$t for $(FUZZ_SECONDS)s, seeds in $$corpus"; \
	  rc=0; \
	  $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	    $$dict -print_final_stats=1 $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
	    $(FUZZ_DIR)/corpus-$$t $$corpus || rc=$$?; \
	  rm -rf $$corpus; \
	  if [ $$rc -ne 0 ]; then echo "fuzz-run: $$t FAILED (exit $$rc): see $(FUZZ_DIR)/artifacts/"; exit $$rc; fi; \
	done
