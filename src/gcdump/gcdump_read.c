/* .gcdump reader: FastSerialization container -> GCHeapDump -> Graphs.MemoryGraph -> hd_graph.
 * Byte layout: formats/gcdump.md (from shared/research/gcdump-format.md). Every count is bounded
 * by the bytes that remain before it is used for an allocation; every offset and child index is
 * checked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcdump/fastser.h"
#include "heapdiff/gcdump.h"
#include "util/alloc.h"
#include "util/endian.h"

/* What a node record (§4.2) decodes to. */
typedef struct node_rec {
    int32_t type;
    int64_t size;
    int32_t n_children;
    uint64_t children; /* blob offset of the first child delta */
} node_rec;

typedef struct gc_reader {
    fs_reader r;
    hd_graph *g;
    int version;   /* GCHeapDump version */
    int graph_min; /* MemoryGraph MinimumReaderVersion: 1 = deferred types follow the blob */
    int32_t n_types;
    uint64_t *type_pos; /* file offset of each type record, re-read when interning */
    int32_t *type_size;
    uint32_t *type_map;   /* file type index -> interned type id */
    int32_t *def_id;      /* deferred (ProjectN) type ids, or NULL */
    uint64_t *def_module; /* offset of the module path string, 0 = none */
    int32_t n_nodes;
    uint64_t offsets_at; /* file offset of the u32 node offsets */
    uint64_t blob_at;
    uint32_t blob_len;
    int64_t total_size;
    int32_t root;
    int is64;             /* -1 unknown */
    uint64_t *mod_labels; /* Graphs.Module objects: label and path-string offset, by label */
    uint64_t *mod_paths;
    uint64_t n_mods, cap_mods, cap_mod_paths;
} gc_reader;

int hd_gcdump_sniff(const uint8_t *data, uint64_t size)
{
    return size >= 24 && memcmp(data, "\x14\0\0\0!FastSerialization.1", 24) == 0;
}

/* Compressed int (§4.3): big-endian 7-bit groups, first group sign-extended, 1-5 bytes.
 * Arithmetic is 32-bit with wrap-around, as in Node.ReadCompressedInt. */
static int read_cint(gc_reader *gr, uint64_t *off, int32_t *v, hd_node node, const char *what)
{
    const uint8_t *blob = gr->r.data + gr->blob_at;
    uint64_t o = *off;
    if (o >= gr->blob_len) goto past;
    uint8_t b = blob[o++];
    uint32_t ret = (uint32_t)((int32_t)((uint32_t)b << 25) >> 25);
    for (int i = 0; i < 4 && (b & 0x80); i++) {
        if (o >= gr->blob_len) goto past;
        b = blob[o++];
        ret = (ret << 7) + (i < 3 ? (b & 0x7Fu) : b);
    }
    *v = (int32_t)ret;
    *off = o;
    return HD_OK;
past:
    return fs_fail_at(&gr->r, gr->blob_at + *off,
                      "node %u: %s runs past the end of the node blob (%u bytes)", node, what,
                      gr->blob_len);
}

