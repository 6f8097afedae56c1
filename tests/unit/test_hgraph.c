/* .hgraph reader and writer (formats/hgraph.md).
 *
 * Round trips of crafted graphs with every feature the format carries (big sizes, weak edges,
 * sampling multipliers, meta strings, stored kinds and root kinds, the empty graph), compared
 * field by field; the header and META fields checked at the offsets the spec gives; the cached
 * analysis returned, ignored when stale and rejected when malformed; every truncation and every
 * flipped bit of a checksummed byte is a clean HD_EINPUT naming an offset; crafted structural
 * damage (with checksums made to match) is named precisely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include <cmocka.h>

#include "heapdiff/heapdiff.h"
#include "heapdiff/hgraph.h"
#include "hgraph/hgraph_format.h"

/* ---- helpers ---------------------------------------------------------------------------- */

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

/* n nodes, edges (from, to) sorted by from; type 0 = "Node", sizes 8*(i+1), addresses. */
static void build(hd_graph *g, uint32_t n, const uint32_t (*edges)[2], uint64_t m)
{
    hd_error err;
    hd_error_clear(&err);
    hd_graph_init(g);
    assert_int_equal(hd_graph_alloc(g, n, m, &err), HD_OK);
    uint64_t e = 0;
    uint32_t t = type_of(g, "Node", NULL);
    for (uint32_t i = 0; i < n; i++) {
        g->first[i] = e;
        for (; e < m && edges[e][0] == i; e++) g->target[e] = edges[e][1];
        g->type[i] = t;
        g->size[i] = 8 * (i + 1);
        g->addr[i] = 0x7f0000001000ull + 32ull * i;
    }
    g->first[n] = m;
    g->root = 0;
    g->meta.pointer_size = 8;
    snprintf(g->meta.format, sizeof g->meta.format, "gcdump");
}

/* A graph with every feature: 8 nodes, pseudo root and categories, modules, big sizes, weak
 * edges, meta strings, a non-default root kind; sampled when `sampled`. */
