/* .hgraph reader (formats/hgraph.md).
 *
 * Order of trust: the header (magic, version, its own checksum, the file length), then the
 * section table (its checksum, each entry's bounds and alignment, then each section's
 * checksum), then the counts in META against every section's length, and only then the
 * contents, each index checked against the count it indexes. Every allocation is therefore
 * bounded by bytes present in the file. The arrays are copied into the graph (which owns and
 * frees them); on a little-endian host each copy is one memcpy of the file's bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "heapdiff/hgraph.h"
#include "hgraph/hgraph_format.h"
#include "util/alloc.h"
#include "util/endian.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HG_HOST_LE 1
#else
#define HG_HOST_LE 0
#endif

typedef struct sec {
    uint32_t id;
    uint64_t off, len, sum;
    uint64_t entry; /* offset of its table entry, for messages */
} sec;

#define SLOT_DOMS HG_N_GRAPH_SECTIONS

typedef struct rd {
    const char *name;
    const uint8_t *data;
    uint64_t size;
    hd_error *err;
    sec s[HG_N_GRAPH_SECTIONS + 1]; /* by canonical slot; len = UINT64_MAX when absent */
    /* META */
    uint32_t n_nodes, root, n_types, n_big, pointer_size, meta_flags;
    uint64_t n_edges, strings_len, n_weak;
} rd;

static const char *sec_name(uint32_t id, char out[5])
{
    for (int k = 0; k < 4; k++) {
        char c = (char)(id >> (8 * k));
        out[k] = c >= 0x20 && c < 0x7F ? c : '?';
    }
    out[4] = '\0';
    return out;
}

static int slot_of(uint32_t id)
{
    for (int i = 0; i < HG_N_GRAPH_SECTIONS; i++)
        if (hg_graph_sections[i] == id) return i;
    return id == HG_DOMS ? SLOT_DOMS : -1;
}

static int present(const rd *r, uint32_t id)
{
    return r->s[slot_of(id)].len != UINT64_MAX;
}

static const sec *get(const rd *r, uint32_t id)
{
    return &r->s[slot_of(id)];
}

/* ---- header and section table ------------------------------------------------------------ */

static int read_header(rd *r, uint64_t *tab, uint32_t *n_sec)
{
    const uint8_t *d = r->data;
    if (r->size < HG_HEADER_SIZE)
        return hd_error_at(r->err, r->name, r->size,
                           "truncated: the file is %llu bytes, expected a %u-byte .hgraph header",
                           (unsigned long long)r->size, HG_HEADER_SIZE);
    if (memcmp(d, HG_MAGIC, 8) != 0)
        return hd_error_at(r->err, r->name, 0,
                           memcmp(d, "HGRAPH", 6) == 0
                               ? "expected the signature \"HGRAPH\\r\\n\" (bytes 6-7 changed: "
                                 "was the file transferred in text mode?)"
                               : "expected the .hgraph signature \"HGRAPH\\r\\n\"");
    uint16_t major = hd_le16(d + 8), minor = hd_le16(d + 10);
    if (major != HG_VERSION_MAJOR)
        return hd_error_at(r->err, r->name, 8,
                           ".hgraph version %u.%u; this heapdiff reads version %u.x (%s)", major,
                           minor, HG_VERSION_MAJOR,
                           major > HG_VERSION_MAJOR ? "a newer heapdiff is needed" : "unknown");
    uint64_t hsum = XXH3_64bits(d, 56);
    if (hsum != hd_le64(d + 56))
        return hd_error_at(r->err, r->name, 56,
                           "header checksum mismatch: stored %016llx, bytes 0-55 hash to %016llx",
                           (unsigned long long)hd_le64(d + 56), (unsigned long long)hsum);
    uint32_t flags = hd_le32(d + 12);
    if (flags & HG_FLAG_REQUIRED_MASK)
        return hd_error_at(r->err, r->name, 12,
                           "the file needs features 0x%04x this heapdiff does not know (a newer "
                           "heapdiff is needed)",
                           flags & HG_FLAG_REQUIRED_MASK);
    uint32_t hsize = hd_le32(d + 16);
    *n_sec = hd_le32(d + 20);
    *tab = hd_le64(d + 24);
    uint64_t fsize = hd_le64(d + 32);
    if (fsize != r->size)
        return hd_error_at(r->err, r->name, 32,
                           fsize > r->size ? "truncated: the header says the file is %llu bytes, "
                                             "it is %llu"
                                           : "the header says the file is %llu bytes, it is %llu "
                                             "(trailing bytes)",
                           (unsigned long long)fsize, (unsigned long long)r->size);
    if (hsize < HG_HEADER_SIZE || hsize % 8)
        return hd_error_at(r->err, r->name, 16,
                           "header size %u, expected a multiple of 8 of at least %u", hsize,
                           HG_HEADER_SIZE);
    if (*n_sec > HG_MAX_SECTIONS)
        return hd_error_at(r->err, r->name, 20, "%u sections, expected at most %u", *n_sec,
                           HG_MAX_SECTIONS);
    if (*tab < hsize || *tab % 8 || *tab > r->size || (r->size - *tab) / HG_ENTRY_SIZE < *n_sec)
        return hd_error_at(r->err, r->name, 24,
                           "section table at %llu (%u entries of %u bytes), expected an 8-aligned "
                           "offset after the header with the table inside the file's %llu bytes",
                           (unsigned long long)*tab, *n_sec, HG_ENTRY_SIZE,
                           (unsigned long long)r->size);
    uint64_t tsum = XXH3_64bits(d + *tab, (size_t)*n_sec * HG_ENTRY_SIZE);
    if (tsum != hd_le64(d + 40))
        return hd_error_at(r->err, r->name, 40,
                           "section table checksum mismatch: stored %016llx, the table hashes to "
                           "%016llx",
                           (unsigned long long)hd_le64(d + 40), (unsigned long long)tsum);
    return HD_OK;
}

