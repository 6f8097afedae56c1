#!/usr/bin/env bash
# Rewrites golden/ from the current ./heapdiff. Review `git diff golden/` before committing:
# every change there is a change of user-visible behaviour.
set -eu
cd "$(dirname "$0")/../.."
. tests/golden/cases.sh
mkdir -p golden
for c in "${GOLDEN_CASES[@]}"; do
    name=${c%%|*} args=${c#*|}
    # shellcheck disable=SC2086
    ./heapdiff $args >"golden/$name" 2>&1 || true
    echo "wrote golden/$name"
done
