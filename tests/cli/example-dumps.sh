#!/usr/bin/env bash
# The bundled real dumps (tests/data/example/{before,after}.core.xz: createdump --withheap cores
# of LeakApp at phase 1 and 3, made by tests/dotnet/make-example-dumps.sh) are walked on every
# machine, with or without dotnet: the populations the program printed about itself
# (before.out, after.out) with the sizes the CLR's layout rules give (expect_leakapp.py), the
# leak in the diff, and the same report when no .NET runtime is installed at all (the runtime
# folder hidden in a private mount namespace, when unshare works here).
set -u
HD=$(realpath "${1:-./heapdiff}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
EX=tests/data/example
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $*"; skip=$((skip + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cc -O1 -Iinclude -Isrc -o "$work/walkobjs" tests/dotnet/walkobjs.c build/libheapdiff.a \
    $(pkg-config --libs libarchive jansson libxxhash) -lm || { bad "walkobjs does not build"; }
for name in before after; do
    if ! "$work/walkobjs" "$EX/$name.core.xz" >"$work/$name.walk" 2>"$work/$name.err"; then
        bad "$name: $(cat "$work/$name.err")"; continue; fi
    if command -v python3 >/dev/null 2>&1; then
        if out=$(python3 tests/dotnet/expect_leakapp.py "$work/$name.walk" "$EX/$name.out"); then ok; else
            printf '%s\n' "$out" | grep FAIL; bad "$name: LeakApp's populations"; fi
    else
        skipped "python3 not installed: populations not checked"
    fi
    # A with-heap core has no contract descriptor: the built-in .NET 10 table is used.
    grep -q '^# descriptor 0' "$work/$name.walk" && ok || bad "$name: expected the built-in layout table"
    grep -q '^# notes $' "$work/$name.walk" && ok || bad "$name: $(grep '^# notes' "$work/$name.walk")"
done

# The leak: 2,000 more sessions, each with its byte[] and its name.
diff_csv=$("$HD" "$EX/before.core.xz" "$EX/after.core.xz" --format csv --top 0 2>&1)
for row in "LeakApp.Session,grew,1000,3000,2000,32000,96000,64000," \
           "LeakApp.Node,same,10000,10000,0,320000,320000,0,"; do
    if printf '%s\n' "$diff_csv" | grep -q "^$row"; then ok; else
        bad "diff: no row '$row': $(printf '%s\n' "$diff_csv" | grep "^${row%%,*},")"; fi
done
first=$("$HD" "$EX/before.core.xz" "$EX/after.core.xz" --top 1 | grep -A1 'ΔRetained' | tail -1)
case $first in *"Dictionary<System.String,LeakApp.Session>"*) ok ;;
    *) bad "the session cache is not the top growth: $first" ;; esac

# No runtime on the machine: hide the runtime folder and compare the whole report.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && [ -d /usr/share/dotnet ] &&
        unshare -m true 2>/dev/null; then
    want=$("$HD" stat "$EX/after.core.xz" --format csv --top 0)
    got=$(unshare -m sh -c "mount -t tmpfs none /usr/share/dotnet && '$HD' stat '$EX/after.core.xz' --format csv --top 0")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then ok; else bad "the report changes when the .NET runtime is not installed"; fi
else
    skipped "cannot hide the .NET runtime here (needs root and unshare, and /usr/share/dotnet)"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