static int read_table(rd *r)
{
    uint64_t tab = 0;
    uint32_t n = 0;
    if (read_header(r, &tab, &n)) return HD_EINPUT;
    for (int i = 0; i <= SLOT_DOMS; i++) r->s[i].len = UINT64_MAX;
    uint64_t tab_end = tab + (uint64_t)n * HG_ENTRY_SIZE;
    char nm[5];
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = tab + (uint64_t)i * HG_ENTRY_SIZE;
        const uint8_t *e = r->data + at;
        sec s = {hd_le32(e), hd_le64(e + 8), hd_le64(e + 16), hd_le64(e + 24), at};
        uint32_t sflags = hd_le32(e + 4);
        int slot = slot_of(s.id);
        if (slot < 0) {
            if (sflags & HG_SEC_REQUIRED)
                return hd_error_at(r->err, r->name, at,
                                   "section '%s' (id 0x%08x) is marked required and this heapdiff "
                                   "does not know it (a newer heapdiff is needed)",
                                   sec_name(s.id, nm), s.id);
            continue; /* optional and unknown: skipped */
        }
        if (r->s[slot].len != UINT64_MAX)
            return hd_error_at(r->err, r->name, at, "second '%s' section, expected one",
                               sec_name(s.id, nm));
        if (s.off % 8 || s.off < tab_end || s.off > r->size || s.len > r->size - s.off)
            return hd_error_at(r->err, r->name, at + 8,
                               "section '%s' at %llu, %llu bytes: expected an 8-aligned offset "
                               "after the table (%llu) and an end within the file (%llu bytes)",
                               sec_name(s.id, nm), (unsigned long long)s.off,
                               (unsigned long long)s.len, (unsigned long long)tab_end,
                               (unsigned long long)r->size);
        uint64_t sum = XXH3_64bits(r->data + s.off, (size_t)s.len);
        if (sum != s.sum)
            return hd_error_at(r->err, r->name, s.off,
                               "section '%s' checksum mismatch: stored %016llx, its %llu bytes "
                               "hash to %016llx (the file is damaged)",
                               sec_name(s.id, nm), (unsigned long long)s.sum,
                               (unsigned long long)s.len, (unsigned long long)sum);
        r->s[slot] = s;
    }
    static const uint32_t required[] = {HG_META, HG_STRS, HG_TYPE, HG_NTYP,
                                        HG_NSIZ, HG_NADR, HG_EFST, HG_ETGT};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!present(r, required[i]))
            return hd_error_at(r->err, r->name, tab,
                               "the section table (%u entries) has no '%s' section, which every "
                               ".hgraph must have",
                               n, sec_name(required[i], nm));
    return HD_OK;
}