static int read_node(gc_reader *gr, hd_node i, node_rec *n)
{
    uint64_t at = gr->offsets_at + 4ull * i;
    uint64_t off = hd_le32(gr->r.data + at);
    if (off >= gr->blob_len)
        return fs_fail_at(&gr->r, at,
                          "node %u: record offset %llu is past the node blob (%u bytes)", i,
                          (unsigned long long)off, gr->blob_len);
    int32_t tas, v;
    if (read_cint(gr, &off, &tas, i, "type")) return HD_EINPUT;
    n->type = tas >> 1; /* arithmetic shift: a negative index stays negative and is refused */
    if (n->type < 0 || n->type >= gr->n_types)
        return fs_fail_at(&gr->r, gr->blob_at + off, "node %u: type index %d, expected 0..%d", i,
                          n->type, gr->n_types - 1);
    if (tas & 1) {
        if (read_cint(gr, &off, &v, i, "size")) return HD_EINPUT;
        if (v < 0) return fs_fail_at(&gr->r, gr->blob_at + off, "node %u: negative size %d", i, v);
        n->size = v;
    } else {
        n->size = gr->type_size[n->type];
        if (n->size < 0)
            return fs_fail_at(&gr->r, gr->blob_at + off,
                              "node %u: takes its size from type %d, which has none", i, n->type);
    }
    if (read_cint(gr, &off, &v, i, "child count")) return HD_EINPUT;
    if (v < 0 || (uint64_t)v > gr->blob_len - off)
        return fs_fail_at(&gr->r, gr->blob_at + off,
                          "node %u: %d children do not fit in the %llu bytes left in the blob", i,
                          v, (unsigned long long)(gr->blob_len - off));
    n->n_children = v;
    n->children = off;
    return HD_OK;
}

/* Decodes node i's children; writes them to out when it is not NULL. */
static int read_children(gc_reader *gr, hd_node i, const node_rec *n, uint32_t *out)
{
    uint64_t off = n->children;
    for (int32_t c = 0; c < n->n_children; c++) {
        int32_t delta;
        if (read_cint(gr, &off, &delta, i, "child")) return HD_EINPUT;
        int64_t child = (int64_t)i + delta;
        if (child < 0 || child >= gr->n_nodes)
            return fs_fail_at(&gr->r, gr->blob_at + off,
                              "node %u: child %d is node %lld, expected 0..%d", i, c,
                              (long long)child, gr->n_nodes - 1);
        if (out) out[c] = (uint32_t)child;
    }
    return HD_OK;
}

static int read_type_table(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    /* A type record is at least 12 bytes: two null strings and a size. */
    if (fs_count(r, &gr->n_types, 12, "type count")) return HD_EINPUT;
    if (gr->n_types == 0) return fs_fail(r, "the type table is empty; expected at least UNDEFINED");
    gr->type_pos = hd_alloc((uint64_t)gr->n_types, sizeof *gr->type_pos, "types", r->err);
    gr->type_size = hd_alloc((uint64_t)gr->n_types, sizeof *gr->type_size, "types", r->err);
    if (!gr->type_pos || !gr->type_size) return r->failed = 1, HD_EINTERNAL;
    for (int32_t t = 0; t < gr->n_types; t++) {
        int is_null;
        uint64_t len;
        gr->type_pos[t] = r->pos;
        if (fs_string(r, &is_null, &len, "type name") ||
            fs_i32(r, &gr->type_size[t], "type size") ||
            fs_string(r, &is_null, &len, "type module"))
            return HD_EINPUT;
    }
    return HD_OK;
}

static int find_module(const gc_reader *gr, uint64_t label, uint64_t *path_at)
{
    uint64_t lo = 0, hi = gr->n_mods;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (gr->mod_labels[mid] < label)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < gr->n_mods && gr->mod_labels[lo] == label) {
        *path_at = gr->mod_paths[lo];
        return 1;
    }
    return 0;
}