static void build_rich(hd_graph *g, int sampled)
{
    static const uint32_t edges[][2] = {{0, 1}, {0, 2}, {1, 3}, {1, 4}, {2, 4}, {2, 5},
                                        {3, 6}, {4, 6}, {5, 5}, {6, 3}, {6, 7}};
    build(g, 8, edges, sizeof edges / sizeof *edges);
    hd_error err;
    hd_error_clear(&err);
    uint32_t root = type_of(g, "[.NET Roots]", NULL);
    uint32_t stat = type_of(g, "[static vars]", NULL);
    uint32_t big = type_of(g, "System.Byte[] (Bytes > 10K)", "System.Private.CoreLib");
    uint32_t other = type_of(g, "System.Byte[]", "Other.Module");
    uint32_t uni = type_of(g, "Caf\xc3\xa9<\xe2\x82\xac>", "");
    g->type[0] = root;
    g->type[1] = stat;
    g->type[3] = big;
    g->type[4] = other;
    g->type[6] = uni;
    g->size[0] = g->size[1] = 0;
    g->addr[0] = g->addr[1] = 0;
    g->types.types[stat].root = HD_ROOT_STACK_CONSERVATIVE; /* stored, not re-guessed */
    assert_int_equal(hd_graph_set_size(g, 3, 5ull << 32, &err), HD_OK);
    assert_int_equal(hd_graph_set_size(g, 7, UINT32_MAX, &err), HD_OK);
    assert_int_equal(hd_graph_add_weak(g, 2, 7, &err), HD_OK);
    assert_int_equal(hd_graph_add_weak(g, 7, 0, &err), HD_OK);
    g->meta.creation_tool = strdup("dotnet-gcdump");
    g->meta.process_name = strdup("LeakApp");
    g->meta.machine_name = NULL;
    g->meta.time_ticks = 638000000000000000ll;
    g->meta.process_id = 4242;
    g->meta.gcdump_version = 10;
    g->meta.stored_total_size = 123456;
    g->meta.conservative_stack_roots = 17;
    g->meta.avg_count_multiplier = 1.0f;
    g->meta.avg_size_multiplier = 1.0f;
    if (sampled) {
        g->meta.type_multiplier = malloc(g->types.count * sizeof(float));
        for (uint32_t t = 0; t < g->types.count; t++)
            g->meta.type_multiplier[t] = 1.0f + 0.5f * (float)t;
        g->meta.avg_count_multiplier = 2.5f;
        g->meta.avg_size_multiplier = 3.25f;
    }
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_graph(const hd_graph *a, const hd_graph *b)
{
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->n_edges, b->n_edges);
    assert_int_equal(a->root, b->root);
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        assert_int_equal(a->type[i], b->type[i]); /* ids are kept */
        assert_int_equal(hd_node_size(a, i), hd_node_size(b, i));
        assert_int_equal(a->size[i], b->size[i]);
        assert_int_equal(a->addr[i], b->addr[i]);
        assert_int_equal(a->first[i + 1], b->first[i + 1]);
    }
    for (uint64_t e = 0; e < a->n_edges; e++) assert_int_equal(a->target[e], b->target[e]);
    assert_int_equal(a->n_big, b->n_big);
    for (uint32_t i = 0; i < a->n_big; i++) {
        assert_int_equal(a->big[i].node, b->big[i].node);
        assert_int_equal(a->big[i].size, b->big[i].size);
    }
    assert_int_equal(a->n_weak, b->n_weak);
    for (uint64_t i = 0; i < a->n_weak; i++) {
        assert_int_equal(a->weak[i][0], b->weak[i][0]);
        assert_int_equal(a->weak[i][1], b->weak[i][1]);
    }
    assert_int_equal(a->types.count, b->types.count);
    for (uint32_t t = 0; t < a->types.count; t++) {
        assert_string_equal(hd_type_name(a, t), hd_type_name(b, t));
        assert_true(same_str(hd_type_module(a, t), hd_type_module(b, t)));
        assert_string_equal(hd_type_base_name(a, t), hd_type_base_name(b, t));
        assert_int_equal(a->types.types[t].kind, b->types.types[t].kind);
        assert_int_equal(a->types.types[t].root, b->types.types[t].root);
    }
    const hd_graph_meta *x = &a->meta, *y = &b->meta;
    assert_int_equal(x->pointer_size, y->pointer_size);
    assert_int_equal(x->gcdump_version, y->gcdump_version);
    assert_true(same_str(x->creation_tool, y->creation_tool));
    assert_true(same_str(x->process_name, y->process_name));
    assert_true(same_str(x->machine_name, y->machine_name));
    assert_int_equal(x->time_ticks, y->time_ticks);
    assert_int_equal(x->process_id, y->process_id);
    assert_int_equal(x->stored_total_size, y->stored_total_size);
    assert_int_equal(x->conservative_stack_roots, y->conservative_stack_roots);
    assert_true(x->avg_count_multiplier == y->avg_count_multiplier);
    assert_true(x->avg_size_multiplier == y->avg_size_multiplier);
    assert_int_equal(x->type_multiplier != NULL, y->type_multiplier != NULL);
    if (x->type_multiplier)
        assert_memory_equal(x->type_multiplier, y->type_multiplier, a->types.count * sizeof(float));
}

/* Writes g (and d) into memory. */
static uint8_t *write_mem(const hd_graph *g, const hd_dom *d, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_hgraph_write_stream(g, d, f, "mem.hgraph", &err);
    if (rc) fail_msg("write: %s", err.msg);
    assert_int_equal(fclose(f), 0);
    return (uint8_t *)buf;
}

static void read_ok(const uint8_t *b, size_t len, hd_graph *out)
{
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_hgraph_read("mem.hgraph", b, len, out, &err);
    if (rc) fail_msg("read: %s", err.msg);
}

/* Expects a clean rejection naming the offset; returns the message. */
static const char *read_bad(const uint8_t *b, size_t len, hd_error *err)
{
    hd_graph g;
    hd_error_clear(err);
    int rc = hd_hgraph_read("bad.hgraph", b, len, &g, err);
    if (rc == HD_OK) {
        hd_graph_free(&g);
        fail_msg("a damaged file (%zu bytes) was accepted", len);
    }
    assert_int_equal(rc, HD_EINPUT);
    assert_non_null(strstr(err->msg, "bad.hgraph: offset "));
    assert_null(strchr(err->msg, '\n'));
    return err->msg;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int k = 0; k < 8; k++) p[k] = (uint8_t)(v >> (8 * k));
}

/* Table entry of section id (spec: u32 id, u32 flags, u64 offset, u64 length, u64 checksum). */
static uint8_t *entry(uint8_t *b, uint32_t id)
{
    uint32_t n = le32(b + 20);
    uint64_t tab = le64(b + 24);
    for (uint32_t i = 0; i < n; i++)
        if (le32(b + tab + 32ull * i) == id) return b + tab + 32ull * i;
    return NULL;
}

