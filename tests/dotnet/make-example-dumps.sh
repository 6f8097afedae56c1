#!/usr/bin/env bash
# Makes the bundled example dump pair, tests/data/example/{before,after}.core.xz: LeakApp
# (tests/dotnet/LeakApp) in its small configuration at phase 1 and phase 3 (1,000 and 3,000
# cached sessions: the leak), each dumped with the runtime's createdump --withheap (the GC heap
# and what describes it, without the runtime's code: about 90 MB, 2 MB compressed) and
# compressed with xz. The program runs with an empty environment (env -i plus PATH and a scratch
# HOME): dumps capture environment variables. What the program printed about itself is kept
# beside each dump (before.out, after.out): tests/cli/example-dumps.sh checks heapdiff's walk of
# the committed dumps against it on machines without dotnet.
# Usage: bash tests/dotnet/make-example-dumps.sh [OUTDIR]   (default tests/data/example)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/data/example}
work=$(mktemp -d)
holder= app=
trap '[ -n "$app" ] && kill $app 2>/dev/null; [ -n "$holder" ] && kill $holder 2>/dev/null; rm -rf "$work"' EXIT
dotnet build "$ROOT/tests/dotnet/LeakApp/LeakApp.csproj" -c Release --nologo -v q \
    --artifacts-path "$work/art" -o "$work/bin" >/dev/null
mkdir -p "$work/home"
for step in "before 1" "after 3"; do
    set -- $step
    name=$1 phase=$2
    rm -f "$work/in"; mkfifo "$work/in"
    sleep 100000 >"$work/in" & holder=$!
    (cd "$work/home" && exec env -i PATH=/usr/bin:/bin HOME=/nonexistent \
        DOTNET_CLI_TELEMETRY_OPTOUT=1 "$(command -v dotnet)" "$work/bin/LeakApp.dll" "$phase" small \
        <"$work/in" >"$work/$name.out" 2>&1) & app=$!
    for _ in $(seq 1 300); do grep -q '^READY' "$work/$name.out" && break; sleep 0.1; done
    pid=$(awk '$1=="PID"{print $2}' "$work/$name.out")
    rtdir=$(dirname "$(awk '/libcoreclr.so/{print $6; exit}' "/proc/$pid/maps")")
    "$rtdir/createdump" -h -f "$work/$name.core" "$pid" >/dev/null
    kill "$app" "$holder"; wait "$app" 2>/dev/null || true
    app= holder=
    xz -9 -T2 -c "$work/$name.core" >"$OUT/$name.core.xz"
    grep -v '^PATTERN\|^PID' "$work/$name.out" >"$OUT/$name.out"
    echo "$OUT/$name.core.xz: $(stat -c %s "$OUT/$name.core.xz") bytes (phase $phase, pid $pid)"
done
