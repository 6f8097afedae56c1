/* The .heapsnapshot writer: exact bytes for a small graph (expected text written here from
 * formats/heapsnapshot.md and shared/research/heapsnapshot-format.md, never from the writer's
 * output), JSON string escapes, random graphs read back (retained sizes of every written node
 * computed on the file's graph equal the input's), and the "too big" path with shrunken limits
 * (the kept subtrees, the note, the limits respected). DevTools' own loader reads the converted
 * real inputs in tests/oracle/convert.mjs. */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heapdiff/analysis.h"
#include "heapdiff/heapsnapshot.h"
#include "heapsnapshot/hs.h"
#include "support/graphgen.h"
#include "support/tmpdir.h"

static char g_dir[256];

static int setup_dir(void **state)
{
    (void)state;
    return tt_tmpdir_make(g_dir, sizeof g_dir, "hs");
}

static int teardown_dir(void **state)
{
    (void)state;
    tt_tmpdir_remove(g_dir);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static const char META[] =
    "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_"
    "count\","
    "\"trace_node_id\",\"detachedness\"],\"node_types\":[[\"hidden\",\"array\",\"string\","
    "\"object\",\"code\",\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\",\"concatenated "
    "string\",\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],\"string\",\"number\","
    "\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\","
    "\"to_node\"],\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\","
    "\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],\"trace_function_info_fields\":["
    "\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\",\"column\"],"
    "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"],"
    "\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],\"location_fields\":["
    "\"object_index\",\"script_id\",\"line\",\"column\"]},";

/* 0 root "[.NET Roots]" -> 1 "[strong handles]" -> 2 Foo(24) -> 3 Foo[](40) -> 4 string(30);
 * Foo -> string; root -> string directly; 5 Bar(16) unreachable -> Foo. Weak: root -> Foo,
 * Foo[] -> Foo, Bar -> Foo[] (unreachable source: dropped). */
static void small_graph(hd_graph *g)
{
    gg_edges e;
    gg_edges_init(&e);
    gg_edge(&e, 0, 1);
    gg_edge(&e, 0, 4);
    gg_edge(&e, 1, 2);
    gg_edge(&e, 2, 3);
    gg_edge(&e, 2, 4);
    gg_edge(&e, 3, 4);
    gg_edge(&e, 5, 2);
    hd_error err = {0};
    assert_int_equal(gg_build(g, 6, &e, 0, &err), HD_OK);
    gg_edges_free(&e);
    const char *names[] = {"[.NET Roots]", "[strong handles]", "Foo",
                           "Foo[]",        "System.String",    "Bar"};
    const uint32_t sizes[] = {0, 0, 24, 40, 30, 16};
    for (int i = 0; i < 6; i++) {
        g->type[i] = gg_type(g, names[i], NULL);
        g->size[i] = sizes[i];
    }
    assert_int_equal(hd_graph_add_weak(g, 0, 2, &err), HD_OK);
    assert_int_equal(hd_graph_add_weak(g, 3, 2, &err), HD_OK);
    assert_int_equal(hd_graph_add_weak(g, 5, 3, &err), HD_OK);
}

