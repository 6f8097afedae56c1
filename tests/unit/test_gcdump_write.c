/* hd_gcdump_write: the bytes it writes and what reads back.
 *
 * The byte-level tests compare the writer's output with files assembled here field by field
 * from shared/research/gcdump-format.md (§1 file layout, §2 FastSerialization encodings, §3
 * GCHeapDump fields, §4 MemoryGraph and the compressed-int table of §4.3), never with output
 * of the writer itself. The round-trip tests write graphs with awkward features and read them
 * back with hd_load, comparing every node, edge, type and address. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "heapdiff/heapdiff.h"
#include "support/tmpdir.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static char g_dir[256];

static int setup_dir(void **state)
{
    (void)state;
    return tt_tmpdir_make(g_dir, sizeof g_dir, "gcwrite");
}

static int teardown_dir(void **state)
{
    (void)state;
    tt_tmpdir_remove(g_dir);
    return 0;
}

static void path_in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static uint32_t type_of(hd_graph *g, const char *name, const char *module)
{
    uint32_t id;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_typetab_intern(&g->types, name, strlen(name), module,
                                       module ? strlen(module) : 0, &id, &err),
                     HD_OK);
    return id;
}

/* A graph of n nodes whose edges are given as (from, to) pairs sorted by `from` (the order
 * within a node is kept). Every node gets type `def_type`, size 0, address 0: callers fill. */
static void build(hd_graph *g, uint32_t n, const uint32_t (*edges)[2], uint64_t m)
{
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_graph_alloc(g, n, m, &err), HD_OK);
    uint64_t e = 0;
    for (uint32_t i = 0; i < n; i++) {
        g->first[i] = e;
        while (e < m && edges[e][0] == i) {
            g->target[e] = edges[e][1];
            e++;
        }
    }
    assert_int_equal(e, m); /* edges were sorted by source */
    g->first[n] = m;
    g->root = 0;
    g->meta.pointer_size = 8;
}

static void set_size(hd_graph *g, hd_node n, uint64_t size)
{
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_graph_set_size(g, n, size, &err), HD_OK);
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Writes g, reads it back and checks every node, edge, address and type (by name and module:
 * type ids may be renumbered by the reader). Sizes above INT32_MAX read back as INT32_MAX. */
static void roundtrip(const hd_graph *g, const char *name)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(g, path, &err), HD_OK);
    hd_graph b;
    hd_graph_init(&b);
    int rc = hd_load(path, &b, &err);
    if (rc) fail_msg("reading back %s: %s", path, err.msg);
    assert_int_equal(b.n_nodes, g->n_nodes);
    assert_int_equal(b.n_edges, g->n_edges);
    assert_int_equal(b.root, g->root);
    assert_int_equal(b.meta.pointer_size, g->meta.pointer_size == 4 ? 4 : 8);
    assert_string_equal(b.meta.creation_tool, "heapdiff");
    uint64_t total = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        uint64_t s = hd_node_size(g, i);
        if (s > INT32_MAX) s = INT32_MAX;
        total += s;
        if (hd_node_size(&b, i) != s)
            fail_msg("node %u: size %llu read back as %llu", i, (unsigned long long)s,
                     (unsigned long long)hd_node_size(&b, i));
        if (b.addr[i] != g->addr[i]) fail_msg("node %u: address differs", i);
        if (!same_str(hd_type_name(&b, b.type[i]), hd_type_name(g, g->type[i])) ||
            !same_str(hd_type_module(&b, b.type[i]), hd_type_module(g, g->type[i])))
            fail_msg("node %u: type %s read back as %s", i, hd_type_name(g, g->type[i]),
                     hd_type_name(&b, b.type[i]));
        if (b.first[i + 1] != g->first[i + 1]) fail_msg("node %u: edge count differs", i);
    }
    for (uint64_t e = 0; e < g->n_edges; e++)
        if (b.target[e] != g->target[e])
            fail_msg("edge %llu: target %u read back as %u", (unsigned long long)e, g->target[e],
                     b.target[e]);
    assert_int_equal(b.meta.stored_total_size, total);
    /* every type, instantiated or not, is in the file */
    for (uint32_t t = 0; t < g->types.count; t++) {
        int found = 0;
        for (uint32_t u = 0; u < b.types.count && !found; u++)
            found = same_str(hd_type_name(&b, u), hd_type_name(g, t)) &&
                    same_str(hd_type_module(&b, u), hd_type_module(g, t));
        if (!found) fail_msg("type %s is missing after the round trip", hd_type_name(g, t));
    }
    hd_graph_free(&b);
}

