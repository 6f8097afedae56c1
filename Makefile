# heapdiff — build, test, benchmark.
#   make            build ./heapdiff
#   make check      build and run every test (unit, CLI, oracle, golden)
#   make bench      run the benchmarks (figures printed; never pass/fail on time)
#   make golden     regenerate golden/ (review the diff: it is a behaviour change)
#   make asan       build and run the whole suite under ASan+UBSan
#   make fuzz       build the libFuzzer targets (clang)
#   make format     clang-format every source file (make format-check: CI's check)

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
DEP_LIBS := $(shell pkg-config --libs libarchive jansson libxxhash 2>/dev/null || echo -larchive -ljansson -lxxhash)
LDLIBS  += $(DEP_LIBS) -lm
BUILD   ?= build

LIB_SRC := $(sort $(wildcard src/*/*.c))
LIB_SRC := $(filter-out src/cli/%,$(LIB_SRC))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libheapdiff.a

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_SUPPORT := $(sort $(wildcard tests/unit/support/*.c))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)

.PHONY: format-check all check unit cli-tests oracle-tests golden-tests bench golden asan fuzz format clean

all: heapdiff

heapdiff: $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/support/%.o: tests/unit/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(WARN) -o $@ $< $(TEST_SUPPORT_OBJ) $(LIB) $(LDLIBS) -lcmocka

# The test runner prints one closing line "N passed, N failed, N skipped".
check: heapdiff $(UNIT_BIN)
	@tests/run-all.sh $(UNIT_BIN)

golden: heapdiff
	@tests/golden/regen.sh

asan:
	$(MAKE) BUILD=build-asan CC=clang OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" HEAPDIFF_BIN=build-asan/heapdiff check-asan

check-asan: $(UNIT_BIN) $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $(BUILD)/heapdiff $(CLI_OBJ) $(LIB) $(LDLIBS)
	@HEAPDIFF=$(BUILD)/heapdiff HEAPDIFF_ASAN=1 HEAPDIFF_LIB=$(BUILD)/libheapdiff.a \
	  HEAPDIFF_CFLAGS="$(CFLAGS) $(LDFLAGS)" tests/run-all.sh $(UNIT_BIN)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz heapdiff

# Fragments owned by their test folders: bench (make bench, generator, example pair) and fuzz.
include tests/bench/bench.mk
include tests/fuzz/fuzz.mk

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
