/* libFuzzer target: the .hgraph reader (formats/hgraph.md).
 *
 * An input that starts with "HGRAPH" is read twice: as it is (random mutations mostly stop at
 * a checksum, which must be a clean rejection), then with every checksum and the analysis key
 * recomputed (hg_fix_checksums), so mutations reach the structural checks and the cached
 * analysis. An accepted file goes through the statistics with the analysis it carried (which
 * passed validation, so consumers must cope with it) and with freshly computed dominators, and
 * is written again and read back: the graph must survive unchanged.
 *
 * Any other input is taken as a .gcdump: when the gcdump reader accepts it, the graph and its
 * dominators are written as an .hgraph, read back, and must be identical (graph and analysis);
 * with HD_FUZZ_HGRAPH_SEEDS=DIR the written file is also saved in DIR (fuzz.mk makes the
 * .hgraph seeds that way from the .gcdump seeds).
 *
 * A finding: a crash, a sanitizer report, a leak, a hang, or a rejection that is not
 * HD_EINPUT with a one-line message naming an offset. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "heapdiff/heapdiff.h"
#include "heapdiff/hgraph.h"
#include "hgraph/hgraph_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect_clean_rejection(int rc, const hd_error *err)
{
    if (rc != HD_EINPUT || err->code != HD_EINPUT || !strstr(err->msg, "offset") ||
        strchr(err->msg, '\n'))
        abort();
}

static void same_graph(const hd_graph *a, const hd_graph *b)
{
    if (a->n_nodes != b->n_nodes || a->n_edges != b->n_edges || a->root != b->root ||
        a->n_big != b->n_big || a->n_weak != b->n_weak || a->types.count != b->types.count)
        abort();
    uint32_t n = a->n_nodes;
    if (n && (memcmp(a->type, b->type, n * 4ull) || memcmp(a->size, b->size, n * 4ull) ||
              memcmp(a->addr, b->addr, n * 8ull) || memcmp(a->first, b->first, (n + 1) * 8ull)))
        abort();
    if (a->n_edges && memcmp(a->target, b->target, a->n_edges * 4)) abort();
    for (uint32_t i = 0; i < a->n_big; i++)
        if (a->big[i].node != b->big[i].node || a->big[i].size != b->big[i].size) abort();
    if (a->n_weak && memcmp(a->weak, b->weak, a->n_weak * sizeof *a->weak)) abort();
    for (uint32_t t = 0; t < a->types.count; t++) {
        const char *ma = hd_type_module(a, t), *mb = hd_type_module(b, t);
        if (strcmp(hd_type_name(a, t), hd_type_name(b, t)) || (!ma != !mb) ||
            (ma && strcmp(ma, mb)) || a->types.types[t].kind != b->types.types[t].kind ||
            a->types.types[t].root != b->types.types[t].root)
            abort();
    }
    if (!a->meta.type_multiplier != !b->meta.type_multiplier) abort();
    if (a->meta.type_multiplier &&
        memcmp(a->meta.type_multiplier, b->meta.type_multiplier, a->types.count * 4ull))
        abort();
}

static void same_dom(const hd_dom *a, const hd_dom *b)
{
    if (a->n_nodes != b->n_nodes || a->n_reachable != b->n_reachable) abort();
    if (a->n_nodes && (memcmp(a->idom, b->idom, a->n_nodes * 4ull) ||
                       memcmp(a->retained, b->retained, a->n_nodes * 8ull)))
        abort();
    if (a->n_reachable && memcmp(a->order, b->order, a->n_reachable * 4ull)) abort();
}

static uint8_t *to_memory(const hd_graph *g, const hd_dom *d, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) abort();
    hd_error err;
    hd_error_clear(&err);
    if (hd_hgraph_write_stream(g, d, f, "fuzz.hgraph", &err) != HD_OK) abort();
    if (fclose(f) != 0) abort();
    return (uint8_t *)buf;
}

/* Writes g (with d), reads it back: same graph, and the cache is returned exactly. */
static void write_and_reread(const hd_graph *g, const hd_dom *d, int save)
{
    size_t len;
    uint8_t *buf = to_memory(g, d, &len);
    hd_graph b;
    hd_dom c;
    hd_error err;
    hd_error_clear(&err);
    int have = 0;
    if (hd_hgraph_read_cached("fuzz.hgraph", buf, len, &b, &c, &have, &err) != HD_OK) abort();
    if (have != (d != NULL)) abort();
    same_graph(g, &b);
    if (d) same_dom(d, &c);
    const char *dir = getenv("HD_FUZZ_HGRAPH_SEEDS");
    if (save && dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%016llx.hgraph", dir,
                 (unsigned long long)XXH3_64bits(buf, len));
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(buf, 1, len, f);
            fclose(f);
        }
    }
    hd_dom_free(&c);
    hd_graph_free(&b);
    free(buf);
}

static void stats_with(const hd_graph *g, const hd_dom *d)
{
    hd_error err;
    hd_error_clear(&err);
    hd_stats s;
    memset(&s, 0, sizeof s);
    if (hd_stats_compute(g, d, 0, &s, &err) == HD_OK) hd_stats_free(&s);
}

static void read_hgraph(const uint8_t *data, size_t size)
{
    hd_graph g;
    hd_dom cached, fresh;
    hd_error err;
    hd_error_clear(&err);
    int have = 0;
    int rc = hd_hgraph_read_cached("fuzz.hgraph", data, size, &g, &cached, &have, &err);
    if (rc != HD_OK) {
        expect_clean_rejection(rc, &err);
        return;
    }
    if (g.root != HD_NODE_NONE && g.root >= g.n_nodes) abort();
    if (have) stats_with(&g, &cached);
    hd_error_clear(&err);
    if (hd_dominators(&g, &fresh, &err) == HD_OK) {
        stats_with(&g, &fresh);
        write_and_reread(&g, &fresh, 0);
        hd_dom_free(&fresh);
    }
    hd_dom_free(&cached);
    hd_graph_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 6 && memcmp(data, "HGRAPH", 6) == 0) {
        read_hgraph(data, size);
        uint8_t *copy = malloc(size);
        if (!copy) return 0;
        memcpy(copy, data, size);
        if (hg_fix_checksums(copy, size) == 0) read_hgraph(copy, size);
        free(copy);
        return 0;
    }
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    if (hd_gcdump_read("fuzz.gcdump", data, size, &g, &err) != HD_OK) return 0;
    hd_dom d;
    if (hd_dominators(&g, &d, &err) == HD_OK) {
        write_and_reread(&g, &d, 1);
        hd_dom_free(&d);
    }
    write_and_reread(&g, NULL, 0);
    hd_graph_free(&g);
    return 0;
}
