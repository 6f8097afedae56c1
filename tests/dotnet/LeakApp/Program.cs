// LeakApp: allocates known populations, prints what it allocated (counts, sizes, addresses),
// then waits on stdin so the tests can dump it. Phase N (first argument) models a leak: the
// static session cache holds N * 1000 sessions. The second argument scales the other
// populations down ("small": a dump pair small enough to commit). Everything printed is
// "KEY value" lines the tests parse; each population has a type of its own so a per-type
// histogram shows it exactly.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace LeakApp
{
    public sealed class Session
    {
        public byte[] Buffer;
        public string Name;
        public Session(int i)
        {
            Buffer = new byte[100];
            Name = "session-" + i.ToString("D6");
        }
    }

    // 100,000 instances, each holding a byte[] and a string.
    public sealed class Record
    {
        public byte[] Data;
        public string Label;
    }

    public sealed class Node
    {
        public Node Next;
        public long Value;
    }

    public struct Pair
    {
        public string Key;
        public PairValue Value;
        public int Id;
    }

    public sealed class PairValue { public int Id; }
    public sealed class GridCell { public int X, Y; }
    public sealed class WeakOnly { public long Payload; }
    public sealed class StackOnly { public long Payload; }
    public sealed class HandleTarget { public long Payload; }
    public sealed class CwtKey { public int Id; }
    public sealed class CwtValue { public int Id; }

    // Finalizable objects nobody references: after a GC they wait in the f-reachable queue.
    // The first finalizer to run blocks the finalizer thread for good, so the rest stay queued.
    public sealed class Finalizable
    {
        public static readonly ManualResetEventSlim Block = new ManualResetEventSlim(false);
        public static int Started;
        public long Payload;
        ~Finalizable()
        {
            Interlocked.Increment(ref Started);
            Block.Wait();
        }
    }

    public static class Program
    {
        static readonly Dictionary<string, Session> Cache = new Dictionary<string, Session>();
        static List<Record> Records;
        static Node ListHead;
        static Pair[] Pairs;
        static GridCell[,] Grid;
        static int[,,] Cube;
        static byte[][] Large;
        static byte[] Pinned;
        static WeakReference Weak;
        static GCHandle[] Handles;
        static CwtKey[] Keys;
        static readonly ConditionalWeakTable<CwtKey, CwtValue> Table =
            new ConditionalWeakTable<CwtKey, CwtValue>();

        static void Line(string key, object value) => Console.WriteLine(key + " " + value);

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void MakeFinalizable(int n)
        {
            for (int i = 0; i < n; i++) new Finalizable { Payload = i };
        }

        public static void Main(string[] args)
        {
            int phase = args.Length > 0 ? int.Parse(args[0]) : 1;
            bool small = args.Length > 1 && args[1] == "small";
            int sessions = phase * 1000;
            for (int i = 0; i < sessions; i++)
            {
                var s = new Session(i);
                Cache.Add(s.Name, s);
            }
            Line("SESSIONS", sessions);

            int records = small ? 1000 : 100000;
            Records = new List<Record>(records);
            for (int i = 0; i < records; i++)
                Records.Add(new Record { Data = new byte[32], Label = "r" + i.ToString("D6") });
            Line("RECORDS", records);

            int listLength = small ? 10000 : 1000000;
            for (int i = 0; i < listLength; i++) ListHead = new Node { Next = ListHead, Value = i };
            Line("NODES", listLength);

            Pairs = new Pair[1000];
            for (int i = 0; i < Pairs.Length; i++)
                Pairs[i] = new Pair { Key = "k" + i, Value = new PairValue { Id = i }, Id = i };
            Line("PAIRS", Pairs.Length);

            Grid = new GridCell[10, 20];
            for (int x = 0; x < 10; x++)
                for (int y = 0; y < 20; y++) Grid[x, y] = new GridCell { X = x, Y = y };
            Cube = new int[3, 4, 5];
            Line("GRID", 200);

            Large = new byte[3][];
            for (int i = 0; i < Large.Length; i++) Large[i] = new byte[100000]; // large object heap
            Line("LARGE", Large.Length);

            // A pinned-object-heap array filled with a known pattern, and its address: the dump
            // tests read these bytes back from the dump.
            Pinned = GC.AllocateArray<byte>(4096, pinned: true);
            for (int i = 0; i < Pinned.Length; i++) Pinned[i] = (byte)(0xA5 ^ (i * 7));
            unsafe
            {
                fixed (byte* p = Pinned) Line("PATTERN", "0x" + ((ulong)p).ToString("x") + " 4096 a5x7");
            }

            Weak = new WeakReference(new WeakOnly());
            Line("WEAK", 1);

            // 10 strong and 5 pinned GC handles, each the only reference to its target.
            Handles = new GCHandle[15];
            for (int i = 0; i < 10; i++) Handles[i] = GCHandle.Alloc(new HandleTarget());
            for (int i = 10; i < 15; i++)
                Handles[i] = GCHandle.Alloc(new HandleTarget(), GCHandleType.Pinned);
            Line("HANDLES", "10 strong 5 pinned");

            // 10 dependent handles: the values are reachable only through their keys.
            Keys = new CwtKey[10];
            for (int i = 0; i < Keys.Length; i++)
            {
                Keys[i] = new CwtKey { Id = i };
                Table.Add(Keys[i], new CwtValue { Id = i });
            }
            Line("DEPENDENT", Keys.Length);

            // A local kept alive only by a blocked thread's stack.
            var gate = new ManualResetEventSlim(false);
            var ready = new ManualResetEventSlim(false);
            var worker = new Thread(() =>
            {
                var local = new StackOnly { Payload = 42 };
                ready.Set();
                gate.Wait();
                GC.KeepAlive(local);
            });
            worker.IsBackground = true;
            worker.Start();
            ready.Wait();
            Line("STACK", 1);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            // Last: finalizable garbage. One finalizer blocks the finalizer thread, so after
            // these collections the other 49 wait in the f-reachable queue.
            MakeFinalizable(50);
            GC.Collect();
            while (Volatile.Read(ref Finalizable.Started) == 0) Thread.Sleep(10);
            GC.Collect();
            Line("FINALIZABLE", 50);

            Line("PID", Environment.ProcessId);
            Line("READY", phase);
            Console.Out.Flush();
            Console.In.ReadLine();
            gate.Set();
            GC.KeepAlive(Weak);
            GC.KeepAlive(Handles);
        }
    }
}
