// GcdumpReader: opens a .gcdump with FastSerialization's Deserializer, the container reader of
// PerfView and dotnet-gcdump (Microsoft.Diagnostics.FastSerialization.dll from the TraceEvent
// package). The Deserializer does the container work: signature, object headers, serialized
// type descriptors and their version checks, object references, tagged fields, skipping the
// unknown fields up to each object's end tag, forward references and the trailer. The field
// readers below (GCHeapDump, Graphs.MemoryGraph and the small objects) are ours, written from
// formats/gcdump.md; no PerfView code is copied.
//
// Usage: GcdumpReader FILE.gcdump [--expect STAT.csv]
// Prints:
//   nodes N / types N / edges N / total_size N (stored) / sum_of_sizes N / root N TYPE /
//   is64bit B / creation_tool S / process S / pid N
//   C <name>                       one line per child of the root (its root categories)
//   T <count> <bytes> <type name>  per type name: objects of size > 0, reachable or not
// With --expect: STAT.csv is `heapdiff stat ORIGINAL --format csv --raw-names --top 0`; every
// row's count + unreachable_count and shallow + unreachable_shallow must equal the T line of
// that name (and every T line must have a row); differences are printed, exit 1.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using FastSerialization;

sealed class HeapDump : IFastSerializable, IFastSerializableVersion
{
    public Graph Graph;
    public bool Is64BitCopy;
    public float AvgCount, AvgSize;
    public string CollectionLog, MachineName, ProcessName, CreationTool;
    public long Ticks;
    public int ProcessId;
    public float[] Multipliers = Array.Empty<float>();
    public Interop Interop;

    // The versions dotnet-gcdump writes (10) and reads (9 and up with this layout).
    public int Version => 10;
    public int MinimumVersionCanRead => 9;
    public int MinimumReaderVersion => 8;

    public void ToStream(Serializer serializer) => throw new NotSupportedException();

    public void FromStream(Deserializer d)
    {
        if (d.VersionBeingRead < 9) throw new InvalidDataException($"GCHeapDump version {d.VersionBeingRead}: only 9+ here");
        Graph = (Graph)d.ReadObject();
        Is64BitCopy = d.ReadBool();
        AvgCount = d.ReadFloat();
        AvgSize = d.ReadFloat();
        d.ReadObject(); // JSHeapInfo
        d.ReadObject(); // DotNetHeapInfo
        CollectionLog = d.ReadString();
        Ticks = d.ReadInt64();
        MachineName = d.ReadString();
        ProcessName = d.ReadString();
        ProcessId = d.ReadInt();
        d.ReadInt64(); // TotalProcessCommit
        d.ReadInt64(); // TotalProcessWorkingSet
        int n = d.ReadInt();
        Multipliers = new float[n];
        for (int i = 0; i < n; i++) Multipliers[i] = d.ReadFloat();
        d.TryReadTagged(ref Interop);
        string tool = null;
        d.TryReadTagged(ref tool);
        CreationTool = tool;
    }
}

sealed class Graph : IFastSerializable, IFastSerializableVersion
{
    public long TotalSize;
    public int Root;
    public string[] TypeName, TypeModule;
    public int[] TypeSize;
    public uint[] Offset;
    public byte[] Blob;
    public long[] Address;
    public bool Is64Bit;

    public int Version => 1;
    public int MinimumVersionCanRead => 0;
    public int MinimumReaderVersion => 0;

    public void ToStream(Serializer serializer) => throw new NotSupportedException();

    public void FromStream(Deserializer d)
    {
        TotalSize = d.ReadInt64();
        Root = d.ReadInt();
        int nt = d.ReadInt();
        TypeName = new string[nt];
        TypeModule = new string[nt];
        TypeSize = new int[nt];
        for (int i = 0; i < nt; i++)
        {
            TypeName[i] = d.ReadString();
            TypeSize[i] = d.ReadInt();
            TypeModule[i] = d.ReadString();
        }
        int nn = d.ReadInt();
        Offset = new uint[nn];
        for (int i = 0; i < nn; i++) Offset[i] = (uint)d.ReadInt();
        int bl = d.ReadInt();
        Blob = new byte[bl];
        for (int i = 0; i < bl; i++) Blob[i] = d.ReadByte();
        if (d.MinimumReaderVersionBeingRead >= 1)
            throw new InvalidDataException("deferred-type region (minimum reader 1): not written by heapdiff");
        int na = d.ReadInt();
        Address = new long[na];
        for (int i = 0; i < na; i++) Address[i] = d.ReadInt64();
        bool b = false;
        d.TryReadTagged(ref b);
        Is64Bit = b;
    }
}

