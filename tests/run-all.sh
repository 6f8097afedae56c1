#!/usr/bin/env bash
# Runs every test of `make check`: the cmocka unit tests given as arguments, then each test
# script (tests/cli/*.sh, tests/target/*.sh, tests/golden/check.sh, tests/oracle/run.sh). Each prints a closing
# line; this adds them up and prints one "N passed, N failed, N skipped" line at the end.
# HEAPDIFF selects the binary under test (default ./heapdiff).
set -u
cd "$(dirname "$0")/.."
export HEAPDIFF="${HEAPDIFF:-./heapdiff}"
pass=0 fail=0 skip=0 broken=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # $1 = name, $2 = exit status; reads the captured output in $log
    local p f s
    p=$(grep -aoE '^\[  PASSED  \] [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    f=$(grep -aoE '^\[  FAILED  \] [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    s=$(grep -aoE '^\[  SKIPPED \] [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    if [ -z "$p$f$s" ]; then
        local line
        line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -1)
        p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
        f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
        s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    fi
    p=${p:-0} f=${f:-0} s=${s:-0}
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed or failed without saying so
    if [ "$p$f$s" = "000" ]; then f=1; echo "  (no test result line)"; fi
    pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
    [ "$f" -eq 0 ] || broken+=("$1")
    printf '%-40s %s passed, %s failed, %s skipped\n' "$1" "$p" "$f" "$s"
}

for t in "$@"; do
    "$t" >"$log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || cat "$log"
    count "$(basename "$t")" "$rc"
done
for t in tests/cli/*.sh tests/target/*.sh tests/dotnet/*.sh tests/golden/check.sh tests/oracle/run.sh; do
    [ -x "$t" ] || continue
    "$t" "$HEAPDIFF" >"$log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] && [ -z "${VERBOSE:-}" ] || cat "$log"
    count "$t" "$rc"
done
echo
[ ${#broken[@]} -eq 0 ] || echo "failing: ${broken[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