static void test_exact_small(void **state)
{
    (void)state;
    hd_graph g;
    small_graph(&g);
    char path[512];
    snprintf(path, sizeof path, "%s/small.heapsnapshot", g_dir);
    hs_limits lim;
    hs_result res;
    hd_error err = {0};
    hs_default_limits(&lim);
    assert_int_equal(hs_write(&g, path, &lim, &res, &err), HD_OK);
    /* Ordinals: root 0, "[other roots]" 1, then nodes 1..4 as 2..5 (ids 2k+1, to_node 7k).
     * Strings: "", "weak", ref0, ref1 (Foo has 2 references), then the used type names in
     * strcmp order: Foo 4, Foo[] 5, System.String 6, [.NET Roots] 7, [strong handles] 8, and
     * the extra node's name 9. Root edges: element 0 -> [strong handles], element 2 -> the
     * extra node, which holds root -> string (element 0) and the root's weak edge. */
    char want[8192];
    snprintf(want, sizeof want,
             "%s\"node_count\":6,\"edge_count\":9,\"trace_function_count\":0},\n"
             "\"nodes\":[9,7,1,0,2,0,0\n"
             ",9,9,3,0,2,0,0\n"
             ",9,8,5,0,1,0,0\n"
             ",3,4,7,24,2,0,0\n"
             ",3,5,9,40,2,0,0\n"
             ",2,6,11,30,0,0,0\n"
             "],\n\"edges\":[1,0,14\n"
             ",1,2,7\n"
             ",1,0,35\n"
             ",6,1,21\n"
             ",1,0,21\n"
             ",2,2,28\n"
             ",2,3,35\n"
             ",1,0,35\n"
             ",6,1,21\n"
             "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n"
             "\"locations\":[],\n\"strings\":[\"\",\"weak\",\"ref0\",\"ref1\",\"Foo\",\"Foo[]\","
             "\"System.String\",\"[.NET Roots]\",\"[strong handles]\",\"[other roots]\"]}\n",
             META);
    char *got = slurp(path);
    assert_string_equal(got, want);
    assert_int_equal(res.nodes, 6);
    assert_int_equal(res.edges, 9);
    assert_int_equal(res.strings, 10);
    assert_int_equal(res.bytes, strlen(want));
    const char *s = strstr(want, "\"strings\":") + 10;
    assert_int_equal(res.string_chars, strlen(s) - 2); /* '[' .. ']', ASCII: one unit a byte */
    assert_int_equal(res.unreachable_nodes, 1);
    assert_int_equal(res.unreachable_bytes, 16);
    assert_false(res.truncated);
    free(got);

    /* The public entry point writes the same file; no temporary is left behind. */
    assert_int_equal(hd_heapsnapshot_write(&g, path, &err), HD_OK);
    got = slurp(path);
    assert_string_equal(got, want);
    free(got);
    DIR *d = opendir(g_dir);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) files += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    hd_graph_free(&g);
}

/* Names needing escapes, invalid UTF-8, a character beyond the BMP, and a '<' name with a
 * space (U+2060 in front); "Object" gets element edges. */