// Objects that may appear and whose content this program does not need: read field by field
// so the Deserializer's end-tag check still sees where they end.
sealed class Segment : IFastSerializable
{
    public void ToStream(Serializer serializer) => throw new NotSupportedException();
    public void FromStream(Deserializer d)
    {
        for (int i = 0; i < 6; i++) d.ReadInt64();
        if (d.VersionBeingRead >= 1) d.ReadInt64();
    }
}

sealed class HeapInfo : IFastSerializable
{
    public void ToStream(Serializer serializer) => throw new NotSupportedException();
    public void FromStream(Deserializer d)
    {
        d.ReadInt64();
        int n = d.ReadInt();
        for (int i = 0; i < n; i++) d.ReadObject();
    }
}

sealed class Empty : IFastSerializable
{
    public void ToStream(Serializer serializer) => throw new NotSupportedException();
    public void FromStream(Deserializer d) { }
}

sealed class Interop : IFastSerializable
{
    public void ToStream(Serializer serializer) => throw new NotSupportedException();
    public void FromStream(Deserializer d)
    {
        if (d.ReadInt() == 0) return;
        int rcw = d.ReadInt(), ccw = d.ReadInt(), itf = d.ReadInt(), mods = d.ReadInt();
        long skip = rcw * 40L + ccw * 32L + itf * 33L;
        for (long i = 0; i < skip; i++) d.ReadByte();
        for (int i = 0; i < mods; i++)
        {
            d.ReadInt64();
            d.ReadInt();
            d.ReadInt();
            d.ReadString();
        }
    }
}

static class Program
{
    // Compressed int: big-endian 7-bit groups, high bit = more follow, first group signed.
    static int Cint(byte[] b, ref int p)
    {
        byte x = b[p++];
        int v = (x & 0x40) != 0 ? (x & 0x7F) - 0x80 : x & 0x7F;
        while ((x & 0x80) != 0)
        {
            x = b[p++];
            v = (v << 7) | (x & 0x7F);
        }
        return v;
    }

