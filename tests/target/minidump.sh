#!/bin/sh
# The minidump reader against independent readers (issue #3):
#  - every fixture in ../shared/fixtures/minidump: streams decoded by llvm's obj2yaml (threads,
#    stacks, modules, versions, CodeView ids, memory ranges and their bytes, system info),
#    lldb-19 (module list and ids, pc/sp/fp of every thread, pid, memory bytes);
#  - a live process dumped at test time with `lldb-19 ... process save-core --style full`: the
#    pattern buffer it filled is read back byte for byte, modules match /proc/PID/maps.
# heapdiff's side: `heapdiff info --format json` and tests/target/minidump_probe.c (ranges and
# reads through the library). Checks: tests/target/minidump_check.py.
# Needs obj2yaml-19, lldb-19 (apt-get install llvm-19 lldb-19), python3 with PyYAML and cc;
# skips what it cannot run. Closing line: "N passed, N failed, N skipped".
set -u
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
SHARED="$ROOT/../shared"
HEAPDIFF=${HEAPDIFF:-$ROOT/heapdiff}
pass=0 fail=0 skip=0

tool() { # first of the names that exists
    for c in "$@"; do command -v "$c" 2>/dev/null && return 0; [ -x "$c" ] && { echo "$c"; return 0; }; done
    return 1
}
OBJ2YAML=$(tool obj2yaml-19 /usr/lib/llvm-19/bin/obj2yaml) || OBJ2YAML=
LLDB=$(tool lldb-19 /usr/lib/llvm-19/bin/lldb) || LLDB=
PY=$(tool /usr/bin/python3 python3) || PY=
missing=
[ -n "$OBJ2YAML" ] || missing="$missing obj2yaml-19"
[ -n "$LLDB" ] || missing="$missing lldb-19"
[ -n "$PY" ] && "$PY" -c 'import yaml' 2>/dev/null || missing="$missing python3-yaml"
[ -x "$HEAPDIFF" ] && [ -f "$ROOT/build/libheapdiff.a" ] || missing="$missing heapdiff(make)"
command -v cc >/dev/null || missing="$missing cc"

FIXTURES=
if [ -d "$SHARED/fixtures/minidump" ]; then
    FIXTURES=$(ls "$SHARED"/fixtures/minidump/*.dmp 2>/dev/null)
else
    echo "skip: $SHARED/fixtures/minidump absent: fixture checks skipped"
    skip=$((skip + 1))
fi
nfix=$(echo "$FIXTURES" | grep -c . )
if [ -n "$missing" ]; then
    echo "skip: missing:$missing (apt-get install llvm-19 lldb-19 python3-yaml)"
    echo "0 passed, 0 failed, $((nfix + 1)) skipped"
    exit 0
fi

TMP=$(mktemp -d /tmp/heapdiff-minidump.XXXXXX)
LIVE_PID=
cleanup() {
    [ -n "$LIVE_PID" ] && kill "$LIVE_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cc -I"$ROOT/include" -I"$ROOT/src" -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
    -o "$TMP/probe" "$ROOT/tests/target/minidump_probe.c" "$ROOT/build/libheapdiff.a" \
    $(pkg-config --libs libarchive jansson libxxhash 2>/dev/null || echo -larchive -ljansson -lxxhash) -lm || {
    echo "FAIL: building tests/target/minidump_probe.c"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
export HEAPDIFF OBJ2YAML LLDB PROBE="$TMP/probe"

tally() { # runs a check script, adds its closing line to the totals
    out=$("$PY" "$ROOT/tests/target/minidump_check.py" "$@" 2>&1)
    rc=$?
    echo "$out" | grep -v '^ok ' | grep -v ' passed, .* failed, .* skipped$'
    last=$(echo "$out" | tail -n 1)
    case "$last" in
    *" passed, "*" failed, "*)
        p=${last%% passed*}; f=${last#* passed, }; f=${f%% failed*}
        pass=$((pass + p)); fail=$((fail + f))
        [ $rc -eq 0 ] || [ "$f" -gt 0 ] || fail=$((fail + 1))
        echo "$1 ${2##*/}: $p passed, $f failed" ;;
    *) echo "$out" | tail -n 5; echo "FAIL $1 ${2##*/}: checker crashed"; fail=$((fail + 1)) ;;
    esac
}

for f in $FIXTURES; do tally fixture "$f"; done

# --- a live process, dumped with lldb's full style -----------------------------------------
cat > "$TMP/live.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    size_t n = 3 << 20; /* more than any small-region heuristic */
    unsigned seed = (unsigned)atoi(argv[1]);
    unsigned char *b = malloc(n);
    if (!b) return 1;
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)(i * 131 + seed);
    printf("%lx %zu\n", (unsigned long)b, n);
    fflush(stdout);
    for (;;) pause();
}
EOF
if ! cc -O0 -o "$TMP/live" "$TMP/live.c"; then
    echo "FAIL: building the live test program"; fail=$((fail + 1))
else
    SEED=$(( $$ % 200 + 7 ))
    "$TMP/live" $SEED > "$TMP/live.out" &
    LIVE_PID=$!
    for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$TMP/live.out" ] && break; sleep 0.2; done
    read -r ADDR LEN < "$TMP/live.out"
    cp "/proc/$LIVE_PID/maps" "$TMP/maps"
    "$LLDB" -p "$LIVE_PID" -b \
        -o "process save-core --plugin-name=minidump --style full $TMP/live.dmp" \
        -o "process save-core --plugin-name=minidump --style stack $TMP/stack.dmp" \
        > "$TMP/lldb.log" 2>&1
    if [ ! -s "$TMP/live.dmp" ]; then
        if grep -qi "ptrace\|attach failed\|Operation not permitted" "$TMP/lldb.log"; then
            echo "skip: lldb cannot attach here (ptrace not permitted): live dump skipped"
            skip=$((skip + 1))
        else
            cat "$TMP/lldb.log"; echo "FAIL: lldb wrote no minidump"; fail=$((fail + 1))
        fi
    else
        LIVE_PID_SAVED=$LIVE_PID
        kill "$LIVE_PID" 2>/dev/null; wait "$LIVE_PID" 2>/dev/null; LIVE_PID=
        # the same dump cut short, as a partial copy of a large dump would be
        size=$(wc -c < "$TMP/live.dmp")
        head -c $((size * 3 / 5)) "$TMP/live.dmp" > "$TMP/cut.dmp"
        LIVE_PID=$LIVE_PID_SAVED tally live "$TMP/live.dmp" "$ADDR" "$LEN" "$SEED" "$TMP/maps" \
            "$TMP/stack.dmp" "$TMP/cut.dmp"
        LIVE_PID=
    fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
