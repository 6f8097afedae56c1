/* .gcdump writer: a graph as dotnet-gcdump writes it (GCHeapDump v10 / minReader 8,
 * Graphs.MemoryGraph v1 / minReader 0, 4-byte stream labels), so PerfView and
 * `dotnet-gcdump report` open it. Byte layout: shared/research/gcdump-format.md §1-§4.
 *
 * Streaming: the file is written front to back through a FILE* and a small staging buffer;
 * nothing proportional to the file is held in memory. MemoryGraph stores the per-type sizes,
 * the node offset table and the blob length *before* the blob, so the nodes are walked three
 * times: pass 1 fixes every type's Size, the total size and the blob length (and so the exact
 * file length, checked against the 4 GiB limit of 4-byte labels before anything is written);
 * pass 2 writes the offsets; pass 3 the blob. Each pass recomputes record lengths instead of
 * storing them (that would cost 4 bytes a node for nothing: recomputing is a few compares).
 *
 * Conventions (PerfView's Graph.SetNode / SetNodeTypeAndSize, dotnet-gcdump's writer):
 *  - type 0 is "UNDEFINED" (size 0, module null); a graph type with exactly that name and no
 *    module (what a reader makes of a .gcdump's own type 0) becomes type 0 again, so a read
 *    file written back does not grow a second UNDEFINED type. Other graph types follow in id
 *    order: gcdump type index = position in that order.
 *  - a type's Size is the size of its first instance in node order (records are written in
 *    node order, which is PerfView's "first SetNode" rule); -1 if it has none; a node whose size
 *    differs from its type's Size carries an explicit size.
 *  - blob offset 0 holds the record "00 00" (UNDEFINED, size 0, no children); nodes that would
 *    have exactly that record point at it instead of repeating it, as PerfView's undefined
 *    nodes do.
 *  - sizes: a node record holds a signed 32-bit size. PerfView clamps a size that does not fit
 *    (its `int` wrapped negative) to int.MaxValue; we clamp every size above INT32_MAX to
 *    INT32_MAX the same way, and TotalSize is the sum of the clamped sizes (the sum a reader
 *    recomputes from the nodes). Objects of 2 GiB and more are therefore under-reported in a
 *    .gcdump: the format cannot say more.
 *  - Is64Bit: pointer size 4 writes false; 8 or unknown (0) writes true.
 *  - weak references have no place in a .gcdump and are not written.
 *  - metadata the graph carries (time, machine, process name and id, sampling multipliers) is
 *    written where GCHeapDump has a field for it; otherwise dotnet-gcdump's values (nulls,
 *    zeros, multipliers 1.0, CountMultipliersByType count 0). CreationTool is "heapdiff". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcdump/fastser.h" /* the FastSerialization tags, shared with the reader */
#include "heapdiff/gcdump.h"
#include "util/outfile.h"

#define GW_BUF_SIZE (256u * 1024u)
#define GW_CREATION_TOOL "heapdiff"

typedef struct gw {
    FILE *f;
    uint64_t pos; /* bytes emitted so far: the stream label of the next byte */
    size_t len;   /* bytes staged in buf */
    int err;      /* errno of the first failed write, 0 if none */
    uint8_t buf[GW_BUF_SIZE];
} gw;

static void gw_flush(gw *w)
{
    if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->f) != w->len)
        w->err = errno ? errno : EIO;
    w->len = 0;
}

static inline void gw_u8(gw *w, uint8_t b)
{
    if (w->len == GW_BUF_SIZE) gw_flush(w);
    w->buf[w->len++] = b;
    w->pos++;
}

static void gw_bytes(gw *w, const void *p, size_t n)
{
    const uint8_t *s = p;
    while (n) {
        if (w->len == GW_BUF_SIZE) gw_flush(w);
        size_t k = GW_BUF_SIZE - w->len;
        if (k > n) k = n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        w->pos += k;
        s += k;
        n -= k;
    }
}

static void gw_u32(gw *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    gw_bytes(w, b, 4);
}

static void gw_i32(gw *w, int32_t v)
{
    gw_u32(w, (uint32_t)v);
}

static void gw_u64(gw *w, uint64_t v)
{
    gw_u32(w, (uint32_t)v);
    gw_u32(w, (uint32_t)(v >> 32));
}

static void gw_f32(gw *w, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    gw_u32(w, bits);
}

/* Compressed int (spec §4.3): big-endian 7-bit groups, continuation bit on all but the last
 * byte, the first group sign-extended; the shortest form that holds the value. */
