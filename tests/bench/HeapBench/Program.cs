// HeapBench: builds a large heap with a realistic object mix for the dump-walker benchmark
// (tests/bench/dumpbench.sh), prints what it allocated as "KEY value" lines, then "READY" and
// waits on stdin so the benchmark can dump it. The first argument is the number of millions of
// objects to aim for (default 20). Deterministic: a fixed seed, no timing-dependent work.
//
// The mix, per "customer" unit (about 20 objects): an Order graph with references, strings of
// varying length, small byte[]s, reference arrays, boxed values and tree nodes; plus program-wide
// a Dictionary<int, Order>, many List<T>s, and a few large-object-heap arrays.
using System;
using System.Collections.Generic;

namespace HeapBench
{
    public sealed class Customer
    {
        public string Name;
        public string Email;
        public List<Order> Orders;
        public Address Home;
        public int Id;
    }

    public sealed class Address
    {
        public string Street;
        public string City;
        public int Zip;
    }

    public sealed class Order
    {
        public Customer Owner;
        public OrderLine[] Lines;
        public byte[] Payload;
        public string Note;
        public long Total;
        public int Id;
    }

    public sealed class OrderLine
    {
        public Order Parent;
        public string Sku;
        public object Tag;
        public decimal Price;
        public int Quantity;
    }

    public sealed class TreeNode
    {
        public TreeNode Left, Right;
        public int Key;
    }

    public static class Program
    {
        // Roots: everything stays reachable from these statics.
        static Customer[] customers;
        static Dictionary<int, Order> orderIndex;
        static List<List<OrderLine>> lineLists;
        static TreeNode tree;
        static object[] large;
        static long objects;

        static TreeNode Insert(TreeNode root, int key, ref long count)
        {
            var n = new TreeNode { Key = key };
            count++;
            if (root == null) return n;
            TreeNode cur = root;
            for (;;) {
                if (key < cur.Key) {
                    if (cur.Left == null) { cur.Left = n; break; }
                    cur = cur.Left;
                } else {
                    if (cur.Right == null) { cur.Right = n; break; }
                    cur = cur.Right;
                }
            }
            return root;
        }

        public static void Main(string[] args)
        {
            int millions = args.Length > 0 ? int.Parse(args[0]) : 20;
            // ~21 objects per customer unit (counted exactly below).
            int nCustomers = (int)(millions * 1000000L / 21);
            var rng = new Random(12345);
            string[] cities = { "Amsterdam", "Berlin", "Chicago", "Delhi", "Edinburgh", "Fukuoka" };

            customers = new Customer[nCustomers];
            objects++;
            orderIndex = new Dictionary<int, Order>();
            objects += 1;
            lineLists = new List<List<OrderLine>>();
            objects++;
            List<OrderLine> curList = null;
            int orderId = 0;
            long treeCount = 0;
            for (int c = 0; c < nCustomers; c++) {
                var cu = new Customer {
                    Id = c,
                    Name = "customer-" + c.ToString(),
                    Email = "user" + c.ToString() + "@example.com",
                    Orders = new List<Order>(2),
                    Home = new Address {
                        Street = (rng.Next(1, 999)).ToString() + " Long Street Name Avenue",
                        City = cities[c % cities.Length],
                        Zip = rng.Next(10000, 99999)
                    }
                };
                // Customer, 2 strings, List + its array, Address, street string.
                objects += 7;
                customers[c] = cu;
                int nOrders = 2;
                for (int o = 0; o < nOrders; o++) {
                    int nLines = 1 + (c + o) % 3;
                    var ord = new Order {
                        Owner = cu,
                        Id = orderId++,
                        Total = rng.Next(),
                        Payload = new byte[16 + rng.Next(0, 48)],
                        Lines = new OrderLine[nLines],
                        Note = (o & 1) == 0 ? null : "note " + orderId.ToString()
                    };
                    objects += 3 + ((o & 1) == 0 ? 0 : 1);
                    for (int l = 0; l < nLines; l++) {
                        var line = new OrderLine {
                            Parent = ord,
                            Sku = "SKU-" + (rng.Next(0, 1000000)).ToString("D7"),
                            Quantity = l + 1,
                            Price = 9.99m * (l + 1),
                            Tag = (l % 2 == 0) ? (object)(c + l) : null   // a boxed int
                        };
                        objects += 2 + (l % 2 == 0 ? 1 : 0);
                        ord.Lines[l] = line;
                        if (curList == null || curList.Count == 1000) {
                            curList = new List<OrderLine>(1000);
                            lineLists.Add(curList);
                            objects += 2;
                        }
                        curList.Add(line);
                    }
                    cu.Orders.Add(ord);
                    if ((orderId & 7) == 0) orderIndex[orderId] = ord;
                }
                if ((c & 3) == 0) tree = Insert(tree, rng.Next(), ref treeCount);
            }
            objects += treeCount;
            // The dictionary's and the list-of-lists' backing arrays (a couple each after growth).
            objects += 2 + 1;
            // A few large-object-heap arrays: buffers and a big reference array.
            large = new object[8];
            objects++;
            for (int i = 0; i < 6; i++) {
                var b = new byte[(1 + i) << 20];
                b[0] = (byte)i;
                large[i] = b;
                objects++;
            }
            var bigRefs = new object[300000];
            for (int i = 0; i < bigRefs.Length; i++) bigRefs[i] = customers[(i * 7) % nCustomers];
            large[6] = bigRefs;
            objects++;

            GC.Collect();
            Console.WriteLine("PID " + Environment.ProcessId);
            Console.WriteLine("CUSTOMERS " + nCustomers);
            Console.WriteLine("ORDERS " + orderId);
            Console.WriteLine("INDEXED " + orderIndex.Count);
            Console.WriteLine("LINELISTS " + lineLists.Count);
            Console.WriteLine("TREENODES " + treeCount);
            Console.WriteLine("OBJECTS_APPROX " + objects);
            Console.WriteLine("HEAP_BYTES " + GC.GetTotalMemory(false));
            Console.WriteLine("READY");
            Console.Out.Flush();
            Console.In.ReadLine();
            GC.KeepAlive(customers);
            GC.KeepAlive(tree);
            GC.KeepAlive(large);
        }
    }
}
