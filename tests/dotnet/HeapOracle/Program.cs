// HeapOracle: lists every object on the .NET GC heap of a process dump (ELF core or minidump),
// as read by ClrMD (Microsoft.Diagnostics.Runtime 4.1) through the runtime's own DAC
// (libmscordaccore.so). It is the independent oracle heapdiff's heap walker is tested against:
// same dump, so objects match by address. With --pid it attaches to a live process instead
// (ptrace, process suspended while it reads); on an idle process that gives the same lines as a
// createdump core of it taken afterwards.
//
// Usage: HeapOracle DUMP|--pid PID [--dac PATH] [--no-objects] [--no-roots] [--free]
//                                  [--aligned] [--no-frozen] [--force]
//   --dac PATH   the DAC to use; default: libmscordaccore.so beside the libcoreclr.so path that
//                the dump names, accepted only when that local libcoreclr.so has the same ELF
//                build id as the one in the dump (ClrMD's own version check cannot be used:
//                it reads the runtime version of a .NET 10 createdump core as 0.0)
//   --force      use the DAC even when the build ids differ
//   --free       list free objects (type "Free") too, in O and T
//   --aligned    round every size up to 8
//   --no-frozen  leave out frozen (NonGC heap) segments
//
// Output (one record a line, fields separated by one space, addresses lower-case hex without
// 0x, sizes decimal bytes; a type name is the rest of the line and may contain spaces):
//   # ...                             comments: build ids, runtime, DAC, totals, and per segment
//                                     "# segment KIND START END" before its objects and
//                                     "# segment_objects KIND START COUNT BYTES" after them
//                                     (KIND: Generation0/1/2, Large, Pinned, Frozen, ...)
//   O <addr> <size> <type name>       one per object, in heap-walk order (segment by segment)
//   T <count> <bytes> <type name>     one per type; sorted by bytes desc, then name (ordinal)
//   R <kind> <addr>                   one per root (addr = the object it keeps alive); kind is
//                                     ClrMD's ClrRootKind (Stack, StrongHandle, PinnedHandle,
//                                     FinalizerQueue, ThreadStaticVar, ...), suffixed "/pinned"
//                                     and/or "/interior" when the root says so. The same object
//                                     can be rooted several times; every root is one line.
// Sizes are ClrMD's ClrObject.Size: base size + length * component size, NOT rounded up to the
// pointer size (a byte[100] is 124, though the next object starts 128 bytes further on). With
// --aligned each size is rounded up to 8, which is what the objects occupy on the heap.
// Free objects (the GC's gaps) are left out of O and T unless --free is given; their count and
// bytes are always in the "# free" comment.
//
// Type names are ClrMD's ClrType.Name (from the DAC, then normalised by ClrMD):
//   System.String, System.Byte[], LeakApp.Pair[], System.String[,] (multi-dimensional),
//   generics with angle brackets and ", " between arguments, no assembly names:
//     System.Collections.Generic.Dictionary<System.String, LeakApp.Session>
//   nested types with '+', also inside generics and arrays:
//     System.Collections.Generic.Dictionary<System.String, LeakApp.Session>+Entry[]
//     LeakApp.Program+<>c__DisplayClass7_0 (compiler-generated closure class)
//   A type the DAC cannot name prints as "<unknown type MT=0x...>".
//
// What this oracle lists and what it does not: it walks the segments, it does not trace
// reachability, so unreachable objects not yet collected ARE listed (LeakApp forces a full GC
// before it waits, so there are none worth counting there). The frozen segments (NonGC heap:
// string literals, RuntimeType objects, made at startup, never collected) ARE listed unless
// --no-frozen. The unused tail of each allocation context is skipped, as the GC does. Roots
// are ClrHeap.EnumerateRoots: strong/pinned handles, stack roots, finalizer queue; weak handles
// are not roots and are not listed; .NET 9+ statics show up as the one StrongHandle to the
// pinned System.Object[] that holds them, not as per-field static roots.
// Use createdump cores (any of -u/-f, full or with-heap): the DAC reads type names from the
// mapped assembly images and unwinds stacks with libcoreclr's code, and a gdb gcore leaves those
// read-only file mappings out. On a gcore core the objects, sizes and handle roots are the same,
// but every type prints as "<unknown type MT=...>" and the stack roots are missing.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Diagnostics.Runtime;

namespace HeapOracle
{
    public static class Program
    {
        sealed class TypeStat
        {
            public long Count;
            public ulong Bytes;
        }