static uint8_t *section(uint8_t *b, uint32_t id)
{
    uint8_t *e = entry(b, id);
    assert_non_null(e);
    return b + le64(e + 8);
}

/* Recomputes one section's checksum, then the table's and the header's, as the spec says,
 * without touching the analysis key (so the cache goes stale). */
static void reseal(uint8_t *b, uint32_t id)
{
    uint8_t *e = entry(b, id);
    put64(e + 24, XXH3_64bits(b + le64(e + 8), le64(e + 16)));
    put64(b + 40, XXH3_64bits(b + le64(b + 24), 32ull * le32(b + 20)));
    put64(b + 56, XXH3_64bits(b, 56));
}

/* ---- round trips ------------------------------------------------------------------------- */

static void roundtrip_rich(void **state)
{
    (void)state;
    for (int sampled = 0; sampled < 2; sampled++) {
        hd_graph g, b;
        build_rich(&g, sampled);
        size_t len;
        uint8_t *buf = write_mem(&g, NULL, &len);
        read_ok(buf, len, &b);
        assert_same_graph(&g, &b);
        assert_string_equal(b.meta.format, "hgraph");
        /* written again, the same bytes */
        size_t len2;
        uint8_t *buf2 = write_mem(&b, NULL, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(buf, buf2, len);
        free(buf2);
        free(buf);
        hd_graph_free(&b);
        hd_graph_free(&g);
    }
}

static void roundtrip_file_and_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/heapdiff-hgraph.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x.hgraph", dir);
    hd_graph g, b;
    build_rich(&g, 1);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_hgraph_write(&g, path, &err), HD_OK);
    int rc = hd_load(path, &b, &err);
    if (rc) fail_msg("hd_load: %s", err.msg);
    assert_same_graph(&g, &b);
    hd_graph_free(&b);
    /* an unwritable destination leaves nothing behind */
    char bad[80];
    snprintf(bad, sizeof bad, "%s/missing/x.hgraph", dir);
    hd_error_clear(&err);
    assert_int_equal(hd_hgraph_write(&g, bad, &err), HD_EINTERNAL);
    hd_graph_free(&g);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void roundtrip_empty(void **state)
{
    (void)state;
    hd_graph g, b;
    hd_graph_init(&g); /* never allocated: no arrays at all */
    size_t len;
    uint8_t *buf = write_mem(&g, NULL, &len);
    read_ok(buf, len, &b);
    assert_int_equal(b.n_nodes, 0);
    assert_int_equal(b.n_edges, 0);
    assert_int_equal(b.root, HD_NODE_NONE);
    assert_int_equal(b.types.count, 0);
    hd_graph_free(&b);
    free(buf);
    /* nodes without edges and without a root */
    build(&g, 3, NULL, 0);
    g.root = HD_NODE_NONE;
    buf = write_mem(&g, NULL, &len);
    read_ok(buf, len, &b);
    assert_same_graph(&g, &b);
    hd_graph_free(&b);
    hd_graph_free(&g);
    free(buf);
}

