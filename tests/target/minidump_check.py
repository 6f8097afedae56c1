#!/usr/bin/env python3
"""Checks heapdiff's minidump reader against independent readers (called by minidump.sh).

  minidump_check.py fixture FILE
  minidump_check.py live FILE ADDR LEN PATTERN_SEED MAPS_FILE

Environment: HEAPDIFF (the CLI), PROBE (tests/target/minidump_probe.c built), OBJ2YAML, LLDB.
Expected values come from llvm's obj2yaml (stream decoding), lldb-19 (modules, registers, pid,
memory bytes), the raw bytes of the file decoded here for the streams obj2yaml 19 leaves raw
(Memory64List, MiscInfo, ThreadNames), and for the live test from /proc/PID/maps and the
pattern the process wrote. Prints "ok ..." / "FAIL ..." lines and a last line
"N passed, N failed, 0 skipped"."""
import json
import os
import re
import struct
import subprocess
import sys

import yaml

HD, PROBE = os.environ["HEAPDIFF"], os.environ["PROBE"]
OBJ2YAML, LLDB = os.environ["OBJ2YAML"], os.environ["LLDB"]
passed = failed = 0


def check(name, got, want):
    global passed, failed
    if got == want:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: heapdiff {got!r}, expected {want!r}")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout


def hd_info(path):
    return json.loads(run(HD, "info", "--format", "json", path))


def probe_ranges(path):
    ranges, captured = [], None
    for line in run(PROBE, path).splitlines():
        f = line.split()
        if f[0] == "range":
            ranges.append(tuple(int(x, 16) for x in f[1:]))
        elif f[0] == "captured":
            captured = int(f[1])
    return ranges, captured


def probe_read(path, pairs):
    args = []
    for a, n in pairs:
        args += [f"{a:x}", str(n)]
    out = {}
    for line in run(PROBE, path, *args).splitlines():
        _, a, got, *hexs = line.split() + [""]
        out[int(a, 16)] = bytes.fromhex(hexs[0])[: int(got)]
    return out


def lldb(path, *cmds):
    args = [LLDB, "-c", path, "-b", "-o", "settings set use-color false"]
    for c in cmds:
        args += ["-o", c]
    return run(*args)


def lldb_read(path, addrs, n=16):
    out = lldb(path, *[f"memory read -s1 -c{n} --force 0x{a:x}" for a in addrs])
    res = {}
    for m in re.finditer(r"^0x([0-9a-f]+): ((?:[0-9a-f]{2} )+)", out, re.M):
        a = int(m.group(1), 16)
        res.setdefault(a, b"")
        res[a] += bytes.fromhex(m.group(2).replace(" ", ""))
    return res


def obj2yaml(path):
    text = run(OBJ2YAML, path).replace("--- !minidump", "---", 1)
    # obj2yaml copies control bytes of raw text streams into quoted strings; PyYAML refuses them
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "?", text)
    return yaml.safe_load(text)


def guid_from_lldb(u, windows):
    """lldb prints a Windows PDB70 GUID as Data1-Data2-Data3 (integers, byte-swapped) then the
    age; in other OSes' dumps the RSDS bytes are an ELF/Mach-O id shown as raw bytes."""
    h = u.replace("-", "")
    g = bytes.fromhex(h[:32])
    raw = g[3::-1] + g[5:3:-1] + g[7:5:-1] + g[8:16] if windows else g
    return raw.hex(), int(h[32:40], 16) if len(h) >= 40 else None


ARCH = {"AMD64": "x64", "X86": "x86", "ARM64": "arm64", "BP_ARM64": "arm64", "ARM": "arm"}
OS = {"Win32NT": "Windows", "Linux": "Linux", "MacOSX": "macOS", "Android": "Android"}


