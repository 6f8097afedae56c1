// ClrMdWalk: the peer of heapdiff's dump walker in tests/bench/dumpbench.sh. On the same dump it
// does with ClrMD (Microsoft.Diagnostics.Runtime 4.1, over the runtime's own DAC) the work
// hd_clr_graph does: every object of the GC heap with its type and size, then every reference
// of every object resolved to the index of the object it points at, into CSR arrays (int per
// edge, long per node offset). Roots and type names are left out (ClrMD names types lazily).
//
// Usage: ClrMdWalk DUMP [RUNS]      (RUNS walks in one process, default 2: the first is cold,
//                                    ClrMD's caches and the JIT are warm for the others)
// Prints "KEY value" lines: load_s (DataTarget + DAC + heap), then per run "run_s I SECONDS",
// (and the objects' total size), then objects, edges, enum_s / refs_s (the two phases of the
// best run) and best_s.
// The DAC is the libmscordaccore.so beside the runtime the dump names; the benchmark dumps a
// process of this machine's runtime, so its version check (which reads .NET 10 createdump cores
// as version 0.0) is skipped.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Microsoft.Diagnostics.Runtime;

namespace ClrMdWalk
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length < 1) {
                Console.Error.WriteLine("usage: ClrMdWalk DUMP [RUNS]");
                return 1;
            }
            int runs = args.Length > 1 ? int.Parse(args[1]) : 2;
            var sw = Stopwatch.StartNew();
            using DataTarget target = DataTarget.LoadDump(args[0]);
            if (target.ClrVersions.Length == 0) {
                Console.Error.WriteLine("ClrMdWalk: no .NET runtime in the dump");
                return 2;
            }
            ClrInfo info = target.ClrVersions[0];
            string dac = Path.Combine(Path.GetDirectoryName(info.ModuleInfo.FileName) ?? "",
                "libmscordaccore.so");
            using ClrRuntime runtime = File.Exists(dac) ? info.CreateRuntime(dac, true)
                                                        : info.CreateRuntime();
            ClrHeap heap = runtime.Heap;
            Console.WriteLine("load_s " + sw.Elapsed.TotalSeconds.ToString("F4"));
            double best = double.MaxValue, bestEnum = 0, bestRefs = 0;
            long nObjects = 0, nEdges = 0;
            for (int r = 0; r < runs; r++) {
                sw.Restart();
                // 1. Objects (address order within a segment; segments in address order).
                var addr = new List<ulong>(1 << 20);
                var type = new List<ClrType>(1 << 20);
                ulong size = 0;
                foreach (ClrObject o in heap.EnumerateObjects()) {
                    if (o.IsFree) continue;
                    addr.Add(o.Address);
                    type.Add(o.Type);
                    size += o.Size;
                }
                ulong[] a = addr.ToArray();
                ClrType[] types = type.ToArray();
                addr = null;
                type = null;
                bool sorted = true;
                for (int i = 1; i < a.Length && sorted; i++) sorted = a[i - 1] < a[i];
                if (!sorted) Array.Sort(a, types);
                double tEnum = sw.Elapsed.TotalSeconds;
                // 2. References resolved to node indexes.
                var first = new long[a.Length + 1];
                var edges = new List<int>(a.Length * 2);
                for (int i = 0; i < a.Length; i++) {
                    first[i] = edges.Count;
                    ClrType t = types[i];
                    if (t == null || !t.ContainsPointers) continue;
                    foreach (ulong v in heap.GetObject(a[i], t).EnumerateReferenceAddresses(false, false)) {
                        int j = Array.BinarySearch(a, v);
                        if (j >= 0) edges.Add(j);
                    }
                }
                first[a.Length] = edges.Count;
                double total = sw.Elapsed.TotalSeconds;
                Console.WriteLine("run_s " + r + " " + total.ToString("F4") + " bytes " + size);
                if (total < best) {
                    best = total;
                    bestEnum = tEnum;
                    bestRefs = total - tEnum;
                }
                nObjects = a.Length;
                nEdges = edges.Count;
                GC.KeepAlive(first);
            }
            Console.WriteLine("objects " + nObjects);
            Console.WriteLine("edges " + nEdges);
            Console.WriteLine("enum_s " + bestEnum.ToString("F4"));
            Console.WriteLine("refs_s " + bestRefs.ToString("F4"));
            Console.WriteLine("best_s " + best.ToString("F4"));
            return 0;
        }
    }
}
