#!/usr/bin/env bash
# Archives and compressed inputs are read transparently (libarchive): the same numbers as the
# plain file, ARCHIVE:MEMBER picks a member, several snapshots in one archive are listed, damaged
# archives exit 2 with an offset, and no temporary file is left behind. The archives are made
# here from the project's own example pair with the system's archivers (skipped if absent).
set -u
HD=$(realpath "${1:-./heapdiff}")
cd "$(dirname "$0")/../.."
EX=tests/data/example
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
work=$(mktemp -d)
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
trap 'rm -rf "$work"' EXIT
cp "$EX/before.gcdump" "$EX/after.gcdump" "$work/"
cd "$work"
# The report without its first line (which names the input file).
body() { "$HD" stat "$1" --format json --top 0 | grep -v '"file"'; }
want=$(body after.gcdump)

check_same() { # $1 = archive path, $2 = description
    local got rc
    got=$(body "$1" 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then ok; else bad "$2: exit $rc or output differs"; fi
}
try() { # $1 = tool, rest = command making the archive
    local tool=$1; shift
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not installed"; skip=$((skip + 1)); return 1
    fi
    "$@" >/dev/null 2>&1
}
try gzip gzip -k after.gcdump && check_same after.gcdump.gz ".gz"
try xz xz -k after.gcdump && check_same after.gcdump.xz ".xz"
try bzip2 bzip2 -k after.gcdump && check_same after.gcdump.bz2 ".bz2"
try zstd zstd -q -k after.gcdump && check_same after.gcdump.zst ".zst"
try zip zip -q one.zip after.gcdump && check_same one.zip ".zip with one snapshot"
try tar tar czf one.tgz after.gcdump && check_same one.tgz ".tar.gz with one snapshot"
if try zip zip -q both.zip before.gcdump after.gcdump README 2>/dev/null || [ -f both.zip ]; then
    check_same both.zip:after.gcdump "ARCHIVE:MEMBER"
    msg=$("$HD" stat both.zip 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [[ $msg == *"holds 2 snapshots"*"before.gcdump"*"after.gcdump"*"both.zip:MEMBER"* ]]; then ok
    else bad "two snapshots in one archive: exit $rc, message: $msg"; fi
    msg=$("$HD" stat both.zip:missing.gcdump 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [[ $msg == *"no member named missing.gcdump"* ]]; then ok
    else bad "missing member: exit $rc, message: $msg"; fi
    # The diff of two members equals the diff of the plain files (minus the file names).
    a=$("$HD" both.zip:before.gcdump both.zip:after.gcdump --format json | grep -v '"file"')
    b=$("$HD" before.gcdump after.gcdump --format json | grep -v '"file"')
    if [ "$a" = "$b" ]; then ok; else bad "diff of two archive members differs from the plain diff"; fi
fi
if [ -f after.gcdump.gz ]; then
    size=$(stat -c %s after.gcdump.gz)
    for cut in 10 100 $((size / 2)) $((size - 4)); do
        head -c "$cut" after.gcdump.gz >trunc.gz
        msg=$("$HD" stat trunc.gz 2>&1 >/dev/null); rc=$?
        if [ $rc -eq 2 ] && [[ $msg == "heapdiff: trunc.gz: offset "* ]]; then ok
        else bad "gzip truncated at $cut: exit $rc, message: $msg"; fi
    done
    printf 'not a snapshot\n' | gzip >text.gz
    msg=$("$HD" stat text.gz 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [[ $msg == *"holds no heap snapshot"* ]]; then ok
    else bad "archive without a snapshot: exit $rc, message: $msg"; fi
fi
msg=$("$HD" stat after.gcdump:member 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [[ $msg == *"not an archive"* ]]; then ok; else bad "FILE:MEMBER on a plain file: exit $rc, $msg"; fi
left=$(ls -A "$TMPDIR")
if [ -z "$left" ]; then ok; else bad "temporary files left in TMPDIR: $left"; fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