static inline unsigned cint_len(int32_t v)
{
    if (v >= -64 && v <= 63) return 1;
    if (v >= -8192 && v <= 8191) return 2;
    if (v >= -(1 << 20) && v <= (1 << 20) - 1) return 3;
    if (v >= -(1 << 27) && v <= (1 << 27) - 1) return 4;
    return 5;
}

static inline void gw_cint(gw *w, int32_t v)
{
    unsigned n = cint_len(v);
    uint8_t b[5];
    unsigned k = 0;
    /* (v >> shift) must be an arithmetic shift: done on int64 to keep it defined. */
    for (int shift = 7 * ((int)n - 1); shift > 0; shift -= 7)
        b[k++] = (uint8_t)(((int64_t)v >> shift) | 0x80);
    b[k++] = (uint8_t)(v & 0x7F);
    if (GW_BUF_SIZE - w->len >= 5) {
        memcpy(w->buf + w->len, b, k);
        w->len += k;
        w->pos += k;
    } else {
        gw_bytes(w, b, k);
    }
}

/* Strings (spec §2.2): int32 count of UTF-16 code units, then each code unit on its own in
 * 1-3 bytes (so a character outside the BMP becomes two 3-byte surrogates). Graph strings are
 * UTF-8; a 3-byte sequence encoding a surrogate (what a .gcdump reader may have produced from
 * a lone surrogate) is taken as that code unit, so such names survive a round trip; bytes that
 * are not UTF-8 become U+FFFD. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF && (s[1] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(b & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (b >= 0xE0 && b <= 0xEF && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        uint32_t c = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        if (c >= 0x800) {
            *cp = c;
            return 3;
        }
    }
    if (b >= 0xF0 && b <= 0xF4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (s[3] & 0xC0) == 0x80) {
        uint32_t c = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                     ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (c >= 0x10000 && c <= 0x10FFFF) {
            *cp = c;
            return 4;
        }
    }
    *cp = 0xFFFD;
    return 1;
}

static unsigned unit_len(uint32_t u)
{
    return u <= 0x7F ? 1 : u <= 0x7FF ? 2 : 3;
}

/* Number of UTF-16 code units and of encoded bytes of s. */
static void str_measure(const char *s, uint64_t *units, uint64_t *bytes)
{
    uint64_t nu = 0, nb = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        if (cp >= 0x10000) {
            nu += 2;
            nb += 6;
        } else {
            nu += 1;
            nb += unit_len(cp);
        }
    }
    *units = nu;
    *bytes = nb;
}

/* Bytes a string field takes in the file (NULL is the 4-byte -1). A string whose length
 * does not fit the int32 count is given a length beyond 4 GiB, so the file-size check
 * rejects it. */
static uint64_t str_field_len(const char *s)
{
    if (!s) return 4;
    uint64_t units, bytes;
    str_measure(s, &units, &bytes);
    return units > INT32_MAX ? (uint64_t)1 << 40 : 4 + bytes;
}

static void gw_unit(gw *w, uint32_t c)
{
    if (c <= 0x7F) {
        gw_u8(w, (uint8_t)c);
    } else if (c <= 0x7FF) {
        gw_u8(w, (uint8_t)(0xC0 | (c >> 6)));
        gw_u8(w, (uint8_t)(0x80 | (c & 0x3F)));
    } else {
        gw_u8(w, (uint8_t)(0xE0 | ((c >> 12) & 0x0F)));
        gw_u8(w, (uint8_t)(0x80 | ((c >> 6) & 0x3F)));
        gw_u8(w, (uint8_t)(0x80 | (c & 0x3F)));
    }
}

/* The caller has checked (str_field_len and the 4 GiB limit) that the unit count fits an
 * int32. */
static void gw_str(gw *w, const char *s)
{
    if (!s) {
        gw_i32(w, -1);
        return;
    }
    uint64_t units, bytes;
    str_measure(s, &units, &bytes);
    gw_i32(w, (int32_t)units);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            gw_unit(w, 0xD800 | (cp >> 10));
            gw_unit(w, 0xDC00 | (cp & 0x3FF));
        } else {
            gw_unit(w, cp);
        }
    }
}

/* Type descriptor of an object's first occurrence: 04 01 i32 version i32 minReader str 06. */
static void gw_type_desc(gw *w, int32_t version, int32_t min_reader, const char *name)
{
    gw_u8(w, FS_BEGIN);
    gw_u8(w, FS_NULL);
    gw_i32(w, version);
    gw_i32(w, min_reader);
    gw_str(w, name);
    gw_u8(w, FS_END);
}

static uint64_t type_desc_len(const char *name)
{
    return 1 + 1 + 4 + 4 + str_field_len(name) + 1;
}