/* ---- expected bytes, assembled from the format spec ------------------------------------- */

typedef struct xb {
    uint8_t b[4096];
    size_t n;
} xb;

static void x_u8(xb *x, unsigned v)
{
    x->b[x->n++] = (uint8_t)v;
}
static void x_bytes(xb *x, const void *p, size_t n)
{
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void x_u32(xb *x, uint32_t v)
{
    for (int i = 0; i < 4; i++) x_u8(x, (v >> (8 * i)) & 0xFF);
}
static void x_u64(xb *x, uint64_t v)
{
    for (int i = 0; i < 8; i++) x_u8(x, (unsigned)((v >> (8 * i)) & 0xFF));
}
/* §2.2, ASCII only: int32 character count, then one byte per character. */
static void x_str(xb *x, const char *s)
{
    x_u32(x, (uint32_t)strlen(s));
    x_bytes(x, s, strlen(s));
}
static void x_null_str(xb *x)
{
    x_u32(x, 0xFFFFFFFFu);
}

/* §2.4: 04 01 i32 version i32 minReader str name 06 */
static void x_type_desc(xb *x, uint32_t version, uint32_t min_reader, const char *name)
{
    x_u8(x, 0x04);
    x_u8(x, 0x01);
    x_u32(x, version);
    x_u32(x, min_reader);
    x_str(x, name);
    x_u8(x, 0x06);
}

/* Root [.NET Roots] (0) -> Foo (1) size 24, Bar (2) size 32; Foo -> Bar; Bar -> root (a
 * negative delta). Types: [.NET Roots], Foo (module M.dll), Unused (never instantiated). */
static void tiny_graph(hd_graph *g)
{
    static const uint32_t edges[][2] = {{0, 1}, {0, 2}, {1, 2}, {2, 0}};
    hd_graph_init(g);
    uint32_t t_root = type_of(g, "[.NET Roots]", NULL);
    uint32_t t_foo = type_of(g, "Foo", "M.dll");
    type_of(g, "Unused", NULL);
    build(g, 3, edges, 4);
    g->type[0] = t_root;
    g->type[1] = g->type[2] = t_foo;
    set_size(g, 0, 0);
    set_size(g, 1, 24);
    set_size(g, 2, 32);
    g->addr[0] = 0;
    g->addr[1] = 0x00007f0000001000ull;
    g->addr[2] = 0x00007f0000001018ull;
}

static void tiny_expected(xb *x)
{
    memset(x, 0, sizeof *x);
    /* §1: signature */
    x_str(x, "!FastSerialization.1");
    /* §1/§3: the GCHeapDump entry object, version 10, minimum reader 8 */
    x_u8(x, 0x04);
    x_type_desc(x, 10, 8, "GCHeapDump");
    /* field 1: the MemoryGraph object, version 1, minimum reader 0 (§4) */
    x_u8(x, 0x04);
    x_type_desc(x, 1, 0, "Graphs.MemoryGraph");
    x_u64(x, 24 + 32); /* TotalSize = sum of node sizes */
    x_u32(x, 0);       /* RootIndex */
    x_u32(x, 4);       /* types: UNDEFINED + the graph's three */
    x_str(x, "UNDEFINED");
    x_u32(x, 0);
    x_null_str(x);
    x_str(x, "[.NET Roots]");
    x_u32(x, 0); /* size of its first instance */
    x_null_str(x);
    x_str(x, "Foo");
    x_u32(x, 24); /* first instance (node 1); node 2 differs and carries its size */
    x_str(x, "M.dll");
    x_str(x, "Unused");
    x_u32(x, 0xFFFFFFFFu); /* -1: no instance */
    x_null_str(x);
    x_u32(x, 3); /* nodeCount */
    /* §4.2 records: offset 0 holds "00 00"; then node 0, 1, 2 in order.
     *   node 0: typeAndSize 1<<1 = 02, 2 children, deltas +1 +2        -> 02 02 01 02  at 2
     *   node 1: 2<<1 = 04, size from the type, 1 child, delta +1       -> 04 01 01     at 6
     *   node 2: 2<<1|1 = 05, size 32 = 20, 1 child, delta -2 = 7E      -> 05 20 01 7E  at 9 */
    static const uint8_t blob[] = {0x00, 0x00, 0x02, 0x02, 0x01, 0x02, 0x04,
                                   0x01, 0x01, 0x05, 0x20, 0x01, 0x7E};
    x_u32(x, 2);
    x_u32(x, 6);
    x_u32(x, 9);
    x_u32(x, sizeof blob);
    x_bytes(x, blob, sizeof blob);
    x_u32(x, 3); /* addresses */
    x_u64(x, 0);
    x_u64(x, 0x00007f0000001000ull);
    x_u64(x, 0x00007f0000001018ull);
    x_u8(x, 0x08); /* tagged Is64Bit */
    x_u8(x, 0x01);
    x_u8(x, 0x06); /* end of MemoryGraph */
    /* §3.1 fields 2-14 as dotnet-gcdump writes them */
    x_u8(x, 0x01);        /* Is64Bit */
    x_u32(x, 0x3F800000); /* AverageCountMultiplier 1.0f */
    x_u32(x, 0x3F800000); /* AverageSizeMultiplier 1.0f */
    x_u8(x, 0x01);        /* JSHeapInfo null */
    x_u8(x, 0x01);        /* DotNetHeapInfo null */
    x_null_str(x);        /* CollectionLog */
    x_u64(x, 0);          /* TimeCollected */
    x_null_str(x);        /* MachineName */
    x_null_str(x);        /* ProcessName */
    x_u32(x, 0);          /* ProcessID */
    x_u64(x, 0);          /* TotalProcessCommit */
    x_u64(x, 0);          /* TotalProcessWorkingSet */
    x_u32(x, 0);          /* CountMultipliersByType: none */
    /* field 15: tagged InteropInfo, SkipRegion with forward reference 0, null object */
    x_u8(x, 0x0C);
    x_u32(x, 0);
    x_u8(x, 0x01);
    uint32_t fwd0 = (uint32_t)x->n; /* the region ends here */
    /* field 16: tagged CreationTool */
    x_u8(x, 0x0D);
    x_str(x, "heapdiff");
    x_u8(x, 0x06); /* end of GCHeapDump */
    x_u8(x, 0x06); /* no more objects */
    /* §2.7: forward-reference table, trailer, suffix label */
    uint32_t table = (uint32_t)x->n;
    x_u32(x, 1);
    x_u32(x, fwd0);
    uint32_t trailer = (uint32_t)x->n;
    x_u32(x, table);
    x_u32(x, trailer);
}

static void assert_same_bytes(const uint8_t *got, size_t got_len, const uint8_t *want,
                              size_t want_len)
{
    size_t n = got_len < want_len ? got_len : want_len;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("byte %zu (0x%zx): wrote %02x, the spec says %02x", i, i, got[i], want[i]);
    if (got_len != want_len) fail_msg("wrote %zu bytes, the spec says %zu", got_len, want_len);
}

static void bytes_tiny(void **state)
{
    (void)state;
    hd_graph g;
    tiny_graph(&g);
    char path[512];
    path_in_dir(path, sizeof path, "tiny.gcdump");
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_OK);
    size_t len;
    uint8_t *got = slurp(path, &len);
    xb want;
    tiny_expected(&want);
    assert_same_bytes(got, len, want.b, want.n);
    free(got);
    roundtrip(&g, "tiny2.gcdump");
    hd_graph_free(&g);
}

