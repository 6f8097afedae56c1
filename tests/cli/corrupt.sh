#!/usr/bin/env bash
# Corrupted real .gcdump files through the CLI (`heapdiff stat`).
#
# For every fixture in ../shared/fixtures/gcdump (skipped when absent):
#  * truncations at 100 points (deterministic; always 0, 1, 4, 24, size-1, size-4, size-8):
#    exit exactly 2, one line on stderr naming the file and an offset, nothing on stdout, no
#    output file left (-o is given);
#  * 100 byte flips at random positions (deterministic) plus 0xFF runs over count fields (type
#    count, node count, blob length, address count, the first children counts, the forward-
#    reference count, trailer and suffix labels): exit 0 or 2 (a flipped character in a type
#    name cannot be detected), never a signal, a sanitizer report or a timeout (20 s); the
#    detection rate (exit 2) is reported.
# Works with any build: HEAPDIFF=build-asan/heapdiff tests/cli/corrupt.sh runs the sweep under
# ASan/UBSan (any sanitizer report is a failure).
#
# usage: tests/cli/corrupt.sh [HEAPDIFF]     (binary: $HEAPDIFF, else $1, else ./heapdiff)
#        CORRUPT_JOBS=N (parallel runs, default 2), CORRUPT_FIXTURES="name ..." (a subset)
# Closing line: "N passed, N failed, N skipped"; exits non-zero on any failure.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HEAPDIFF:-${1:-$ROOT/heapdiff}}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
SHARED=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")/../shared
FIXDIR=$SHARED/fixtures/gcdump

if [ ! -x "$BIN" ]; then
    echo "corrupt.sh: $BIN not found or not executable (build with make)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