/* ---- META -------------------------------------------------------------------------------- */

static int meta_text(rd *r, const sec *m, uint32_t fixed, uint32_t field, char **out)
{
    uint32_t ref = hd_le32(r->data + m->off + field);
    if (ref == UINT32_MAX) return HD_OK;
    uint64_t area = m->len - fixed;
    const char *p = (const char *)r->data + m->off + fixed;
    if (ref >= area || !memchr(p + ref, 0, (size_t)(area - ref)))
        return hd_error_at(r->err, r->name, m->off + field,
                           "META text reference %u: expected an offset of a NUL-terminated string "
                           "inside the %llu-byte text area",
                           ref, (unsigned long long)area);
    *out = hd_strndup(p + ref, strlen(p + ref), r->err);
    return *out ? HD_OK : r->err->code;
}

/* Multipliers: finite and at most 1e9; a type's must be positive, the averages may be 0. */
static int check_mult(rd *r, uint64_t at, float f, int positive, const char *what)
{
    if (!isfinite(f) || f < 0 || (positive && f == 0) || f > HG_MAX_MULTIPLIER)
        return hd_error_at(r->err, r->name, at, "%s is %g, expected a %s number up to 1e9", what,
                           (double)f, positive ? "positive" : "non-negative");
    return HD_OK;
}