/* 32-bit: Is64Bit false in both places, nothing else changes. */
static void bytes_tiny_32bit(void **state)
{
    (void)state;
    hd_graph g;
    tiny_graph(&g);
    g.meta.pointer_size = 4;
    g.addr[1] = 0x02001000;
    g.addr[2] = 0x02001018;
    char path[512];
    path_in_dir(path, sizeof path, "tiny32.gcdump");
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_OK);
    size_t len;
    uint8_t *got = slurp(path, &len);
    xb want;
    tiny_expected(&want);
    /* patch the hand-built file: addresses and the two Is64Bit bytes */
    static const uint8_t a64[] = {0x00, 0x10, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00};
    uint8_t *p = memmem(want.b, want.n, a64, sizeof a64);
    assert_non_null(p);
    uint64_t a1 = 0x02001000, a2 = 0x02001018;
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(a1 >> (8 * i)), p[8 + i] = (uint8_t)(a2 >> (8 * i));
    assert_int_equal(p[16], 0x08);
    p[17] = 0; /* tagged Is64Bit */
    assert_int_equal(p[18], 0x06);
    p[19] = 0; /* GCHeapDump.Is64Bit */
    assert_same_bytes(got, len, want.b, want.n);
    free(got);
    roundtrip(&g, "tiny32b.gcdump");
    hd_graph_free(&g);
}