def fixture(path):
    base = os.path.basename(path)
    info = hd_info(path)
    doc = obj2yaml(path)
    raw = open(path, "rb").read()
    streams = {}
    for s in doc["Streams"]:
        streams.setdefault(s["Type"], s)
    flags = doc.get("Flags", 0)
    check(f"{base}: header flags", info["dump"]["flags"], f"0x{flags:x}")
    check(f"{base}: header time", info["dump"]["time"] or 0, struct.unpack_from("<I", raw, 20)[0])

    si = streams.get("SystemInfo")
    if si:
        check(f"{base}: arch", info["arch"], ARCH.get(si["Processor Arch"], "other"))
        check(f"{base}: os", info["os"], OS.get(si["Platform ID"], "other"))
        if si["Platform ID"] == "Win32NT":
            v = f"{si.get('Major Version', 0)}.{si.get('Minor Version', 0)}.{si.get('Build Number', 0)}"
            check(f"{base}: os_version", info["os_version"], v)
        elif si["Platform ID"] == "Linux" and si.get("CSD Version"):
            check(f"{base}: os_version (uname)", info["os_version"], si["CSD Version"][:63])

    # Threads: ids and stack ranges (obj2yaml), names (ThreadNames decoded from the bytes).
    th = streams.get("ThreadList", {}).get("Threads", [])
    hd_th = {t["tid"]: t for t in info["threads"]}
    check(f"{base}: thread ids", sorted(hd_th), sorted(t["Thread Id"] for t in th))
    for t in th:
        st = t.get("Stack", {})
        n = len(st.get("Content", "")) // 2
        want = None
        if n:
            lo = st["Start of Memory Range"]
            want = {"start": f"0x{lo:x}", "end": f"0x{lo + n:x}"}
        got = hd_th.get(t["Thread Id"], {}).get("stack")
        check(f"{base}: thread {t['Thread Id']} stack", got, want)
    tn = streams.get("ThreadNames") or streams.get(0x18)  # obj2yaml 19 prints "0x18"
    if tn:
        c = bytes.fromhex(tn["Content"])
        names = {}
        for i in range(struct.unpack_from("<I", c)[0]):
            tid, rva = struct.unpack_from("<IQ", c, 4 + 12 * i)
            ln = struct.unpack_from("<I", raw, rva)[0]
            names.setdefault(tid, raw[rva + 4 : rva + 4 + ln].decode("utf-16-le").split("\0")[0])
        for tid, name in sorted(names.items()):
            if tid in hd_th:
                check(f"{base}: thread {tid} name", hd_th[tid]["name"], name)

    # Registers: lldb's pc/sp/fp of every thread (lldb uses the exception context for the
    # faulting thread, as heapdiff does).
    cmds = ["process status"]
    for i in range(1, len(th) + 1):
        cmds += [f"thread select {i}", "register read pc sp fp", "thread info"]
    out = lldb(path, *cmds)
    for blk in out.split("(lldb) register read pc sp fp")[1:]:
        regs = dict(re.findall(r"^\s+(\w+) = 0x([0-9a-f]+)", blk, re.M))
        m = re.search(r"tid = (0x[0-9a-f]+|\d+)", blk)
        if not m or not regs:
            continue
        tid = int(m.group(1), 0)
        t = hd_th.get(tid)
        if not t:
            check(f"{base}: lldb thread {tid} known", False, True)
            continue
        for hd_name, names in (("ip", ("rip", "eip", "pc")), ("sp", ("rsp", "esp", "sp")),
                               ("fp", ("rbp", "ebp", "fp", "x29"))):
            v = next((regs[k] for k in names if k in regs), None)
            if v is not None:
                check(f"{base}: thread {tid} {hd_name} (lldb)", int(t[hd_name] or "0x0", 16),
                      int(v, 16))
    m = re.search(r"^Process (\d+) stopped", out, re.M)
    if m and int(m.group(1)):
        check(f"{base}: pid (lldb)", info["dump"]["pid"], int(m.group(1)))

    # Modules: obj2yaml fields, then lldb's image list.
    mods = streams.get("ModuleList", {}).get("Modules", [])
    hd_mods = info["modules"]
    check(f"{base}: module count", len(hd_mods), len(mods))
    by_base = {}
    for mm in hd_mods:
        by_base.setdefault(int(mm["base"], 16), mm)
    for y in mods:
        b = y["Base of Image"]
        h = by_base.get(b)
        name = f"{base}: module 0x{b:x}"
        if not h:
            check(name, None, "present")
            continue
        want = {"size": y["Size of Image"], "path": y["Module Name"],
                "timestamp": y.get("Time Date Stamp", 0)}
        vi = y.get("Version Info")
        want["version"] = None
        if vi and (vi.get("Signature") == 0xFEEF04BD or
                   (not vi.get("Signature") and vi.get("Struct Version") == 0x10000)):
            hi, lo = vi.get("File Version High", 0), vi.get("File Version Low", 0)
            want["version"] = f"{hi >> 16}.{hi & 0xFFFF}.{lo >> 16}.{lo & 0xFFFF}"
        cv = bytes.fromhex(y.get("CodeView Record", ""))
        want["build_id"], want["pdb"] = None, None
        windows = si is None or si["Platform ID"] == "Win32NT"
        if cv[:4] == b"RSDS" and len(cv) >= 24 and not windows:
            want["build_id"] = cv[4:20].hex()  # Breakpad: the build id's first 16 bytes
        elif cv[:4] == b"RSDS" and len(cv) >= 24:
            want["build_id"] = cv[4:20].hex()
            want["pdb"] = {"name": cv[24:].split(b"\0")[0].decode("utf-8", "replace"),
                           "age": struct.unpack_from("<I", cv, 20)[0]}
        elif cv[:4] == b"LEpB":
            want["build_id"] = cv[4:36].hex() or None
        got = {k: h.get(k) for k in want}
        got["timestamp"] = got["timestamp"] or 0
        check(name, got, want)
    img = lldb(path, "image list")
    for m in re.finditer(r"^\[\s*\d+\] (\S+) 0x([0-9a-f]+) (.*?)\s*$", img, re.M):
        uuid, b, p = m.group(1), int(m.group(2), 16), m.group(3)
        h = by_base.get(b)
        if not h:
            check(f"{base}: lldb module 0x{b:x}", None, p)
            continue
        got = [h["path"]]
        want = [p]
        if h.get("pdb") and len(uuid.replace("-", "")) >= 32:
            g, age = guid_from_lldb(uuid, True)
            got += [h["build_id"], h["pdb"]["age"]]
            want += [g, age]
        elif h.get("build_id") and h["kind"] == "elf":
            # lldb shows at most the first 20 bytes of an ELF build id
            u = uuid.replace("-", "").lower()
            got.append(h["build_id"][: len(u)])
            want.append(u)
        check(f"{base}: lldb module 0x{b:x}", got, want)

    # Memory: every range obj2yaml lists (MemoryList) or the raw Memory64List describes.
    ranges = []
    for r in streams.get("MemoryList", {}).get("Memory Ranges", []):
        ranges.append((r["Start of Memory Range"], bytes.fromhex(r["Content"])))
    m64 = streams.get("Memory64List")
    if m64:
        c = bytes.fromhex(m64["Content"])
        n, off = struct.unpack_from("<QQ", c)
        for i in range(n):
            a, sz = struct.unpack_from("<QQ", c, 16 + 16 * i)
            ranges.append((a, raw[off : off + sz]))
            off += sz
    hd_r, captured = probe_ranges(path)
    check(f"{base}: memory captured bytes", captured, info["memory"]["captured"])
    spans = sorted((a, a + len(d)) for a, d in ranges if d)
    disjoint = all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    if disjoint:
        stacks = {(int(t["stack"]["start"], 16), int(t["stack"]["end"], 16))
                  for t in info["threads"] if t["stack"]}
        extra = sum(e - s for s, e in stacks if not any(a <= s < b for a, b in spans))
        check(f"{base}: captured = sum of listed ranges (+ unlisted stacks)", captured,
              sum(e - s for s, e in spans) + extra)
    pairs = []
    for a, d in ranges:
        if not d:
            continue
        for o in sorted({0, len(d) // 2, max(0, len(d) - 16)}):
            pairs.append((a + o, min(16, len(d) - o)))
    got = probe_read(path, pairs)
    want_bytes = {}
    for a, d in ranges:
        for pa, pn in pairs:
            if a <= pa < a + len(d):
                want_bytes.setdefault(pa, d[pa - a : pa - a + pn])
    bad = [hex(pa) for pa, pn in pairs if got.get(pa) != want_bytes[pa]]
    check(f"{base}: bytes at {len(pairs)} sampled addresses (obj2yaml)", bad, [])
    sample = [pa for pa, _ in pairs[:: max(1, len(pairs) // 4)]][:4]
    lr = lldb_read(path, sample)
    bad = [hex(a) for a in sample if a in lr and got.get(a)[:16] != lr[a][: len(got.get(a))]]
    check(f"{base}: bytes at {len(sample)} addresses (lldb memory read)", (bad, len(lr) > 0),
          ([], True))


def read_buffer(path, addr, length):
    got = b""
    for a in range(addr, addr + length, 4096):
        n = min(4096, addr + length - a)
        part = probe_read(path, [(a, n)]).get(a, b"")
        got += part
        if len(part) < n:
            break
    return got


def live(path, addr, length, seed, maps_file, stack_dump, cut_dump):
    addr, length, seed = int(addr, 16), int(length), int(seed)
    info = hd_info(path)
    want = bytes((i * 131 + seed) & 0xFF for i in range(length))
    got = read_buffer(path, addr, length)
    check("live: pattern buffer read back byte for byte", (len(got), got == want),
          (length, True))
    lr = lldb_read(path, [addr, addr + length - 16])
    check("live: lldb memory read agrees at both ends of the buffer",
          [lr.get(addr), lr.get(addr + length - 16)], [want[:16], want[-16:]])
    check("live: full memory (every readable mapping captured)", info["dump"]["full_memory"],
          True)
    # Modules against /proc/PID/maps: each file-backed mapping's lowest address is a module.
    maps = {}
    for line in open(maps_file):
        f = line.split()
        if len(f) >= 6 and f[5].startswith("/"):
            lo = int(f[0].split("-")[0], 16)
            maps[f[5]] = min(lo, maps.get(f[5], lo))
    hd_mods = {}
    for m in info["modules"]:
        if m["path"].startswith("/"):
            hd_mods[os.path.realpath(m["path"])] = int(m["base"], 16)
    want_m = {os.path.realpath(p): b for p, b in maps.items()}
    check("live: module paths and bases match /proc/PID/maps", hd_mods, want_m)
    check("live: pid", info["dump"]["pid"], int(os.environ["LIVE_PID"]))
    # lldb's --style stack of the same process: threads' stacks only, so not full memory
    si = hd_info(stack_dump)
    check("live: --style stack dump is not full memory", si["dump"]["full_memory"], False)
    check("live: --style stack dump lacks the buffer", read_buffer(stack_dump, addr, 16), b"")
    # The full dump cut at 3/5 of its size: LLDB writes its MemoryList stream after the memory
    # bytes, so the cut loses the list of ranges itself; the answer must be a clean exit 2
    # naming the offset (a cut that keeps the lists is tests/unit/test_minidump.c's case).
    r = subprocess.run([HD, "info", cut_dump], capture_output=True, text=True, timeout=60)
    check("live: cut dump: exit 2, one line naming offset and expectation",
          (r.returncode, r.stderr.count("\n"), "offset" in r.stderr, "expected" in r.stderr),
          (2, 1, True, True))


if __name__ == "__main__":
    if sys.argv[1] == "fixture":
        fixture(sys.argv[2])
    else:
        live(*sys.argv[2:])
    print(f"{passed} passed, {failed} failed, 0 skipped")
    sys.exit(1 if failed else 0)
