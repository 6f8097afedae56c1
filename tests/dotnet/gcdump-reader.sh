#!/usr/bin/env bash
# .gcdump files written by `heapdiff convert` read by FastSerialization, the container library
# dotnet-gcdump and PerfView read .gcdump files with (Microsoft.Diagnostics.FastSerialization.dll
# of the TraceEvent package), through tests/dotnet/GcdumpReader (our field readers on top of it;
# PerfView's GCHeapDump/MemoryGraph classes are in no package the NuGet mirror serves: see
# formats/gcdump.md, "Evidence"). For every input (the fixtures in ../shared/fixtures/gcdump
# when present, tests/data/example/*.gcdump, the real dumps tests/data/example/*.core.xz) the
# reader's per-type histogram of the converted file must equal `heapdiff stat --format csv
# --raw-names` (reachable + unreachable counts and bytes) of the ORIGINAL input. The original
# .gcdump inputs are read too (the reader must accept what dotnet-gcdump and PerfView wrote).
# Skips without dotnet, or when the TraceEvent package cannot be restored.
set -u
HD=$(realpath "${1:-./heapdiff}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $*"; skip=$((skip + 1)); }
finish() { echo "$pass passed, $fail failed, $skip skipped"; exit $((fail > 0)); }
if ! command -v dotnet >/dev/null 2>&1; then
    skipped "dotnet not installed"; finish
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! dotnet build tests/dotnet/GcdumpReader/GcdumpReader.csproj -c Release --nologo -v q \
        --artifacts-path "$work/art" -o "$work/bin" >"$work/build.log" 2>&1; then
    if grep -q 'NU1101\|NU1102\|NU1301' "$work/build.log"; then
        skipped "TraceEvent cannot be restored here: $(grep -m1 -o 'error NU[0-9]*:.*' "$work/build.log")"
    else
        cat "$work/build.log"; bad "GcdumpReader does not build"
    fi
    finish
fi
reader() { DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet "$work/bin/GcdumpReader.dll" "$@"; }

inputs=(tests/data/example/*.gcdump tests/data/example/*.core.xz)
if [ -d ../shared/fixtures/gcdump ]; then
    inputs+=(../shared/fixtures/gcdump/*.gcdump)
else
    skipped "../shared/fixtures/gcdump is absent (third-party fixtures are never in the repo)"
fi
for in in "${inputs[@]}"; do
    b=$(basename "$in")
    out="$work/$b.gcdump"
    if ! "$HD" convert "$in" -o "$out" 2>"$work/err"; then bad "convert $in: $(cat "$work/err")"; continue; fi
    if ! "$HD" stat "$in" --format csv --raw-names --top 0 >"$work/$b.csv" 2>"$work/err"; then
        bad "stat $in: $(cat "$work/err")"; continue; fi
    if reader "$out" --expect "$work/$b.csv" >"$work/$b.txt" 2>&1; then
        ok
        echo "ok   $in: $(grep -c '^T ' "$work/$b.txt") types agree; $(grep -E '^(nodes|root) ' "$work/$b.txt" | tr '\n' ' ')"
    else
        grep -E 'MISMATCH|could not|^node' "$work/$b.txt" | head -10
        bad "$in: FastSerialization reader of the converted file disagrees with heapdiff stat of the input"
    fi
    grep -q '^creation_tool heapdiff$' "$work/$b.txt" && ok || bad "$in: CreationTool is not heapdiff"
    case $in in *.gcdump)
        # What dotnet-gcdump / PerfView wrote reads here too, with the same histogram.
        if reader "$in" --expect "$work/$b.csv" >"$work/$b.orig.txt" 2>&1; then ok; else
            grep -E 'MISMATCH|could not' "$work/$b.orig.txt" | head -5; bad "$in: the original does not read"; fi ;;
    esac
done
finish