    static List<string> ParseCsvLine(string text, ref int i)
    {
        var row = new List<string>();
        var f = new StringBuilder();
        bool q = false;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (q)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { f.Append('"'); i++; }
                else if (c == '"') q = false;
                else f.Append(c);
            }
            else if (c == '"') q = true;
            else if (c == ',') { row.Add(f.ToString()); f.Clear(); }
            else if (c == '\n') { i++; break; }
            else if (c != '\r') f.Append(c);
        }
        row.Add(f.ToString());
        return row;
    }

    static int Main(string[] args)
    {
        if (args.Length != 1 && !(args.Length == 3 && args[1] == "--expect"))
        {
            Console.Error.WriteLine("usage: GcdumpReader FILE.gcdump [--expect STAT.csv]");
            return 2;
        }
        HeapDump dump;
        try
        {
            // dotnet-gcdump and PerfView open .gcdump files with 4-byte stream labels.
            var settings = SerializationSettings.Default.WithStreamLabelWidth(StreamLabelWidth.FourBytes);
            using var d = new Deserializer(args[0], settings);
            d.RegisterFactory("GCHeapDump", () => new HeapDump());
            d.RegisterFactory("Graphs.MemoryGraph", () => new Graph());
            d.RegisterFactory("DotNetHeapInfo", () => new HeapInfo());
            d.RegisterFactory("GCHeapDumpSegment", () => new Segment());
            d.RegisterFactory("JSHeapInfo", () => new Empty());
            d.RegisterFactory("InteropInfo", () => new Interop());
            dump = (HeapDump)d.GetEntryObject();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{args[0]}: FastSerialization could not read it: {e.GetType().Name}: {e.Message}");
            return 1;
        }

        var g = dump.Graph;
        int n = g.Offset.Length;
        if (g.Address.Length != n) { Console.Error.WriteLine($"{n} nodes but {g.Address.Length} addresses"); return 1; }
        var type = new int[n];
        var size = new long[n];
        var first = new int[n + 1];
        var edges = new List<int>();
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            int p = checked((int)g.Offset[i]);
            int ts = Cint(g.Blob, ref p);
            type[i] = ts >> 1;
            size[i] = (ts & 1) != 0 ? Cint(g.Blob, ref p) : g.TypeSize[type[i]];
            int cc = Cint(g.Blob, ref p);
            first[i] = edges.Count;
            for (int k = 0; k < cc; k++)
            {
                int c = i + Cint(g.Blob, ref p);
                if (c < 0 || c >= n) { Console.Error.WriteLine($"node {i}: child {c} of {n}"); return 1; }
                edges.Add(c);
            }
            sum += size[i];
        }
        first[n] = edges.Count;

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"nodes {n}");
        Console.WriteLine($"types {g.TypeName.Length}");
        Console.WriteLine($"edges {edges.Count}");
        Console.WriteLine($"total_size {g.TotalSize}");
        Console.WriteLine($"sum_of_sizes {sum}");
        Console.WriteLine($"root {g.Root} {g.TypeName[type[g.Root]]}");
        Console.WriteLine($"is64bit {g.Is64Bit} {dump.Is64BitCopy}");
        Console.WriteLine($"creation_tool {dump.CreationTool ?? "(none)"}");
        Console.WriteLine($"process {dump.ProcessName ?? "(none)"}");
        Console.WriteLine($"pid {dump.ProcessId}");
        Console.WriteLine($"multipliers {dump.AvgCount.ToString(inv)} {dump.AvgSize.ToString(inv)} {dump.Multipliers.Length}");
        for (int e = first[g.Root]; e < first[g.Root + 1]; e++)
            Console.WriteLine($"C {g.TypeName[type[edges[e]]]}");

        var hist = new SortedDictionary<string, (long count, long bytes)>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            if (size[i] == 0) continue; // the root, root categories and undefined nodes
            string name = g.TypeName[type[i]] ?? "(null)";
            hist.TryGetValue(name, out var h);
            hist[name] = (h.count + 1, h.bytes + size[i]);
        }
        foreach (var (name, h) in hist) Console.WriteLine($"T {h.count} {h.bytes} {name}");

        int bad = 0;
        if (sum != g.TotalSize) { Console.WriteLine($"MISMATCH TotalSize {g.TotalSize} != sum of node sizes {sum}"); bad++; }
        if (args.Length == 3)
        {
            string csv = File.ReadAllText(args[2]);
            int at = 0;
            var head = string.Join(",", ParseCsvLine(csv, ref at));
            if (head != "name,count,shallow,retained,percent,unreachable_count,unreachable_shallow")
            {
                Console.WriteLine($"MISMATCH unexpected CSV header {head}");
                return 1;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (at < csv.Length)
            {
                var r = ParseCsvLine(csv, ref at);
                if (r.Count < 7) continue;
                seen.Add(r[0]);
                long wc = long.Parse(r[1], inv) + long.Parse(r[5], inv);
                long wb = long.Parse(r[2], inv) + long.Parse(r[6], inv);
                hist.TryGetValue(r[0], out var h);
                if (h.count != wc || h.bytes != wb)
                {
                    Console.WriteLine($"MISMATCH {r[0]}: heapdiff stat of the input {wc}/{wb}, FastSerialization reader of the output {h.count}/{h.bytes}");
                    bad++;
                }
            }
            foreach (var (name, h) in hist)
                if (!seen.Contains(name)) { Console.WriteLine($"MISMATCH {name}: {h.count} objects in the output, no heapdiff row"); bad++; }
        }
        return bad == 0 ? 0 : 1;
    }
}