/* Compressed ints of every length (§4.3 table) as explicit sizes and child deltas; size
 * clamping; graph type UNDEFINED reused as type 0 and its empty nodes sharing offset 0. */
static void bytes_cints(void **state)
{
    (void)state;
    enum { N = 8201 };
    static const uint32_t edges[][2] = {
        {0, 8192}, {0, 8191},    {0, 64},      {0, 63},      {0, 1},       {0, 0},
        {8200, 8}, {8200, 7200}, {8200, 8135}, {8200, 8136}, {8200, 8199},
    };
    hd_graph g;
    hd_graph_init(&g);
    uint32_t t_undef = type_of(&g, "UNDEFINED", NULL);
    uint32_t t_r = type_of(&g, "R", NULL);
    uint32_t t_s = type_of(&g, "S", "S.dll");
    build(&g, N, edges, sizeof edges / sizeof edges[0]);
    for (uint32_t i = 0; i < N; i++) g.type[i] = t_undef;
    g.type[0] = t_r;
    static const uint64_t sizes[] = {16,      63,        64,         8191,         8192,
                                     1048576, 134217728, 2147483647, 5000000000ull};
    for (uint32_t i = 1; i <= 9; i++) {
        g.type[i] = t_s;
        set_size(&g, i, sizes[i - 1]);
        g.addr[i] = 0x10000 + 0x100 * i;
    }
    g.type[8200] = t_s;
    set_size(&g, 8200, 16);
    g.addr[8200] = 0x20000;
    char path[512];
    path_in_dir(path, sizeof path, "cints.gcdump");
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_OK);
    size_t len;
    uint8_t *got = slurp(path, &len);

    /* types: UNDEFINED (the graph's own, not a second one), R, S */
    xb want;
    memset(&want, 0, sizeof want);
    x_u32(&want, 3);
    x_str(&want, "UNDEFINED");
    x_u32(&want, 0);
    x_null_str(&want);
    x_str(&want, "R");
    x_u32(&want, 0);
    x_null_str(&want);
    x_str(&want, "S");
    x_u32(&want, 16);
    x_str(&want, "S.dll");
    x_u32(&want, N);
    assert_non_null(memmem(got, len, want.b, want.n));

    static const uint8_t blob[] = {
        0x00,
        0x00, /* offset 0: undefined */
        0x02,
        0x06,
        0x80,
        0xC0,
        0x00,
        0xBF,
        0x7F,
        0x80,
        0x40,
        0x3F,
        0x01,
        0x00, /* node 0 @2 */
        0x04,
        0x00, /* node 1 @14: size 16 */
        0x05,
        0x3F,
        0x00, /* node 2 @16: 63 */
        0x05,
        0x80,
        0x40,
        0x00, /* node 3 @19: 64 */
        0x05,
        0xBF,
        0x7F,
        0x00, /* node 4 @23: 8191 */
        0x05,
        0x80,
        0xC0,
        0x00,
        0x00, /* node 5 @27: 8192 */
        0x05,
        0x80,
        0xC0,
        0x80,
        0x00,
        0x00, /* node 6 @32: 2^20 */
        0x05,
        0x80,
        0xC0,
        0x80,
        0x80,
        0x00,
        0x00, /* node 7 @38: 2^27 */
        0x05,
        0x87,
        0xFF,
        0xFF,
        0xFF,
        0x7F,
        0x00, /* node 8 @45: 2^31-1 */
        0x05,
        0x87,
        0xFF,
        0xFF,
        0xFF,
        0x7F,
        0x00, /* node 9 @52: clamped */
        /* node 8200 @59: deltas -8192, -1000, -65, -64, -1 */
        0x04,
        0x05,
        0xC0,
        0x00,
        0xF8,
        0x18,
        0xFF,
        0x3F,
        0x40,
        0x7F,
    };
    static const uint32_t offs[] = {2, 14, 16, 19, 23, 27, 32, 38, 45, 52};
    uint8_t *p = memmem(got, len, blob, sizeof blob);
    if (!p) fail_msg("the node blob is not as the spec's compressed-int table says");
    size_t at = (size_t)(p - got);
    assert_true(at >= 4 + 4 * (size_t)N + 4);
    uint8_t lenb[4];
    memcpy(lenb, got + at - 4, 4);
    assert_int_equal(lenb[0] | lenb[1] << 8 | lenb[2] << 16 | (uint32_t)lenb[3] << 24, sizeof blob);
    const uint8_t *ot = got + at - 4 - 4 * (size_t)N;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t o =
            ot[4 * i] | ot[4 * i + 1] << 8 | ot[4 * i + 2] << 16 | (uint32_t)ot[4 * i + 3] << 24;
        uint32_t want_o = i < 10 ? offs[i] : i == 8200 ? 59 : 0;
        if (o != want_o) fail_msg("node %u: offset %u, expected %u", i, o, want_o);
    }
    /* TotalSize (offset 84: signature 24 + 04 + GCHeapDump descriptor 25 + 04 + MemoryGraph
     * descriptor 33) is the sum of the clamped sizes */
    uint64_t total = 0;
    for (int i = 0; i < 8; i++) total |= (uint64_t)got[84 + i] << (8 * i);
    assert_int_equal(total,
                     16 + 63 + 64 + 8191 + 8192 + 1048576 + 134217728 + 2ull * 2147483647 + 16);
    free(got);
    roundtrip(&g, "cints2.gcdump");
    hd_graph_free(&g);
}

