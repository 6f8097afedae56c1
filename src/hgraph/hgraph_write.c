/* .hgraph writer (formats/hgraph.md).
 *
 * Two passes over the graph, both streaming, nothing proportional to the file held in memory:
 * pass 1 runs every section's emitter into a hashing sink to learn its length and XXH3-64
 * checksum (the table that holds them comes first in the file), pass 2 runs the same emitters
 * into the file. The emitters are the only description of each section's bytes, so the two
 * passes cannot disagree; the final length is checked against the plan anyway. The node arrays
 * are the in-memory arrays byte for byte on a little-endian host (one fwrite each). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "heapdiff/hgraph.h"
#include "hgraph/hgraph_format.h"
#include "util/outfile.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HG_HOST_LE 1
#else
#define HG_HOST_LE 0
#endif

#define SINK_BUF (64u * 1024u)

typedef struct sink {
    FILE *f;            /* pass 2: the output, else NULL */
    XXH3_state_t *hash; /* pass 1: the section's checksum state, else NULL */
    uint64_t pos;       /* bytes emitted (file offset in pass 2, section offset in pass 1) */
    int err;            /* errno of the first failed write */
    size_t len;
    uint8_t buf[SINK_BUF];
} sink;

static void sink_flush(sink *s)
{
    if (s->f && s->len && !s->err && fwrite(s->buf, 1, s->len, s->f) != s->len)
        s->err = errno ? errno : EIO;
    s->len = 0;
}

