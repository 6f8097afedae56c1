#!/usr/bin/env bash
# Dumps of a real .NET process, made here: builds tests/dotnet/LeakApp, runs it with a clean
# environment (dumps capture environment variables), takes an ELF core with createdump (full,
# with-heap and triage), gdb's gcore and an lldb full-memory minidump, then checks what
# `heapdiff info` and the target API read against what the process printed about itself and
# what the .NET SDK says: the runtime version, the pid, the bytes of a pinned buffer it filled
# with a known pattern. Skipped when dotnet (or a dumper) is absent.
set -u
HD=$(realpath "${1:-./heapdiff}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "SKIP: $*"; skip=$((skip + 1)); }
if ! command -v dotnet >/dev/null 2>&1; then
    echo "SKIP: dotnet not installed: no live .NET process to dump"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
PY=$(command -v python3 || true)
work=$(mktemp -d)
app_pid=
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Build the app and the memory-reading helper.
if ! dotnet build "$ROOT/tests/dotnet/LeakApp/LeakApp.csproj" -c Release --nologo -v q \
        --artifacts-path "$work/art" -o "$work/bin" >"$work/build.log" 2>&1; then
    cat "$work/build.log"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
for tool in readmem clrprobe; do
    cc -O1 -I"$ROOT/include" -I"$ROOT/src" -o "$work/$tool" "$ROOT/tests/dotnet/$tool.c" \
        "$ROOT/build/libheapdiff.a" $(pkg-config --libs libarchive jansson libxxhash) -lm || {
        echo "0 passed, 1 failed, 0 skipped"; exit 1; }
done

# Run it with a clean environment; keep its stdin open so it waits.
mkfifo "$work/in"
env -i PATH=/usr/bin:/bin HOME="$work" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    "$(command -v dotnet)" "$work/bin/LeakApp.dll" 1 <"$work/in" >"$work/out" 2>&1 &
app_pid=$!
exec 3>"$work/in"
for _ in $(seq 1 200); do grep -q '^READY' "$work/out" && break; sleep 0.1; done
if ! grep -q '^READY' "$work/out"; then
    cat "$work/out"; bad "LeakApp did not start"; echo "$pass passed, $fail failed, $skip skipped"; exit 1
fi
pid=$(awk '$1=="PID"{print $2}' "$work/out")
read -r paddr plen _ < <(awk '$1=="PATTERN"{print $2, $3, $4}' "$work/out")
# The runtime as the kernel sees it: the folder libcoreclr.so was mapped from
# (.../shared/Microsoft.NETCore.App/<version>/).
rtdir=$(dirname "$(awk '/libcoreclr.so/{print $6; exit}' "/proc/$pid/maps")")
rtver=$(basename "$rtdir")
# The contract descriptor as gdb sees it in the live process (address, JSON size): the oracle
# for what heapdiff reads from the dumps.
desc_addr= desc_size=
if command -v gdb >/dev/null 2>&1; then
    g=$(gdb -p "$pid" -batch -ex 'p/x &DotNetRuntimeContractDescriptor' \
        -ex 'x/4wx &DotNetRuntimeContractDescriptor' 2>/dev/null)
    desc_addr=$(printf '%s\n' "$g" | sed -nE 's/^\$1 = (0x[0-9a-f]+).*/\1/p')
    desc_size=$(printf '%s\n' "$g" | awk '/^0x[0-9a-f]+ <DotNetRuntimeContractDescriptor/ {print $NF; exit}')
    [ -n "$desc_size" ] && desc_size=$((desc_size))
    [ -n "$desc_addr" ] && [ -n "$desc_size" ] || { skipped "gdb could not read the descriptor"; desc_addr=; }
fi
# The pattern the app wrote: byte i = 0xA5 ^ (i * 7) (low 8 bits).
want=$(for ((i = 0; i < plen; i++)); do printf '%02x' $(( (0xA5 ^ (i * 7)) & 0xFF )); done)

check_dump() { # $1 = file, $2 = label, $3 = expected format, $4 = full (1/0),
               # $5 = the runtime's data pages are in it (0: createdump --withheap leaves them out)
    local f=$1 label=$2 fmt=$3 full=$4 data=${5:-1} json
    if [ ! -s "$f" ]; then bad "$label: no dump written"; return; fi
    if ! json=$("$HD" info "$f" --format json 2>&1); then bad "$label: heapdiff info failed: $json"; return; fi
    if [ -n "$PY" ]; then
        local msg
        msg=$(printf '%s' "$json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
fmt, pid, rtver, full = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
daddr, dsize = sys.argv[5], sys.argv[6]
p = []
if d["format"] != fmt: p.append("format %s" % d["format"])
if d["arch"] != "x64" or d["pointer_size"] != 8: p.append("arch %s/%s" % (d["arch"], d["pointer_size"]))
if d["os"] != "Linux": p.append("os %s" % d["os"])
if d["dump"]["pid"] not in (None, pid): p.append("pid %s, process says %d" % (d["dump"]["pid"], pid))
if len(d["threads"]) < 3: p.append("%d threads" % len(d["threads"]))
rt = d["runtime"]
if not rt or not rt["module"].endswith("libcoreclr.so"): p.append("runtime module %r" % (rt,))
elif rt["version"] not in (None, rtver) : p.append("runtime version %s, SDK says %s" % (rt["version"], rtver))
if full and d["dump"]["full_memory"] is False: p.append("full dump reported as partial")
if full and daddr and rt:
    cd = rt.get("contract_descriptor")
    if not cd: p.append("no contract descriptor: %s" % rt.get("note"))
    else:
        if int(cd["address"], 16) != int(daddr, 16): p.append("descriptor at %s, gdb says %s" % (cd["address"], daddr))
        if cd["json_bytes"] != int(dsize): p.append("descriptor JSON %d bytes, gdb says %s" % (cd["json_bytes"], dsize))
        if cd["types"] < 50 or cd["version"] != 0: p.append("descriptor: %d types, version %d" % (cd["types"], cd["version"]))
if not full and d["dump"]["full_memory"] is True: p.append("partial dump reported as full")
print("; ".join(p))
' "$fmt" "$pid" "$rtver" "$full" "$([ "$data" = 1 ] && echo "$desc_addr")" "$desc_size")
        if [ -z "$msg" ]; then ok; else bad "$label: $msg"; fi
    fi
    if [ "$full" = 1 ] && [ "$data" = 1 ]; then
        # Through the contract descriptor to the free-object MethodTable; what it must look like
        # comes from the runtime's source, not from the descriptor: m_dwFlags at 0, m_BaseSize at
        # 4 (methodtable.h: "must be first"), and g_pFreeObjectMethodTable is a zeroed
        # MethodTable with component size 1 (flags 0x80000001) and base size 24 (ceemain.cpp).
        local probe
        probe=$("$work/clrprobe" "$f" 2>&1)
        if printf '%s\n' "$probe" | grep -qx 'field MethodTable.MTFlags 0' &&
           printf '%s\n' "$probe" | grep -qx 'field MethodTable.BaseSize 4' &&
           printf '%s\n' "$probe" | grep -qE '^freemt 0x[0-9a-f]+ flags 0x80000001 basesize 24$'; then ok
        else bad "$label: contract descriptor / free-object MethodTable: $probe"; fi
    fi
    if [ "$full" = 1 ]; then
        local got
        got=$("$work/readmem" "$f" "$paddr" "$plen" 2>&1)
        if [ "$got" = "$want" ]; then ok; else bad "$label: pattern at $paddr: ${got:0:80}..."; fi
    fi
}

createdump="$rtdir/createdump"
if [ -x "$createdump" ]; then
    "$createdump" -u -f "$work/full.core" "$pid" >"$work/cd.log" 2>&1 || cat "$work/cd.log"
    check_dump "$work/full.core" "createdump --full" elfcore 1
    "$createdump" -h -f "$work/heap.core" "$pid" >"$work/cd.log" 2>&1 || cat "$work/cd.log"
    # With-heap cores hold the GC heap but not libcoreclr's data pages (no contract descriptor).
    check_dump "$work/heap.core" "createdump --withheap" elfcore 1 0
    "$createdump" -t -f "$work/triage.core" "$pid" >"$work/cd.log" 2>&1 || cat "$work/cd.log"
    check_dump "$work/triage.core" "createdump --triage" elfcore 0
else
    skipped "createdump not found next to libcoreclr.so"
fi
if command -v gcore >/dev/null 2>&1; then
    gcore -o "$work/gcore" "$pid" >"$work/gcore.log" 2>&1 || cat "$work/gcore.log"
    check_dump "$work/gcore.$pid" "gdb gcore" elfcore 1
else
    skipped "gcore (gdb) not installed"
fi
LLDB=$(command -v lldb-19 || command -v lldb || true)
if [ -n "$LLDB" ]; then
    "$LLDB" -b -p "$pid" -o "process save-core --plugin-name=minidump --style full $work/lldb.dmp" \
        -o "process detach" >"$work/lldb.log" 2>&1 || cat "$work/lldb.log"
    check_dump "$work/lldb.dmp" "lldb minidump --style full" minidump 1
else
    skipped "lldb not installed"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