/* Header and META at the offsets formats/hgraph.md gives. */
static void layout_as_specified(void **state)
{
    (void)state;
    hd_graph g;
    build_rich(&g, 1);
    size_t len;
    uint8_t *b = write_mem(&g, NULL, &len);
    assert_memory_equal(b, "HGRAPH\r\n", 8);
    assert_int_equal(b[8] | b[9] << 8, 1);   /* major */
    assert_int_equal(b[10] | b[11] << 8, 0); /* minor */
    assert_int_equal(le32(b + 12), 0);       /* flags: no analysis */
    assert_int_equal(le32(b + 16), 64);
    assert_int_equal(le64(b + 24), 64);
    assert_int_equal(le64(b + 32), len);
    assert_int_equal(le64(b + 48), 0);
    assert_int_equal(le64(b + 56), XXH3_64bits(b, 56));
    uint32_t n = le32(b + 20);
    assert_int_equal(n, 11); /* every graph section: sampled, big sizes, weak edges */
    assert_int_equal(le64(b + 40), XXH3_64bits(b + 64, 32ull * n));
    static const char *order[] = {"META", "STRS", "TYPE", "MULT", "NTYP", "NSIZ",
                                  "BIGS", "NADR", "EFST", "ETGT", "WEAK"};
    uint64_t end = 64 + 32ull * n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = b + 64 + 32ull * i;
        assert_memory_equal(e, order[i], 4);
        assert_int_equal(le32(e + 4), 1); /* required */
        uint64_t off = le64(e + 8), slen = le64(e + 16);
        assert_int_equal(off % 8, 0);
        assert_true(off >= end && off - end < 8);
        for (uint64_t p = end; p < off; p++) assert_int_equal(b[p], 0); /* zero padding */
        assert_int_equal(le64(e + 24), XXH3_64bits(b + off, slen));
        end = off + slen;
    }
    assert_int_equal(end, len);
    const uint8_t *m = section(b, HG_META);
    assert_int_equal(le32(m), 128);
    assert_int_equal(le32(m + 4), 8);
    assert_int_equal(le64(m + 8), 11);
    assert_int_equal(le32(m + 16), 0);
    assert_int_equal(le32(m + 20), g.types.count);
    assert_int_equal(le64(m + 24), g.types.strings_len);
    assert_int_equal(le32(m + 32), 2); /* big sizes */
    assert_int_equal(le32(m + 36), 8); /* pointer size */
    assert_int_equal(le64(m + 40), 2); /* weak */
    assert_int_equal(le32(m + 56), 4242);
    assert_int_equal(le32(m + 60), 10);
    assert_int_equal(le64(m + 72), 17);
    assert_int_equal(le32(m + 88), 1); /* sampled */
    assert_string_equal((const char *)m + 128 + le32(m + 92), "dotnet-gcdump");
    assert_string_equal((const char *)m + 128 + le32(m + 96), "LeakApp");
    assert_int_equal(le32(m + 100), UINT32_MAX);
    const uint8_t *bigs = section(b, HG_BIGS);
    assert_int_equal(le32(bigs), 3);
    assert_int_equal(le64(bigs + 8), 5ull << 32);
    assert_int_equal(le32(section(b, HG_NSIZ) + 12), UINT32_MAX);
    const uint8_t *t = section(b, HG_TYPE) + 12 * 2; /* "[static vars]" */
    assert_int_equal(t[9], HD_ROOT_STACK_CONSERVATIVE);
    free(b);
    hd_graph_free(&g);
}

/* ---- cached analysis --------------------------------------------------------------------- */

static void analysis_cache(void **state)
{
    (void)state;
    hd_graph g, b;
    build_rich(&g, 1);
    hd_dom d, c;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_dominators(&g, &d, &err), HD_OK);
    size_t len;
    uint8_t *buf = write_mem(&g, &d, &len);
    assert_int_equal(le32(buf + 12), HG_FLAG_HAS_ANALYSIS);
    const uint8_t *e = entry(buf, HG_DOMS);
    assert_non_null(e);
    assert_int_equal(le32(e + 4), 0); /* optional */
    int have = -1;
    assert_int_equal(hd_hgraph_read_cached("c.hgraph", buf, len, &b, &c, &have, &err), HD_OK);
    assert_int_equal(have, 1);
    assert_same_graph(&g, &b);
    assert_int_equal(c.n_nodes, d.n_nodes);
    assert_int_equal(c.n_reachable, d.n_reachable);
    assert_memory_equal(c.idom, d.idom, d.n_nodes * sizeof *d.idom);
    assert_memory_equal(c.retained, d.retained, d.n_nodes * sizeof *d.retained);
    assert_memory_equal(c.order, d.order, d.n_reachable * sizeof *d.order);
    hd_dom_free(&c);
    hd_graph_free(&b);

    /* A changed graph (a size, checksums resealed) makes the cache stale: ignored. */
    uint8_t *nsiz = section(buf, HG_NSIZ);
    put32(nsiz + 8, le32(nsiz + 8) + 8);
    reseal(buf, HG_NSIZ);
    assert_int_equal(hd_hgraph_read_cached("c.hgraph", buf, len, &b, &c, &have, &err), HD_OK);
    assert_int_equal(have, 0);
    assert_null(c.idom);
    hd_graph_free(&b);
    /* The same change with the key updated (hg_fix_checksums): the cache is used again. */
    assert_int_equal(hg_fix_checksums(buf, len), 0);
    assert_int_equal(hd_hgraph_read_cached("c.hgraph", buf, len, &b, &c, &have, &err), HD_OK);
    assert_int_equal(have, 1);
    hd_dom_free(&c);
    hd_graph_free(&b);
    /* Another analysis version: stale. */
    uint8_t *doms = section(buf, HG_DOMS);
    put32(doms, HG_ANALYSIS_VERSION + 1);
    reseal(buf, HG_DOMS);
    assert_int_equal(hd_hgraph_read_cached("c.hgraph", buf, len, &b, &c, &have, &err), HD_OK);
    assert_int_equal(have, 0);
    hd_graph_free(&b);
    put32(doms, HG_ANALYSIS_VERSION);
    /* A current cache whose order lists a node before its dominator: bad file. */
    uint32_t n = le32(doms + 4), nr = le32(doms + 8);
    uint64_t ord = ((24 + 4ull * n + 7) & ~7ull) + 8ull * n;
    assert_true(nr >= 3);
    uint32_t t1 = le32(doms + ord + 4), t2 = le32(doms + ord + 4 * (nr - 1));
    put32(doms + ord + 4, t2);
    put32(doms + ord + 4 * (nr - 1), t1);
    assert_int_equal(hg_fix_checksums(buf, len), 0);
    assert_non_null(strstr(read_bad(buf, len, &err), "DOMS: order entry"));
    /* renamed to an unknown optional section: skipped */
    put32(entry(buf, HG_DOMS), HG_ID('X', 'T', 'R', 'A'));
    assert_int_equal(hg_fix_checksums(buf, len), 0);
    assert_int_equal(hd_hgraph_read_cached("c.hgraph", buf, len, &b, &c, &have, &err), HD_OK);
    assert_int_equal(have, 0);
    hd_graph_free(&b);
    /* ... unless it is marked required */
    put32(entry(buf, HG_ID('X', 'T', 'R', 'A')) + 4, 1);
    assert_int_equal(hg_fix_checksums(buf, len), 0);
    assert_non_null(strstr(read_bad(buf, len, &err), "newer heapdiff"));
    free(buf);
    hd_dom_free(&d);
    hd_graph_free(&g);
}