/* Everything the three node passes share. */
typedef struct gw_plan {
    const hd_graph *g;
    uint32_t n_types;  /* gcdump type count */
    uint32_t *tmap;    /* [graph types] graph type id -> gcdump type index */
    uint32_t undef_id; /* graph type written as gcdump type 0, or HD_NODE_NONE */
    int32_t *tsize;    /* [n_types] per-type Size, -1 when the type has no instance */
    int64_t total_size;
    uint64_t blob_len;
} gw_plan;

static inline int32_t clamp_size(uint64_t s)
{
    return s > INT32_MAX ? INT32_MAX : (int32_t)s;
}

/* Record length of node n, or 0 when it is the shared undefined record at offset 0. Needs the
 * final per-type sizes (pass 1 fixes them in node order before asking). */
static inline uint64_t node_record_len(const gw_plan *p, hd_node n)
{
    const hd_graph *g = p->g;
    uint32_t t = p->tmap[g->type[n]];
    int32_t s = clamp_size(hd_node_size(g, n));
    uint64_t e0 = g->first[n], e1 = g->first[n + 1];
    if (t == 0 && s == 0 && e0 == e1) return 0;
    uint64_t len = cint_len((int32_t)(t << 1));
    if (s != p->tsize[t]) len += cint_len(s);
    len += cint_len((int32_t)(e1 - e0));
    for (uint64_t e = e0; e < e1; e++) len += cint_len((int32_t)(g->target[e] - n));
    return len;
}

static void write_node_record(gw *w, const gw_plan *p, hd_node n)
{
    const hd_graph *g = p->g;
    uint32_t t = p->tmap[g->type[n]];
    int32_t s = clamp_size(hd_node_size(g, n));
    uint64_t e0 = g->first[n], e1 = g->first[n + 1];
    if (t == 0 && s == 0 && e0 == e1) return;
    if (s != p->tsize[t]) {
        gw_cint(w, (int32_t)((t << 1) | 1));
        gw_cint(w, s);
    } else {
        gw_cint(w, (int32_t)(t << 1));
    }
    gw_cint(w, (int32_t)(e1 - e0));
    /* Deltas in 32-bit two's complement, as PerfView's (int)child - (int)node; node ids are
     * below 2^31 (checked), so the difference is exact. */
    for (uint64_t e = e0; e < e1; e++) gw_cint(w, (int32_t)(g->target[e] - n));
}

/* Sets up the type map and runs pass 1. */
static int plan_graph(gw_plan *p, const hd_graph *g, const char *path, hd_error *err)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->undef_id = HD_NODE_NONE;
    uint32_t nt = g->types.count;
    if (g->n_nodes > INT32_MAX)
        return hd_error_set(err, HD_EINTERNAL, "%s: %u nodes: a .gcdump holds at most %d", path,
                            g->n_nodes, INT32_MAX);
    if (g->root >= g->n_nodes)
        return hd_error_set(err, HD_EINTERNAL, "%s: the graph has no root node", path);
    p->tmap = malloc(((size_t)nt + 1) * sizeof *p->tmap);
    if (!p->tmap) return hd_error_oom(err, "gcdump type map", ((uint64_t)nt + 1) * 4);
    for (uint32_t t = 0; t < nt; t++) {
        if (p->undef_id == HD_NODE_NONE && hd_type_module(g, t) == NULL &&
            strcmp(hd_type_name(g, t), "UNDEFINED") == 0) {
            p->undef_id = t;
            break;
        }
    }
    uint32_t next = 1;
    for (uint32_t t = 0; t < nt; t++) p->tmap[t] = t == p->undef_id ? 0 : next++;
    p->n_types = next;
    /* typeAndSize = index << 1 must be a non-negative int32. */
    if (p->n_types > (1u << 30))
        return hd_error_set(err, HD_EINTERNAL, "%s: %u types: a .gcdump holds at most %u", path,
                            p->n_types, 1u << 30);
    p->tsize = malloc((size_t)p->n_types * sizeof *p->tsize);
    if (!p->tsize) return hd_error_oom(err, "gcdump type sizes", (uint64_t)p->n_types * 4);
    p->tsize[0] = 0; /* UNDEFINED, as PerfView's ClearWorker leaves it */
    for (uint32_t i = 1; i < p->n_types; i++) p->tsize[i] = -1;

    uint64_t blob = 2; /* the "00 00" record at offset 0 */
    int64_t total = 0;
    for (hd_node n = 0; n < g->n_nodes; n++) {
        uint64_t e0 = g->first[n], e1 = g->first[n + 1];
        if (e1 < e0 || e1 > g->n_edges)
            return hd_error_set(err, HD_EINTERNAL, "%s: node %u: bad edge range", path, n);
        if (e1 - e0 > INT32_MAX)
            return hd_error_set(err, HD_EINTERNAL, "%s: node %u has %llu references (max %d)", path,
                                n, (unsigned long long)(e1 - e0), INT32_MAX);
        for (uint64_t e = e0; e < e1; e++)
            if (g->target[e] >= g->n_nodes)
                return hd_error_set(err, HD_EINTERNAL, "%s: node %u: reference to node %u of %u",
                                    path, n, g->target[e], g->n_nodes);
        if (g->type[n] >= nt)
            return hd_error_set(err, HD_EINTERNAL, "%s: node %u: type %u of %u", path, n,
                                g->type[n], nt);
        /* PerfView's SetNodeTypeAndSize: the first instance (records go in node order) gives
         * its type's Size. */
        int32_t s = clamp_size(hd_node_size(g, n));
        uint32_t t = p->tmap[g->type[n]];
        if (p->tsize[t] < 0) p->tsize[t] = s;
        blob += node_record_len(p, n);
        total += s;
    }
    p->blob_len = blob;
    p->total_size = total;
    /* Blob offsets are read as uint32 but the length is an int32. */
    if (blob > INT32_MAX)
        return hd_error_set(err, HD_EINTERNAL,
                            "%s: node data would take %llu bytes; a .gcdump holds at most %d", path,
                            (unsigned long long)blob, INT32_MAX);
    return HD_OK;
}

