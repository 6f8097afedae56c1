#!/usr/bin/env bash
# `heapdiff convert IN -o OUT.gcdump` read back by code that shares nothing with heapdiff's C
# reader: tests/oracle/gcdump.mjs (a JavaScript reader written from the format description).
# For every input we have, the third-party fixtures (../shared/fixtures/gcdump, when present),
# the example snapshots and the real .NET process dumps (tests/data/example), the JS reader's
# per-type histogram of OUT (reachable and unreachable counts and bytes, by raw type name) must
# equal `heapdiff stat IN --format csv --raw-names` of the ORIGINAL input; for .gcdump inputs the
# JS reader must also see the same graph in IN and OUT, node by node (tests/oracle/roundtrip.mjs).
# The C side of the round trip (read -> write -> read, every node, edge, type and metadata
# field, and a byte-identical second write) is tests/unit/test_gcdump_roundtrip.c.
# Skips (counted as skipped) without node 20+.
set -u
HD=$(realpath "${1:-./heapdiff}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
pass=0 fail=0 skip=0
if ! command -v node >/dev/null 2>&1 ||
    [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
    echo "SKIP: node 20 or later is not installed"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inputs=(tests/data/example/*.gcdump tests/data/example/*.core.xz)
if [ -d ../shared/fixtures/gcdump ]; then
    inputs+=(../shared/fixtures/gcdump/*.gcdump)
else
    echo "SKIP: ../shared/fixtures/gcdump is absent (third-party fixtures are never in the repo)"
    skip=$((skip + 1))
fi
for in in "${inputs[@]}"; do
    b=$(basename "$in")
    out="$work/$b.gcdump"
    if ! "$HD" convert "$in" -o "$out" 2>"$work/err"; then
        echo "FAIL: heapdiff convert $in: $(cat "$work/err")"; fail=$((fail + 1)); continue
    fi
    if ! "$HD" stat "$in" --format csv --raw-names --top 0 >"$work/$b.csv" 2>"$work/err"; then
        echo "FAIL: heapdiff stat $in: $(cat "$work/err")"; fail=$((fail + 1)); continue
    fi
    args=(--converted "$out" --stat "$work/$b.csv")
    case $in in *.gcdump) args+=(--original "$in") ;; esac
    res=$(node tests/oracle/roundtrip.mjs "${args[@]}" 2>&1)
    printf '%s\n' "$res" | grep -v '^[0-9]* passed'
    p=$(printf '%s\n' "$res" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
    f=$(printf '%s\n' "$res" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
    [ -n "$p" ] || { echo "FAIL: $in: roundtrip.mjs: $res"; p=0 f=1; }
    pass=$((pass + p)) fail=$((fail + f))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
