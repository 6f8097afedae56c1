#!/usr/bin/env bash
# .hgraph through the CLI: every real input (the third-party .gcdump fixtures when present, the
# project's example .gcdump pair and its two real ELF cores) converted to .hgraph gives the same
# `stat` and `diff` JSON as the original, apart from the lines that describe the input (file,
# format, creation tool); hgraph -> gcdump -> hgraph is byte-identical once the first cycle has
# made the creation tool "heapdiff" (the .gcdump writer always writes that); damaged .hgraph
# files exit 2 naming an offset.
set -u
HD=$(realpath "${1:-./heapdiff}")
cd "$(dirname "$0")/../.."
EX=$(realpath tests/data/example)
FX=$(realpath -m ../shared/fixtures/gcdump)
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# JSON without the lines describing the input.
body() { "$HD" "$@" --format json | grep -vE '^ *"(file|format|creation_tool)":'; }

inputs=("$EX/before.gcdump" "$EX/after.gcdump" "$EX/before.core.xz" "$EX/after.core.xz")
if ls "$FX"/*.gcdump >/dev/null 2>&1; then
    inputs+=("$FX"/*.gcdump)
else
    echo "SKIP: no fixtures in $FX"
    skip=$((skip + 1))
fi

for src in "${inputs[@]}"; do
    b=$(basename "$src")
    h="$work/$b.hgraph"
    if ! "$HD" convert "$src" -o "$h" 2>"$work/err"; then
        bad "$b: convert to .hgraph failed: $(cat "$work/err")"
        continue
    fi
    [ "$(head -c 6 "$h")" = HGRAPH ] && ok || bad "$b: no HGRAPH signature"
    if [ "$(body stat "$src")" = "$(body stat "$h")" ]; then ok; else bad "$b: stat differs"; fi
    # the input lines name the .hgraph as such
    fmt=$("$HD" stat "$h" --format json | grep -m1 '"format"')
    [[ $fmt == *'"hgraph"'* ]] && ok || bad "$b: format line is $fmt"
    # hgraph -> gcdump -> hgraph, twice: the second cycle reproduces the file exactly
    if "$HD" convert "$h" -o "$work/$b.2.gcdump" && "$HD" convert "$work/$b.2.gcdump" -o "$work/$b.2.hgraph" &&
        "$HD" convert "$work/$b.2.hgraph" -o "$work/$b.3.gcdump" && "$HD" convert "$work/$b.3.gcdump" -o "$work/$b.3.hgraph"; then
        cmp -s "$work/$b.2.hgraph" "$work/$b.3.hgraph" && ok || bad "$b: hgraph->gcdump->hgraph changed the file"
        if [ "$(body stat "$h")" = "$(body stat "$work/$b.2.hgraph")" ]; then ok; else bad "$b: stat of the cycled .hgraph differs"; fi
    else
        bad "$b: hgraph/gcdump cycle failed"
    fi
    # .hgraph -> .hgraph is the identity
    "$HD" convert "$h" -o "$work/$b.same.hgraph" && cmp -s "$h" "$work/$b.same.hgraph" && ok ||
        bad "$b: rewriting an .hgraph changed it"
    rm -f "$work/$b".*.gcdump "$work/$b".[23].hgraph "$work/$b.same.hgraph"
done

# diff of the converted pairs equals the diff of the originals
for kind in gcdump core.xz; do
    a=$(body "$EX/before.$kind" "$EX/after.$kind")
    c=$(body "$work/before.$kind.hgraph" "$work/after.$kind.hgraph")
    if [ -n "$a" ] && [ "$a" = "$c" ]; then ok; else bad "diff of the $kind pair differs as .hgraph"; fi
done
# mixed: an .hgraph against the original it came from is an empty diff like the original's
a=$(body "$EX/after.gcdump" "$EX/after.gcdump")
c=$(body "$EX/after.gcdump" "$work/after.gcdump.hgraph")
[ "$a" = "$c" ] && ok || bad "diff of after.gcdump with its .hgraph is not the self-diff"

# damage: truncated, a flipped byte, a version from the future: exit 2, offset named
h="$work/after.gcdump.hgraph"
size=$(stat -c %s "$h")
for cut in 0 7 63 100 $((size / 2)) $((size - 1)); do
    head -c "$cut" "$h" >"$work/cut.hgraph"
    msg=$("$HD" stat "$work/cut.hgraph" 2>&1 >/dev/null); rc=$?
    if [ "$cut" -lt 6 ]; then # too short to be recognised
        [ $rc -eq 2 ] && ok || bad "cut at $cut: exit $rc"
    elif [ $rc -eq 2 ] && [[ $msg == *"cut.hgraph: offset "* ]]; then ok
    else bad "cut at $cut: exit $rc, message: $msg"; fi
done
for at in 10 70 $((size / 2)); do
    cp "$h" "$work/flip.hgraph"
    printf '\x5a' | dd of="$work/flip.hgraph" bs=1 seek="$at" conv=notrunc status=none
    msg=$("$HD" stat "$work/flip.hgraph" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [[ $msg == *"flip.hgraph: offset "*"checksum mismatch"* ]]; then ok
    elif [ $rc -eq 2 ] && [ "$at" -eq 10 ] && [[ $msg == *"version"* ]]; then ok
    else bad "byte $at changed: exit $rc, message: $msg"; fi
done
cp "$h" "$work/v2.hgraph"
printf '\x02' | dd of="$work/v2.hgraph" bs=1 seek=8 conv=notrunc status=none
msg=$("$HD" stat "$work/v2.hgraph" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [[ $msg == *"version 2.0"*"newer heapdiff"* ]] && ok || bad "version 2: exit $rc, $msg"
# inside an archive, recognised by content
if command -v xz >/dev/null; then
    xz -k -c "$h" >"$work/after.hgraph.xz"
    if [ "$(body stat "$EX/after.gcdump")" = "$(body stat "$work/after.hgraph.xz")" ]; then ok
    else bad ".hgraph.xz: stat differs"; fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