        static int Usage()
        {
            Console.Error.WriteLine(
                "usage: HeapOracle DUMP|--pid PID [--dac PATH] [--no-objects] [--no-roots] [--free] [--aligned] [--no-frozen] [--force]");
            return 1;
        }

        static string Hex(System.Collections.Immutable.ImmutableArray<byte> bytes) =>
            bytes.IsDefaultOrEmpty ? "" : Convert.ToHexString(bytes.AsSpan()).ToLowerInvariant();

        // The GNU build id of a little-endian ELF64 file on disk, as lower-case hex ("" when the
        // file has none): walks the PT_NOTE segments for an NT_GNU_BUILD_ID note named "GNU".
        static string ElfBuildId(string path)
        {
            byte[] f = File.ReadAllBytes(path);
            if (f.Length < 64 || f[0] != 0x7f || f[1] != (byte)'E' || f[4] != 2 || f[5] != 1)
                return "";
            ulong phoff = BitConverter.ToUInt64(f, 32);
            int phentsize = BitConverter.ToUInt16(f, 54), phnum = BitConverter.ToUInt16(f, 56);
            for (int i = 0; i < phnum; i++)
            {
                ulong ph = phoff + (ulong)(i * phentsize);
                if (phentsize < 56 || ph + 56 > (ulong)f.Length) return "";
                if (BitConverter.ToUInt32(f, (int)ph) != 4) continue; // PT_NOTE
                ulong off = BitConverter.ToUInt64(f, (int)ph + 8);
                ulong end = off + BitConverter.ToUInt64(f, (int)ph + 32);
                if (end > (ulong)f.Length || end < off) return "";
                while (off + 12 <= end)
                {
                    uint namesz = BitConverter.ToUInt32(f, (int)off);
                    uint descsz = BitConverter.ToUInt32(f, (int)off + 4);
                    uint type = BitConverter.ToUInt32(f, (int)off + 8);
                    ulong name = off + 12, desc = name + ((namesz + 3UL) & ~3UL);
                    ulong next = desc + ((descsz + 3UL) & ~3UL);
                    if (next > end) break;
                    if (type == 3 && namesz == 4 && f[name] == (byte)'G' && f[name + 1] == (byte)'N' &&
                        f[name + 2] == (byte)'U')
                        return Convert.ToHexString(f, (int)desc, (int)descsz).ToLowerInvariant();
                    off = next;
                }
            }
            return "";
        }

        static string NameOf(ClrType type, ulong mt)
        {
            if (type == null)
                return "<unknown type MT=0x" + mt.ToString("x") + ">";
            return type.Name ?? "<unknown type MT=0x" + type.MethodTable.ToString("x") + ">";
        }

        public static int Main(string[] args)
        {
            string dump = null, dac = null;
            int pid = 0;
            bool objects = true, roots = true, free = false, aligned = false, force = false, noFrozen = false;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--dac" when i + 1 < args.Length: dac = args[++i]; break;
                    case "--pid" when i + 1 < args.Length: pid = int.Parse(args[++i]); break;
                    case "--no-objects": objects = false; break;
                    case "--no-roots": roots = false; break;
                    case "--free": free = true; break;
                    case "--aligned": aligned = true; break;
                    case "--force": force = true; break;
                    case "--no-frozen": noFrozen = true; break;
                    default:
                        if (args[i].StartsWith("-") || dump != null) return Usage();
                        dump = args[i];
                        break;
                }
            }
            if ((dump == null) == (pid == 0)) return Usage();