/* §2.2: characters outside ASCII, one UTF-16 code unit at a time. */
static void bytes_unicode(void **state)
{
    (void)state;
    /* "Café.Ä€😀": 9 UTF-16 code units (U+1F600 is the surrogate pair D83D DE00) */
    const char *name = "Caf\xC3\xA9.\xC3\x84\xE2\x82\xAC\xF0\x9F\x98\x80";
    static const uint8_t want[] = {
        0x09, 0x00, 0x00, 0x00, 'C',  'a',  'f',  0xC3, 0xA9, '.',  0xC3,
        0x84, 0xE2, 0x82, 0xAC, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, /* D83D DE00 */
    };
    static const uint32_t edges[][2] = {{0, 1}};
    hd_graph g;
    hd_graph_init(&g);
    uint32_t t_root = type_of(&g, "[.NET Roots]", NULL);
    uint32_t t_u = type_of(&g, name, "\xC3\x9C.dll"); /* Ü.dll */
    build(&g, 2, edges, 1);
    g.type[0] = t_root;
    g.type[1] = t_u;
    set_size(&g, 1, 40);
    g.addr[1] = 0x1000;
    char path[512];
    path_in_dir(path, sizeof path, "unicode.gcdump");
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_OK);
    size_t len;
    uint8_t *got = slurp(path, &len);
    uint8_t *p = memmem(got, len, want, sizeof want);
    if (!p) fail_msg("the type name is not encoded as §2.2 says");
    /* then Size 40 and the module: 5 units, "Ü" in 2 bytes */
    static const uint8_t tail[] = {40, 0, 0, 0, 5, 0, 0, 0, 0xC3, 0x9C, '.', 'd', 'l', 'l'};
    assert_memory_equal(p + sizeof want, tail, sizeof tail);
    free(got);
    roundtrip(&g, "unicode2.gcdump");
    hd_graph_free(&g);
}