static float f32_at(const uint8_t *p)
{
    uint32_t bits = hd_le32(p);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static int read_meta(rd *r, hd_graph *g)
{
    const sec *m = get(r, HG_META);
    const uint8_t *p = r->data + m->off;
    if (m->len < HG_META_FIXED)
        return hd_error_at(r->err, r->name, m->off, "META is %llu bytes, expected at least %u",
                           (unsigned long long)m->len, HG_META_FIXED);
    uint32_t fixed = hd_le32(p);
    if (fixed < HG_META_FIXED || fixed > m->len)
        return hd_error_at(r->err, r->name, m->off,
                           "META fixed part of %u bytes, expected %u or more within its %llu",
                           fixed, HG_META_FIXED, (unsigned long long)m->len);
    r->n_nodes = hd_le32(p + 4);
    r->n_edges = hd_le64(p + 8);
    r->root = hd_le32(p + 16);
    r->n_types = hd_le32(p + 20);
    r->strings_len = hd_le64(p + 24);
    r->n_big = hd_le32(p + 32);
    r->pointer_size = hd_le32(p + 36);
    r->n_weak = hd_le64(p + 40);
    r->meta_flags = hd_le32(p + 88);
    if (r->n_nodes > HD_MAX_NODES)
        return hd_error_at(r->err, r->name, m->off + 4, "%u nodes, expected at most %u", r->n_nodes,
                           HD_MAX_NODES);
    if (r->root != HD_NODE_NONE && r->root >= r->n_nodes)
        return hd_error_at(r->err, r->name, m->off + 16,
                           "root node %u, expected a node id below %u (or none)", r->root,
                           r->n_nodes);
    if (r->n_types == UINT32_MAX)
        return hd_error_at(r->err, r->name, m->off + 20, "%u types, expected fewer", r->n_types);
    if (r->strings_len >= UINT32_MAX)
        return hd_error_at(r->err, r->name, m->off + 24,
                           "type names of %llu bytes, expected less than 4 GiB",
                           (unsigned long long)r->strings_len);
    if (r->pointer_size != 0 && r->pointer_size != 4 && r->pointer_size != 8)
        return hd_error_at(r->err, r->name, m->off + 36, "pointer size %u, expected 0, 4 or 8",
                           r->pointer_size);
    hd_graph_meta *gm = &g->meta;
    gm->pointer_size = r->pointer_size;
    gm->time_ticks = (int64_t)hd_le64(p + 48);
    gm->process_id = (int32_t)hd_le32(p + 56);
    gm->gcdump_version = (int32_t)hd_le32(p + 60);
    gm->stored_total_size = hd_le64(p + 64);
    gm->conservative_stack_roots = hd_le64(p + 72);
    gm->avg_count_multiplier = f32_at(p + 80);
    gm->avg_size_multiplier = f32_at(p + 84);
    snprintf(gm->format, sizeof gm->format, "hgraph");
    if (check_mult(r, m->off + 80, gm->avg_count_multiplier, 0, "the average count multiplier") ||
        check_mult(r, m->off + 84, gm->avg_size_multiplier, 0, "the average size multiplier") ||
        meta_text(r, m, fixed, 92, &gm->creation_tool) ||
        meta_text(r, m, fixed, 96, &gm->process_name) ||
        meta_text(r, m, fixed, 100, &gm->machine_name))
        return r->err->code;
    return HD_OK;
}

/* Every section's length against the counts in META (before anything is allocated). */
static int check_lengths(rd *r)
{
    struct {
        uint32_t id;
        uint64_t count, elem;
        int must; /* 1 present, 0 absent, -1 either (absent = count 0) */
    } want[] = {
        {HG_STRS, r->strings_len, 1, 1},
        {HG_TYPE, r->n_types, HG_TYPE_RECORD, 1},
        {HG_MULT, r->n_types, 4, (r->meta_flags & 1) ? 1 : 0},
        {HG_NTYP, r->n_nodes, 4, 1},
        {HG_NSIZ, r->n_nodes, 4, 1},
        {HG_BIGS, r->n_big, HG_BIG_RECORD, r->n_big ? 1 : -1},
        {HG_NADR, r->n_nodes, 8, 1},
        {HG_EFST, (uint64_t)r->n_nodes + 1, 8, 1},
        {HG_ETGT, r->n_edges, 4, 1},
        {HG_WEAK, r->n_weak, HG_WEAK_RECORD, r->n_weak ? 1 : -1},
    };
    char nm[5];
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const sec *s = get(r, want[i].id);
        int has = present(r, want[i].id);
        if (!has && want[i].must == 1)
            return hd_error_at(r->err, r->name, get(r, HG_META)->off,
                               "META announces %llu entries for a '%s' section the file does "
                               "not have",
                               (unsigned long long)want[i].count, sec_name(want[i].id, nm));
        if (has && want[i].must == 0)
            return hd_error_at(r->err, r->name, s->entry,
                               "a '%s' section in a file whose META says it is not sampled",
                               sec_name(want[i].id, nm));
        if (has && (s->len % want[i].elem || s->len / want[i].elem != want[i].count))
            return hd_error_at(r->err, r->name, s->entry + 16,
                               "section '%s' is %llu bytes, expected %llu entries of %llu bytes "
                               "(from META)",
                               sec_name(want[i].id, nm), (unsigned long long)s->len,
                               (unsigned long long)want[i].count, (unsigned long long)want[i].elem);
    }
    return HD_OK;
}

/* ---- types ------------------------------------------------------------------------------- */

