#!/bin/sh
# Oracle checks against Chrome DevTools' own heap-snapshot code (see README.md here):
#  - check.mjs: `heapdiff stat` / `heapdiff diff` on the third-party .gcdump fixtures, and the
#    JSON reports against formats/report.schema.json (skipped when the fixtures are absent);
#  - convert.mjs: heapdiff's own .heapsnapshot files (`heapdiff convert`) of the fixtures and of
#    the bundled dumps and gcdumps in tests/data/example, loaded by DevTools' loader, whose
#    Summary must equal `heapdiff stat`;
#  - chromium.mjs: one converted file loaded by the Memory panel of a real headless Chromium
#    (skipped when chromium is absent).
# Called by `make check` from the repo root: tests/oracle/run.sh [PATH-TO-HEAPDIFF]
# Skips (exit 0, counted as skipped) when node/npm are missing. Closes with the summed
# "N passed, N failed, N skipped" line of the three programs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${HEAPDIFF:-./heapdiff}}
case $bin in /*) ;; *) bin="$PWD/$bin" ;; esac

skip() {
    echo "oracle: skipped: $1"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}

top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || top=$(cd "$here/../.." && pwd)
fixtures="$top/../shared/fixtures/gcdump"
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || skip "node $major is too old (20 or later needed)"

if [ ! -f "$here/node_modules/chrome-devtools-mcp/package.json" ] || [ ! -f "$here/node_modules/ajv/package.json" ]; then
    echo "oracle: installing npm packages (tests/oracle/setup.sh)"
    "$here/setup.sh" || skip "tests/oracle/setup.sh failed (npm registry unreachable?)"
fi

cd "$here" || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
P=0 F=0 S=0
# Runs one program, shows its output, adds up its closing line (a crash counts as a failure).
run() {
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
    if [ -z "$line" ]; then
        F=$((F + 1))
        echo "FAIL $2: no result line (exit $rc)"
        return
    fi
    set -- $line
    P=$((P + $1)) F=$((F + $3)) S=$((S + $5))
    [ "$rc" -eq 0 ] || [ "$3" -gt 0 ] || F=$((F + 1))
}
if [ -d "$fixtures" ]; then
    run node --import ./polyfill.mjs check.mjs --heapdiff "$bin" --fixtures "$fixtures"
else
    echo "skip check.mjs: $fixtures is absent (third-party fixtures are never in the repo)"
    S=$((S + 1))
fi
run node --import ./polyfill.mjs convert.mjs --heapdiff "$bin" --fixtures "$fixtures" --data "$top/tests/data/example"
# Node 22+ has WebSocket; Node 20 behind a flag.
ws=$(node -p 'typeof WebSocket === "function" ? "" : "--experimental-websocket"')
run node $ws chromium.mjs --heapdiff "$bin" --input "$top/tests/data/example/after.core.xz"
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
