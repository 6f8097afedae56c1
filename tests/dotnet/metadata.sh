#!/usr/bin/env bash
# The ECMA-335 metadata reader (src/clr/metadata.c) against System.Reflection.Metadata, the
# .NET team's own reader: for System.Private.CoreLib.dll and System.Collections.dll of the
# installed runtime and LeakApp.dll (built here), every TypeDef's full name ("Namespace.Outer+
# Inner`1"), every TypeRef's, the module and assembly names printed by MdOracle/ must equal what
# mdnames.c prints through heapdiff's reader, line for line, for the file as it is on disk, for
# the file laid out as the loader maps it (layout detected), and for the images mapped in a
# createdump core of a live LeakApp (read through the target API; flat and section-by-section
# mappings). Skipped when dotnet is absent.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0 skip=0 rows=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $*"; skip=$((skip + 1)); }
if ! command -v dotnet >/dev/null 2>&1; then
    echo "SKIP: dotnet not installed: no System.Reflection.Metadata to compare with"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
work=$(mktemp -d)
app_pid=
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

for p in MdOracle LeakApp; do
    if ! dotnet build "$ROOT/tests/dotnet/$p/$p.csproj" -c Release --nologo -v q \
            --artifacts-path "$work/art-$p" -o "$work/$p" >"$work/build.log" 2>&1; then
        cat "$work/build.log"; echo "0 passed, 1 failed, 0 skipped"; exit 1
    fi
done
cc -O1 -I"$ROOT/include" -I"$ROOT/src" -o "$work/mdnames" "$ROOT/tests/dotnet/mdnames.c" \
    "$ROOT/build/libheapdiff.a" $(pkg-config --libs libarchive jansson libxxhash) -lm || {
    echo "0 passed, 1 failed, 0 skipped"; exit 1; }
oracle() { dotnet "$work/MdOracle/MdOracle.dll" "$@"; }
corelib=$(oracle)
rtdir=$(dirname "$corelib")

compare() { # $1 = label, $2 = oracle output, $3 = ours
    if cmp -s "$2" "$3"; then
        ok
        rows=$((rows + $(grep -cE '^[0-9]+	' "$2")))
    else
        bad "$1: differs from System.Reflection.Metadata:"
        diff "$2" "$3" | head -10
    fi
}

# The files, in file layout and in the loader's layout.
for f in "$corelib" "$rtdir/System.Collections.dll" "$work/LeakApp/LeakApp.dll"; do
    n=$(basename "$f")
    if ! oracle "$f" >"$work/$n.want" 2>"$work/err"; then bad "$n: MdOracle: $(cat "$work/err")"; continue; fi
    echo "$n: $(grep -cE '^[0-9]+	' "$work/$n.want") TypeDef rows, $(grep -c '^typeref' "$work/$n.want") TypeRef rows"
    "$work/mdnames" "$f" >"$work/$n.file" 2>"$work/err" || bad "$n: $(cat "$work/err")"
    compare "$n (file layout)" "$work/$n.want" "$work/$n.file"
    "$work/mdnames" --mapped "$f" >"$work/$n.mapped" 2>"$work/err" || bad "$n mapped: $(cat "$work/err")"
    compare "$n (mapped layout)" "$work/$n.want" "$work/$n.mapped"
done
# Names known from LeakApp's source (rids are not: they follow declaration order).
missing=
for t in 'LeakApp\.Session$' 'LeakApp\.Node$' 'LeakApp\.Pair$' 'LeakApp\.Program$' \
         'LeakApp\.Program\+<>c'; do
    grep -qE "^[0-9]+	$t" "$work/LeakApp.dll.file" || missing="$missing $t"
done
if [ -z "$missing" ]; then ok; else bad "LeakApp.dll: no$missing in: $(head -8 "$work/LeakApp.dll.file")"; fi

# The images a live process mapped, read from its core (createdump --withheap holds them).
createdump="$rtdir/createdump"
if [ ! -x "$createdump" ]; then
    skipped "createdump not found next to System.Private.CoreLib.dll"
    echo "$pass passed, $fail failed, $skip skipped"
    exit $((fail > 0))
fi
mkfifo "$work/in"
env -i PATH=/usr/bin:/bin HOME="$work" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    "$(command -v dotnet)" "$work/LeakApp/LeakApp.dll" 1 <"$work/in" >"$work/out" 2>&1 &
app_pid=$!
exec 3>"$work/in"
for _ in $(seq 1 200); do grep -q '^READY' "$work/out" && break; sleep 0.1; done
pid=$(awk '$1=="PID"{print $2}' "$work/out")
if [ -z "$pid" ]; then cat "$work/out"; bad "LeakApp did not start"; echo "$pass passed, $fail failed, $skip skipped"; exit 1; fi
"$createdump" -h -f "$work/heap.core" "$pid" >"$work/cd.log" 2>&1 || cat "$work/cd.log"
kill "$app_pid" 2>/dev/null; app_pid=
"$work/mdnames" --list "$work/heap.core" >"$work/list" 2>&1 || bad "mdnames --list: $(cat "$work/list")"
seen=
while IFS=$'\t' read -r base layout _ path; do
    n=$(basename "$path")
    want=$work/$n.want
    case $n in System.Private.CoreLib.dll | System.Collections.dll) ;; LeakApp.dll) want=$work/LeakApp.dll.want ;; *) continue ;; esac
    "$work/mdnames" --dump "$work/heap.core" "$base" >"$work/dump" 2>"$work/err" || bad "$n at $base: $(cat "$work/err")"
    compare "$n mapped $layout at $base in the core" "$want" "$work/dump"
    seen="$seen $n/$layout"
done <"$work/list"
# What must be there: LeakApp (IL only: the runtime maps the file flat) and the ReadyToRun
# framework assemblies (mapped section by section).
for need in LeakApp.dll/flat System.Private.CoreLib.dll/mapped System.Collections.dll/mapped; do
    case " $seen " in *" $need "*) ok ;; *) bad "no $need image found in the core (found:$seen)" ;; esac
done
echo "TypeDef rows compared: $rows"
echo "$pass passed, $fail failed, $skip skipped"