/* A Graphs.Module object (§4.6). *path_at gets the offset of its Path string (0 if none). */
static int read_module(gc_reader *gr, uint64_t *path_at)
{
    fs_reader *r = &gr->r;
    uint64_t at = r->pos;
    int kind, is_null;
    uint64_t len;
    fs_type ty;
    int64_t i64;
    int32_t i32;
    *path_at = 0;
    if (fs_object(r, &kind, &ty, "module")) return HD_EINPUT;
    if (kind == FS_NULL) return HD_OK;
    if (kind == FS_OBJREF) {
        uint32_t label = hd_le32(r->data + at + 1);
        if (!find_module(gr, label, path_at))
            return fs_fail_at(r, at, "reference to a module at offset %u, where none was read",
                              label);
        return HD_OK;
    }
    if (strcmp(ty.name, "Graphs.Module") != 0)
        return fs_fail_at(r, at, "expected a Graphs.Module object, found type \"%s\"", ty.name);
    uint64_t path = r->pos;
    if (fs_string(r, &is_null, &len, "module path") || fs_i64(r, &i64, "module base") ||
        fs_i64(r, &i64, "module size") || fs_i64(r, &i64, "module build time") ||
        fs_string(r, &is_null, &len, "PDB name") || fs_skip(r, 16, "PDB GUID") ||
        fs_i32(r, &i32, "PDB age") || fs_end_object(r, "Graphs.Module"))
        return HD_EINPUT;
    *path_at = path;
    uint64_t cap = gr->cap_mods;
    if (hd_grow((void **)&gr->mod_labels, &cap, gr->n_mods + 1, sizeof *gr->mod_labels, "modules",
                r->err) ||
        hd_grow((void **)&gr->mod_paths, &gr->cap_mod_paths, gr->n_mods + 1, sizeof *gr->mod_paths,
                "modules", r->err))
        return r->failed = 1, HD_EINTERNAL;
    gr->cap_mods = cap;
    gr->mod_labels[gr->n_mods] = at; /* labels grow with the position: the table stays sorted */
    gr->mod_paths[gr->n_mods++] = path;
    return HD_OK;
}

/* Deferred (ProjectN) types (§4.6): names resolved from PDBs in PerfView; we show what PerfView
 * shows without PDBs, "TypeID(0x...)". */
static int read_deferred_types(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    int32_t fwd, count;
    if (fs_i32(r, &fwd, "deferred region") || fs_count(r, &count, 9, "deferred type count"))
        return HD_EINPUT;
    gr->def_id = hd_calloc((uint64_t)gr->n_types, sizeof *gr->def_id, "deferred types", r->err);
    gr->def_module =
        hd_calloc((uint64_t)gr->n_types, sizeof *gr->def_module, "deferred types", r->err);
    if (!gr->def_id || !gr->def_module) return r->failed = 1, HD_EINTERNAL;
    for (int32_t i = 0; i < count; i++) {
        int32_t id;
        uint64_t path;
        int is_null;
        uint64_t len;
        if (fs_i32(r, &id, "deferred type id") || read_module(gr, &path) ||
            fs_string(r, &is_null, &len, "deferred type suffix"))
            return HD_EINPUT;
        if (i < gr->n_types) {
            gr->def_id[i] = id;
            gr->def_module[i] = path;
        }
    }
    if (fs_end_object(r, "deferred region")) return HD_EINPUT;
    return fs_goto_forward(r, fwd, "deferred region");
}

static char *dup_scratch(fs_reader *r, int is_null, uint64_t len)
{
    return is_null ? NULL : hd_strndup(r->scratch, len, r->err);
}

static int intern_types(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    hd_graph *g = gr->g;
    gr->type_map = hd_alloc((uint64_t)gr->n_types, sizeof *gr->type_map, "types", r->err);
    if (!gr->type_map) return r->failed = 1, HD_EINTERNAL;
    uint64_t saved = r->pos;
    for (int32_t t = 0; t < gr->n_types; t++) {
        int name_null, mod_null;
        uint64_t name_len, mod_len;
        int32_t size;
        r->pos = gr->type_pos[t];
        if (fs_string(r, &name_null, &name_len, "type name")) return HD_EINPUT;
        char *name = dup_scratch(r, name_null, name_len);
        if (!name_null && !name) return r->failed = 1, HD_EINTERNAL;
        if (fs_i32(r, &size, "type size") || fs_string(r, &mod_null, &mod_len, "type module")) {
            free(name);
            return HD_EINPUT;
        }
        if (mod_null && gr->def_module && gr->def_module[t]) {
            r->pos = gr->def_module[t];
            if (fs_string(r, &mod_null, &mod_len, "module path")) {
                free(name);
                return HD_EINPUT;
            }
        }
        char fallback[64];
        if (name_null) {
            if (gr->def_id)
                snprintf(fallback, sizeof fallback, "TypeID(0x%x)", (uint32_t)gr->def_id[t]);
            else
                snprintf(fallback, sizeof fallback, "(unnamed type %d)", t);
        }
        const char *nm = name ? name : fallback;
        int rc = hd_typetab_intern(&g->types, nm, strlen(nm), mod_null ? NULL : r->scratch,
                                   mod_null ? 0 : mod_len, &gr->type_map[t], r->err);
        free(name);
        if (rc) return r->failed = 1, rc;
    }
    r->pos = saved;
    return HD_OK;
}

