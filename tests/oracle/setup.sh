#!/bin/sh
# Installs the oracle's pinned npm packages (package-lock.json) into tests/oracle/node_modules
# (gitignored): chrome-devtools-mcp (Chrome DevTools' heap-snapshot worker) and ajv.
set -eu
cd "$(dirname "$0")"
exec npm ci --no-audit --no-fund --loglevel=error