/* ---- damage ------------------------------------------------------------------------------ */

static void every_truncation(void **state)
{
    (void)state;
    hd_graph g;
    build_rich(&g, 1);
    hd_dom d;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_dominators(&g, &d, &err), HD_OK);
    size_t len;
    uint8_t *buf = write_mem(&g, &d, &len);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut + 1); /* exact size: ASan sees any overread */
        memcpy(copy, buf, cut);
        read_bad(copy, cut, &err);
        free(copy);
    }
    free(buf);
    hd_dom_free(&d);
    hd_graph_free(&g);
}

/* Every bit of every byte covered by a checksum (header, table, sections): rejected. Padding
 * between sections is covered by none: a flip there changes nothing. */
static void every_bit_flip(void **state)
{
    (void)state;
    hd_graph g, b;
    build_rich(&g, 1);
    hd_dom d;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_dominators(&g, &d, &err), HD_OK);
    size_t len;
    uint8_t *buf = write_mem(&g, &d, &len);
    uint8_t *covered = calloc(len, 1);
    uint32_t n = le32(buf + 20);
    memset(covered, 1, 64 + 32ull * n);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = buf + 64 + 32ull * i;
        memset(covered + le64(e + 8), 1, le64(e + 16));
    }
    size_t n_pad = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            if (covered[i]) {
                read_bad(buf, len, &err);
            } else {
                read_ok(buf, len, &b);
                assert_same_graph(&g, &b);
                hd_graph_free(&b);
                n_pad += bit == 0;
            }
            buf[i] ^= (uint8_t)(1u << bit);
        }
    assert_true(n_pad < 8 * n);
    free(covered);
    free(buf);
    hd_dom_free(&d);
    hd_graph_free(&g);
}

