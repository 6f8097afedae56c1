#!/bin/sh
# Oracle checks of `heapdiff stat` / `heapdiff diff` against Chrome DevTools' own heap-snapshot
# code and of the JSON reports against formats/report.schema.json (see README.md here).
# Called by `make check` from the repo root: tests/oracle/run.sh [PATH-TO-HEAPDIFF]
# Skips (exit 0, counted as skipped) when the third-party fixtures or node/npm are missing.
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
[ -d "$fixtures" ] || skip "$fixtures is absent (third-party fixtures are never in the repo)"
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || skip "node $major is too old (20 or later needed)"

if [ ! -f "$here/node_modules/chrome-devtools-mcp/package.json" ] || [ ! -f "$here/node_modules/ajv/package.json" ]; then
    echo "oracle: installing npm packages (tests/oracle/setup.sh)"
    "$here/setup.sh" || skip "tests/oracle/setup.sh failed (npm registry unreachable?)"
fi

cd "$here" && exec node --import ./polyfill.mjs check.mjs --heapdiff "$bin" --fixtures "$fixtures"
