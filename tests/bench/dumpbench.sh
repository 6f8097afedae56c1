#!/usr/bin/env bash
# The dump walker's benchmark (part 5 of `make bench`; tests/bench/README.md, "Dump walker"):
# builds tests/bench/HeapBench, runs it (a .NET process of ~24M objects in a realistic mix),
# dumps it with the runtime's createdump, then on that one dump measures
#   - heapdiff: hd_target_open + hd_clr_graph in-process (build/bench/dumpwalk: time, anonymous
#     memory) and the whole `heapdiff stat DUMP` process (walk + dominators + report);
#   - the peers, side by side on the same dump: ClrMD building the same graph
#     (tests/bench/ClrMdWalk) and ClrMD's object enumeration (tests/dotnet/HeapOracle).
# Prints figures and ratios; exits non-zero only when something is broken, never on time.
# Skipped (exit 0, with a message) without dotnet, createdump, or disk space.
#
# Usage: dumpbench.sh HEAPDIFF DUMPWALK [MILLIONS_OF_OBJECTS (default 20)]
set -u
HD=$(realpath "$1")
DW=$(realpath "$2")
MOBJ=${3:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

echo
echo "5. dump walker: a .NET process of ~${MOBJ}M objects (tests/bench/HeapBench), createdump -u"
skip() {
    echo "  skipped: $*"
    exit 0
}
command -v dotnet >/dev/null 2>&1 || skip "dotnet not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/heapdiff-dumpbench.XXXXXX") || exit 1
app_pid= holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# A full dump of the process is ~85 MB per million objects plus ~150 MB of runtime: ask for
# three times that (the dump, and room to spare for the page cache and the builds).
need_kb=$(((MOBJ * 85 + 150) * 3 * 1024))
avail_kb=$(df -Pk "$work" | awk 'NR==2{print $4}')
if [ "${avail_kb:-0}" -lt "$need_kb" ]; then
    skip "$((avail_kb / 1024)) MiB free in $work, the dump needs ~$((need_kb / 3072)) MiB (3x that)"
fi

build() { # $1 = project, $2 = output folder
    dotnet build "$1" -c Release --nologo -v q --artifacts-path "$work/art-$(basename "$2")" \
        -o "$2" >"$work/build-$(basename "$2").log" 2>&1
}
build "$ROOT/tests/bench/HeapBench/HeapBench.csproj" "$work/heapbench" || {
    cat "$work/build-heapbench.log"
    echo "  HeapBench did not build"
    exit 1
}

# Run it with a clean environment (a dump captures the environment); stdin is a fifo held
# open so it waits after printing READY.
mkfifo "$work/in"
t0=$(date +%s.%N)
env -i PATH=/usr/bin:/bin HOME="$work" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    "$(command -v dotnet)" "$work/heapbench/HeapBench.dll" "$MOBJ" <"$work/in" >"$work/out" 2>&1 &
app_pid=$!
sleep 100000 >"$work/in" &
holder=$!
for _ in $(seq 1 1800); do
    grep -q '^READY' "$work/out" && break
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q '^READY' "$work/out" || {
    cat "$work/out"
    echo "  HeapBench did not start"
    exit 1
}
pid=$(awk '$1=="PID"{print $2}' "$work/out")
rtdir=$(dirname "$(awk '/libcoreclr.so/{print $6; exit}' "/proc/$pid/maps")")
[ -x "$rtdir/createdump" ] || skip "no createdump beside $rtdir/libcoreclr.so"
t1=$(date +%s.%N)
"$rtdir/createdump" -u -f "$work/bench.core" "$pid" >"$work/createdump.log" 2>&1 || {
    cat "$work/createdump.log"
    echo "  createdump failed"
    exit 1
}
t2=$(date +%s.%N)
kill "$holder" "$app_pid" 2>/dev/null
wait "$app_pid" 2>/dev/null
holder= app_pid=

row() { printf '  %-46s %18s  %s\n' "$1" "$2" "${3:-}"; }
get() { awk -v k="$1" '$1==k{print $2; exit}' "$2"; }
calc() { awk "BEGIN{printf \"$1\", ($2)}"; }
dump_bytes=$(stat -c %s "$work/bench.core")
row "process (HeapBench $MOBJ)" "$(calc '%.1f s' "$t1 - $t0")" \
    "$(get OBJECTS_APPROX "$work/out") objects allocated, GC heap $(calc '%.0f MiB' "$(get HEAP_BYTES "$work/out") / 1048576")"
row "createdump -u" "$(calc '%.1f s' "$t2 - $t1")" "$(calc '%.2f GB' "$dump_bytes / 1e9") core"
cat "$work/bench.core" >/dev/null # every run below starts with the dump in the page cache

# heapdiff in-process: open + graph, 3 runs.
"$DW" "$work/bench.core" --runs 3 >"$work/dw.txt" 2>"$work/dw.err" || {
    cat "$work/dw.err"
    echo "  dumpwalk failed"
    exit 1
}
n=$(get objects "$work/dw.txt")
m=$(get edges "$work/dw.txt")
best=$(awk '$1=="open_s"{o=$2} $1=="graph_s"{g=$2} END{print o+g}' "$work/dw.txt")
first=$(get first_s "$work/dw.txt")
rate=$(calc '%.2f' "$n / $best / 1e6")
echo "  heapdiff (hd_target_open + hd_clr_graph, in-process; build/bench/dumpwalk):"
row "  graph" "$n objects" "$m references, $(get types "$work/dw.txt") types"
row "  walk + graph build, best of 3" "$(calc '%.2f s' "$best")" \
    "$rate M objects/s; budget >= 3 M/s: $(calc '%s' "$rate >= 3 ? \"met\" : \"MISSED\"") ($(calc '%.2fx' "$rate / 3"))"