static int build_graph(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    hd_graph *g = gr->g;
    uint64_t n_edges = 0;
    node_rec rec;
    /* Pass 1: validate every record and count the edges; the blob bounds the count. */
    for (int32_t i = 0; i < gr->n_nodes; i++) {
        if (read_node(gr, (hd_node)i, &rec) || read_children(gr, (hd_node)i, &rec, NULL))
            return HD_EINPUT;
        n_edges += (uint64_t)rec.n_children;
    }
    if (hd_graph_alloc(g, (uint64_t)gr->n_nodes, n_edges, r->err))
        return r->failed = 1, r->err->code;
    /* Pass 2: fill the CSR arrays in node order. */
    uint64_t e = 0;
    for (int32_t i = 0; i < gr->n_nodes; i++) {
        read_node(gr, (hd_node)i, &rec);
        g->first[i] = e;
        g->type[i] = gr->type_map[rec.type];
        if (hd_graph_set_size(g, (hd_node)i, (uint64_t)rec.size, r->err))
            return r->failed = 1, r->err->code;
        if (read_children(gr, (hd_node)i, &rec, g->target + e)) return HD_EINPUT;
        e += (uint64_t)rec.n_children;
    }
    g->first[gr->n_nodes] = e;
    return HD_OK;
}

static int read_memory_graph(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    uint64_t at = r->pos;
    int kind;
    fs_type ty;
    if (fs_object(r, &kind, &ty, "MemoryGraph")) return HD_EINPUT;
    if (kind != FS_BEGIN || strcmp(ty.name, "Graphs.MemoryGraph") != 0)
        return fs_fail_at(r, at, "expected the Graphs.MemoryGraph object%s%s%s",
                          kind == FS_BEGIN ? ", found type \"" : "",
                          kind == FS_BEGIN ? ty.name : "", kind == FS_BEGIN ? "\"" : "");
    gr->graph_min = ty.min_reader;
    if (ty.min_reader > 1)
        return fs_fail_at(r, at,
                          "Graphs.MemoryGraph needs reader version %d; heapdiff reads "
                          "versions up to 1",
                          ty.min_reader);
    if (fs_i64(r, &gr->total_size, "total size") || fs_i32(r, &gr->root, "root index") ||
        read_type_table(gr))
        return HD_EINPUT;
    if (fs_count(r, &gr->n_nodes, 4, "node count")) return HD_EINPUT;
    gr->offsets_at = r->pos;
    if (fs_skip(r, 4ull * (uint64_t)gr->n_nodes, "node offsets")) return HD_EINPUT;
    int32_t blob_len;
    if (fs_count(r, &blob_len, 1, "node blob length")) return HD_EINPUT;
    gr->blob_len = (uint32_t)blob_len;
    gr->blob_at = r->pos;
    if (fs_skip(r, gr->blob_len, "node blob")) return HD_EINPUT;
    if (gr->graph_min >= 1 && read_deferred_types(gr)) return HD_EINPUT;
    int32_t n_addr;
    if (fs_count(r, &n_addr, 8, "address count")) return HD_EINPUT;
    uint64_t addr_at = r->pos;
    if (fs_skip(r, 8ull * (uint64_t)n_addr, "addresses")) return HD_EINPUT;
    uint8_t is64;
    if (fs_try_tag(r, FS_BYTE) && !fs_u8(r, &is64, "Is64Bit")) gr->is64 = is64 != 0;
    if (fs_end_object(r, "Graphs.MemoryGraph")) return HD_EINPUT;

    if (gr->n_nodes == 0) return fs_fail_at(r, at, "the graph has no nodes");
    if (gr->root < 0 || gr->root >= gr->n_nodes)
        return fs_fail_at(r, at, "root index %d, expected 0..%d", gr->root, gr->n_nodes - 1);
    if (intern_types(gr) || build_graph(gr)) return HD_EINPUT;
    hd_graph *g = gr->g;
    g->root = (hd_node)gr->root;
    for (int32_t i = 0; i < n_addr && i < gr->n_nodes; i++) {
        const uint8_t *p = r->data + addr_at + 8ull * (uint64_t)i;
        g->addr[i] = (uint64_t)hd_le32(p) | (uint64_t)hd_le32(p + 4) << 32;
    }
    g->meta.stored_total_size = (uint64_t)gr->total_size;
    return HD_OK;
}