/* ---- round trips ------------------------------------------------------------------------ */

/* 1.1M nodes: child deltas of 4 bytes both ways, duplicates, self loops, a cycle, unreachable
 * nodes, types with several sizes and types without instances. */
static void roundtrip_big_deltas(void **state)
{
    (void)state;
    enum { N = 1100000 };
    static const uint32_t edges[][2] = {
        {0, 1},     {0, N - 1}, {0, 524288},    {0, 1},      {1, 2},
        {1, 1},     {2, 70000}, {70000, 3},     {524288, 0}, {524288, N - 2},
        {N - 2, 5}, {N - 1, 0}, {N - 1, N - 1},
    };
    hd_graph g;
    hd_graph_init(&g);
    uint32_t t_root = type_of(&g, "[.NET Roots]", NULL);
    uint32_t t_obj = type_of(&g, "System.Object[]", "System.Private.CoreLib.dll");
    uint32_t t_str = type_of(&g, "System.String", "System.Private.CoreLib.dll");
    type_of(&g, "Never.Instantiated", "Nowhere.dll");
    uint32_t t_other = type_of(&g, "System.String", "Other.dll"); /* same name, other module */
    build(&g, N, edges, sizeof edges / sizeof edges[0]);
    g.type[0] = t_root;
    for (uint32_t i = 1; i < N; i++) {
        g.type[i] = i % 3 == 0 ? t_str : i % 3 == 1 ? t_obj : t_other;
        set_size(&g, i, 24 + 8 * (i % 5));
        g.addr[i] = 0x00007f1200000000ull + 64ull * i;
    }
    roundtrip(&g, "big.gcdump");
    hd_graph_free(&g);
}

/* Pointer size 4, addresses below 4 GiB, a root that is not node 0. */
static void roundtrip_32bit_root_last(void **state)
{
    (void)state;
    static const uint32_t edges[][2] = {{0, 1}, {1, 0}, {3, 0}, {3, 2}};
    hd_graph g;
    hd_graph_init(&g);
    uint32_t t_root = type_of(&g, "[.NET Roots]", NULL);
    uint32_t t_a = type_of(&g, "A", "a.dll");
    build(&g, 4, edges, 4);
    g.root = 3;
    g.meta.pointer_size = 4;
    g.type[3] = t_root;
    for (uint32_t i = 0; i < 3; i++) {
        g.type[i] = t_a;
        set_size(&g, i, 12 + 4 * i);
        g.addr[i] = 0x02000000u + 16 * i;
    }
    roundtrip(&g, "root3.gcdump");
    hd_graph_free(&g);
}

/* Metadata the graph carries goes where GCHeapDump has a field for it; sampling multipliers
 * are kept (a sampled heap written as unsampled would change every number). */
static void roundtrip_meta_sampled(void **state)
{
    (void)state;
    static const uint32_t edges[][2] = {{0, 1}, {0, 2}};
    hd_graph g;
    hd_graph_init(&g);
    uint32_t t_root = type_of(&g, "[.NET Roots]", NULL);
    uint32_t t_a = type_of(&g, "A", NULL);
    uint32_t t_b = type_of(&g, "B", NULL);
    build(&g, 3, edges, 2);
    g.type[0] = t_root;
    g.type[1] = t_a;
    g.type[2] = t_b;
    set_size(&g, 1, 100);
    set_size(&g, 2, 200);
    g.meta.machine_name = strdup("build-agent-7");
    g.meta.process_name = strdup("MyApp");
    g.meta.process_id = 4242;
    g.meta.time_ticks = 638400000000000000ll;
    g.meta.type_multiplier = calloc(g.types.count, sizeof *g.meta.type_multiplier);
    assert_non_null(g.meta.type_multiplier);
    g.meta.type_multiplier[t_root] = 1.0f;
    g.meta.type_multiplier[t_a] = 3.5f;
    g.meta.type_multiplier[t_b] = 2.0f;
    g.meta.avg_count_multiplier = 2.5f;
    g.meta.avg_size_multiplier = 2.25f;
    roundtrip(&g, "meta.gcdump");

    char path[512];
    path_in_dir(path, sizeof path, "meta.gcdump");
    hd_graph b;
    hd_error err;
    hd_error_clear(&err);
    hd_graph_init(&b);
    assert_int_equal(hd_load(path, &b, &err), HD_OK);
    assert_string_equal(b.meta.machine_name, "build-agent-7");
    assert_string_equal(b.meta.process_name, "MyApp");
    assert_int_equal(b.meta.process_id, 4242);
    assert_int_equal(b.meta.time_ticks, 638400000000000000ll);
    assert_non_null(b.meta.type_multiplier);
    assert_true(b.meta.type_multiplier[b.type[1]] == 3.5f);
    assert_true(b.meta.type_multiplier[b.type[2]] == 2.0f);
    assert_true(b.meta.avg_count_multiplier == 2.5f);
    assert_true(b.meta.avg_size_multiplier == 2.25f);
    hd_graph_free(&b);
    hd_graph_free(&g);
}