row "  first run (fresh mapping, warm page cache)" "$(calc '%.2f s' "$first")" \
    "$(calc '%.2f M objects/s' "$n / $first / 1e6")"
anon=$(get anon_peak "$work/dw.txt")
gb=$(get graph_bytes "$work/dw.txt")
budget=$(calc '%.0f' "32 * $n + 4 * $m")
row "  anonymous memory, peak" "$(calc '%.1f MiB' "$anon / 1048576")" \
    "= $(calc '%.1f' "($anon - 4 * $m) / $n") B/object + 4 B/reference; budget 32 + 4 = $(calc '%.0f MiB' "$budget / 1048576"): $(calc '%s' "$anon <= $budget ? \"met\" : \"MISSED\"") ($(calc '%.2fx' "$anon / $budget"))"
row "  of which the graph's arrays" "$(calc '%.1f MiB' "$gb / 1048576")" \
    "24 B/object + 4 B/reference + type table; the rest: address index, MethodTable cache, roots"
row "  file-backed (the mapped dump), after" "$(calc '%.1f MiB' "$(get file_end "$work/dw.txt") / 1048576")" \
    "pages of the dump the walk touched; shared, reclaimable; VmHWM $(calc '%.1f MiB' "$(get hwm "$work/dw.txt") / 1048576")"

# heapdiff stat, the whole process: best of 2.
stat_best=1e30 stat_rss=
for _ in 1 2; do
    s=$(date +%s.%N)
    if command -v /usr/bin/time >/dev/null 2>&1; then
        /usr/bin/time -f '%M' -o "$work/stat.rss" "$HD" stat "$work/bench.core" >"$work/stat.out" 2>"$work/stat.err"
    else
        "$HD" stat "$work/bench.core" >"$work/stat.out" 2>"$work/stat.err"
    fi
    rc=$?
    e=$(date +%s.%N)
    [ $rc -eq 0 ] || {
        cat "$work/stat.err"
        echo "  heapdiff stat failed ($rc)"
        exit 1
    }
    stat_best=$(calc '%.4f' "($e - $s) < $stat_best ? ($e - $s) : $stat_best")
    [ -s "$work/stat.rss" ] && stat_rss=$(cat "$work/stat.rss")
done
row "  heapdiff stat DUMP (whole process), best of 2" "$(calc '%.2f s' "$stat_best")" \
    "walk + dominators + report; $(calc '%.2f M objects/s' "$n / $stat_best / 1e6")${stat_rss:+; peak RSS $(calc '%.0f MiB' "$stat_rss / 1024") (incl. the mapped dump)}"

# Peers.
echo "  peers on the same dump (ClrMD 4.1 over the runtime's DAC):"
peer_best=
if build "$ROOT/tests/bench/ClrMdWalk/ClrMdWalk.csproj" "$work/clrmdwalk"; then
    if dotnet "$work/clrmdwalk/ClrMdWalk.dll" "$work/bench.core" 2 >"$work/cm.txt" 2>"$work/cm.err"; then
        peer_best=$(get best_s "$work/cm.txt")
        cold=$(awk '$1=="run_s" && $2==0{print $3}' "$work/cm.txt")
        row "  ClrMD graph build, warm (2nd run)" "$(calc '%.2f s' "$peer_best")" \
            "$(calc '%.2f M objects/s' "$(get objects "$work/cm.txt") / $peer_best / 1e6"): $(get objects "$work/cm.txt") objects, $(get edges "$work/cm.txt") references (enumerate $(get enum_s "$work/cm.txt") s + references $(get refs_s "$work/cm.txt") s)"
        row "  ClrMD graph build, cold (1st run)" "$(calc '%.2f s' "$cold")" \
            "$(calc '%.2f M objects/s' "$(get objects "$work/cm.txt") / $cold / 1e6")"
        row "  ratio heapdiff / ClrMD, warm" "$(calc '%.2fx' "$peer_best / $best")" \
            "same work: objects, sizes, types, references resolved to node ids"
        row "  ratio heapdiff / ClrMD, cold" "$(calc '%.2fx' "$cold / $first")" \
            "first run in a fresh process each"
    else
        echo "  ClrMdWalk failed: $(head -c 300 "$work/cm.err")"
    fi
else
    echo "  ClrMdWalk did not build (NuGet packages unavailable?): $(tail -n 3 "$work/build-clrmdwalk.log" | head -c 300)"
fi
if build "$ROOT/tests/dotnet/HeapOracle/HeapOracle.csproj" "$work/oracle"; then
    for mode in "--no-objects" ""; do
        ob=1e30
        for _ in 1 2; do # the second run is warm (page cache, dotnet's own files)
            s=$(date +%s.%N)
            # shellcheck disable=SC2086
            dotnet "$work/oracle/HeapOracle.dll" "$work/bench.core" --no-roots $mode \
                >"$work/oracle.out" 2>"$work/oracle.err" || {
                echo "  HeapOracle failed: $(head -c 300 "$work/oracle.err")"
                break 2
            }
            e=$(date +%s.%N)
            ob=$(calc '%.4f' "$e - $s")
        done
        on=$(awk '$1=="#" && $2=="objects"{print $3}' "$work/oracle.out")
        what="HeapOracle --no-roots${mode:+ $mode}, warm"
        note="histogram only"
        [ -z "$mode" ] && note="one line per object"
        row "  $what" "$(calc '%.2f s' "$ob")" \
            "$(calc '%.2f M objects/s' "$on / $ob / 1e6"), whole process; enumeration, no references ($note); heapdiff stat is $(calc '%.2fx' "$ob / $stat_best")"
    done
else
    echo "  HeapOracle did not build: $(tail -n 3 "$work/build-oracle.log" | head -c 300)"
fi
exit 0