static int read_segments_object(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    int kind;
    fs_type ty;
    if (fs_object(r, &kind, &ty, "GCHeapDumpSegment")) return HD_EINPUT;
    if (kind != FS_BEGIN) return HD_OK;
    if (strcmp(ty.name, "GCHeapDumpSegment") != 0)
        return fs_fail(r, "expected a GCHeapDumpSegment object, found type \"%s\"", ty.name);
    /* Start, End, Gen0End..Gen3End; Gen4End only from type version 1 (DotNetHeapInfo.cs). */
    if (fs_skip(r, ty.version >= 1 ? 7 * 8 : 6 * 8, "GCHeapDumpSegment")) return HD_EINPUT;
    return fs_end_object(r, "GCHeapDumpSegment");
}

static int read_dotnet_heap_info(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    int kind;
    fs_type ty;
    int64_t seg_size;
    int32_t n;
    if (fs_object(r, &kind, &ty, "DotNetHeapInfo")) return HD_EINPUT;
    if (kind != FS_BEGIN) return HD_OK;
    if (fs_i64(r, &seg_size, "SizeOfAllSegments") || fs_count(r, &n, 1, "segment count"))
        return HD_EINPUT;
    for (int32_t i = 0; i < n; i++)
        if (read_segments_object(gr)) return HD_EINPUT;
    return fs_end_object(r, "DotNetHeapInfo");
}

static int read_interop_info(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    int kind;
    fs_type ty;
    if (fs_object(r, &kind, &ty, "InteropInfo")) return HD_EINPUT;
    if (kind != FS_BEGIN) return HD_OK;
    int32_t total, n_rcw, n_ccw, n_intf, n_mod;
    if (fs_i32(r, &total, "interop object count")) return HD_EINPUT;
    if (total != 0) {
        if (fs_count(r, &n_rcw, 0, "RCW count") || fs_count(r, &n_ccw, 0, "CCW count") ||
            fs_count(r, &n_intf, 0, "interface count") || fs_count(r, &n_mod, 0, "module count"))
            return HD_EINPUT;
        /* Record sizes from GCHeapDump.cs: RCW 40, CCW 32, interface 33 bytes. */
        if (fs_skip(r, 40ull * (uint64_t)n_rcw, "RCW records") ||
            fs_skip(r, 32ull * (uint64_t)n_ccw, "CCW records") ||
            fs_skip(r, 33ull * (uint64_t)n_intf, "interface records"))
            return HD_EINPUT;
        for (int32_t i = 0; i < n_mod; i++) {
            int is_null;
            uint64_t len;
            if (fs_skip(r, 16, "interop module") || fs_string(r, &is_null, &len, "module name"))
                return HD_EINPUT;
        }
    }
    return fs_end_object(r, "InteropInfo");
}

