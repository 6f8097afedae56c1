#!/usr/bin/env bash
# The CoreCLR heap walker on real .NET processes (issue #4's evidence). Builds LeakApp, the
# HeapOracle (ClrMD 4.1 over the runtime's own DAC: an independent reader of the same dump) and
# walkobjs (heapdiff's walk, printed), then for each GC flavour runs LeakApp with a clean
# environment, dumps it and requires:
#   - every object the oracle lists, with the same address, size and type name, and no other
#     (compare_oracle.py), the same strong/pinned handle and f-reachable roots, and the
#     oracle's precise stack roots among heapdiff's conservative ones;
#   - the populations LeakApp printed, with the sizes the CLR's layout rules give, and the
#     root kinds that hold them (expect_leakapp.py);
#   - `heapdiff stat` reaching what only a dependent handle keeps alive.
# Flavours: workstation GC with regions (the default: createdump full and with-heap cores, a gdb
# gcore core and an lldb-19 minidump of the same process), server GC (2 heaps), and the
# standalone segments GC (libclrgc.so), plus a `heapdiff before after` diff of a leak.
# Skipped when dotnet is absent; the oracle part is skipped when its packages cannot be restored.
set -u
HD=$(realpath "${1:-./heapdiff}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $*"; skip=$((skip + 1)); }
finish() { echo "$pass passed, $fail failed, $skip skipped"; exit $((fail > 0)); }
if ! command -v dotnet >/dev/null 2>&1; then
    echo "SKIP: dotnet not installed: no live .NET process to dump"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
    echo "SKIP: python3 not installed"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
work=$(mktemp -d)
app_pid= holder=
stop_app() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    app_pid= holder=
}
cleanup() { stop_app; rm -rf "$work"; }
trap cleanup EXIT

if ! dotnet build "$ROOT/tests/dotnet/LeakApp/LeakApp.csproj" -c Release --nologo -v q \
        --artifacts-path "$work/art" -o "$work/bin" >"$work/build.log" 2>&1; then
    cat "$work/build.log"; bad "LeakApp does not build"; finish
fi
oracle=1
if ! dotnet build "$ROOT/tests/dotnet/HeapOracle/HeapOracle.csproj" -c Release --nologo -v q \
        --artifacts-path "$work/oart" -o "$work/oracle" >"$work/obuild.log" 2>&1; then
    skipped "HeapOracle does not build here (ClrMD not restorable?): $(grep -m1 -i error "$work/obuild.log")"
    oracle=0
fi
# Under `make asan` the walk itself runs sanitized (walkobjs linked with the ASan library) on
# the default flavour only; the other flavours and runtimes are `make check`'s.
LIB=${HEAPDIFF_LIB:-$ROOT/build/libheapdiff.a}
cc ${HEAPDIFF_CFLAGS:--O1} -I"$ROOT/include" -I"$ROOT/src" -o "$work/walkobjs" \
    "$ROOT/tests/dotnet/walkobjs.c" "$LIB" $(pkg-config --libs libarchive jansson libxxhash) -lm || {
    bad "walkobjs does not build"; finish; }
quick=${HEAPDIFF_ASAN:-0}

# start_app LABEL PHASE SCALE [VAR=VALUE...]: runs LeakApp with a clean environment (plus the
# given GC settings) and waits until it has allocated everything.
start_app() {
    local label=$1 phase=$2 scale=$3; shift 3
    rm -f "$work/in"; mkfifo "$work/in"
    sleep 100000 >"$work/in" & holder=$!
    env -i PATH=/usr/bin:/bin HOME="$work" DOTNET_CLI_TELEMETRY_OPTOUT=1 "$@" \
        "$(command -v dotnet)" "$work/bin/LeakApp.dll" "$phase" "$scale" <"$work/in" \
        >"$work/$label.out" 2>&1 &
    app_pid=$!
    for _ in $(seq 1 300); do grep -q '^READY' "$work/$label.out" && break; sleep 0.1; done
    grep -q '^READY' "$work/$label.out" || { cat "$work/$label.out"; return 1; }
    pid=$(awk '$1=="PID"{print $2}' "$work/$label.out")
    rtdir=$(dirname "$(awk '/libcoreclr.so/{print $6; exit}' "/proc/$pid/maps")")
}