/* The whole file's length, computed from the same pieces the writer emits (checked against
 * the bytes actually written at the end). */
static uint64_t file_length(const gw_plan *p)
{
    const hd_graph *g = p->g;
    uint64_t n = g->n_nodes;
    uint64_t len = 4 + 20;                          /* signature */
    len += 1 + type_desc_len("GCHeapDump");         /* entry object header */
    len += 1 + type_desc_len("Graphs.MemoryGraph"); /* MemoryGraph header */
    len += 8 + 4 + 4;                               /* TotalSize, RootIndex, typeCount */
    len += str_field_len("UNDEFINED") + 4 + 4;      /* type 0 */
    for (uint32_t t = 0; t < g->types.count; t++) {
        if (t == p->undef_id) continue;
        len += str_field_len(hd_type_name(g, t)) + 4 + str_field_len(hd_type_module(g, t));
    }
    len += 4 + 4 * n + 4 + p->blob_len + 4 + 8 * n; /* offsets, blob, addresses */
    len += 2 + 1;                                   /* tagged Is64Bit, end of MemoryGraph */
    len += 1 + 4 + 4 + 1 + 1;                       /* Is64Bit, multipliers, 2 null objects */
    len += str_field_len(NULL) + 8 + str_field_len(g->meta.machine_name) +
           str_field_len(g->meta.process_name) + 4 + 8 + 8;
    len += 4 + (g->meta.type_multiplier ? 4ull * p->n_types : 0);
    len += 1 + 4 + 1;                               /* SkipRegion, index, null InteropInfo */
    len += 1 + str_field_len(GW_CREATION_TOOL) + 1; /* CreationTool, end of GCHeapDump */
    len += 1 + 4 + 4 + 4 + 4;                       /* end, forward refs, trailer, suffix */
    return len;
}