/* A file read back and written again is the same file (types, UNDEFINED included, and
 * records). Uses the tiny graph's file as input. */
static void rewrite_is_stable(void **state)
{
    (void)state;
    hd_graph g;
    tiny_graph(&g);
    char p1[512], p2[512];
    path_in_dir(p1, sizeof p1, "gen1.gcdump");
    path_in_dir(p2, sizeof p2, "gen2.gcdump");
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, p1, &err), HD_OK);
    hd_graph b;
    hd_graph_init(&b);
    assert_int_equal(hd_load(p1, &b, &err), HD_OK);
    assert_int_equal(hd_gcdump_write(&b, p2, &err), HD_OK);
    size_t l1, l2;
    uint8_t *f1 = slurp(p1, &l1), *f2 = slurp(p2, &l2);
    assert_same_bytes(f2, l2, f1, l1);
    free(f1);
    free(f2);
    hd_graph_free(&b);
    hd_graph_free(&g);
}

/* Failures leave no file behind and do not touch an existing one. */
static void failures_leave_nothing(void **state)
{
    (void)state;
    hd_graph g;
    tiny_graph(&g);
    hd_error err;
    char path[512];

    /* the target is a directory: the final rename fails */
    path_in_dir(path, sizeof path, "adir");
    assert_int_equal(mkdir(path, 0755), 0);
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_EINTERNAL);
    assert_true(strlen(err.msg) > 0);
    rmdir(path);

    /* a folder that does not exist */
    path_in_dir(path, sizeof path, "no/such/dir/x.gcdump");
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_EINTERNAL);

    /* a graph without a root: nothing is created, an existing file is kept */
    path_in_dir(path, sizeof path, "kept.gcdump");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    g.root = HD_NODE_NONE;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_EINTERNAL);
    size_t len;
    uint8_t *b = slurp(path, &len);
    assert_int_equal(len, 3);
    free(b);
    unlink(path);

    /* no temporary file is left in the folder */
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp.")) fail_msg("left behind: %s", de->d_name);
    closedir(d);
    hd_graph_free(&g);
}

/* The written file gets the mode a new file would get (mkstemp makes 0600). */
static void file_mode_follows_umask(void **state)
{
    (void)state;
    hd_graph g;
    tiny_graph(&g);
    char path[512];
    path_in_dir(path, sizeof path, "mode.gcdump");
    mode_t old = umask(022);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_gcdump_write(&g, path, &err), HD_OK);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    hd_graph_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bytes_tiny),
        cmocka_unit_test(bytes_tiny_32bit),
        cmocka_unit_test(bytes_cints),
        cmocka_unit_test(bytes_unicode),
        cmocka_unit_test(roundtrip_big_deltas),
        cmocka_unit_test(roundtrip_32bit_root_last),
        cmocka_unit_test(roundtrip_meta_sampled),
        cmocka_unit_test(rewrite_is_stable),
        cmocka_unit_test(failures_leave_nothing),
        cmocka_unit_test(file_mode_follows_umask),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
