/* A tiny .gcdump writer for tests: emits FastSerialization primitives and the GCHeapDump /
 * Graphs.MemoryGraph layout straight from shared/research/gcdump-format.md, independent of
 * src/ (a reader bug must not be mirrored by the writer that produces its test input).
 *
 * Used by tests/unit/test_gcdump_crafted.c (hand-built inputs, error cases) and by
 * tests/fuzz/mkseeds.c (small seeds that reach every branch the fixtures do not).
 *
 * Everything is static inline so a user that needs only part of it builds under -Werror. */
#ifndef HEAPDIFF_TESTS_GCDUMP_BUILDER_H
#define HEAPDIFF_TESTS_GCDUMP_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte buffer and FastSerialization primitives (§2.1, §2.2) ---- */

/* A cmocka test can route the buffers through its checked allocator (freed when a test fails
 * half-way, so ASan reports no leak for a failed test). */
#ifndef GB_REALLOC
#define GB_REALLOC realloc
#define GB_FREE free
#endif

#define GB_MAX_FWD 16

typedef struct gbuf {
    uint8_t *p;
    size_t len, cap;
    uint32_t fwd[GB_MAX_FWD]; /* forward-reference table: definition offsets */
    int n_fwd;
} gbuf;

static inline void gb_init(gbuf *b)
{
    memset(b, 0, sizeof *b);
}

static inline void gb_free(gbuf *b)
{
    GB_FREE(b->p);
    memset(b, 0, sizeof *b);
}