static void put(sink *s, const void *p, size_t n)
{
    s->pos += n;
    if (s->hash) XXH3_64bits_update(s->hash, p, n);
    if (!s->f || !n) return;
    if (n > SINK_BUF / 2) { /* big arrays go straight to stdio */
        sink_flush(s);
        if (!s->err && fwrite(p, 1, n, s->f) != n) s->err = errno ? errno : EIO;
        return;
    }
    if (SINK_BUF - s->len < n) sink_flush(s);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void put_u32(sink *s, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(s, b, 4);
}

static void put_u64(sink *s, uint64_t v)
{
    put_u32(s, (uint32_t)v);
    put_u32(s, (uint32_t)(v >> 32));
}

static void put_f32(sink *s, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    put_u32(s, bits);
}

static void put_zeros(sink *s, uint64_t n)
{
    static const uint8_t zero[8];
    while (n) {
        size_t k = n > 8 ? 8 : (size_t)n;
        put(s, zero, k);
        n -= k;
    }
}

static void put_u32_array(sink *s, const uint32_t *a, uint64_t n)
{
    if (HG_HOST_LE) {
        if (n) put(s, a, (size_t)(n * 4));
    } else {
        for (uint64_t i = 0; i < n; i++) put_u32(s, a[i]);
    }
}

static void put_u64_array(sink *s, const uint64_t *a, uint64_t n)
{
    if (HG_HOST_LE) {
        if (n) put(s, a, (size_t)(n * 8));
    } else {
        for (uint64_t i = 0; i < n; i++) put_u64(s, a[i]);
    }
}

/* ---- sections ---------------------------------------------------------------------------- */

typedef struct plan {
    const hd_graph *g;
    const hd_dom *d;
    uint32_t n;
    uint32_t id[HG_N_GRAPH_SECTIONS + 1];
    uint64_t off[HG_N_GRAPH_SECTIONS + 1], len[HG_N_GRAPH_SECTIONS + 1];
    uint64_t sum[HG_N_GRAPH_SECTIONS + 1];
    uint64_t key; /* the analysis key, known once the graph sections are measured */
    uint64_t file_size;
} plan;

static uint32_t meta_text_ref(const char *str, uint32_t *at)
{
    if (!str) return UINT32_MAX;
    uint32_t r = *at;
    *at += (uint32_t)strlen(str) + 1;
    return r;
}

static void emit_meta(sink *s, const plan *p)
{
    const hd_graph *g = p->g;
    const hd_graph_meta *m = &g->meta;
    uint32_t at = 0;
    uint32_t tool = meta_text_ref(m->creation_tool, &at);
    uint32_t proc = meta_text_ref(m->process_name, &at);
    uint32_t mach = meta_text_ref(m->machine_name, &at);
    put_u32(s, HG_META_FIXED);
    put_u32(s, g->n_nodes);
    put_u64(s, g->n_edges);
    put_u32(s, g->root);
    put_u32(s, g->types.count);
    put_u64(s, g->types.strings_len);
    put_u32(s, g->n_big);
    put_u32(s, m->pointer_size);
    put_u64(s, g->n_weak);
    put_u64(s, (uint64_t)m->time_ticks);
    put_u32(s, (uint32_t)m->process_id);
    put_u32(s, (uint32_t)m->gcdump_version);
    put_u64(s, m->stored_total_size);
    put_u64(s, m->conservative_stack_roots);
    put_f32(s, m->avg_count_multiplier);
    put_f32(s, m->avg_size_multiplier);
    put_u32(s, m->type_multiplier ? 1u : 0u); /* 88: meta flags, bit 0 = sampled */
    put_u32(s, tool);
    put_u32(s, proc);
    put_u32(s, mach);
    put_zeros(s, HG_META_FIXED - 104);
    const char *text[3] = {m->creation_tool, m->process_name, m->machine_name};
    for (int i = 0; i < 3; i++)
        if (text[i]) put(s, text[i], strlen(text[i]) + 1);
}

static void emit_strs(sink *s, const plan *p)
{
    if (p->g->types.strings_len) put(s, p->g->types.strings, (size_t)p->g->types.strings_len);
}

static void emit_type(sink *s, const plan *p)
{
    const hd_typetab *t = &p->g->types;
    for (uint32_t i = 0; i < t->count; i++) {
        const hd_type_info *ti = &t->types[i];
        uint8_t rec[HG_TYPE_RECORD] = {0};
        for (int k = 0; k < 4; k++) {
            rec[k] = (uint8_t)(ti->name >> (8 * k));
            rec[4 + k] = (uint8_t)(ti->module >> (8 * k));
        }
        rec[8] = ti->kind;
        rec[9] = ti->root;
        put(s, rec, sizeof rec);
    }
}

static void emit_mult(sink *s, const plan *p)
{
    for (uint32_t i = 0; i < p->g->types.count; i++) put_f32(s, p->g->meta.type_multiplier[i]);
}

static void emit_ntyp(sink *s, const plan *p)
{
    put_u32_array(s, p->g->type, p->g->n_nodes);
}

static void emit_nsiz(sink *s, const plan *p)
{
    put_u32_array(s, p->g->size, p->g->n_nodes);
}

static void emit_bigs(sink *s, const plan *p)
{
    for (uint32_t i = 0; i < p->g->n_big; i++) {
        put_u32(s, p->g->big[i].node);
        put_u32(s, 0);
        put_u64(s, p->g->big[i].size);
    }
}

static void emit_nadr(sink *s, const plan *p)
{
    put_u64_array(s, p->g->addr, p->g->n_nodes);
}

static void emit_efst(sink *s, const plan *p)
{
    if (p->g->first)
        put_u64_array(s, p->g->first, (uint64_t)p->g->n_nodes + 1);
    else
        put_u64(s, 0); /* a graph never allocated: no nodes, first[0] = 0 */
}

static void emit_etgt(sink *s, const plan *p)
{
    put_u32_array(s, p->g->target, p->g->n_edges);
}

static void emit_weak(sink *s, const plan *p)
{
    for (uint64_t i = 0; i < p->g->n_weak; i++) {
        put_u32(s, p->g->weak[i][0]);
        put_u32(s, p->g->weak[i][1]);
    }
}

static void emit_doms(sink *s, const plan *p)
{
    const hd_dom *d = p->d;
    put_u32(s, HG_ANALYSIS_VERSION);
    put_u32(s, d->n_nodes);
    put_u32(s, d->n_reachable);
    put_u32(s, 0);
    put_u64(s, p->key);
    put_u32_array(s, d->idom, d->n_nodes);
    /* retained[] starts 8-aligned: sections start 8-aligned, so aligning the position (the
     * section offset in pass 1, the file offset in pass 2) aligns both. */
    put_zeros(s, hg_align8(s->pos) - s->pos);
    put_u64_array(s, d->retained, d->n_nodes);
    put_u32_array(s, d->order, d->n_reachable);
}

typedef void (*emitter)(sink *, const plan *);

static emitter emitter_of(uint32_t id)
{
    switch (id) {
    case HG_META:
        return emit_meta;
    case HG_STRS:
        return emit_strs;
    case HG_TYPE:
        return emit_type;
    case HG_MULT:
        return emit_mult;
    case HG_NTYP:
        return emit_ntyp;
    case HG_NSIZ:
        return emit_nsiz;
    case HG_BIGS:
        return emit_bigs;
    case HG_NADR:
        return emit_nadr;
    case HG_EFST:
        return emit_efst;
    case HG_ETGT:
        return emit_etgt;
    case HG_WEAK:
        return emit_weak;
    default:
        return emit_doms;
    }
}

static int check_graph(const hd_graph *g, const hd_dom *d, const char *name, hd_error *err)
{
    if (g->n_nodes && (!g->type || !g->size || !g->addr || !g->first))
        return hd_error_set(err, HD_EINTERNAL, "%s: graph arrays missing", name);
    if (g->n_edges && !g->target)
        return hd_error_set(err, HD_EINTERNAL, "%s: edge array missing", name);
    if (g->types.strings_len >= UINT32_MAX)
        return hd_error_set(err, HD_EINTERNAL, "%s: type names exceed 4 GiB", name);
    if (d && (d->n_nodes != g->n_nodes || d->n_reachable > g->n_nodes))
        return hd_error_set(err, HD_EINTERNAL,
                            "%s: the analysis is for %u nodes, the graph has %u (writer misuse)",
                            name, d->n_nodes, g->n_nodes);
    return HD_OK;
}

/* Pass 1: which sections, their lengths and checksums, where they go. */
static int plan_file(plan *p, const hd_graph *g, const hd_dom *d, sink *s, hd_error *err)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->d = d;
    for (int i = 0; i < HG_N_GRAPH_SECTIONS; i++) {
        uint32_t id = hg_graph_sections[i];
        if ((id == HG_MULT && !g->meta.type_multiplier) || (id == HG_BIGS && !g->n_big) ||
            (id == HG_WEAK && !g->n_weak))
            continue;
        p->id[p->n++] = id;
    }
    if (d) p->id[p->n++] = HG_DOMS;
    XXH3_state_t *h = XXH3_createState();
    if (!h) return hd_error_oom(err, "checksum state", 576);
    uint64_t at = HG_HEADER_SIZE + (uint64_t)p->n * HG_ENTRY_SIZE;
    for (uint32_t i = 0; i < p->n; i++) {
        if (p->id[i] == HG_DOMS) p->key = hg_graph_key(p->id, p->sum, i);
        XXH3_64bits_reset(h);
        s->f = NULL;
        s->hash = h;
        s->pos = 0;
        emitter_of(p->id[i])(s, p);
        p->off[i] = at = hg_align8(at);
        p->len[i] = s->pos;
        p->sum[i] = XXH3_64bits_digest(h);
        at += s->pos;
    }
    XXH3_freeState(h);
    s->hash = NULL;
    p->file_size = at;
    return HD_OK;
}

