#!/usr/bin/env python3
"""Writes a minimal Windows minidump holding one PE image mapped the way the Windows loader maps
it (headers at the base, each section's raw data at base + VirtualAddress, zero fill to
SizeOfImage), for tests/target/pe_image.sh. Streams: ModuleList (one module: base, SizeOfImage,
CheckSum, TimeDateStamp from the file's headers, the given Windows path) and Memory64List (the
image, page by page, minus the pages holding the RVAs given with --omit).

Usage: pe_image_mkdump.py DLL OUT.dmp BASE MODULE_PATH [--omit RVA]...
"""
import struct
import sys


def main():
    args = sys.argv[1:]
    omit = []
    while '--omit' in args:
        i = args.index('--omit')
        omit.append(int(args[i + 1], 0))
        del args[i:i + 2]
    dll, out, base, modpath = args[0], args[1], int(args[2], 0), args[3]
    f = open(dll, 'rb').read()
    lfanew, = struct.unpack_from('<I', f, 0x3c)
    assert f[lfanew:lfanew + 4] == b'PE\0\0'
    nsec, ts = struct.unpack_from('<HI', f, lfanew + 6)
    optsz, = struct.unpack_from('<H', f, lfanew + 20)
    opt = lfanew + 24
    size_of_image, size_of_headers, checksum = struct.unpack_from('<III', f, opt + 56)
    img = bytearray(size_of_image)
    img[:size_of_headers] = f[:size_of_headers]
    for i in range(nsec):
        vsize, va, rawsz, rawoff = struct.unpack_from('<IIII', f, opt + optsz + 40 * i + 8)
        n = min(rawsz, vsize) if vsize else rawsz
        img[va:va + n] = f[rawoff:rawoff + n]
    page = 0x1000
    skip = {r // page for r in omit}
    ranges = []  # (addr, data)
    for p in range(0, size_of_image, page):
        if p // page in skip:
            continue
        if ranges and ranges[-1][0] + len(ranges[-1][1]) == base + p:
            ranges[-1] = (ranges[-1][0], ranges[-1][1] + img[p:p + page])
        else:
            ranges.append((base + p, img[p:p + page]))

    # Layout: header, directory (2 entries), ModuleList, module name, Memory64List, memory.
    name = modpath.encode('utf-16-le')
    hdr_size, dir_size = 32, 2 * 12
    ml_rva = hdr_size + dir_size
    ml_size = 4 + 108
    name_rva = ml_rva + ml_size
    m64_rva = name_rva + 4 + len(name) + 2
    m64_rva = (m64_rva + 7) & ~7
    m64_size = 16 + 16 * len(ranges)
    mem_rva = m64_rva + m64_size
    d = bytearray()
    d += struct.pack('<4sIIIIIQ', b'MDMP', 0xA793, 2, hdr_size, 0, ts, 0)
    d += struct.pack('<III', 4, ml_size, ml_rva)    # ModuleListStream
    d += struct.pack('<III', 9, m64_size, m64_rva)  # Memory64ListStream
    mod = struct.pack('<QIIII', base, size_of_image, checksum, ts, name_rva)
    mod += bytes(108 - len(mod))  # no VS_FIXEDFILEINFO, CodeView or misc record
    d += struct.pack('<I', 1) + mod
    d += struct.pack('<I', len(name)) + name + b'\0\0'
    d += bytes(m64_rva - len(d))
    d += struct.pack('<QQ', len(ranges), mem_rva)
    for a, data in ranges:
        d += struct.pack('<QQ', a, len(data))
    for _, data in ranges:
        d += data
    open(out, 'wb').write(d)


main()
