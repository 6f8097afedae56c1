# make bench: owned by tests/bench (see tests/bench/README.md).
#   make bench      build the generator and the driver, run the benchmarks (figures only: timings
#                   never fail the build; the run takes a few minutes)
#   make example    regenerate tests/data/example/{before,after}.gcdump
# Knobs: BENCH_NODES (default 10000000), BENCH_ARGS (extra driver options, see bench --help),
#   BENCH_DUMP_MOBJ (millions of objects in the dumped .NET process, default 20; part 5 runs
#   tests/bench/dumpbench.sh, skipped with a message when dotnet is absent).

BENCH_DIR  := $(BUILD)/bench
HEAPGEN    := $(BENCH_DIR)/heapgen
BENCH_BIN  := $(BENCH_DIR)/bench
HEAPGEN_OBJ := $(BUILD)/tests/bench/heapgen.o
DUMPWALK   := $(BENCH_DIR)/dumpwalk
BENCH_OBJS := $(HEAPGEN_OBJ) $(BUILD)/tests/bench/heapgen_main.o $(BUILD)/tests/bench/bench.o \
	$(BUILD)/tests/bench/dumpwalk.o
BENCH_NODES ?= 10000000
BENCH_DUMP_MOBJ ?= 20
BENCH_ARGS ?=

.PHONY: bench example bench-tools

bench-tools: $(HEAPGEN) $(BENCH_BIN) $(DUMPWALK)

$(HEAPGEN): $(BUILD)/tests/bench/heapgen_main.o $(HEAPGEN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BENCH_BIN): $(BUILD)/tests/bench/bench.o $(HEAPGEN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(DUMPWALK): $(BUILD)/tests/bench/dumpwalk.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^ $(LDLIBS)

bench: heapdiff $(BENCH_BIN) $(DUMPWALK)
	@$(BENCH_BIN) --nodes $(BENCH_NODES) --heapdiff ./heapdiff \
	  --fixtures "$$(git rev-parse --show-toplevel 2>/dev/null || pwd)/../shared/fixtures/gcdump" \
	  --devtools tests/oracle/node_modules/chrome-devtools-mcp $(BENCH_ARGS)
	@tests/bench/dumpbench.sh ./heapdiff $(DUMPWALK) $(BENCH_DUMP_MOBJ)

example: $(HEAPGEN)
	@mkdir -p tests/data/example
	$(HEAPGEN) example tests/data/example

-include $(BENCH_OBJS:.o=.d)