static inline void gb_bytes(gbuf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        uint8_t *np = GB_REALLOC(b->p, cap);
        if (!np) abort(); /* test helper: no recovery */
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static inline void gb_u8(gbuf *b, uint8_t v)
{
    gb_bytes(b, &v, 1);
}

static inline void gb_u16(gbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    gb_bytes(b, x, 2);
}

static inline void gb_u32(gbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    gb_bytes(b, x, 4);
}

static inline void gb_i32(gbuf *b, int32_t v)
{
    gb_u32(b, (uint32_t)v);
}

static inline void gb_u64(gbuf *b, uint64_t v)
{
    gb_u32(b, (uint32_t)v);
    gb_u32(b, (uint32_t)(v >> 32));
}

static inline void gb_i64(gbuf *b, int64_t v)
{
    gb_u64(b, (uint64_t)v);
}

static inline void gb_f32(gbuf *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    gb_u32(b, u);
}

static inline void gb_patch_u32(gbuf *b, size_t off, uint32_t v)
{
    b->p[off] = (uint8_t)v;
    b->p[off + 1] = (uint8_t)(v >> 8);
    b->p[off + 2] = (uint8_t)(v >> 16);
    b->p[off + 3] = (uint8_t)(v >> 24);
}

static inline uint32_t gb_get_u32(const gbuf *b, size_t off)
{
    return (uint32_t)b->p[off] | (uint32_t)b->p[off + 1] << 8 | (uint32_t)b->p[off + 2] << 16 |
           (uint32_t)b->p[off + 3] << 24;
}

/* One UTF-16 code unit as FastSerialization writes it: 1, 2 or 3 bytes. */
static inline void gb_utf16_unit(gbuf *b, uint32_t c)
{
    if (c <= 0x7F) {
        gb_u8(b, (uint8_t)c);
    } else if (c <= 0x7FF) {
        gb_u8(b, (uint8_t)(0xC0 | (c >> 6)));
        gb_u8(b, (uint8_t)(0x80 | (c & 0x3F)));
    } else {
        gb_u8(b, (uint8_t)(0xE0 | ((c >> 12) & 0xF)));
        gb_u8(b, (uint8_t)(0x80 | ((c >> 6) & 0x3F)));
        gb_u8(b, (uint8_t)(0x80 | (c & 0x3F)));
    }
}

/* Decodes one UTF-8 sequence of a well-formed test string. */
static inline uint32_t gb_utf8_next(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c;
    if (p[0] < 0x80) {
        c = p[0];
        p += 1;
    } else if (p[0] < 0xE0) {
        c = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
        p += 2;
    } else if (p[0] < 0xF0) {
        c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        p += 3;
    } else {
        c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
            (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
        p += 4;
    }
    *s = p;
    return c;
}

/* A string given in UTF-8 (NULL = null string): length in UTF-16 code units, then each unit
 * encoded on its own (characters beyond the BMP become two 3-byte surrogates). */
static inline void gb_str(gbuf *b, const char *utf8)
{
    if (!utf8) {
        gb_i32(b, -1);
        return;
    }
    int32_t units = 0;
    const unsigned char *s = (const unsigned char *)utf8;
    while (*s) units += gb_utf8_next(&s) >= 0x10000 ? 2 : 1;
    gb_i32(b, units);
    s = (const unsigned char *)utf8;
    while (*s) {
        uint32_t c = gb_utf8_next(&s);
        if (c >= 0x10000) {
            c -= 0x10000;
            gb_utf16_unit(b, 0xD800 + (c >> 10));
            gb_utf16_unit(b, 0xDC00 + (c & 0x3FF));
        } else {
            gb_utf16_unit(b, c);
        }
    }
}

/* MemoryGraph node-blob compressed int (§4.3), exactly the writer's algorithm. */
static inline void gb_cint(gbuf *b, int32_t value)
{
    uint32_t u = (uint32_t)value;
    int n;
    if ((int32_t)(u << 25) >> 25 == value)
        n = 1;
    else if ((int32_t)(u << 18) >> 18 == value)
        n = 2;
    else if ((int32_t)(u << 11) >> 11 == value)
        n = 3;
    else if ((int32_t)(u << 4) >> 4 == value)
        n = 4;
    else
        n = 5;
    static const int shifts[4] = {28, 21, 14, 7};
    for (int i = 4 - (n - 1); i < 4; i++) gb_u8(b, (uint8_t)((value >> shifts[i]) | 0x80));
    gb_u8(b, (uint8_t)(value & 0x7F));
}

/* Forward references (§2.7): a new index, and its definition at the current offset. */
static inline int32_t gb_fwd_new(gbuf *b)
{
    if (b->n_fwd >= GB_MAX_FWD) abort();
    b->fwd[b->n_fwd] = 0xFFFFFFFFu;
    return b->n_fwd++;
}

static inline void gb_fwd_define(gbuf *b, int32_t idx)
{
    b->fwd[idx] = (uint32_t)b->len;
}

/* A first-use type descriptor `04 01 i32 ver i32 minReader str name 06`; returns its label
 * (the offset of its 04), for later `02 label` references. */
static inline uint32_t gb_type_def(gbuf *b, const char *name, int32_t ver, int32_t min_reader)
{
    uint32_t label = (uint32_t)b->len;
    gb_u8(b, 0x04);
    gb_u8(b, 0x01);
    gb_i32(b, ver);
    gb_i32(b, min_reader);
    gb_str(b, name);
    gb_u8(b, 0x06);
    return label;
}

static inline void gb_objref(gbuf *b, uint32_t label)
{
    gb_u8(b, 0x02);
    gb_u32(b, label);
}

/* Serializer epilogue: end-of-objects, forward-reference table, trailer, suffix label.
 * Records the offsets in *table / *trailer when not NULL. */
static inline void gb_epilogue(gbuf *b, size_t *eos, size_t *table, size_t *trailer)
{
    if (eos) *eos = b->len;
    gb_u8(b, 0x06);
    uint32_t t = (uint32_t)b->len;
    if (table) *table = t;
    gb_i32(b, b->n_fwd);
    for (int i = 0; i < b->n_fwd; i++) gb_u32(b, b->fwd[i]);
    uint32_t tr = (uint32_t)b->len;
    if (trailer) *trailer = tr;
    gb_u32(b, t);
    gb_u32(b, tr);
}

/* ---- a whole .gcdump from a small description ---- */

#define GB_MAX_NODES 64
#define GB_MAX_TYPES 64
#define GB_MAX_CHILDREN 8

typedef struct gb_type {
    const char *name; /* UTF-8; NULL = null (deferred types) */
    int32_t size;     /* the type's Size (-1 = never instantiated) */
    const char *module;
} gb_type;

typedef struct gb_node {
    int32_t type;
    int has_size; /* explicit size in the record; else the type's size */
    int32_t size;
    int n_children;
    int32_t children[GB_MAX_CHILDREN]; /* absolute node indexes, written as deltas */
    uint64_t addr;
    int undefined; /* record offset 0: the blob's undefined sentinel `00 00` */
} gb_node;

typedef struct gb_deferred {
    int32_t type_id;
    int module; /* 0 = the module object (first use writes it, later ones 02 label), -1 null */
    const char *suffix;
} gb_deferred;

enum { GB_INTEROP_NULL = 0, GB_INTEROP_CONTENT, GB_INTEROP_EMPTY, GB_INTEROP_ABSENT };
enum { GB_TOOL_ABSENT = 0, GB_TOOL_NULL, GB_TOOL_PRESENT };
enum {
    GB_EXTRA_GRAPH = 1,    /* unknown tagged fields at the end of MemoryGraph */
    GB_EXTRA_HEAPDUMP = 2, /* unknown tagged fields at the end of GCHeapDump */
    GB_EXTRA_SKIP = 4,     /* an unknown tagged SkipRegion (0C) there: needs the fwd table */
};

typedef struct gb_spec {
    int32_t version, min_reader;             /* GCHeapDump descriptor (10 / 8) */
    int32_t graph_version, graph_min_reader; /* Graphs.MemoryGraph descriptor (1 / 0) */
    int has_total_size;
    int64_t total_size; /* else the sum of node sizes */
    int32_t root;
    int n_types;
    gb_type types[GB_MAX_TYPES];
    int n_nodes;
    gb_node nodes[GB_MAX_NODES];
    int is64;
    int no_graph_is64; /* omit MemoryGraph's tagged Is64Bit */
    float avg_count, avg_size;
    int n_mult;
    float mult[GB_MAX_TYPES];
    int js_heap_info;     /* write a JSHeapInfo object instead of null */
    int dotnet_heap_info; /* write a DotNetHeapInfo object instead of null */
    int n_segments, seg_version;
    int interop;   /* GB_INTEROP_* */
    int tool_mode; /* GB_TOOL_* */
    const char *tool;
    int extra; /* GB_EXTRA_* */
    const char *collection_log, *machine, *process;
    int64_t ticks, commit, working_set;
    int32_t pid;
    int n_deferred; /* > 0 writes the deferred region (needs graph_min_reader 1) */
    gb_deferred deferred[GB_MAX_TYPES];
} gb_spec;

/* Where things landed, for tests that corrupt one field. */
typedef struct gb_layout {
    size_t gh_type, gh_version, gh_min_reader, graph_obj, graph_type, graph_min_reader;
    size_t total_size, root_index, type_count, type_name[GB_MAX_TYPES];
    size_t node_count, node_offsets, blob_len, blob;
    size_t rec[GB_MAX_NODES], child_count[GB_MAX_NODES];
    size_t deferred_count, addr_count, addrs, graph_end;
    size_t mult_count, seg_count, seg_type, interop_obj, interop_counts, tool, gh_end;
    size_t eos, table, trailer, suffix;
    size_t module_obj; /* label of the Graphs.Module object */
} gb_layout;

static inline int64_t gb_node_size(const gb_spec *s, int i)
{
    const gb_node *n = &s->nodes[i];
    if (n->undefined) return 0;
    return n->has_size ? n->size : s->types[n->type].size;
}

static inline int64_t gb_total_size(const gb_spec *s)
{
    if (s->has_total_size) return s->total_size;
    int64_t t = 0;
    for (int i = 0; i < s->n_nodes; i++) t += gb_node_size(s, i);
    return t;
}

/* A small dotnet-gcdump-like graph: root -> [static vars] -> A -> (B, string), B -> A. */
static inline gb_spec gb_default(void)
{
    gb_spec s;
    memset(&s, 0, sizeof s);
    s.version = 10;
    s.min_reader = 8;
    s.graph_version = 1;
    s.graph_min_reader = 0;
    s.root = 0;
    s.n_types = 6;
    s.types[0] = (gb_type){"UNDEFINED", 0, NULL};
    s.types[1] = (gb_type){"[.NET Roots]", 0, NULL};
    s.types[2] = (gb_type){"[static vars]", 0, NULL};
    s.types[3] = (gb_type){"Demo.Node", 24, "Demo.dll"};
    s.types[4] = (gb_type){"System.String", 30, "System.Private.CoreLib.dll"};
    s.types[5] = (gb_type){"Demo.Unused", -1, "Demo.dll"};
    s.n_nodes = 5;
    s.nodes[0] = (gb_node){.type = 1, .n_children = 1, .children = {1}};
    s.nodes[1] = (gb_node){.type = 2, .n_children = 1, .children = {2}};
    s.nodes[2] = (gb_node){.type = 3, .n_children = 2, .children = {3, 4}, .addr = 0x7f0000001000};
    s.nodes[3] = (gb_node){.type = 3,
                           .has_size = 1,
                           .size = 40,
                           .n_children = 1,
                           .children = {2},
                           .addr = 0x7f0000001018};
    s.nodes[4] = (gb_node){.type = 4, .addr = 0x7f0000001040};
    s.is64 = 1;
    s.avg_count = 1.0f;
    s.avg_size = 1.0f;
    s.interop = GB_INTEROP_NULL;
    s.tool_mode = GB_TOOL_PRESENT;
    s.tool = "dotnet-gcdump";
    return s;
}

static inline void gb_module_obj(gbuf *b, gb_layout *L, uint32_t *module_type)
{
    L->module_obj = b->len;
    gb_u8(b, 0x04);
    if (*module_type)
        gb_objref(b, *module_type);
    else
        *module_type = gb_type_def(b, "Graphs.Module", 0, 0);
    gb_str(b, "C:\\app\\Demo.dll");
    gb_i64(b, 0x10000000);       /* ImageBase */
    gb_i64(b, 0x2000);           /* Size */
    gb_i64(b, 0);                /* BuildTime ticks */
    gb_str(b, "Demo.pdb");       /* PdbName */
    for (int i = 0; i < 16; i++) /* PdbGuid */
        gb_u8(b, (uint8_t)(i * 7));
    gb_i32(b, 1); /* PdbAge */
    gb_u8(b, 0x06);
}

static inline void gb_graph(gbuf *b, const gb_spec *s, gb_layout *L)
{
    L->graph_obj = b->len;
    gb_u8(b, 0x04);
    L->graph_type = b->len;
    gb_u8(b, 0x04);
    gb_u8(b, 0x01);
    gb_i32(b, s->graph_version);
    L->graph_min_reader = b->len;
    gb_i32(b, s->graph_min_reader);
    gb_str(b, "Graphs.MemoryGraph");
    gb_u8(b, 0x06);

    L->total_size = b->len;
    gb_i64(b, gb_total_size(s));
    L->root_index = b->len;
    gb_i32(b, s->root);
    L->type_count = b->len;
    gb_i32(b, s->n_types);
    for (int i = 0; i < s->n_types; i++) {
        L->type_name[i] = b->len;
        gb_str(b, s->types[i].name);
        gb_i32(b, s->types[i].size);
        gb_str(b, s->types[i].module);
    }

    /* The blob first (into its own buffer) to know the record offsets: the undefined
     * sentinel at 0, then nodes 1.. in index order, the root last (as dotnet-gcdump does). */
    gbuf blob;
    gb_init(&blob);
    gb_u8(&blob, 0x00);
    gb_u8(&blob, 0x00);
    uint32_t off[GB_MAX_NODES];
    size_t cc[GB_MAX_NODES];
    for (int k = 0; k < s->n_nodes; k++) {
        int i = (k + 1) % s->n_nodes; /* 1, 2, ..., n-1, 0 */
        if (s->n_nodes == 1) i = 0;
        const gb_node *n = &s->nodes[i];
        if (n->undefined) {
            off[i] = 0;
            cc[i] = 1;
            continue;
        }
        off[i] = (uint32_t)blob.len;
        gb_cint(&blob, (int32_t)((uint32_t)n->type << 1 | (n->has_size ? 1u : 0u)));
        if (n->has_size) gb_cint(&blob, n->size);
        cc[i] = blob.len;
        gb_cint(&blob, n->n_children);
        for (int c = 0; c < n->n_children; c++)
            gb_cint(&blob, (int32_t)((uint32_t)n->children[c] - (uint32_t)i));
    }

    L->node_count = b->len;
    gb_i32(b, s->n_nodes);
    L->node_offsets = b->len;
    for (int i = 0; i < s->n_nodes; i++) gb_u32(b, off[i]);
    L->blob_len = b->len;
    gb_i32(b, (int32_t)blob.len);
    L->blob = b->len;
    for (int i = 0; i < s->n_nodes; i++) {
        L->rec[i] = L->blob + off[i];
        L->child_count[i] = L->blob + cc[i];
    }
    gb_bytes(b, blob.p, blob.len);
    gb_free(&blob);

    if (s->graph_min_reader >= 1) {
        /* DeferedRegion (§2.6, §4.6): i32 fwd, the fields, a tagged end, then the forward
         * reference is defined just past it. */
        int32_t f = gb_fwd_new(b);
        gb_i32(b, f);
        L->deferred_count = b->len;
        gb_i32(b, s->n_deferred);
        uint32_t module_type = 0;
        uint32_t module_label = 0;
        for (int i = 0; i < s->n_deferred; i++) {
            gb_i32(b, s->deferred[i].type_id);
            if (s->deferred[i].module < 0) {
                gb_u8(b, 0x01);
            } else if (module_label) {
                gb_objref(b, module_label);
            } else {
                gb_module_obj(b, L, &module_type);
                module_label = (uint32_t)L->module_obj;
            }
            gb_str(b, s->deferred[i].suffix);
        }
        gb_u8(b, 0x06);
        gb_fwd_define(b, f);
    }

    L->addr_count = b->len;
    gb_i32(b, s->n_nodes);
    L->addrs = b->len;
    for (int i = 0; i < s->n_nodes; i++) gb_u64(b, s->nodes[i].addr);
    if (!s->no_graph_is64) {
        gb_u8(b, 0x08);
        gb_u8(b, s->is64 ? 1 : 0);
    }
    if (s->extra & GB_EXTRA_GRAPH) {
        gb_u8(b, 0x0A); /* tagged int */
        gb_i32(b, 12345);
        gb_u8(b, 0x0D); /* tagged string */
        gb_str(b, "future field \xc3\xa9");
        gb_u8(b, 0x0B); /* tagged long */
        gb_i64(b, -1);
        gb_u8(b, 0x09); /* tagged short */
        gb_u16(b, 7);
        gb_u8(b, 0x01); /* a null object reference */
    }
    L->graph_end = b->len;
    gb_u8(b, 0x06);
}

static inline void gb_segment(gbuf *b, const gb_spec *s, uint32_t *seg_type, int i)
{
    gb_u8(b, 0x04);
    if (*seg_type) {
        gb_objref(b, *seg_type);
    } else {
        *seg_type = gb_type_def(b, "GCHeapDumpSegment", s->seg_version, s->seg_version);
    }
    uint64_t base = 0x7f0000000000ull + (uint64_t)i * 0x1000000;
    gb_u64(b, base);                                     /* Start */
    gb_u64(b, base + 0x800000);                          /* End */
    gb_u64(b, base + 0x100000);                          /* Gen0End */
    gb_u64(b, base + 0x200000);                          /* Gen1End */
    gb_u64(b, base + 0x300000);                          /* Gen2End */
    gb_u64(b, base + 0x400000);                          /* Gen3End */
    if (s->seg_version >= 1) gb_u64(b, base + 0x500000); /* Gen4End */
    gb_u8(b, 0x06);
}

static inline void gb_interop(gbuf *b, const gb_spec *s, gb_layout *L)
{
    L->interop_obj = b->len;
    gb_u8(b, 0x04);
    gb_type_def(b, "InteropInfo", 0, 0);
    L->interop_counts = b->len;
    if (s->interop == GB_INTEROP_EMPTY) {
        gb_i32(b, 0);
    } else {
        int n_rcw = 1, n_ccw = 2, n_intf = 1, n_mod = 1;
        gb_i32(b, n_rcw + n_ccw);
        gb_i32(b, n_rcw);
        gb_i32(b, n_ccw);
        gb_i32(b, n_intf);
        gb_i32(b, n_mod);
        /* RCW: node, refCount, IUnknown, Jupiter, VTable, firstComInf, countComInf */
        gb_i32(b, 2);
        gb_i32(b, 1);
        gb_u64(b, 0x1111);
        gb_u64(b, 0);
        gb_u64(b, 0x2222);
        gb_i32(b, 0);
        gb_i32(b, 1);
        for (int i = 0; i < n_ccw; i++) { /* node, refCount, IUnknown, Handle, first, count */
            gb_i32(b, 3);
            gb_i32(b, 2);
            gb_u64(b, 0x3333);
            gb_u64(b, 0x4444);
            gb_i32(b, 0);
            gb_i32(b, 0);
        }
        /* interface: fRCW, owner, typeID, addrInterface, addrFirstVTable, addrFirstFunc */
        gb_u8(b, 1);
        gb_i32(b, 0);
        gb_i32(b, 3);
        gb_u64(b, 0x5555);
        gb_u64(b, 0x6666);
        gb_u64(b, 0x7777);
        /* module: baseAddress, fileSize, timeStamp, fileName (non-ASCII on purpose) */
        gb_u64(b, 0x10000000);
        gb_i32(b, 4096);
        gb_i32(b, 0x5f000000);
        gb_str(b, "C:\\Windows\\combase\xe2\x82\xac.dll");
    }
    gb_u8(b, 0x06);
}

/* A graph writer: gb_graph for a gb_spec, or a test's own for graphs too big for one. */
typedef void (*gb_graph_fn)(gbuf *b, const gb_spec *s, gb_layout *L, void *arg);

/* Writes the whole file described by s into b (which must be empty), its MemoryGraph by
 * graph(b, s, L, arg) when given. */
static inline void gb_gcdump_with(gbuf *b, const gb_spec *s, gb_layout *L, gb_graph_fn graph,
                                  void *arg)
{
    memset(L, 0, sizeof *L);
    gb_str(b, "!FastSerialization.1");
    gb_u8(b, 0x04);
    L->gh_type = b->len;
    gb_u8(b, 0x04);
    gb_u8(b, 0x01);
    L->gh_version = b->len;
    gb_i32(b, s->version);
    L->gh_min_reader = b->len;
    gb_i32(b, s->min_reader);
    gb_str(b, "GCHeapDump");
    gb_u8(b, 0x06);

    if (graph)
        graph(b, s, L, arg);
    else
        gb_graph(b, s, L);
    uint32_t seg_type = 0;

    if (s->version >= 8) {
        gb_u8(b, s->is64 ? 1 : 0);
        gb_f32(b, s->avg_count);
        gb_f32(b, s->avg_size);
        if (s->js_heap_info) {
            gb_u8(b, 0x04);
            gb_type_def(b, "JSHeapInfo", 0, 0);
            gb_u8(b, 0x06);
        } else {
            gb_u8(b, 0x01);
        }
        if (s->dotnet_heap_info) {
            gb_u8(b, 0x04);
            gb_type_def(b, "DotNetHeapInfo", 0, 0);
            gb_i64(b, (int64_t)s->n_segments * 0x800000);
            L->seg_count = b->len;
            gb_i32(b, s->n_segments);
            for (int i = 0; i < s->n_segments; i++) gb_segment(b, s, &seg_type, i);
            gb_u8(b, 0x06);
        } else {
            gb_u8(b, 0x01);
        }
        gb_str(b, s->collection_log);
        gb_i64(b, s->ticks);
        gb_str(b, s->machine);
        gb_str(b, s->process);
        gb_i32(b, s->pid);
        gb_i64(b, s->commit);
        gb_i64(b, s->working_set);
        L->mult_count = b->len;
        gb_i32(b, s->n_mult);
        for (int i = 0; i < s->n_mult; i++) gb_f32(b, s->mult[i]);
        if (s->interop != GB_INTEROP_ABSENT) {
            gb_u8(b, 0x0C);
            int32_t f = gb_fwd_new(b);
            gb_i32(b, f);
            if (s->interop == GB_INTEROP_NULL)
                gb_u8(b, 0x01);
            else
                gb_interop(b, s, L);
            gb_fwd_define(b, f);
        }
        L->tool = b->len;
        if (s->tool_mode != GB_TOOL_ABSENT) {
            gb_u8(b, 0x0D);
            gb_str(b, s->tool_mode == GB_TOOL_NULL ? NULL : s->tool);
        }
        if (s->extra & GB_EXTRA_HEAPDUMP) {
            gb_u8(b, 0x0A);
            gb_i32(b, 42);
            gb_u8(b, 0x0D);
            gb_str(b, NULL);
            gb_u8(b, 0x08);
            gb_u8(b, 1);
            gb_u8(b, 0x0E); /* Blob */
            gb_i32(b, 3);
            gb_u8(b, 0xAA);
            gb_u8(b, 0x06); /* blob content is skipped whole, even a 06 byte */
            gb_u8(b, 0xBB);
            gb_objref(b, (uint32_t)L->gh_type);
        }
        if (s->extra & GB_EXTRA_SKIP) {
            /* A future tagged object the reader does not know: FindEndTag jumps over it
             * with the forward-reference table. Its content would not parse as tags. */
            gb_u8(b, 0x0C);
            int32_t f = gb_fwd_new(b);
            gb_i32(b, f);
            gb_u8(b, 0x04);
            gb_type_def(b, "Future.Thing", 0, 0);
            gb_u8(b, 0xEE);
            gb_u8(b, 0x06);
            gb_u8(b, 0xEE);
            gb_u8(b, 0x06);
            gb_fwd_define(b, f);
        }
    } else {
        /* Legacy layout, versions 4-7 (§3.4). */
        gb_i64(b, (int64_t)s->n_segments * 0x800000); /* SizeOfAllSegments */
        gb_i64(b, gb_total_size(s));                  /* size of dumped objects */
        gb_i64(b, s->n_nodes);                        /* number of dumped objects */
        gb_u8(b, 1);                                  /* all dumped */
        if (s->version >= 5) {
            gb_str(b, s->collection_log);
            gb_i64(b, s->ticks);
            gb_str(b, s->machine);
            gb_str(b, s->process);
            gb_i32(b, s->pid);
            gb_i64(b, s->commit);
            gb_i64(b, s->working_set);
            if (s->version >= 6) {
                L->seg_count = b->len;
                gb_i32(b, s->n_segments);
                for (int i = 0; i < s->n_segments; i++) gb_segment(b, s, &seg_type, i);
                if (s->version >= 7) gb_u8(b, s->is64 ? 1 : 0);
            }
        }
    }
    L->seg_type = seg_type;
    L->gh_end = b->len;
    gb_u8(b, 0x06);
    gb_epilogue(b, &L->eos, &L->table, &L->trailer);
    L->suffix = b->len - 4;
}

static inline void gb_gcdump(gbuf *b, const gb_spec *s, gb_layout *L)
{
    gb_gcdump_with(b, s, L, NULL, NULL);
}

#endif
