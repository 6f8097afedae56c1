#!/usr/bin/env bash
# Compares heapdiff's output on real fixtures with golden/ (expected outputs, reviewed when they
# change: `make golden` rewrites them and `git diff golden/` shows the behaviour change).
# Cases whose input is absent (../shared missing, example not generated) are skipped.
set -u
cd "$(dirname "$0")/../.."
HD="${1:-./heapdiff}"
. tests/golden/cases.sh
pass=0 fail=0 skip=0
for c in "${GOLDEN_CASES[@]}"; do
    name=${c%%|*} args=${c#*|}
    missing=0
    for a in $args; do case $a in *.gcdump) [ -f "$a" ] || missing=1 ;; esac; done
    if [ $missing -eq 1 ]; then
        echo "SKIP $name: input not present (../shared/fixtures or tests/data missing)"
        skip=$((skip + 1)); continue
    fi
    if [ ! -f "golden/$name" ]; then
        echo "FAIL $name: golden/$name does not exist (run make golden and review it)"
        fail=$((fail + 1)); continue
    fi
    # shellcheck disable=SC2086
    if "$HD" $args 2>&1 | diff -u "golden/$name" - >/tmp/golden.$$.diff; then
        pass=$((pass + 1))
    else
        echo "FAIL $name: output differs from golden/$name:"; head -40 /tmp/golden.$$.diff
        fail=$((fail + 1))
    fi
    rm -f /tmp/golden.$$.diff
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