static int read_process_fields(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    hd_graph_meta *m = &gr->g->meta;
    int is_null;
    uint64_t len;
    int64_t i64;
    if (fs_string(r, &is_null, &len, "CollectionLog") ||
        fs_i64(r, &m->time_ticks, "TimeCollected") || fs_string(r, &is_null, &len, "MachineName"))
        return HD_EINPUT;
    if (!is_null && !(m->machine_name = hd_strndup(r->scratch, len, r->err)))
        return r->failed = 1, HD_EINTERNAL;
    if (fs_string(r, &is_null, &len, "ProcessName")) return HD_EINPUT;
    if (!is_null && !(m->process_name = hd_strndup(r->scratch, len, r->err)))
        return r->failed = 1, HD_EINTERNAL;
    return fs_i32(r, &m->process_id, "ProcessID") || fs_i64(r, &i64, "TotalProcessCommit") ||
           fs_i64(r, &i64, "TotalProcessWorkingSet");
}

static int read_multipliers(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    hd_graph *g = gr->g;
    int32_t n;
    if (fs_count(r, &n, 4, "CountMultipliersByType count")) return HD_EINPUT;
    if (n == 0) return HD_OK;
    g->meta.type_multiplier =
        hd_alloc(g->types.count, sizeof *g->meta.type_multiplier, "multipliers", r->err);
    if (!g->meta.type_multiplier) return r->failed = 1, HD_EINTERNAL;
    for (uint32_t t = 0; t < g->types.count; t++) g->meta.type_multiplier[t] = 1.0f;
    for (int32_t i = 0; i < n; i++) {
        uint64_t at = r->pos;
        float f;
        if (fs_f32(r, &f, "count multiplier")) return HD_EINPUT;
        if (!isfinite(f) || f <= 0 || f > 1e9f)
            return fs_fail_at(r, at, "count multiplier %d is %g, expected a positive number", i, f);
        if (i < gr->n_types) g->meta.type_multiplier[gr->type_map[i]] = f;
    }
    return HD_OK;
}

/* A sampling average: 1.0 when not sampled, 0 from writers that leave it unset; reports
 * print it, so anything not a finite positive number is refused. */
static int read_average(fs_reader *r, float *v, const char *what)
{
    uint64_t at = r->pos;
    if (fs_f32(r, v, what)) return HD_EINPUT;
    if (*v == 0) *v = 1.0f;
    if (!isfinite(*v) || *v < 0 || *v > 1e9f)
        return fs_fail_at(r, at, "%s is %g, expected a positive number", what, (double)*v);
    return HD_OK;
}