if ! ls "$FIXDIR"/*.gcdump >/dev/null 2>&1; then
    echo "corrupt.sh: skipped: no fixtures in $FIXDIR"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! command -v python3 >/dev/null; then
    echo "corrupt.sh: skipped: python3 is needed to drive the sweep"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

# Sanitizer reports get their own exit codes so they can never pass as exit 2.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86:abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=87:print_stacktrace=1}

exec python3 - "$BIN" "$FIXDIR" <<'PY'
import concurrent.futures as cf
import os, random, re, struct, subprocess, sys, tempfile, time, shutil

BIN, FIXDIR = sys.argv[1], sys.argv[2]
JOBS = int(os.environ.get("CORRUPT_JOBS", "2"))
ONLY = os.environ.get("CORRUPT_FIXTURES", "").split()
N_TRUNC, N_FLIP, TIMEOUT = 100, 100, 20

work = tempfile.mkdtemp(prefix="heapdiff-corrupt.")
passed = failed = skipped = 0
failures = []

def fail(msg):
    global failed
    failed += 1
    failures.append(msg)
    if len(failures) <= 40:
        print("FAIL: " + msg, flush=True)

# ---- where the count fields are (format spec §1, §4.1); best effort: a parse error just
# means fewer targeted fields ----
def count_fields(d):
    fields = []
    pos = 0
    def i32(p): return struct.unpack_from("<i", d, p)[0]
    def u32(p): return struct.unpack_from("<I", d, p)[0]
    def skip_str(p):
        n = i32(p); p += 4
        if n < 0: return p
        for _ in range(n):
            b = d[p]
            p += 1 if b < 0x80 else (2 if b < 0xE0 else 3)
        return p
    def type_desc(p):  # 04 01 i32 i32 str 06
        assert d[p] == 4 and d[p + 1] == 1, "type descriptor"
        minr = i32(p + 6)
        p = skip_str(p + 10)
        assert d[p] == 6
        return p + 1, minr
    try:
        n = len(d)
        fields.append(("suffix label", n - 4, 4))
        trailer = u32(n - 4)
        if trailer + 4 <= n:
            fields.append(("trailer", trailer, 4))
            table = u32(trailer)
            if table + 4 <= n:
                fields.append(("forward-reference count", table, 4))
        pos = 24
        assert d[pos] == 4; pos += 1
        pos, _ = type_desc(pos)
        assert d[pos] == 4; pos += 1
        pos, gmin = type_desc(pos)
        pos += 8  # total size
        fields.append(("root index", pos, 4)); pos += 4
        ntypes = i32(pos)
        fields.append(("type count", pos, 4)); pos += 4
        for t in range(ntypes):
            if t < 3:
                fields.append(("type %d name length" % t, pos, 4))
            pos = skip_str(pos) + 4
            pos = skip_str(pos)
        nnodes = i32(pos)
        fields.append(("node count", pos, 4)); pos += 4
        offs = pos
        pos += 4 * nnodes
        fields.append(("blob length", pos, 4))
        blob_len = i32(pos); pos += 4
        blob = pos
        pos += blob_len
        # children counts of the root and of the first nodes, and of the node with most bytes
        def cint_len(p):
            k = 1
            while d[p] & 0x80 and k < 5:
                p += 1; k += 1
            return k
        picked = 0
        for i in range(nnodes):
            o = u32(offs + 4 * i)
            if o == 0:
                continue
            p = blob + o
            tas = d[p]; k = cint_len(p); p += k
            # explicit size when bit 0 of the (sign-extended, big-endian) value is set: the last
            # byte of the cint holds bit 0
            if d[p - 1] & 1:
                p += cint_len(p)
            fields.append(("node %d children count" % i, p, 1))
            picked += 1
            if picked == 4:
                break
        if gmin >= 1:
            pos += 4
            fields.append(("deferred type count", pos, 4))
        else:
            fields.append(("address count", pos, 4))
    except (AssertionError, IndexError, struct.error) as e:
        print("note: count-field scan stopped early: %r" % (e,))
    return fields

# ---- one run ----
def run(path, out):
    t0 = time.time()
    try:
        p = subprocess.run([BIN, "stat", path, "-o", out], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        rc, so, se = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        rc, so, se = "timeout", b"", b""
    return rc, so, se.decode("utf-8", "replace"), time.time() - t0

def check_message(path, se):
    """The bad-input message: one line naming the file and an offset."""
    lines = se.splitlines()
    if len(lines) != 1:
        return "%d lines on stderr" % len(lines)
    if path not in lines[0]:
        return "message does not name the file"
    if not re.search(r"offset \d+", lines[0]):
        return "message names no offset"
    return None

SAN = ("Sanitizer", "runtime error:", "LeakSanitizer")

def case(kind, fixture, path, label):
    out = path + ".out"
    rc, so, se, dt = run(path, out)
    # after a failure nothing may be left: neither OUT nor a temp file beside it
    base = os.path.basename(out)
    left = [f for f in os.listdir(os.path.dirname(out)) if f.startswith(base)]
    if rc == 0 and os.path.exists(out):
        left.remove(base)
        os.unlink(out)
        wrote = True
    else:
        wrote = False
    return kind, fixture, label, rc, so, se, dt, left, wrote, path

def truncations(size, rnd):
    pts = {0, 1, 4, 24, size - 1, size - 4, size - 8}
    pts = {p for p in pts if 0 <= p < size}
    while len(pts) < min(N_TRUNC, size):
        pts.add(rnd.randrange(size))
    return sorted(pts)

fixtures = sorted(f for f in os.listdir(FIXDIR) if f.endswith(".gcdump"))
if ONLY:
    fixtures = [f for f in fixtures if any(o in f for o in ONLY)]

summary = []
t_start = time.time()
with cf.ThreadPoolExecutor(max_workers=JOBS) as ex:
    for fx in fixtures:
        data = open(os.path.join(FIXDIR, fx), "rb").read()
        size = len(data)
        d = os.path.join(work, fx.replace(".gcdump", ""))
        os.makedirs(d)
        jobs = []
        # sanity: the intact file must be accepted
        intact = os.path.join(d, "intact.gcdump")
        open(intact, "wb").write(data)
        jobs.append(ex.submit(case, "intact", fx, intact, "intact"))
        rnd = random.Random("truncate:" + fx)
        for i, n in enumerate(truncations(size, rnd)):
            p = os.path.join(d, "t%03d.gcdump" % i)
            open(p, "wb").write(data[:n])
            jobs.append(ex.submit(case, "truncate", fx, p, "truncated at %d of %d" % (n, size)))
        rnd = random.Random("flip:" + fx)
        for i in range(N_FLIP):
            pos = rnd.randrange(size)
            x = rnd.randrange(1, 256)
            b = bytearray(data)
            b[pos] ^= x
            p = os.path.join(d, "f%03d.gcdump" % i)
            open(p, "wb").write(b)
            jobs.append(ex.submit(case, "flip", fx, p,
                                  "byte %d xor 0x%02x (0x%02x -> 0x%02x)" % (pos, x, data[pos], b[pos])))
        for j, (name, off, width) in enumerate(count_fields(data)):
            for k, run_bytes in enumerate([b"\xff" * width, b"\xff\xff\xff\x7f"[:width] if width == 4 else b"\x7f"]):
                b = bytearray(data)
                b[off:off + len(run_bytes)] = run_bytes
                if bytes(b) == data:
                    continue
                p = os.path.join(d, "c%02d%d.gcdump" % (j, k))
                open(p, "wb").write(b)
                jobs.append(ex.submit(case, "count", fx, p,
                                      "%s at %d := %s" % (name, off, run_bytes.hex())))
        stats = {"truncate": [0, 0], "flip": [0, 0, 0], "count": [0, 0, 0], "slowest": 0.0}
        undetected_counts = []
        for fut in jobs:
            kind, fx_, label, rc, so, se, dt, left, wrote, path = fut.result()
            stats["slowest"] = max(stats["slowest"], dt)
            where = "%s: %s" % (fx, label)
            san = any(s in se for s in SAN)
            if kind == "intact":
                if rc != 0 or not wrote:
                    fail("%s: exit %s: %s" % (where, rc, se.strip()[:300]))
                else:
                    passed += 1
                continue
            if san or rc not in (0, 2) or (kind == "truncate" and rc != 2):
                keep = "/tmp/heapdiff-corrupt-repro-%s-%s" % (fx.replace(".gcdump", ""), os.path.basename(path))
                shutil.copy(path, keep)
                if rc == "timeout":
                    why = "timeout (%ds)" % TIMEOUT
                elif rc < 0:
                    why = "killed by signal %d" % -rc
                else:
                    why = "exit %d" % rc
                fail("%s: %s%s (reproducer %s): %s" % (where, why, ", sanitizer report" if san else "",
                                                      keep, se.strip()[:400]))
                continue
            if left:
                fail("%s: exit %d but files were left behind: %s" % (where, rc, left))
                continue
            if rc == 0 and not wrote:
                fail("%s: exit 0 but no output file" % where)
                continue
            if rc == 2:
                m = check_message(path, se)
                if m:
                    fail("%s: %s: %r" % (where, m, se[:300]))
                    continue
                if so:
                    fail("%s: exit 2 with output on stdout" % where)
                    continue
            passed += 1
            if kind == "truncate":
                stats["truncate"][0] += 1
            else:
                stats[kind][0] += 1
                stats[kind][1 if rc == 2 else 2] += 1
                if kind == "count" and rc == 0:
                    undetected_counts.append(label)
        print("%s (%d bytes): truncations %d ok; flips: %d of %d detected (exit 2), %d accepted; "
              "count fields: %d of %d detected, %d accepted; slowest run %.2fs"
              % (fx, size, stats["truncate"][0], stats["flip"][1], stats["flip"][0],
                 stats["flip"][2], stats["count"][1], stats["count"][0], stats["count"][2],
                 stats["slowest"]), flush=True)
        for u in undetected_counts:
            print("  accepted: %s" % u)
        shutil.rmtree(d)

shutil.rmtree(work, ignore_errors=True)
print("sweep took %.0fs with %s" % (time.time() - t_start, BIN))
if len(failures) > 40:
    print("(%d more failures not shown)" % (len(failures) - 40))
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed else 0)
PY
