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

# Under `make asan`, walkobjs is linked with the sanitized library: the walk of these real
# (and deliberately corrupted) dumps runs under ASan+UBSan too.
cc ${HEAPDIFF_CFLAGS:--O1} -Iinclude -Isrc -o "$work/walkobjs" tests/dotnet/walkobjs.c \
    "${HEAPDIFF_LIB:-build/libheapdiff.a}" \
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

# Hostile bytes in a real dump: overwrite the MethodTable pointers of 50 objects in the middle
# of the heap (and the whole of one object's neighbourhood), then truncate the file: the walk
# resynchronises, counts what it could not parse, never crashes; a cut dump is refused or
# walked, never a crash.
if command -v python3 >/dev/null 2>&1 && [ -s "$work/after.walk" ]; then
    xz -dc "$EX/after.core.xz" >"$work/bad.core"
    python3 - "$work/bad.core" "$work/after.walk" <<'PY'
import struct, sys
core, walk = sys.argv[1], sys.argv[2]
objs = [int(l.split()[1], 16) for l in open(walk) if l.startswith("O ")]
data = bytearray(open(core, "rb").read())
phoff, phentsize, phnum = struct.unpack_from("<QxxxxxxxxxxxxHH", data, 0x20)[0], *struct.unpack_from("<HH", data, 0x36)
loads = []
for i in range(phnum):
    p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if p_type == 1:
        loads.append((p_vaddr, p_filesz, p_offset))
def off(a):
    for v, n, o in loads:
        if v <= a < v + n:
            return o + (a - v)
mid = len(objs) // 2
for a in objs[mid:mid + 50]:
    o = off(a)
    data[o:o + 8] = b"\xef\xbe\xad\xde\xef\xbe\xad\xde"
o = off(objs[mid + 500])
data[o:o + 256] = b"\xff" * 256
open(core, "wb").write(data)
PY
    "$work/walkobjs" "$work/bad.core" >"$work/bad.walk" 2>"$work/bad.err"; rc=$?
    n_bad=$(awk '$2=="corrupt"{print $3}' "$work/bad.walk")
    n_obj=$(awk '$2=="objects"{print $3}' "$work/bad.walk")
    n_good=$(awk '$2=="objects"{print $3}' "$work/after.walk")
    if [ $rc -eq 0 ] && [ "${n_bad:-0}" -ge 1 ] && [ "${n_obj:-0}" -ge $((n_good - 100)) ]; then ok; else
        bad "corrupted dump: exit $rc, ${n_bad:-?} unparsable, ${n_obj:-?} of $n_good objects: $(head -c 300 "$work/bad.err")"; fi
    "$HD" info "$work/bad.core" | grep -q 'could not be parsed' && ok ||
        bad "info does not report the unparsable objects"
    for cut in 1000 50000000 70000000; do
        head -c "$cut" "$work/bad.core" >"$work/cut.core"
        "$HD" stat "$work/cut.core" >/dev/null 2>"$work/cut.err"; rc=$?
        if [ $rc -eq 0 ] || [ $rc -eq 2 ]; then ok; else
            bad "dump cut at $cut bytes: exit $rc: $(head -c 300 "$work/cut.err")"; fi
    done
    rm -f "$work/bad.core" "$work/cut.core"
fi

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
