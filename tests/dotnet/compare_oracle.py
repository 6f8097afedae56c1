#!/usr/bin/env python3
"""Compares heapdiff's heap walk (walkobjs output) with the oracle's (HeapOracle: ClrMD over
the runtime's own DAC) for the same dump, object by object.

usage: compare_oracle.py ORACLE.txt OURS.txt [--names]

Checks, each printed as one "ok"/"FAIL" line (walker.sh counts them):
  objects   the same set of object addresses
  sizes     the same size for every object
  names     the same type name for every object, after one normalisation: ClrMD writes the
            generic arguments of a nested type on its outer type with ", " between them
            ("Dictionary<String, Session>+Entry[]"), the runtime's own event names (and
            dotnet-gcdump, and heapdiff) after the whole nested name ("Dictionary+Entry<String,
            Session>[]"); both become the latter. Skipped without --names (a gdb core: the
            oracle cannot name types there).
  histogram per-type count and bytes equal (implied by the above; reported for the README)
  roots     strong and pinned handle roots and the f-reachable queue: the same objects;
            the oracle's precise stack roots are a subset of heapdiff's conservative ones
"""
import sys
from collections import Counter


def split_top(s, sep):
    """Splits s at sep characters that are not inside <...>."""
    out, depth, cur = [], 0, []
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def canon(name):
    name = name.strip()
    suffix = ""
    while name.endswith("]"):
        i = name.rfind("[")
        if i < 0 or any(c not in ",*" for c in name[i + 1:-1]):
            break
        suffix = name[i:] + suffix
        name = name[:i]
    parts, args = [], []
    for part in split_top(name, "+"):
        if "<" in part and part.endswith(">"):
            i = part.index("<")
            args += [canon(a) for a in split_top(part[i + 1:-1], ",")]
            part = part[:i]
        parts.append(part)
    out = "+".join(parts)
    if args:
        out += "<" + ",".join(args) + ">"
    return out + suffix


def load(path):
    objs, roots = {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("O "):
                _, addr, size, name = line.rstrip("\n").split(" ", 3)
                objs[int(addr, 16)] = (int(size), name)
            elif line.startswith("R "):
                kind, addr = line.rstrip("\n")[2:].rsplit(" ", 1)
                roots.setdefault(kind, set()).add(int(addr, 16))
    return objs, roots


def main():
    oracle, ours = load(sys.argv[1])[0], load(sys.argv[2])[0]
    oroots, mroots = load(sys.argv[1])[1], load(sys.argv[2])[1]
    names = "--names" in sys.argv
    fails = 0

    def check(ok, what, detail):
        nonlocal fails
        print(("ok   " if ok else "FAIL ") + what + ": " + detail)
        fails += not ok

    missing = sorted(set(oracle) - set(ours))
    extra = sorted(set(ours) - set(oracle))
    check(not missing and not extra, "objects",
          "%d in the oracle, %d in heapdiff, %d missing, %d extra%s" % (
              len(oracle), len(ours), len(missing), len(extra),
              (" (first missing %x %s)" % (missing[0], oracle[missing[0]]) if missing else "") +
              (" (first extra %x %s)" % (extra[0], ours[extra[0]]) if extra else "")))
    common = set(oracle) & set(ours)
    bad_size = [a for a in common if oracle[a][0] != ours[a][0]]
    check(not bad_size, "sizes", "%d objects, %d differ%s" % (
        len(common), len(bad_size),
        (" (e.g. %x: oracle %s, heapdiff %s)" % (bad_size[0], oracle[bad_size[0]], ours[bad_size[0]])
         if bad_size else "")))
    if names:
        bad_name = [a for a in common if canon(oracle[a][1]) != canon(ours[a][1])]
        ex = Counter((canon(oracle[a][1]), canon(ours[a][1])) for a in bad_name).most_common(3)
        check(not bad_name, "names", "%d objects, %d differ%s" % (
            len(common), len(bad_name), (" (e.g. %s)" % ex) if ex else ""))
        ho, hm = Counter(), Counter()
        for a, (s, n) in oracle.items():
            ho[canon(n)] += 1
        for a, (s, n) in ours.items():
            hm[canon(n)] += 1
        bo, bm = Counter(), Counter()
        for a, (s, n) in oracle.items():
            bo[canon(n)] += s
        for a, (s, n) in ours.items():
            bm[canon(n)] += s
        diff = [t for t in set(ho) | set(hm) if ho[t] != hm[t] or bo[t] != bm[t]]
        check(not diff, "histogram", "%d types, %d objects, %d bytes; %d types differ%s" % (
            len(ho), sum(ho.values()), sum(bo.values()), len(diff),
            (" (e.g. %s)" % diff[:3]) if diff else ""))
    pairs = [("StrongHandle", "[strong handles]"), ("PinnedHandle/pinned", "[pinning handles]"),
             ("FinalizerQueue", "[finalizer queue (f-reachable)]")]
    for ok_kind, my_kind in pairs:
        a, b = oroots.get(ok_kind, set()), mroots.get(my_kind, set())
        check(a == b, "roots " + my_kind, "oracle %d, heapdiff %d, %d in common" % (
            len(a), len(b), len(a & b)))
    stack = set()
    for k, v in oroots.items():
        if k.startswith("Stack"):
            stack |= v
    cons = mroots.get("[local vars (conservative)]", set())
    # An interior stack root of the oracle names the object it points into; so do ours.
    check(stack <= cons, "roots stack", "oracle %d precise, heapdiff %d conservative, %d of the "
          "oracle's missing" % (len(stack), len(cons), len(stack - cons)))
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