# check_walk DUMP LABEL APPOUT NAMES(0/1) [--no-stack]: oracle comparison + LeakApp populations.
check_walk() {
    local f=$1 label=$2 appout=$3 names=$4 extra=${5:-}
    if [ ! -s "$f" ]; then bad "$label: no dump written"; return; fi
    if ! "$work/walkobjs" "$f" >"$work/$label.walk" 2>"$work/$label.err"; then
        bad "$label: heapdiff cannot walk it: $(cat "$work/$label.err")"; return; fi
    if out=$("$PY" "$ROOT/tests/dotnet/expect_leakapp.py" "$work/$label.walk" "$appout" $extra); then
        ok
    else
        printf '%s\n' "$out" | grep FAIL; bad "$label: LeakApp's populations"
    fi
    printf '%s\n' "$out" | sed -n "s/^/    $label: /p" | grep -E 'Node|f-reachable' | head -2
    # The path without g_dacTable (Windows runtimes) finds the same GC variables by their header.
    if awk '$2=="gc_dac_vars" { exit !($3 == $5 && $3 != "0" && (($7 == 2) == ($9 == 1))) }' \
            "$work/$label.walk" && grep -q '^# gc_dac_vars' "$work/$label.walk"; then ok; else
        bad "$label: the header scan disagrees with g_dacTable: $(grep gc_dac_vars "$work/$label.walk")"; fi
    if [ "$oracle" = 1 ]; then
        if ! dotnet "$work/oracle/HeapOracle.dll" "$f" >"$work/$label.oracle" 2>"$work/$label.oerr"; then
            skipped "$label: the oracle cannot read it: $(head -c 300 "$work/$label.oerr")"
        else
            local n=; [ "$names" = 1 ] && n=--names
            if out=$("$PY" "$ROOT/tests/dotnet/compare_oracle.py" "$work/$label.oracle" \
                    "$work/$label.walk" $n); then
                ok
            else
                bad "$label: differs from the oracle"
            fi
            printf '%s\n' "$out" | sed "s/^/    $label: /"
        fi
    fi
    # What only a dependent handle keeps alive is reachable (not garbage).
    local row
    row=$("$HD" stat "$f" --format csv --top 0 2>&1 | grep '^LeakApp.CwtValue,')
    if [ "$(printf '%s' "$row" | cut -d, -f2,6)" = "10,0" ]; then ok; else
        bad "$label: CwtValue (dependent-handle secondaries) not all reachable: $row"; fi
}

CREATEDUMP=
# 1. Workstation GC, regions: four dumpers, one process.
if start_app wks 1 full; then
    CREATEDUMP="$rtdir/createdump"
    "$CREATEDUMP" -u -f "$work/wks-full.core" "$pid" >/dev/null 2>&1
    "$CREATEDUMP" -h -f "$work/wks-heap.core" "$pid" >/dev/null 2>&1
    check_walk "$work/wks-full.core" wks-full "$work/wks.out" 1
    grep -q '^# table_check 0 ' "$work/wks-full.walk" && ok ||
        bad "the built-in .NET 10 layout table differs from this runtime's descriptor: $(grep table_check "$work/wks-full.walk")"
    check_walk "$work/wks-heap.core" wks-heap "$work/wks.out" 1
    grep -q '^# descriptor 0' "$work/wks-heap.walk" && ok ||
        bad "wks-heap: expected the built-in table (a with-heap core has no descriptor)"
    # The same process: the with-heap core's objects equal the full core's.
    if cmp -s <(grep '^O' "$work/wks-full.walk") <(grep '^O' "$work/wks-heap.walk"); then ok; else
        bad "full and with-heap cores of one process give different objects"; fi
    if command -v gdb >/dev/null 2>&1; then
        gdb -p "$pid" -batch -ex "gcore $work/wks-gcore.core" >/dev/null 2>&1
        check_walk "$work/wks-gcore.core" wks-gcore "$work/wks.out" 0
        if cmp -s <(grep '^O' "$work/wks-full.walk") <(grep '^O' "$work/wks-gcore.walk"); then ok; else
            bad "gcore and createdump cores of one process give different objects"; fi
    else
        skipped "gdb not installed: no gcore core"
    fi
    LLDB=$(command -v lldb-19 || command -v lldb || true)
    if [ -n "$LLDB" ]; then
        "$LLDB" -b -p "$pid" -o "process save-core --plugin-name=minidump --style full $work/wks.dmp" \
            >/dev/null 2>&1
        if [ -s "$work/wks.dmp" ] && "$work/walkobjs" "$work/wks.dmp" >"$work/wks-dmp.walk" 2>"$work/wks-dmp.err"; then
            if out=$("$PY" "$ROOT/tests/dotnet/expect_leakapp.py" "$work/wks-dmp.walk" "$work/wks.out"); then ok; else
                printf '%s\n' "$out" | grep FAIL; bad "lldb minidump: LeakApp's populations"; fi
            if cmp -s <(grep '^O' "$work/wks-full.walk") <(grep '^O' "$work/wks-dmp.walk"); then ok; else
                bad "lldb minidump and createdump core of one process give different objects"; fi
        else
            bad "lldb minidump: $(cat "$work/wks-dmp.err" 2>/dev/null)"
        fi
    else
        skipped "lldb not installed: no minidump"
    fi
    # Archives: the walker reads a compressed dump through libarchive.
    if command -v zstd >/dev/null 2>&1; then
        zstd -q -1 "$work/wks-heap.core" -o "$work/wks-heap.core.zst"
        if cmp -s <("$HD" stat "$work/wks-heap.core" --format csv --top 0) \
                <("$HD" stat "$work/wks-heap.core.zst" --format csv --top 0); then ok; else
            bad "a zstd-compressed dump gives a different report"; fi
    fi
    rm -f "$work"/wks-*.core "$work/wks.dmp"
    stop_app
