#!/usr/bin/env python3
"""Checks a heap walk of LeakApp (walkobjs output) against what the program allocated.

usage: expect_leakapp.py WALK.txt APP_OUTPUT.txt [--no-stack] [--no-statics]

The expected counts are the ones LeakApp printed about itself; the expected sizes follow from
the CLR's object layout (object.h), independently of heapdiff:
  an object = 8-byte header + 8-byte MethodTable pointer + its fields (references 8, long 8,
  int 4, padded to 8), at least 24 bytes; an SZ array = 24 + length * element size; a rank-R
  array adds 8 * R bytes of bounds and lower bounds (2 * R ints).
Each check prints "ok ..." or "FAIL ..."; the last line is "N failed".
"""
import sys
from collections import Counter, defaultdict


def main():
    walk, app = sys.argv[1], sys.argv[2]
    no_stack = "--no-stack" in sys.argv
    no_statics = "--no-statics" in sys.argv  # .NET 8 keeps statics elsewhere
    printed = {}
    for line in open(app):
        parts = line.split()
        if len(parts) >= 2:
            printed[parts[0]] = parts[1]
    sessions = int(printed["SESSIONS"])
    records = int(printed["RECORDS"])
    nodes = int(printed["NODES"])
    pairs = int(printed["PAIRS"])
    grid = int(printed["GRID"])
    fin = int(printed["FINALIZABLE"])
    dep = int(printed["DEPENDENT"])

    objs, typ = {}, {}
    roots = defaultdict(set)
    weak = set()
    info = {}
    for line in open(walk, encoding="utf-8", errors="replace"):
        if line.startswith("O "):
            _, a, s, n = line.rstrip("\n").split(" ", 3)
            objs[int(a, 16)] = (int(s), n)
        elif line.startswith("R "):
            kind, a = line.rstrip("\n")[2:].rsplit(" ", 1)
            roots[kind].add(int(a, 16))
        elif line.startswith("W "):
            weak.add(int(line.split()[1], 16))
        elif line.startswith("# "):
            k, _, v = line[2:].rstrip("\n").partition(" ")
            info[k] = v
    count, sizes = Counter(), defaultdict(Counter)
    for s, n in objs.values():
        count[n] += 1
        sizes[n][s] += 1
    fails = 0

    def check(ok, what):
        nonlocal fails
        print(("ok   " if ok else "FAIL ") + what)
        fails += not ok

    expect = [  # type, count, size of each
        ("LeakApp.Node", nodes, 32),              # ref + long
        ("LeakApp.Record", records, 32),          # 2 refs
        ("LeakApp.Session", sessions, 32),        # 2 refs
        ("LeakApp.PairValue", pairs, 24),         # int
        ("LeakApp.GridCell", grid, 24),           # 2 ints
        ("LeakApp.HandleTarget", 15, 24),         # long
        ("LeakApp.CwtKey", dep, 24),
        ("LeakApp.CwtValue", dep, 24),
        ("LeakApp.Finalizable", fin, 24),
        ("LeakApp.Pair[]", 1, 24 + pairs * 24),   # struct {ref, ref, int} = 24 bytes
        ("LeakApp.GridCell[,]", 1, 24 + 16 + grid * 8),
        ("System.Int32[,,]", 1, 24 + 24 + 60 * 4),
        ("LeakApp.Record[]", 1, 24 + records * 8),  # List<Record>(records) capacity
    ]
    if not no_stack:
        expect.append(("LeakApp.StackOnly", 1, 24))
    for name, n, size in expect:
        check(count[name] == n and sizes[name][size] == n,
              "%s: %d objects of %d bytes (found %d: %s)" % (
                  name, n, size, count[name], dict(sizes[name])))
    # byte[] of the sessions (100 each) and records (32 each), strings of the records
    # ("r" + 6 digits: 22 + 2*7 = 36 bytes) and sessions ("session-" + 6 digits: 22 + 28 = 50).
    check(sizes["System.Byte[]"][24 + 100] >= sessions, "System.Byte[] of 124 bytes >= %d" % sessions)
    check(sizes["System.Byte[]"][24 + 32] >= records, "System.Byte[] of 56 bytes >= %d" % records)
    check(sizes["System.Byte[]"][24 + 100000] == 3, "3 large-object-heap System.Byte[] of 100024 bytes")
    check(sizes["System.String"][36] >= records and sizes["System.String"][50] >= sessions,
          "record and session strings (36 and 50 bytes)")
    check(info.get("corrupt") == "0" and info.get("dangling") == "0" and info.get("unnamed") == "0",
          "nothing unparsable, dangling or unnamed (%s, %s, %s)" % (
              info.get("corrupt"), info.get("dangling"), info.get("unnamed")))

    def of_type(addrs, name):
        return sum(1 for a in addrs if a in objs and objs[a][1] == name)

    check(of_type(roots["[strong handles]"], "LeakApp.HandleTarget") == 10,
          "10 HandleTarget held by strong handles (found %d)" %
          of_type(roots["[strong handles]"], "LeakApp.HandleTarget"))
    check(of_type(roots["[pinning handles]"], "LeakApp.HandleTarget") == 5,
          "5 HandleTarget held by pinned handles (found %d)" %
          of_type(roots["[pinning handles]"], "LeakApp.HandleTarget"))
    check(of_type(roots["[finalizer queue (f-reachable)]"], "LeakApp.Finalizable") == fin - 1,
          "%d Finalizable in the f-reachable queue (one is being finalized; found %d)" % (
              fin - 1, of_type(roots["[finalizer queue (f-reachable)]"], "LeakApp.Finalizable")))
    if not no_stack:
        check(of_type(roots["[local vars (conservative)]"], "LeakApp.StackOnly") == 1,
              "the StackOnly local is a (conservative) stack root")
    # Program's static fields, attributed to the class: the list head, the session cache, the
    # struct array, the grid, the cube (one each), found in its GC statics.
    prog = roots["[static vars of LeakApp.Program]"]
    for name in () if no_statics else ("LeakApp.Node", "System.Collections.Generic.Dictionary<System.String,LeakApp.Session>",
                 "LeakApp.Pair[]", "LeakApp.GridCell[,]", "System.Int32[,,]",
                 "System.Collections.Generic.List<LeakApp.Record>"):
        check(of_type(prog, name) == 1, "static field of LeakApp.Program holds one %s (found %d)"
              % (name, of_type(prog, name)))
    # CwtValue objects have no referrer but their dependent handle: the graph must reach them
    # through their keys; a weak handle exists (the WeakReference's, and the runtime's own).
    check(info.get("dependent", "0") != "0" and int(info["dependent"]) >= dep,
          "at least %d dependent handles (found %s)" % (dep, info.get("dependent")))
    check(len(weak) >= 1, "weak handles recorded as weak edges (%d)" % len(weak))
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
