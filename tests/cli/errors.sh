#!/usr/bin/env bash
# CLI error behaviour: what `heapdiff` does with inputs that are not snapshots, bad command
# lines and outputs it cannot write. Exit codes (DESIGN.md): 0 ok, 1 usage, 2 bad input,
# 4 resource/internal (an output that cannot be written).
#
# usage: tests/cli/errors.sh [HEAPDIFF]     (binary: $HEAPDIFF, else $1, else ./heapdiff)
# Closing line: "N passed, N failed, N skipped"; exits non-zero on any failure.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HEAPDIFF:-${1:-$ROOT/heapdiff}}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
SHARED=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")/../shared
FIXTURE=$SHARED/fixtures/gcdump/gcdump-analyze-leakypage-android.gcdump

pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "skip: $*"; }

if [ ! -x "$BIN" ]; then
    echo "errors.sh: $BIN not found or not executable (build with make)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

T=$(mktemp -d /tmp/heapdiff-errors.XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

# run NAME EXPECTED_EXIT ARGS...: runs the binary (20 s limit), captures stdout/stderr.
run() {
    local name=$1 want=$2
    shift 2
    timeout 20 "$BIN" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, expected $want (heapdiff $*); stderr: $(head -c 300 "$T/err")"
        return 1
    fi
    return 0
}

# The contract for bad input: exit 2, exactly one line on stderr naming the file, nothing on
# stdout.
input_error() {
    local name=$1 file=$2
    shift 2
    run "$name" 2 stat "$file" "$@" || return
    local lines
    lines=$(wc -l <"$T/err")
    if [ "$lines" -ne 1 ]; then
        bad "$name: $lines lines on stderr, expected 1: $(head -c 300 "$T/err")"
    elif ! grep -qF -- "$file" "$T/err"; then
        bad "$name: message does not name $file: $(cat "$T/err")"
    elif [ -s "$T/out" ]; then
        bad "$name: output on stdout: $(head -c 200 "$T/out")"
    else
        ok
    fi
}

usage_error() {
    local name=$1
    shift
    run "$name" 1 "$@" || return
    # the usage text itself, or a one-line complaint pointing at it (GNU style: "Try
    # 'heapdiff --help' for more information.")
    if ! grep -qi -e usage -e '--help' "$T/err"; then
        bad "$name: no usage text (nor a pointer to --help) on stderr: $(head -c 300 "$T/err")"
    elif [ -s "$T/out" ]; then
        bad "$name: output on stdout for a usage error: $(head -c 200 "$T/out")"
    else
        ok
    fi
}

# ---- inputs that are not snapshots: exit 2, message names the file ----
input_error "nonexistent file" "$T/does-not-exist.gcdump"
mkdir "$T/adir"
input_error "directory" "$T/adir"
: >"$T/empty.gcdump"
input_error "empty file" "$T/empty.gcdump"
perl -e 'srand(42); print map { chr(int(rand(256))) } 1 .. 4096' >"$T/random.bin"
input_error "random bytes" "$T/random.bin"
perl -e 'srand(7); print "\x14\0\0\0", map { chr(int(rand(256))) } 1 .. 200' >"$T/random-len.gcdump"
input_error "random bytes after a plausible length" "$T/random-len.gcdump"
ELF=$(type -P true || echo /bin/sh)
if cp "$(readlink -f "$ELF")" "$T/program.elf" 2>/dev/null; then
    input_error "an ELF executable" "$T/program.elf"
else
    skip "an ELF executable: no ELF program found to copy"
fi
printf 'This is a text file.\nIt is not a heap snapshot.\n' >"$T/notes.txt"
input_error "a text file" "$T/notes.txt"
printf '\x14\0\0\0!FastSerializ' >"$T/short-sig.gcdump"
input_error "truncated signature" "$T/short-sig.gcdump"
printf '\x14\0\0\0!FastSerialization.1' >"$T/sig-only.gcdump"
input_error "signature only" "$T/sig-only.gcdump"
printf 'MDMP' >"$T/mdmp-magic.dmp"
input_error "minidump magic only" "$T/mdmp-magic.dmp"
printf '\x7fELF' >"$T/elf-magic"
input_error "ELF magic only" "$T/elf-magic"
printf 'PK\x03\x04garbage' >"$T/bad.zip"
input_error "a broken zip" "$T/bad.zip"
printf '\x1f\x8b\x08\x00garbage' >"$T/bad.gz"
input_error "a broken gzip" "$T/bad.gz"
# A file name with spaces and a leading dash-free odd name: the message quotes it as given.
cp "$T/notes.txt" "$T/name with spaces.gcdump"
input_error "file name with spaces" "$T/name with spaces.gcdump"
if [ -r /proc/self/mem ]; then
    # unreadable special file (read fails with EIO at offset 0)
    input_error "special file /proc/self/mem" /proc/self/mem
fi

# In a diff, the bad input is the one named.
if [ -r "$FIXTURE" ]; then
    if run "diff with a bad AFTER" 2 "$FIXTURE" "$T/notes.txt"; then
        if grep -qF "$T/notes.txt" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else
            bad "diff with a bad AFTER: message: $(cat "$T/err")"; fi
    fi
    if run "diff with a bad BEFORE" 2 diff "$T/empty.gcdump" "$FIXTURE"; then
        if grep -qF "$T/empty.gcdump" "$T/err"; then ok; else
            bad "diff with a bad BEFORE: message: $(cat "$T/err")"; fi
    fi
    # sanity: the fixture itself is fine
    if run "stat on a good fixture" 0 stat "$FIXTURE" --format json; then ok; fi
else
    skip "diff with a bad input: $FIXTURE absent"
    skip "diff with a bad input (BEFORE): $FIXTURE absent"
    skip "stat on a good fixture: $FIXTURE absent"
fi

# ---- command lines: exit 1 and usage on stderr ----
usage_error "no arguments"
usage_error "stat without a file" stat
usage_error "unknown option" stat "$T/notes.txt" --bogus
usage_error "unknown option before the command" --bogus stat "$T/notes.txt"
usage_error "bad --format" stat "$T/notes.txt" --format xml
usage_error "--format without a value" stat "$T/notes.txt" --format
usage_error "--top without a value" stat "$T/notes.txt" --top
usage_error "--top not a number" stat "$T/notes.txt" --top abc
usage_error "--top negative" stat "$T/notes.txt" --top -5
usage_error "--top trailing garbage" stat "$T/notes.txt" --top 10x
usage_error "--top overflow" stat "$T/notes.txt" --top 99999999999999999999999
usage_error "--min-bytes not a number" stat "$T/notes.txt" --min-bytes lots
usage_error "--max-growth not a number" "$T/notes.txt" "$T/notes.txt" --max-growth big
usage_error "-o without a value" stat "$T/notes.txt" -o
usage_error "diff with one input" diff "$T/notes.txt"
usage_error "stat with two inputs" stat "$T/notes.txt" "$T/notes.txt"
usage_error "a lone argument that is no command" "$T/notes.txt"

# ---- help: exit 0, usage on stdout ----
for h in --help -h; do
    if run "$h" 0 "$h"; then
        if grep -qi usage "$T/out"; then ok; else bad "$h: no usage text on stdout"; fi
    fi
done
if run "stat --help" 0 stat --help; then ok; fi

# ---- outputs that cannot be written ----
# Exit 4 (2 is tolerated and reported) with a message naming the output path; no file left
# behind. Root ignores permission bits, so the unwritable outputs are made with paths that no
# one can create: under a regular file (ENOTDIR), under a missing directory (ENOENT), and onto
# an existing directory (the final rename fails after the temp file was written).
out_error() {
    local name=$1 out=$2 dir=$3
    if [ ! -r "$FIXTURE" ]; then
        skip "$name: $FIXTURE absent"
        return
    fi
    local before after
    before=$(ls -A "$dir" | sort)
    timeout 20 "$BIN" stat "$FIXTURE" -o "$out" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    after=$(ls -A "$dir" | sort)
    if [ "$rc" -ne 4 ] && [ "$rc" -ne 2 ]; then
        bad "$name: exit $rc, expected 4: $(head -c 300 "$T/err")"
    elif ! grep -qF -- "$out" "$T/err"; then
        bad "$name: message does not name $out: $(cat "$T/err")"
    elif [ "$before" != "$after" ]; then
        bad "$name: files left behind in $dir: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')"
    else
        [ "$rc" -eq 2 ] && echo "note: $name: exit 2 (the contract says 4 for output errors)"
        ok
    fi
}
mkdir "$T/outs"
: >"$T/outs/regular-file"
out_error "-o under a regular file" "$T/outs/regular-file/report.json" "$T/outs"
out_error "-o under a missing directory" "$T/outs/missing/report.json" "$T/outs"
mkdir "$T/outs/existing-dir"
out_error "-o onto an existing directory" "$T/outs/existing-dir" "$T/outs"
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$T/ro"
    chmod 555 "$T/ro"
    out_error "-o into a read-only directory" "$T/ro/report.json" "$T/ro"
else
    skip "-o into a read-only directory: running as root (permission bits do not apply)"
fi

# Bad input with -o: exit 2 and the output file is not created.
timeout 20 "$BIN" stat "$T/notes.txt" -o "$T/outs/should-not-exist.json" >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ ! -e "$T/outs/should-not-exist.json" ] &&
    [ -z "$(ls -A "$T/outs" | grep -v -e '^regular-file$' -e '^existing-dir$')" ]; then
    ok
else
    bad "bad input with -o: exit $rc, left: $(ls -A "$T/outs" | tr '\n' ' ')"
fi

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