else
    bad "LeakApp did not start"
fi

# 2. Server GC (2 heaps) and 3. the segments GC (libclrgc.so), createdump full cores.
[ "$quick" = 1 ] && skipped "sanitizer run: other GC flavours and .NET 8/9 are checked by make check"
[ "$quick" = 1 ] || for flavour in "svr DOTNET_gcServer=1 DOTNET_GCHeapCount=2" "seg DOTNET_GCName=libclrgc.so" \
               "segsvr DOTNET_GCName=libclrgc.so DOTNET_gcServer=1 DOTNET_GCHeapCount=2"; do
    set -- $flavour
    label=$1; shift
    if ! start_app "$label" 1 full "$@"; then bad "$label: LeakApp did not start"; stop_app; continue; fi
    "$rtdir/createdump" -u -f "$work/$label.core" "$pid" >/dev/null 2>&1
    stop_app
    check_walk "$work/$label.core" "$label" "$work/$label.out" 1
    want_server=0; case $label in *svr) want_server=1 ;; esac
    want_regions=1; case $label in seg*) want_regions=0 ;; esac
    if grep -q "^# server $want_server" "$work/$label.walk" &&
       grep -q "^# regions $want_regions" "$work/$label.walk"; then ok; else
        bad "$label: GC mode not recognised: $(grep -E '^# (server|regions|heaps)' "$work/$label.walk" | tr '\n' ' ')"; fi
    rm -f "$work/$label.core"
done

# 4. .NET 8 and 9: LeakApp published self-contained for each (the runtime packs come from the
# NuGet source; skipped when it does not serve them), workstation and server GC.
[ "$quick" = 1 ] || for tfm in net8.0 net9.0; do
    pub="$work/pub-$tfm"
    if ! (dotnet restore "$ROOT/tests/dotnet/LeakApp/LeakApp.csproj" -r linux-x64 \
            -p:TargetFramework=$tfm -p:SelfContained=true -v q --artifacts-path "$work/art-$tfm" &&
          dotnet publish "$ROOT/tests/dotnet/LeakApp/LeakApp.csproj" --no-restore -c Release \
            -r linux-x64 --self-contained -p:TargetFramework=$tfm --artifacts-path "$work/art-$tfm" \
            -o "$pub") >"$work/pub-$tfm.log" 2>&1; then
        skipped "$tfm: cannot build LeakApp self-contained (runtime pack not served?): $(grep -m1 -i error "$work/pub-$tfm.log")"
        continue
    fi
    for flavour in "wks" "svr DOTNET_gcServer=1 DOTNET_GCHeapCount=2"; do
        set -- $flavour
        label=$tfm-$1; shift
        rm -f "$work/in"; mkfifo "$work/in"
        sleep 100000 >"$work/in" & holder=$!
        env -i PATH=/usr/bin:/bin HOME="$work" "$@" "$pub/LeakApp" 1 full <"$work/in" \
            >"$work/$label.out" 2>&1 &
        app_pid=$!
        for _ in $(seq 1 300); do grep -q '^READY' "$work/$label.out" && break; sleep 0.1; done
        if ! grep -q '^READY' "$work/$label.out"; then bad "$label: LeakApp did not start"; stop_app; continue; fi
        pid=$(awk '$1=="PID"{print $2}' "$work/$label.out")
        "$pub/createdump" -u -f "$work/$label.core" "$pid" >/dev/null 2>&1
        kill -9 "$app_pid" 2>/dev/null; stop_app
        extra=--no-statics # statics are attributed to classes from .NET 10 on
        check_walk "$work/$label.core" "$label" "$work/$label.out" 1 $extra
        grep -q "^# runtime ${tfm#net}" "$work/$label.walk" && ok ||
            bad "$label: runtime version not recognised: $(grep '^# runtime' "$work/$label.walk")"
        rm -f "$work/$label.core"
    done
done

# 5. A leak: phase 1 and phase 3 of the small app (1,000 and 3,000 cached sessions).
for phase in 1 3; do
    if start_app "leak$phase" "$phase" small; then
        "$rtdir/createdump" -h -f "$work/leak$phase.core" "$pid" >/dev/null 2>&1
    fi
    stop_app
done
if [ -s "$work/leak1.core" ] && [ -s "$work/leak3.core" ]; then
    row=$("$HD" "$work/leak1.core" "$work/leak3.core" --format csv --top 0 2>&1 | grep '^LeakApp.Session,')
    # CSV: type, status, count before, count after, delta count, ...
    if printf '%s' "$row" | grep -q '^LeakApp.Session,grew,1000,3000,2000,'; then ok; else
        bad "diff of the leak: LeakApp.Session row is '$row'"; fi
else
    bad "the leak dumps were not written"
fi
finish