static void put_header(sink *s, const plan *p)
{
    uint8_t hdr[HG_HEADER_SIZE] = {0}, table[HG_ENTRY_SIZE * (HG_N_GRAPH_SECTIONS + 1)] = {0};
    size_t tlen = (size_t)p->n * HG_ENTRY_SIZE;
    for (uint32_t i = 0; i < p->n; i++) {
        uint8_t *e = table + (size_t)i * HG_ENTRY_SIZE;
        uint64_t f[4] = {p->id[i] | (uint64_t)(p->id[i] == HG_DOMS ? 0 : HG_SEC_REQUIRED) << 32,
                         p->off[i], p->len[i], p->sum[i]};
        for (int k = 0; k < 32; k++) e[k] = (uint8_t)(f[k / 8] >> (8 * (k % 8)));
    }
    uint64_t h[7] = {0,
                     HG_VERSION_MAJOR | HG_VERSION_MINOR << 16 |
                         (uint64_t)(p->d ? HG_FLAG_HAS_ANALYSIS : 0) << 32,
                     HG_HEADER_SIZE | (uint64_t)p->n << 32,
                     HG_HEADER_SIZE,
                     p->file_size,
                     XXH3_64bits(table, tlen),
                     0};
    memcpy(hdr, HG_MAGIC, 8);
    for (int k = 8; k < 56; k++) hdr[k] = (uint8_t)(h[k / 8] >> (8 * (k % 8)));
    uint64_t hsum = XXH3_64bits(hdr, 56);
    for (int k = 0; k < 8; k++) hdr[56 + k] = (uint8_t)(hsum >> (8 * k));
    put(s, hdr, sizeof hdr);
    put(s, table, tlen);
}

int hd_hgraph_write_stream(const hd_graph *g, const hd_dom *d, FILE *f, const char *name,
                           hd_error *err)
{
    if (check_graph(g, d, name, err)) return err->code;
    sink *s = malloc(sizeof *s);
    if (!s) return hd_error_oom(err, "hgraph writer", sizeof *s);
    memset(s, 0, offsetof(sink, buf));
    plan p;
    int rc = plan_file(&p, g, d, s, err);
    if (!rc) {
        s->f = f;
        s->pos = 0;
        put_header(s, &p);
        for (uint32_t i = 0; i < p.n; i++) {
            put_zeros(s, p.off[i] - s->pos);
            emitter_of(p.id[i])(s, &p);
        }
        sink_flush(s);
        if (!s->err && fflush(f) != 0) s->err = errno ? errno : EIO;
        if (s->err)
            rc = hd_error_set(err, HD_EINTERNAL, "%s: write failed: %s", name, strerror(s->err));
        else if (s->pos != p.file_size)
            rc = hd_error_set(err, HD_EINTERNAL, "%s: wrote %llu bytes, planned %llu (writer bug)",
                              name, (unsigned long long)s->pos, (unsigned long long)p.file_size);
    }
    free(s);
    return rc;
}

int hd_hgraph_write_cached(const hd_graph *g, const hd_dom *d, const char *path, hd_error *err)
{
    if (check_graph(g, d, path, err)) return err->code;
    hd_outfile o;
    if (hd_outfile_open(&o, path, 1, err)) return err->code;
    int rc = hd_hgraph_write_stream(g, d, o.f, o.tmp, err);
    if (!rc) return hd_outfile_commit(&o, err);
    hd_outfile_abort(&o);
    return rc;
}

int hd_hgraph_write(const hd_graph *g, const char *path, hd_error *err)
{
    return hd_hgraph_write_cached(g, NULL, path, err);
}