static int read_types(rd *r, hd_graph *g)
{
    const sec *ss = get(r, HG_STRS), *ts = get(r, HG_TYPE);
    const char *arena = (const char *)r->data + ss->off;
    if (r->strings_len && arena[r->strings_len - 1] != '\0')
        return hd_error_at(r->err, r->name, ss->off + ss->len - 1,
                           "the type name arena does not end with a NUL byte");
    for (uint32_t i = 0; i < r->n_types; i++) {
        uint64_t at = ts->off + (uint64_t)i * HG_TYPE_RECORD;
        const uint8_t *p = r->data + at;
        uint32_t name = hd_le32(p), module = hd_le32(p + 4);
        uint8_t kind = p[8], root = p[9];
        if (name >= r->strings_len || (module != HD_STR_NONE && module >= r->strings_len))
            return hd_error_at(r->err, r->name, at,
                               "type %u names strings at %u and %u, expected offsets below %llu "
                               "(or 0xffffffff for no module)",
                               i, name, module, (unsigned long long)r->strings_len);
        if (kind > HD_KIND_PSEUDO || root > HD_ROOT_OTHER)
            return hd_error_at(r->err, r->name, at + 8,
                               "type %u has kind %u and root kind %u, expected at most %u and %u",
                               i, kind, root, HD_KIND_PSEUDO, HD_ROOT_OTHER);
        const char *nm = arena + name, *md = module == HD_STR_NONE ? NULL : arena + module;
        uint32_t id;
        if (hd_typetab_intern(&g->types, nm, strlen(nm), md, md ? strlen(md) : 0, &id, r->err))
            return r->err->code;
        if (id != i)
            return hd_error_at(r->err, r->name, at,
                               "type %u has the same name and module as type %u, expected "
                               "distinct types",
                               i, id);
        g->types.types[i].kind = kind;
        g->types.types[i].root = root;
    }
    if (r->meta_flags & 1) {
        const sec *ms = get(r, HG_MULT);
        g->meta.type_multiplier =
            hd_alloc(r->n_types, sizeof *g->meta.type_multiplier, "multipliers", r->err);
        if (!g->meta.type_multiplier) return r->err->code;
        for (uint32_t i = 0; i < r->n_types; i++) {
            uint64_t at = ms->off + (uint64_t)i * 4;
            g->meta.type_multiplier[i] = f32_at(r->data + at);
            if (check_mult(r, at, g->meta.type_multiplier[i], 1, "a type's multiplier"))
                return HD_EINPUT;
        }
    }
    return HD_OK;
}

/* ---- nodes and edges --------------------------------------------------------------------- */

static void copy_u32(uint32_t *dst, const uint8_t *src, uint64_t n)
{
    if (HG_HOST_LE) {
        if (n) memcpy(dst, src, (size_t)(n * 4));
    } else {
        for (uint64_t i = 0; i < n; i++) dst[i] = hd_le32(src + 4 * i);
    }
}

static void copy_u64(uint64_t *dst, const uint8_t *src, uint64_t n)
{
    if (HG_HOST_LE) {
        if (n) memcpy(dst, src, (size_t)(n * 8));
    } else {
        for (uint64_t i = 0; i < n; i++) dst[i] = hd_le64(src + 8 * i);
    }
}