static int read_gcheapdump(gc_reader *gr)
{
    fs_reader *r = &gr->r;
    hd_graph_meta *m = &gr->g->meta;
    uint64_t at = r->pos;
    int kind;
    fs_type ty;
    if (fs_object(r, &kind, &ty, "GCHeapDump")) return HD_EINPUT;
    if (kind != FS_BEGIN || strcmp(ty.name, "GCHeapDump") != 0)
        return fs_fail_at(r, at, "expected the GCHeapDump entry object");
    gr->version = ty.version;
    m->gcdump_version = ty.version;
    /* SerializationType.FromStream checks, then GCHeapDump.FromStream's own (§2.4). */
    if (ty.version < 4 || ty.version == 8 || (ty.min_reader > 0 && ty.min_reader > 10))
        return fs_fail_at(r, at,
                          "GCHeapDump version %d (minimum reader %d) is not supported; heapdiff "
                          "reads versions 4-7 and 9-10 (and later ones that accept a version-10 "
                          "reader)",
                          ty.version, ty.min_reader);
    if (read_memory_graph(gr)) return HD_EINPUT;
    if (gr->version < 8) {
        /* Legacy layout (§3.4). */
        int64_t i64;
        uint8_t b;
        int32_t n;
        if (fs_i64(r, &i64, "SizeOfAllSegments") || fs_i64(r, &i64, "dumped size") ||
            fs_i64(r, &i64, "dumped objects") || fs_u8(r, &b, "all dumped"))
            return HD_EINPUT;
        if (gr->version >= 5 && read_process_fields(gr)) return HD_EINPUT;
        if (gr->version >= 6) {
            if (fs_count(r, &n, 1, "segment count")) return HD_EINPUT;
            for (int32_t i = 0; i < n; i++)
                if (read_segments_object(gr)) return HD_EINPUT;
        }
        if (gr->version >= 7) {
            if (fs_u8(r, &b, "Is64Bit")) return HD_EINPUT;
            if (gr->is64 < 0) gr->is64 = b != 0;
        }
        return fs_end_object(r, "GCHeapDump");
    }
    uint8_t is64;
    if (fs_u8(r, &is64, "Is64Bit") ||
        read_average(r, &m->avg_count_multiplier, "AverageCountMultiplier") ||
        read_average(r, &m->avg_size_multiplier, "AverageSizeMultiplier"))
        return HD_EINPUT;
    if (gr->is64 < 0) gr->is64 = is64 != 0;
    int kind_js;
    fs_type ty_js;
    if (fs_object(r, &kind_js, &ty_js, "JSHeapInfo") ||
        (kind_js == FS_BEGIN && fs_end_object(r, "JSHeapInfo")))
        return HD_EINPUT;
    if (read_dotnet_heap_info(gr) || read_process_fields(gr) || read_multipliers(gr))
        return HD_EINPUT;
    if (fs_try_tag(r, FS_SKIP_REGION)) {
        int32_t fwd;
        if (fs_i32(r, &fwd, "InteropInfo region") || read_interop_info(gr) ||
            fs_goto_forward(r, fwd, "InteropInfo region"))
            return HD_EINPUT;
    }
    if (fs_try_tag(r, FS_STRING)) {
        /* The tag was consumed; the string follows. */
        int is_null;
        uint64_t len;
        if (fs_string(r, &is_null, &len, "CreationTool")) return HD_EINPUT;
        if (!is_null && !(m->creation_tool = hd_strndup(r->scratch, len, r->err)))
            return r->failed = 1, HD_EINTERNAL;
    }
    return fs_end_object(r, "GCHeapDump");
}

int hd_gcdump_read(const char *name, const uint8_t *data, uint64_t size, hd_graph *g, hd_error *err)
{
    gc_reader gr;
    memset(&gr, 0, sizeof gr);
    gr.g = g;
    gr.is64 = -1;
    hd_graph_init(g);
    fs_init(&gr.r, name, data, size, err);
    int rc = fs_open(&gr.r);
    if (!rc) rc = read_gcheapdump(&gr);
    if (!rc && gr.r.pos != gr.r.end)
        rc = fs_fail(&gr.r, "expected the end of the objects (the trailer area starts at %llu)",
                     (unsigned long long)gr.r.end);
    if (!rc) {
        snprintf(g->meta.format, sizeof g->meta.format, "gcdump");
        g->meta.pointer_size = gr.is64 > 0 ? 8 : 4;
        if (g->meta.avg_count_multiplier == 0) g->meta.avg_count_multiplier = 1.0f;
        if (g->meta.avg_size_multiplier == 0) g->meta.avg_size_multiplier = 1.0f;
    }
    if (rc && err->code == HD_OK) hd_error_at(err, name, gr.r.pos, "malformed .gcdump");
    rc = err->code;
    free(gr.type_pos);
    free(gr.type_size);
    free(gr.type_map);
    free(gr.def_id);
    free(gr.def_module);
    free(gr.mod_labels);
    free(gr.mod_paths);
    fs_free(&gr.r);
    if (rc) hd_graph_free(g);
    return rc;
}