            var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
            output.NewLine = "\n";
            using DataTarget target = dump != null
                ? DataTarget.LoadDump(dump)
                : DataTarget.AttachToProcess(pid, suspend: true);
            if (target.ClrVersions.Length == 0)
            {
                Console.Error.WriteLine("HeapOracle: no .NET runtime found in the target");
                return 2;
            }
            ClrInfo info = target.ClrVersions[0];
            // The DAC that belongs to the runtime the dump names: by default the one installed
            // beside the runtime module's path (this machine runs the same runtime build).
            if (dac == null)
            {
                string local = Path.Combine(Path.GetDirectoryName(info.ModuleInfo.FileName) ?? "",
                    "libmscordaccore.so");
                if (File.Exists(local)) dac = local;
            }
            // ClrMD checks the DAC against the runtime version it reads from the dump; in
            // createdump cores of .NET 10 that version reads as 0.0, so ClrMD would refuse every
            // DAC. Check instead that the runtime module in the dump has the same ELF build id as
            // libcoreclr.so beside the DAC: then the DAC was built with it, exactly.
            bool ignoreMismatch = false;
            if (dac != null && info.Version.Major == 0)
            {
                string dumpId = Hex(info.ModuleInfo.BuildId);
                string coreclr = Path.Combine(Path.GetDirectoryName(dac) ?? "", "libcoreclr.so");
                string localId = File.Exists(coreclr)
                    ? ElfBuildId(coreclr)
                    : "";
                output.WriteLine("# coreclr build id dump " + dumpId + " local " + localId);
                if (dumpId.Length == 0 || dumpId != localId && !force)
                {
                    Console.Error.WriteLine("HeapOracle: runtime build id " + dumpId +
                        " in the dump does not match " + coreclr + " (" + localId +
                        "); pass --dac for the right DAC, or --force");
                    return 2;
                }
                ignoreMismatch = true;
            }
            using ClrRuntime runtime = dac != null ? info.CreateRuntime(dac, ignoreMismatch)
                                                   : info.CreateRuntime();
            ClrHeap heap = runtime.Heap;
            output.WriteLine("# runtime " + info.Version + " " + info.ModuleInfo.FileName);
            output.WriteLine("# dac " + (dac ?? "(located by ClrMD)"));
            output.WriteLine("# server_gc " + heap.IsServer + " can_walk " + heap.CanWalkHeap +
                " subheaps " + heap.SubHeaps.Length);
            var stats = new Dictionary<string, TypeStat>(StringComparer.Ordinal);
            long objCount = 0, freeCount = 0;
            ulong objBytes = 0, freeBytes = 0;
            // Segment by segment (the same walk as ClrHeap.EnumerateObjects), so that each
            // segment's kind and totals can be told: the tests may leave out the frozen (NonGC)
            // segments, which hold string literals and RuntimeType objects, not GC allocations.
            foreach (ClrSegment seg in heap.Segments)
            {
                bool skip = noFrozen && seg.Kind == GCSegmentKind.Frozen;
                output.WriteLine("# segment " + seg.Kind + " " + seg.Start.ToString("x") + " " +
                    seg.End.ToString("x") + (skip ? " skipped" : ""));
                if (skip) continue;
                long segCount = 0;
                ulong segBytes = 0;
                foreach (ClrObject obj in seg.EnumerateObjects())
                {
                    ulong size = obj.Size;
                    if (aligned) size = (size + 7) & ~7UL;
                    if (obj.IsFree)
                    {
                        freeCount++;
                        freeBytes += size;
                        if (!free) continue;
                    }
                    else
                    {
                        objCount++;
                        objBytes += size;
                        segCount++;
                        segBytes += size;
                    }
                    string name = obj.Type != null
                        ? NameOf(obj.Type, 0)
                        : NameOf(null, target.DataReader.ReadPointer(obj.Address));
                    if (objects)
                        output.WriteLine("O " + obj.Address.ToString("x") + " " + size + " " + name);
                    if (!stats.TryGetValue(name, out TypeStat st))
                        stats.Add(name, st = new TypeStat());
                    st.Count++;
                    st.Bytes += size;
                }
                output.WriteLine("# segment_objects " + seg.Kind + " " + seg.Start.ToString("x") +
                    " " + segCount + " " + segBytes);
            }
            foreach (var kv in stats.OrderByDescending(k => k.Value.Bytes)
                         .ThenBy(k => k.Key, StringComparer.Ordinal))
                output.WriteLine("T " + kv.Value.Count + " " + kv.Value.Bytes + " " + kv.Key);
            output.WriteLine("# objects " + objCount + " bytes " + objBytes + " types " + stats.Count);
            output.WriteLine("# free " + freeCount + " bytes " + freeBytes);

            if (roots)
            {
                long rootCount = 0;
                foreach (ClrRoot root in heap.EnumerateRoots())
                {
                    string kind = root.RootKind.ToString();
                    if (root.IsPinned) kind += "/pinned";
                    if (root.IsInterior) kind += "/interior";
                    output.WriteLine("R " + kind + " " + root.Object.Address.ToString("x"));
                    rootCount++;
                }
                output.WriteLine("# roots " + rootCount);
            }
            output.Flush();
            return 0;
        }
    }
}