static int read_nodes(rd *r, hd_graph *g)
{
    uint32_t n = r->n_nodes;
    if (hd_graph_alloc(g, n, r->n_edges, r->err)) return r->err->code;
    g->root = r->root;
    copy_u32(g->type, r->data + get(r, HG_NTYP)->off, n);
    copy_u32(g->size, r->data + get(r, HG_NSIZ)->off, n);
    copy_u64(g->addr, r->data + get(r, HG_NADR)->off, n);
    copy_u64(g->first, r->data + get(r, HG_EFST)->off, (uint64_t)n + 1);
    copy_u32(g->target, r->data + get(r, HG_ETGT)->off, r->n_edges);

    uint64_t n_big_marks = 0;
    for (uint32_t v = 0; v < n; v++) {
        if (g->type[v] >= r->n_types)
            return hd_error_at(r->err, r->name, get(r, HG_NTYP)->off + 4ull * v,
                               "node %u has type %u, expected a type id below %u", v, g->type[v],
                               r->n_types);
        n_big_marks += g->size[v] == HD_SIZE_BIG;
    }
    uint64_t fo = get(r, HG_EFST)->off;
    if (g->first[0] != 0)
        return hd_error_at(r->err, r->name, fo, "the first edge offset is %llu, expected 0",
                           (unsigned long long)g->first[0]);
    for (uint32_t v = 0; v < n; v++)
        if (g->first[v + 1] < g->first[v])
            return hd_error_at(r->err, r->name, fo + 8ull * (v + 1),
                               "edge offset of node %u is %llu, expected at least %llu (node %u's)",
                               v + 1, (unsigned long long)g->first[v + 1],
                               (unsigned long long)g->first[v], v);
    if (g->first[n] != r->n_edges)
        return hd_error_at(r->err, r->name, fo + 8ull * n,
                           "the last edge offset is %llu, expected the edge count %llu",
                           (unsigned long long)g->first[n], (unsigned long long)r->n_edges);
    for (uint64_t e = 0; e < r->n_edges; e++)
        if (g->target[e] >= n)
            return hd_error_at(r->err, r->name, get(r, HG_ETGT)->off + 4 * e,
                               "edge %llu points to node %u, expected a node id below %u",
                               (unsigned long long)e, g->target[e], n);

    if (n_big_marks != r->n_big)
        return hd_error_at(r->err, r->name, get(r, HG_NSIZ)->off,
                           "%llu nodes have the big-size mark 0xffffffff, META announces %u big "
                           "sizes",
                           (unsigned long long)n_big_marks, r->n_big);
    if (r->n_big) {
        g->big = hd_alloc(r->n_big, sizeof *g->big, "big sizes", r->err);
        if (!g->big) return r->err->code;
        g->n_big = g->cap_big = r->n_big;
        uint64_t bo = get(r, HG_BIGS)->off;
        for (uint32_t i = 0; i < r->n_big; i++) {
            const uint8_t *p = r->data + bo + (uint64_t)i * HG_BIG_RECORD;
            g->big[i].node = hd_le32(p);
            g->big[i].size = hd_le64(p + 8);
            if (g->big[i].node >= n || g->size[g->big[i].node] != HD_SIZE_BIG ||
                (i && g->big[i].node <= g->big[i - 1].node) || g->big[i].size < HD_SIZE_BIG)
                return hd_error_at(r->err, r->name, bo + (uint64_t)i * HG_BIG_RECORD,
                                   "big size %u: node %u, %llu bytes; expected nodes in "
                                   "increasing order, each marked 0xffffffff in NSIZ, sizes of "
                                   "at least 0xffffffff",
                                   i, g->big[i].node, (unsigned long long)g->big[i].size);
        }
    }
    if (r->n_weak) {
        g->weak = hd_alloc(r->n_weak, sizeof *g->weak, "weak edges", r->err);
        if (!g->weak) return r->err->code;
        g->n_weak = g->cap_weak = r->n_weak;
        uint64_t wo = get(r, HG_WEAK)->off;
        for (uint64_t i = 0; i < r->n_weak; i++) {
            const uint8_t *p = r->data + wo + i * HG_WEAK_RECORD;
            g->weak[i][0] = hd_le32(p);
            g->weak[i][1] = hd_le32(p + 4);
            if (g->weak[i][0] >= n || g->weak[i][1] >= n)
                return hd_error_at(r->err, r->name, wo + i * HG_WEAK_RECORD,
                                   "weak edge %llu joins nodes %u and %u, expected ids below %u",
                                   (unsigned long long)i, g->weak[i][0], g->weak[i][1], n);
        }
    }
    return HD_OK;
}

/* ---- cached analysis --------------------------------------------------------------------- */

/* A cache made for another graph (or another analysis version) is stale: ignored, *have = 0.
 * One made for this graph must be a well-formed dominator order, else the file is bad. */
