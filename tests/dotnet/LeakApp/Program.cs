// LeakApp: allocates known populations, prints what it allocated (counts, sizes, addresses),
// then waits on stdin so the tests can dump it. Phase N (argument) models a leak: the static
// session cache holds N * 1000 sessions. Everything printed is "KEY value" lines the tests parse.
using System;
using System.Collections.Generic;
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

    public sealed class Node
    {
        public Node Next;
        public long Value;
    }

    public struct Pair
    {
        public string Key;
        public object Value;
        public int Id;
    }

    public static class Program
    {
        static readonly Dictionary<string, Session> Cache = new Dictionary<string, Session>();
        static Node ListHead;
        static Pair[] Pairs;
        static byte[][] Large;
        static byte[] Pinned;
        static WeakReference Weak;

        static void Line(string key, object value) => Console.WriteLine(key + " " + value);

        public static void Main(string[] args)
        {
            int phase = args.Length > 0 ? int.Parse(args[0]) : 1;
            int sessions = phase * 1000;
            for (int i = 0; i < sessions; i++)
            {
                var s = new Session(i);
                Cache.Add(s.Name, s);
            }
            Line("SESSIONS", sessions);

            const int listLength = 100000;
            for (int i = 0; i < listLength; i++) ListHead = new Node { Next = ListHead, Value = i };
            Line("NODES", listLength);

            Pairs = new Pair[1000];
            for (int i = 0; i < Pairs.Length; i++)
                Pairs[i] = new Pair { Key = "k" + i, Value = new object(), Id = i };
            Line("PAIRS", Pairs.Length);

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

            Weak = new WeakReference(new Session(-1));

            // A local kept alive only by a blocked thread's stack.
            var gate = new ManualResetEventSlim(false);
            var worker = new Thread(() =>
            {
                var local = new Session(-2);
                gate.Wait();
                GC.KeepAlive(local);
            });
            worker.IsBackground = true;
            worker.Start();

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Line("PID", Environment.ProcessId);
            Line("READY", phase);
            Console.Out.Flush();
            Console.In.ReadLine();
            gate.Set();
            GC.KeepAlive(Weak);
        }
    }
}