/* Structural damage with valid checksums: each named with what was expected. */
static void structural_errors(void **state)
{
    (void)state;
    hd_graph g;
    build_rich(&g, 0);
    size_t len;
    uint8_t *orig = write_mem(&g, NULL, &len);
    uint8_t *b = malloc(len);
    hd_error err;
    struct {
        uint32_t id;
        size_t at;
        uint64_t value;
        int width;
        const char *expect;
    } cases[] = {
        {HG_ETGT, 4 * 3, 8, 4, "edge 3 points to node 8, expected a node id below 8"},
        {HG_NTYP, 4 * 5, 99, 4, "node 5 has type 99"},
        {HG_EFST, 8 * 4, 1, 8, "expected at least"},
        {HG_EFST, 0, 1, 8, "first edge offset is 1, expected 0"},
        {HG_EFST, 8 * 8, 12, 8, "is 12, expected the edge count 11"},
        {HG_BIGS, 0, 2, 4, "big size 0: node 2"},
        {HG_BIGS, 8, 12, 8, "sizes of at least 0xffffffff"},
        {HG_NSIZ, 4 * 2, UINT32_MAX, 4, "3 nodes have the big-size mark"},
        {HG_WEAK, 4, 8, 4, "weak edge 0 joins nodes 2 and 8"},
        {HG_TYPE, 0, 100000, 4, "type 0 names strings at 100000"},
        {HG_TYPE, 12 + 8, 9, 1, "type 1 has kind 9"},
        {HG_TYPE, 12, 0, 4, "same name and module as type 0"},
        {HG_META, 4, 9, 4, "NTYP' is 32 bytes, expected 9 entries of 4 bytes"},
        {HG_META, 16, 8, 4, "root node 8, expected a node id below 8"},
        {HG_META, 36, 5, 4, "pointer size 5"},
        {HG_META, 80, 0x7fc00000, 4, "average count multiplier is nan"},
        {HG_META, 88, 1, 4, "for a 'MULT' section the file does not have"},
        {HG_META, 92, 1000, 4, "META text reference 1000"},
        {HG_STRS, 0, 0, 0, "does not end with a NUL byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memcpy(b, orig, len);
        uint8_t *s = section(b, cases[i].id);
        if (cases[i].width == 0) { /* STRS: overwrite the final NUL */
            uint8_t *e = entry(b, HG_STRS);
            s[le64(e + 16) - 1] = 'x';
        } else {
            for (int k = 0; k < cases[i].width; k++)
                s[cases[i].at + k] = (uint8_t)(cases[i].value >> (8 * k));
        }
        assert_int_equal(hg_fix_checksums(b, len), 0);
        const char *msg = read_bad(b, len, &err);
        if (!strstr(msg, cases[i].expect))
            fail_msg("case %zu: expected \"%s\" in: %s", i, cases[i].expect, msg);
    }
    /* header-level: version, required feature flags, text-mode damage, missing section */
    memcpy(b, orig, len);
    b[8] = 2;
    assert_int_equal(hg_fix_checksums(b, len), 0);
    assert_non_null(strstr(read_bad(b, len, &err), "version 2.0; this heapdiff reads version 1"));
    memcpy(b, orig, len);
    b[12] = 1;
    assert_int_equal(hg_fix_checksums(b, len), 0);
    assert_non_null(strstr(read_bad(b, len, &err), "features 0x0001"));
    memcpy(b, orig, len);
    b[6] = '\n';
    assert_non_null(strstr(read_bad(b, len, &err), "text mode"));
    memcpy(b, orig, len);
    put32(entry(b, HG_NADR), HG_ID('N', 'A', 'D', 'X'));
    put32(entry(b, HG_ID('N', 'A', 'D', 'X')) + 4, 0);
    assert_int_equal(hg_fix_checksums(b, len), 0);
    assert_non_null(strstr(read_bad(b, len, &err), "no 'NADR' section"));
    memcpy(b, orig, len);
    put64(entry(b, HG_NADR) + 8, le64(entry(b, HG_NADR) + 8) + 4);
    assert_int_equal(hg_fix_checksums(b, len), 0);
    assert_non_null(strstr(read_bad(b, len, &err), "8-aligned"));
    memcpy(b, orig, len);
    put32(entry(b, HG_NADR), HG_NTYP);
    assert_int_equal(hg_fix_checksums(b, len), 0);
    assert_non_null(strstr(read_bad(b, len, &err), "second 'NTYP' section"));
    /* trailing bytes */
    uint8_t *longer = calloc(len + 8, 1);
    memcpy(longer, orig, len);
    assert_non_null(strstr(read_bad(longer, len + 8, &err), "trailing bytes"));
    free(longer);
    free(b);
    free(orig);
    hd_graph_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip_rich),  cmocka_unit_test(roundtrip_file_and_load),
        cmocka_unit_test(roundtrip_empty), cmocka_unit_test(layout_as_specified),
        cmocka_unit_test(analysis_cache),  cmocka_unit_test(every_truncation),
        cmocka_unit_test(every_bit_flip),  cmocka_unit_test(structural_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