static int read_doms(rd *r, const hd_graph *g, hd_dom *d, int *have)
{
    *have = 0;
    if (!present(r, HG_DOMS)) return HD_OK;
    const sec *s = get(r, HG_DOMS);
    const uint8_t *p = r->data + s->off;
    if (s->len < HG_DOMS_FIXED)
        return hd_error_at(r->err, r->name, s->off, "DOMS is %llu bytes, expected at least %u",
                           (unsigned long long)s->len, HG_DOMS_FIXED);
    uint32_t ids[HG_N_GRAPH_SECTIONS];
    uint64_t sums[HG_N_GRAPH_SECTIONS];
    uint32_t k = 0;
    for (int i = 0; i < HG_N_GRAPH_SECTIONS; i++)
        if (r->s[i].len != UINT64_MAX) {
            ids[k] = r->s[i].id;
            sums[k++] = r->s[i].sum;
        }
    uint32_t n = hd_le32(p + 4), nr = hd_le32(p + 8);
    if (hd_le32(p) != HG_ANALYSIS_VERSION || n != g->n_nodes ||
        hd_le64(p + 16) != hg_graph_key(ids, sums, k))
        return HD_OK; /* stale */
    uint64_t ret_off = hg_align8(HG_DOMS_FIXED + 4ull * n), ord_off = ret_off + 8ull * n;
    if (nr > n || s->len != ord_off + 4ull * nr)
        return hd_error_at(r->err, r->name, s->off + 8,
                           "DOMS: %u reachable of %u nodes in %llu bytes, expected at most %u "
                           "reachable and %llu bytes",
                           nr, n, (unsigned long long)s->len, n,
                           (unsigned long long)(ord_off + 4ull * (nr <= n ? nr : n)));
    hd_dom tmp, *out = d ? d : &tmp;
    memset(out, 0, sizeof *out);
    out->idom = hd_alloc(n, sizeof *out->idom, "dominators", r->err);
    out->retained = hd_alloc(n, sizeof *out->retained, "retained sizes", r->err);
    out->order = hd_alloc(nr, sizeof *out->order, "dominator order", r->err);
    uint8_t *seen = hd_calloc(n, 1, "dominator check", r->err);
    int rc = HD_OK;
    if (!out->idom || !out->retained || !out->order || !seen) {
        rc = r->err->code;
        goto done;
    }
    out->n_nodes = n;
    out->n_reachable = nr;
    copy_u32(out->idom, p + HG_DOMS_FIXED, n);
    copy_u64(out->retained, p + ret_off, n);
    copy_u32(out->order, p + ord_off, nr);
    uint64_t with_idom = 0;
    for (uint32_t v = 0; v < n; v++) {
        if (out->idom[v] != HD_NODE_NONE && out->idom[v] >= n) {
            rc = hd_error_at(r->err, r->name, s->off + HG_DOMS_FIXED + 4ull * v,
                             "DOMS: node %u's dominator is %u, expected a node id below %u", v,
                             out->idom[v], n);
            goto done;
        }
        with_idom += out->idom[v] != HD_NODE_NONE;
    }
    int root_ok = g->root == HD_NODE_NONE
                      ? nr == 0
                      : nr >= 1 && out->order[0] == g->root && out->idom[g->root] == HD_NODE_NONE;
    if (!root_ok || with_idom + (nr ? 1 : 0) != nr) {
        rc = hd_error_at(r->err, r->name, s->off + ord_off,
                         "DOMS: expected the root first in the order, without a dominator, and "
                         "exactly the %u reachable nodes with one",
                         nr);
        goto done;
    }
    for (uint32_t i = 0; i < nr; i++) {
        uint32_t v = out->order[i];
        if (v >= n || seen[v] || (i && (out->idom[v] == HD_NODE_NONE || !seen[out->idom[v]]))) {
            rc = hd_error_at(r->err, r->name, s->off + ord_off + 4ull * i,
                             "DOMS: order entry %u is node %u, expected a node not listed before "
                             "whose dominator is listed before it",
                             i, v);
            goto done;
        }
        seen[v] = 1;
    }
    *have = 1;
done:
    free(seen);
    if (rc || !d) hd_dom_free(out);
    if (rc) *have = 0;
    return rc;
}

/* ---- entry points ------------------------------------------------------------------------ */

int hd_hgraph_read_cached(const char *name, const uint8_t *data, uint64_t size, hd_graph *g,
                          hd_dom *d, int *have_dom, hd_error *err)
{
    rd *r = calloc(1, sizeof *r);
    int have = 0;
    hd_graph_init(g);
    if (d) memset(d, 0, sizeof *d);
    if (!r) return hd_error_oom(err, "hgraph reader", sizeof *r);
    r->name = name;
    r->data = data;
    r->size = size;
    r->err = err;
    int rc = read_table(r);
    if (!rc) rc = read_meta(r, g);
    if (!rc) rc = check_lengths(r);
    if (!rc) rc = read_types(r, g);
    if (!rc) rc = read_nodes(r, g);
    if (!rc) rc = read_doms(r, g, d, &have);
    free(r);
    if (rc) hd_graph_free(g);
    if (have_dom) *have_dom = have;
    return rc;
}

int hd_hgraph_read(const char *name, const uint8_t *data, uint64_t size, hd_graph *g, hd_error *err)
{
    return hd_hgraph_read_cached(name, data, size, g, NULL, NULL, err);
}