static void test_strings(void **state)
{
    (void)state;
    gg_edges e;
    gg_edges_init(&e);
    for (uint32_t i = 1; i < 7; i++) gg_edge(&e, 0, i);
    gg_edge(&e, 6, 1);
    hd_graph g;
    hd_error err = {0};
    assert_int_equal(gg_build(&g, 7, &e, 0, &err), HD_OK);
    gg_edges_free(&e);
    const char *names[] = {"[root]",
                           "A\"q\\b",
                           "C\x01z",
                           "bad\xff\xed\xa0\x80",
                           "pi\xf0\x9f\x98\x80",
                           "<>f__Anon<System.Int32, System.String>",
                           "Object"};
    for (int i = 0; i < 7; i++) {
        g.type[i] = gg_type(&g, names[i], NULL);
        g.size[i] = i ? 8 : 0;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/strings.heapsnapshot", g_dir);
    hs_limits lim;
    hs_result res;
    hs_default_limits(&lim);
    assert_int_equal(hs_write(&g, path, &lim, &res, &err), HD_OK);
    char *got = slurp(path);
    /* Sorted by bytes as written: U+2060 (E2 ..) sorts after ASCII. */
    const char *want = "\"strings\":[\"\",\"weak\",\"A\\\"q\\\\b\",\"C\\u0001z\",\"Object\","
                       "\"[root]\",\"bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
                       "\"pi\xf0\x9f\x98\x80\","
                       "\"\xe2\x81\xa0<>f__Anon<System.Int32, System.String>\","
                       "\"[other roots]\"]}\n";
    const char *s = strstr(got, "\"strings\":");
    assert_non_null(s);
    assert_string_equal(s, want);
    /* UTF-16 units: [ "" ,"weak" ,"A\"q\\b"(9+1) ,"C\u0001z"(10+1) ,"Object"(8+1) ,"[root]"(8+1)
     * ,"bad" + 4 U+FFFD (9+1) ,"pi" + a pair (6+1) ,U+2060 + 38 (41+1) ,"[other roots]"(15+1) ] */
    assert_int_equal(res.string_chars, 1 + 2 + 7 + 10 + 11 + 9 + 9 + 10 + 7 + 42 + 16 + 1);
    /* "Object" (node 6) -> node 1: an element edge; no property names at all (the others have
     * no references): the table has no "ref" entries. */
    assert_non_null(strstr(got, "\n,1,0,14\n],"));
    free(got);
    hd_graph_free(&g);
}

/* ---- reading our own files back --------------------------------------------------------- */

typedef struct parsed {
    uint64_t n_nodes, n_edges;
    uint32_t *nodes, *edges;
} parsed;

static uint64_t number_after(const char *s, const char *key)
{
    const char *p = strstr(s, key);
    assert_non_null(p);
    return strtoull(p + strlen(key), NULL, 10);
}

static uint32_t *numbers(const char *s, const char *key, uint64_t n)
{
    const char *p = strstr(s, key);
    assert_non_null(p);
    p += strlen(key);
    uint32_t *v = malloc((n ? n : 1) * sizeof *v);
    for (uint64_t i = 0; i < n; i++) {
        char *end;
        unsigned long long x = strtoull(p, &end, 10);
        assert_true(end > p && x <= UINT32_MAX);
        v[i] = (uint32_t)x;
        p = end;
        if (*p == '\n') p++;
        if (i + 1 < n) {
            assert_int_equal(*p, ',');
            p++;
        }
    }
    assert_int_equal(*p == '\n' ? p[1] : *p, ']');
    return v;
}

static void parse(const char *text, parsed *f)
{
    f->n_nodes = number_after(text, "\"node_count\":");
    f->n_edges = number_after(text, "\"edge_count\":");
    f->nodes = numbers(text, "\"nodes\":[", f->n_nodes * 7);
    f->edges = numbers(text, "\"edges\":[", f->n_edges * 3);
    uint64_t sum = 0;
    for (uint64_t k = 0; k < f->n_nodes; k++) sum += f->nodes[k * 7 + 4];
    assert_int_equal(sum, f->n_edges);
}

/* The file's graph without weak edges (as DevTools' dominators see it), sizes as written. */
static void file_graph(const parsed *f, hd_graph *g)
{
    gg_edges e;
    gg_edges_init(&e);
    uint64_t k = 0;
    for (uint64_t n = 0; n < f->n_nodes; n++)
        for (uint32_t i = 0; i < f->nodes[n * 7 + 4]; i++, k++) {
            uint32_t type = f->edges[k * 3], to = f->edges[k * 3 + 2];
            assert_int_equal(to % 7, 0);
            assert_true(to / 7 < f->n_nodes);
            if (type != HS_EDGE_WEAK) gg_edge(&e, (uint32_t)n, to / 7);
        }
    hd_error err = {0};
    assert_int_equal(gg_build(g, (uint32_t)f->n_nodes, &e, 0, &err), HD_OK);
    for (uint64_t n = 0; n < f->n_nodes; n++) g->size[n] = f->nodes[n * 7 + 3];
    gg_edges_free(&e);
}

static void random_sizes(hd_graph *g, gg_rng *r)
{
    for (uint32_t i = 0; i < g->n_nodes; i++) g->size[i] = i == g->root ? 0 : 1 + gg_below(r, 100);
}

/* Random graphs: every written object keeps its retained size; unreachable ones are absent. */
static void test_random_roundtrip(void **state)
{
    (void)state;
    gg_rng r;
    gg_seed(&r, 0x5eed5eedu);
    gg_edges e;
    gg_edges_init(&e);
    char path[512], desc[256];
    snprintf(path, sizeof path, "%s/random.heapsnapshot", g_dir);
    for (int iter = 0; iter < 300; iter++) {
        hd_node root;
        uint32_t n = gg_random_edges(&r, 1, 400, &e, &root, desc, sizeof desc);
        hd_graph g;
        hd_error err = {0};
        assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
        random_sizes(&g, &r);
        for (int w = gg_below(&r, 5); w > 0; w--)
            assert_int_equal(hd_graph_add_weak(&g, gg_below(&r, n), gg_below(&r, n), &err), HD_OK);
        hd_dom d;
        assert_int_equal(hd_dominators(&g, &d, &err), HD_OK);
        hs_limits lim;
        hs_result res;
        hs_default_limits(&lim);
        assert_int_equal(hs_write(&g, path, &lim, &res, &err), HD_OK);
        char *text = slurp(path);
        parsed f;
        parse(text, &f);
        hd_graph fg;
        file_graph(&f, &fg);
        hd_dom fd;
        assert_int_equal(hd_dominators(&fg, &fd, &err), HD_OK);
        /* Ordinals: root 0, maybe "[other roots]" 1, then reachable nodes in graph order. */
        uint32_t first = (uint32_t)(f.n_nodes - (d.n_reachable - 1));
        assert_true(first == 1 || first == 2);
        if (fd.n_reachable != f.n_nodes) {
            gg_dump(&g, stderr);
            fail_msg("iteration %d (%s): %u of %" PRIu64 " written nodes reachable", iter, desc,
                     fd.n_reachable, f.n_nodes);
        }
        assert_int_equal(fd.retained[0], d.retained[root]);
        uint32_t ord = first;
        for (hd_node x = 0; x < n; x++) {
            if (x == root || d.idom[x] == HD_NODE_NONE) continue;
            assert_int_equal(f.nodes[ord * 7 + 2], 2 * ord + 1);
            assert_int_equal(f.nodes[ord * 7 + 3], hd_node_size(&g, x));
            if (fd.retained[ord] != d.retained[x])
                fail_msg("iteration %d (%s): node %u retained %" PRIu64 " in the file, %" PRIu64,
                         iter, desc, x, fd.retained[ord], d.retained[x]);
            ord++;
        }
        assert_int_equal(ord, f.n_nodes);
        hd_dom_free(&fd);
        hd_graph_free(&fg);
        free(f.nodes);
        free(f.edges);
        free(text);
        hd_dom_free(&d);
        hd_graph_free(&g);
    }
    gg_edges_free(&e);
}

/* ---- too big ---------------------------------------------------------------------------- */

/* root(0) -> cat(1) -> A(2) -> a1..a4 (3..6, chain);  cat -> B(7) -> b1(8) -> b2(9);
 * cat -> C(10) -> c1(11). Sizes: A 100, a* 100 (A retains 500, 5 nodes); B 10, b1 200, b2 90
 * (B retains 300, 3 nodes; b1 retains 290, 2 nodes); C 40, c1 10 (50, 2 nodes).
 * Limits: 9 nodes = root + note + 7; edges plenty. cat (11 nodes) does not fit: its children
 * are candidates; A (500, 5) is taken; B (300, 3) does not fit the 2 left; its child b1
 * (290, 2) does; C (50, 2) no longer fits, nor does c1 (1 node, but no room). */
static void test_too_big_exact(void **state)
{
    (void)state;
    gg_edges e;
    gg_edges_init(&e);
    const uint32_t pairs[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 4},  {4, 5},  {5, 6},
                                 {1, 7}, {7, 8}, {8, 9}, {1, 10}, {10, 11}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) gg_edge(&e, pairs[i][0], pairs[i][1]);
    hd_graph g;
    hd_error err = {0};
    assert_int_equal(gg_build(&g, 12, &e, 0, &err), HD_OK);
    gg_edges_free(&e);
    const uint32_t sizes[] = {0, 0, 100, 100, 100, 100, 100, 10, 200, 90, 40, 10};
    for (int i = 0; i < 12; i++) g.size[i] = sizes[i];
    g.type[0] = gg_type(&g, "[.NET Roots]", NULL);
    g.type[1] = gg_type(&g, "[strong handles]", NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/big.heapsnapshot", g_dir);
    hs_limits lim = {.max_nodes = 9, .max_edges = 1000, .max_string_chars = 100000};
    hs_result res;
    assert_int_equal(hs_write(&g, path, &lim, &res, &err), HD_OK);
    assert_true(res.truncated);
    assert_int_equal(res.need_nodes, 12);
    assert_int_equal(res.subtrees, 2);
    assert_int_equal(res.kept_nodes, 7);
    assert_int_equal(res.kept_bytes, 790);
    assert_int_equal(res.left_out_nodes, 3);
    assert_int_equal(res.left_out_bytes, 60);
    assert_string_equal(res.note,
                        "(heapdiff: the heap is too big for DevTools; this file holds its "
                        "2 largest retained subtrees that fit: 7 of 10 objects, 790 of "
                        "850 bytes; left out: 3 objects, 60 bytes)");
    char *text = slurp(path);
    parsed f;
    parse(text, &f);
    assert_int_equal(f.n_nodes, 9);
    /* root -> note (element 0); note -> A (ordinal 2), b1 (ordinal 7): A's chain is 2..6, then
     * b1 8 -> 7, b2 9 -> 8. */
    assert_int_equal(f.nodes[4], 1);
    assert_int_equal(f.edges[0], HS_EDGE_ELEMENT);
    assert_int_equal(f.edges[2], 7);
    assert_int_equal(f.nodes[7 + 4], 2);
    assert_int_equal(f.edges[3 + 2], 2 * 7);
    assert_int_equal(f.edges[6 + 2], 7 * 7);
    hd_graph fg;
    file_graph(&f, &fg);
    hd_dom fd;
    assert_int_equal(hd_dominators(&fg, &fd, &err), HD_OK);
    assert_int_equal(fd.n_reachable, 9);
    assert_int_equal(fd.retained[0], 790);
    assert_int_equal(fd.retained[2], 500);
    assert_int_equal(fd.retained[7], 290);
    assert_non_null(strstr(text, res.note));
    hd_dom_free(&fd);
    hd_graph_free(&fg);
    free(f.nodes);
    free(f.edges);
    free(text);

    /* Edges are a limit too: 6 edges = root -> note + note -> head + 4 references: only A's
     * chain (4 references + note edge = 5) fits with root -> note. */
    lim = (hs_limits){.max_nodes = 1000, .max_edges = 6, .max_string_chars = 100000};
    assert_int_equal(hs_write(&g, path, &lim, &res, &err), HD_OK);
    assert_true(res.truncated);
    assert_int_equal(res.subtrees, 1);
    assert_int_equal(res.kept_bytes, 500);
    assert_true(res.edges <= 6);

    /* Limits with no room for anything are an error, and leave no file behind. */
    lim = (hs_limits){.max_nodes = 1, .max_edges = 1000, .max_string_chars = 100000};
    unlink(path);
    assert_int_equal(hs_write(&g, path, &lim, &res, &err), HD_EINTERNAL);
    assert_int_equal(access(path, F_OK), -1);
    hd_graph_free(&g);
}

/* Random graphs and random small limits: the file respects them, every kept node's subtree of
 * the dominator tree is kept whole with its retained size, and the first subtree taken is the
 * largest (by retained size) that fits alone. */
static void test_too_big_random(void **state)
{
    (void)state;
    gg_rng r;
    gg_seed(&r, 0xb16b16u);
    gg_edges e;
    gg_edges_init(&e);
    char path[512], desc[256];
    snprintf(path, sizeof path, "%s/bigrandom.heapsnapshot", g_dir);
    int truncated = 0;
    for (int iter = 0; iter < 300; iter++) {
        hd_node root;
        uint32_t n = gg_random_edges(&r, 5, 300, &e, &root, desc, sizeof desc);
        hd_graph g;
        hd_error err = {0};
        assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
        random_sizes(&g, &r);
        for (int w = gg_below(&r, 5); w > 0; w--)
            assert_int_equal(hd_graph_add_weak(&g, gg_below(&r, n), gg_below(&r, n), &err), HD_OK);
        hd_dom d;
        assert_int_equal(hd_dominators(&g, &d, &err), HD_OK);
        hs_limits lim = {.max_nodes = 2 + gg_below(&r, n),
                         .max_edges = 1 + 5 + gg_below(&r, 2 * n),
                         .max_string_chars = 100000};
        hs_result res;
        int rc = hs_write(&g, path, &lim, &res, &err);
        if (rc != HD_OK) fail_msg("iteration %d (%s): %s", iter, desc, err.msg);
        truncated += res.truncated;
        assert_true(res.nodes <= lim.max_nodes && res.edges <= lim.max_edges);
        if (!res.truncated) goto next;
        char *text = slurp(path);
        parsed f;
        parse(text, &f);
        hd_graph fg;
        file_graph(&f, &fg);
        hd_dom fd;
        assert_int_equal(hd_dominators(&fg, &fd, &err), HD_OK);
        assert_int_equal(fd.n_reachable, f.n_nodes);
        /* The note's children are the heads: whole dominator subtrees, so their retained
         * sizes in the file add up to the root's, and to the kept bytes. */
        uint32_t n_heads = f.nodes[7 + 4];
        uint64_t e_note = f.nodes[4]; /* the root's edges come first */
        uint64_t total_kept_retained = 0;
        for (uint32_t i = 0; i < n_heads; i++) {
            if (f.edges[(e_note + i) * 3] == HS_EDGE_WEAK) continue; /* the root's weak edges */
            uint32_t h = f.edges[(e_note + i) * 3 + 2] / 7;
            total_kept_retained += fd.retained[h];
        }
        assert_int_equal(fd.retained[0], total_kept_retained);
        assert_int_equal(total_kept_retained, res.kept_bytes);
        assert_int_equal(res.kept_bytes + res.left_out_bytes, d.retained[root]);
        /* Every written node is under a head: the file's idom chain of every node reaches the
         * note through a head. Sizes: sum of written sizes = kept bytes. */
        uint64_t sum = 0;
        for (uint64_t k = 2; k < f.n_nodes; k++) sum += f.nodes[k * 7 + 3];
        assert_int_equal(sum, res.kept_bytes);
        /* The biggest subtree that fits alone is the first head (ties: smallest node id). */
        uint32_t *sub = calloc(n, sizeof *sub);
        uint64_t *sube = calloc(n, sizeof *sube);
        for (uint64_t w = 0; w < g.n_weak; w++)
            if (g.weak[w][0] != root && d.idom[g.weak[w][0]] != HD_NODE_NONE) sube[g.weak[w][0]]++;
        for (uint32_t i = d.n_reachable; i-- > 0;) {
            hd_node x = d.order[i];
            sub[x]++;
            sube[x] += g.first[x + 1] - g.first[x];
            if (d.idom[x] != HD_NODE_NONE) sub[d.idom[x]] += sub[x], sube[d.idom[x]] += sube[x];
        }
        uint64_t root_weak = 0;
        for (uint64_t w = 0; w < g.n_weak; w++) root_weak += g.weak[w][0] == root;
        hd_node best = HD_NODE_NONE;
        for (hd_node x = 0; x < n; x++) {
            if (x == root || d.idom[x] == HD_NODE_NONE) continue;
            if (sub[x] > lim.max_nodes - 2 || sube[x] + 1 > lim.max_edges - 1 - root_weak) continue;
            if (best == HD_NODE_NONE || d.retained[x] > d.retained[best]) best = x;
        }
        if (best != HD_NODE_NONE) {
            assert_true(n_heads > 0);
            uint32_t h = f.edges[e_note * 3 + 2] / 7;
            if (fd.retained[h] != d.retained[best])
                fail_msg("iteration %d (%s): first head retains %" PRIu64 ", best fit %u retains "
                         "%" PRIu64,
                         iter, desc, fd.retained[h], best, d.retained[best]);
        }
        free(sub);
        free(sube);
        hd_dom_free(&fd);
        hd_graph_free(&fg);
        free(f.nodes);
        free(f.edges);
        free(text);
    next:
        hd_dom_free(&d);
        hd_graph_free(&g);
    }
    assert_true(truncated > 50);
    gg_edges_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_small),      cmocka_unit_test(test_strings),
        cmocka_unit_test(test_random_roundtrip), cmocka_unit_test(test_too_big_exact),
        cmocka_unit_test(test_too_big_random),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