static void write_file(gw *w, const gw_plan *p)
{
    const hd_graph *g = p->g;
    int is64 = g->meta.pointer_size != 4;

    gw_str(w, "!FastSerialization.1");

    gw_u8(w, FS_BEGIN); /* GCHeapDump */
    gw_type_desc(w, 10, 8, "GCHeapDump");

    gw_u8(w, FS_BEGIN); /* field 1: the MemoryGraph */
    gw_type_desc(w, 1, 0, "Graphs.MemoryGraph");
    gw_u64(w, (uint64_t)p->total_size);
    gw_i32(w, (int32_t)g->root);
    gw_i32(w, (int32_t)p->n_types);
    gw_str(w, "UNDEFINED");
    gw_i32(w, p->tsize[0]);
    gw_str(w, NULL);
    for (uint32_t t = 0; t < g->types.count; t++) {
        if (t == p->undef_id) continue;
        gw_str(w, hd_type_name(g, t));
        gw_i32(w, p->tsize[p->tmap[t]]);
        gw_str(w, hd_type_module(g, t));
    }

    gw_i32(w, (int32_t)g->n_nodes);
    uint64_t off = 2;
    for (hd_node n = 0; n < g->n_nodes; n++) {
        uint64_t len = node_record_len(p, n);
        gw_u32(w, len ? (uint32_t)off : 0);
        off += len;
    }
    gw_i32(w, (int32_t)p->blob_len);
    gw_u8(w, 0x00); /* offset 0: UNDEFINED, size from the type (0), no children */
    gw_u8(w, 0x00);
    for (hd_node n = 0; n < g->n_nodes; n++) write_node_record(w, p, n);

    gw_i32(w, (int32_t)g->n_nodes);
    for (hd_node n = 0; n < g->n_nodes; n++) gw_u64(w, g->addr[n]);
    gw_u8(w, FS_BYTE);
    gw_u8(w, (uint8_t)is64);
    gw_u8(w, FS_END); /* end of MemoryGraph */

    const hd_graph_meta *m = &g->meta;
    gw_u8(w, (uint8_t)is64);
    float acm = 1.0f, asm_ = 1.0f;
    if (m->type_multiplier) {
        if (m->avg_count_multiplier > 0) acm = m->avg_count_multiplier;
        if (m->avg_size_multiplier > 0) asm_ = m->avg_size_multiplier;
    }
    gw_f32(w, acm);
    gw_f32(w, asm_);
    gw_u8(w, FS_NULL); /* JSHeapInfo */
    gw_u8(w, FS_NULL); /* DotNetHeapInfo */
    gw_str(w, NULL);   /* CollectionLog */
    gw_u64(w, (uint64_t)m->time_ticks);
    gw_str(w, m->machine_name);
    gw_str(w, m->process_name);
    gw_i32(w, m->process_id);
    gw_u64(w, 0); /* TotalProcessCommit */
    gw_u64(w, 0); /* TotalProcessWorkingSet */
    if (m->type_multiplier) {
        /* Indexed by gcdump type index; our type 0 is the graph's UNDEFINED type if any. */
        gw_i32(w, (int32_t)p->n_types);
        gw_f32(w, p->undef_id != HD_NODE_NONE ? m->type_multiplier[p->undef_id] : 1.0f);
        for (uint32_t t = 0; t < g->types.count; t++)
            if (t != p->undef_id) gw_f32(w, m->type_multiplier[t]);
    } else {
        gw_i32(w, 0);
    }

    /* Tagged InteropInfo: a SkipRegion whose forward reference #0 is the offset just after
     * the (null) object. */
    gw_u8(w, FS_SKIP_REGION);
    gw_i32(w, 0);
    gw_u8(w, FS_NULL);
    uint64_t fwd0 = w->pos;

    gw_u8(w, FS_STRING);
    gw_str(w, GW_CREATION_TOOL);
    gw_u8(w, FS_END); /* end of GCHeapDump */
    gw_u8(w, FS_END); /* unbalanced: no more objects */

    uint64_t table = w->pos;
    gw_i32(w, 1);
    gw_u32(w, (uint32_t)fwd0);
    uint64_t trailer = w->pos;
    gw_u32(w, (uint32_t)table);
    gw_u32(w, (uint32_t)trailer);
    gw_flush(w);
}

int hd_gcdump_write(const hd_graph *g, const char *path, hd_error *err)
{
    gw_plan plan;
    gw *w = NULL;
    hd_outfile out = {.fd = -1};
    int rc = plan_graph(&plan, g, path, err);
    if (rc) goto out;

    uint64_t expect = file_length(&plan);
    if (expect > UINT32_MAX) {
        rc = hd_error_set(err, HD_EINTERNAL,
                          "%s: the .gcdump would take %llu bytes; its 4-byte offsets reach 4 GiB",
                          path, (unsigned long long)expect);
        goto out;
    }
    w = malloc(sizeof *w);
    if (!w) {
        rc = hd_error_oom(err, "gcdump writer", sizeof *w);
        goto out;
    }
    if ((rc = hd_outfile_open(&out, path, 1, err))) goto out;
    w->f = out.f;
    w->pos = 0;
    w->len = 0;
    w->err = 0;
    errno = 0;
    write_file(w, &plan);
    if (!w->err && fflush(out.f) != 0) w->err = errno ? errno : EIO;
    if (w->err) {
        rc = hd_error_set(err, HD_EINTERNAL, "%s: write failed: %s", out.tmp, strerror(w->err));
        goto out;
    }
    if (w->pos != expect) {
        rc = hd_error_set(err, HD_EINTERNAL, "%s: wrote %llu bytes, planned %llu (writer bug)",
                          path, (unsigned long long)w->pos, (unsigned long long)expect);
        goto out;
    }
    rc = hd_outfile_commit(&out, err);
out:
    hd_outfile_abort(&out);
    free(w);
    free(plan.tmap);
    free(plan.tsize);
    return rc;
}
