/* The .gcdump reader on hand-built inputs: everything no real fixture has (legacy versions,
 * deferred types, sampling, heap info, interop, non-ASCII strings, forward-compatible tagged
 * fields, 32-bit) and hostile inputs that must fail with HD_EINPUT and an offset.
 *
 * Inputs come from tests/fuzz/gcdump_builder.h, written from the format spec and independent
 * of src/. Every input is handed to the reader in a buffer of exactly its size, so an
 * over-read is caught by ASan (make asan). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GB_REALLOC test_realloc
#define GB_FREE test_free
#include "../fuzz/gcdump_builder.h"
#include "heapdiff/heapdiff.h"

/* ---- helpers ---- */

/* Reads b through a copy of exactly b->len bytes. Returns the status. */
static int read_exact(const uint8_t *data, size_t len, hd_graph *g, hd_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len) memcpy(copy, data, len);
    hd_graph_init(g);
    hd_error_clear(err);
    int rc = hd_gcdump_read("crafted.gcdump", copy, len, g, err);
    free(copy);
    return rc;
}

static void build(gbuf *b, const gb_spec *s, gb_layout *L)
{
    gb_init(b);
    gb_gcdump(b, s, L);
}

static uint32_t type_id_of(const hd_graph *g, const char *name, const char *module)
{
    for (uint32_t t = 0; t < g->types.count; t++) {
        const char *m = hd_type_module(g, t);
        if (strcmp(hd_type_name(g, t), name) != 0) continue;
        if ((module == NULL) != (m == NULL)) continue;
        if (module && strcmp(module, m) != 0) continue;
        return t;
    }
    return UINT32_MAX;
}

static void assert_str_or_null(const char *want, const char *got, const char *what)
{
    if (want == NULL) {
        if (got != NULL) fail_msg("%s: expected NULL, got \"%s\"", what, got);
        return;
    }
    if (got == NULL) fail_msg("%s: expected \"%s\", got NULL", what, want);
    if (strcmp(want, got) != 0) fail_msg("%s: expected \"%s\", got \"%s\"", what, want, got);
}

/* Checks every node (type name and module, size, address, children in order) and the
 * metadata against the spec the file was built from. */
static void check_graph(const hd_graph *g, const gb_spec *s)
{
    assert_int_equal(g->n_nodes, s->n_nodes);
    assert_int_equal(g->root, s->root);
    uint64_t edges = 0;
    for (int i = 0; i < s->n_nodes; i++) {
        const gb_node *n = &s->nodes[i];
        const gb_type *t = &s->types[n->undefined ? 0 : n->type];
        if (t->name) {
            if (strcmp(hd_type_name(g, g->type[i]), t->name) != 0)
                fail_msg("node %d: type \"%s\", expected \"%s\"", i, hd_type_name(g, g->type[i]),
                         t->name);
            if (!n->undefined)
                assert_str_or_null(t->module, hd_type_module(g, g->type[i]), "module");
        }
        if (hd_node_size(g, (hd_node)i) != (uint64_t)gb_node_size(s, i))
            fail_msg("node %d: size %llu, expected %lld", i,
                     (unsigned long long)hd_node_size(g, (hd_node)i),
                     (long long)gb_node_size(s, i));
        if (g->addr[i] != n->addr)
            fail_msg("node %d: address 0x%llx, expected 0x%llx", i, (unsigned long long)g->addr[i],
                     (unsigned long long)n->addr);
        int nc = n->undefined ? 0 : n->n_children;
        uint64_t got = g->first[i + 1] - g->first[i];
        if (got != (uint64_t)nc)
            fail_msg("node %d: %llu children, expected %d", i, (unsigned long long)got, nc);
        for (int c = 0; c < nc; c++)
            if (g->target[g->first[i] + (uint64_t)c] != (uint32_t)n->children[c])
                fail_msg("node %d child %d: %u, expected %d", i, c,
                         g->target[g->first[i] + (uint64_t)c], n->children[c]);
        edges += (uint64_t)nc;
    }
    assert_int_equal(g->n_edges, edges);

    /* Types are interned by (name, module): with distinct named types, one id per type. */
    int named = 1;
    for (int t = 0; t < s->n_types && named; t++) named = s->types[t].name != NULL;
    if (named) assert_int_equal(g->types.count, s->n_types);

    assert_string_equal(g->meta.format, "gcdump");
    assert_int_equal(g->meta.gcdump_version, s->version);
    assert_int_equal(g->meta.stored_total_size, (uint64_t)gb_total_size(s));
    if (!s->no_graph_is64) assert_int_equal(g->meta.pointer_size, s->is64 ? 8 : 4);
    assert_str_or_null(s->tool_mode == GB_TOOL_PRESENT ? s->tool : NULL, g->meta.creation_tool,
                       "creation_tool");
    if (s->version >= 5) {
        assert_str_or_null(s->process, g->meta.process_name, "process_name");
        assert_str_or_null(s->machine, g->meta.machine_name, "machine_name");
        assert_int_equal(g->meta.time_ticks, s->ticks);
        assert_int_equal(g->meta.process_id, s->pid);
    }
    if (s->n_mult > 0) {
        assert_non_null(g->meta.type_multiplier);
        for (int t = 0; t < s->n_types; t++) {
            uint32_t id = type_id_of(g, s->types[t].name, s->types[t].module);
            if (id == UINT32_MAX) fail_msg("type \"%s\" not in the type table", s->types[t].name);
            if (g->meta.type_multiplier[id] != s->mult[t])
                fail_msg("type \"%s\": multiplier %g, expected %g", s->types[t].name,
                         (double)g->meta.type_multiplier[id], (double)s->mult[t]);
        }
        assert_true(g->meta.avg_count_multiplier == s->avg_count);
        assert_true(g->meta.avg_size_multiplier == s->avg_size);
    } else {
        assert_null(g->meta.type_multiplier);
    }
}

/* Dominators and per-type stats on the graph, so every accepted input also goes through the
 * analysis (and ASan sees it). */
static void analyse(const hd_graph *g)
{
    hd_dom d;
    hd_stats st;
    hd_error err;
    memset(&d, 0, sizeof d);
    memset(&st, 0, sizeof st);
    hd_error_clear(&err);
    int rc = hd_dominators(g, &d, &err);
    if (rc != HD_OK) fail_msg("hd_dominators: %d %s", rc, err.msg);
    rc = hd_stats_compute(g, &d, 0, &st, &err);
    if (rc != HD_OK) fail_msg("hd_stats_compute: %d %s", rc, err.msg);
    hd_stats_free(&st);
    hd_dom_free(&d);
}

static void expect_ok(const gb_spec *s)
{
    gbuf b;
    gb_layout L;
    build(&b, s, &L);
    hd_graph g;
    hd_error err;
    int rc = read_exact(b.p, b.len, &g, &err);
    if (rc != HD_OK) fail_msg("read failed (%d): %s", rc, err.msg);
    assert_int_equal(err.code, HD_OK);
    check_graph(&g, s);
    analyse(&g);
    hd_graph_free(&g);
    gb_free(&b);
}

static void expect_input_error_buf(const uint8_t *p, size_t len, const char *what)
{
    hd_graph g;
    hd_error err;
    int rc = read_exact(p, len, &g, &err);
    if (rc == HD_OK) {
        hd_graph_free(&g);
        fail_msg("%s: accepted, expected HD_EINPUT", what);
    }
    if (rc != HD_EINPUT || err.code != HD_EINPUT)
        fail_msg("%s: status %d (err.code %d, \"%s\"), expected HD_EINPUT", what, rc, err.code,
                 err.msg);
    if (!strstr(err.msg, "offset")) fail_msg("%s: message names no offset: \"%s\"", what, err.msg);
    if (strchr(err.msg, '\n')) fail_msg("%s: message is not one line: \"%s\"", what, err.msg);
    if (!strstr(err.msg, "crafted.gcdump"))
        fail_msg("%s: message does not name the file: \"%s\"", what, err.msg);
}

static void expect_input_error(const gbuf *b, const char *what)
{
    expect_input_error_buf(b->p, b->len, what);
}

/* ---- valid inputs ---- */

static void t_default_v10(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.collection_log = "log";
    s.machine = "host";
    s.process = "app";
    s.ticks = 638000000000000000;
    s.pid = 4242;
    expect_ok(&s);
}

static void t_sniff(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    gbuf b;
    gb_layout L;
    build(&b, &s, &L);
    assert_true(hd_gcdump_sniff(b.p, b.len));
    assert_false(hd_gcdump_sniff(b.p, 10));
    assert_false(hd_gcdump_sniff(b.p, 0));
    b.p[10] ^= 0x20;
    assert_false(hd_gcdump_sniff(b.p, b.len));
    gb_free(&b);
}

static void t_version9(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.version = 9;
    expect_ok(&s);
}

static void legacy(int version)
{
    gb_spec s = gb_default();
    s.version = version;
    s.min_reader = 0;
    s.tool_mode = GB_TOOL_ABSENT;
    s.collection_log = "legacy log";
    s.machine = "OLDBOX";
    s.process = "w3wp";
    s.ticks = 634000000000000000;
    s.pid = 77;
    s.n_segments = 2;
    s.seg_version = 0;
    expect_ok(&s);
}

static void t_legacy_v4(void **state)
{
    (void)state;
    legacy(4);
}
static void t_legacy_v5(void **state)
{
    (void)state;
    legacy(5);
}
static void t_legacy_v6(void **state)
{
    (void)state;
    legacy(6);
}
static void t_legacy_v7(void **state)
{
    (void)state;
    legacy(7);
}

static void t_legacy_v7_32bit(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.version = 7;
    s.min_reader = 0;
    s.tool_mode = GB_TOOL_ABSENT;
    s.is64 = 0;
    for (int i = 0; i < s.n_nodes; i++) s.nodes[i].addr &= 0xFFFFFFFFu;
    expect_ok(&s);
}

static void t_32bit(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.is64 = 0;
    for (int i = 0; i < s.n_nodes; i++) s.nodes[i].addr &= 0xFFFFFFFFu;
    expect_ok(&s);
}

static void t_64bit_high_addresses(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.nodes[2].addr = 0xFFFF800000001000ull;
    s.nodes[3].addr = 0x8000000000000000ull;
    expect_ok(&s);
}

static void t_no_graph_is64(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.no_graph_is64 = 1;
    expect_ok(&s);
}

/* Deferred (ProjectN) types: MemoryGraph MinimumReaderVersion 1, names null in the type table,
 * a deferred region after the blob with Graphs.Module objects (the second use of the module is
 * an ObjectReference to the first). */
static void t_deferred_types(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.graph_min_reader = 1;
    s.n_types = 8;
    s.types[6] = (gb_type){NULL, 16, NULL};
    s.types[7] = (gb_type){NULL, 32, NULL};
    s.n_nodes = 8;
    s.nodes[4].n_children = 3;
    s.nodes[4].children[0] = 5;
    s.nodes[4].children[1] = 6;
    s.nodes[4].children[2] = 7;
    s.nodes[5] = (gb_node){.type = 6, .addr = 0x7f0000002000};
    s.nodes[6] = (gb_node){.type = 7, .addr = 0x7f0000002010};
    s.nodes[7] = (gb_node){.type = 6, .addr = 0x7f0000002030};
    s.n_deferred = s.n_types; /* one entry per type, in step with the type table */
    for (int i = 0; i < s.n_types; i++) s.deferred[i] = (gb_deferred){0, -1, NULL};
    s.deferred[6] = (gb_deferred){0x1234, 0, NULL};
    s.deferred[7] = (gb_deferred){0x5678, 0, " (Bytes > 1K)"};
    expect_ok(&s);

    /* The two deferred types must stay two types with non-empty, distinct names. */
    gbuf b;
    gb_layout L;
    build(&b, &s, &L);
    hd_graph g;
    hd_error err;
    assert_int_equal(read_exact(b.p, b.len, &g, &err), HD_OK);
    const char *n5 = hd_type_name(&g, g.type[5]);
    const char *n6 = hd_type_name(&g, g.type[6]);
    assert_non_null(n5);
    assert_non_null(n6);
    assert_true(n5[0] != '\0');
    assert_true(n6[0] != '\0');
    if (g.type[5] == g.type[6] || strcmp(n5, n6) == 0)
        fail_msg("deferred types 0x1234 and 0x5678 read as one type \"%s\"", n5);
    assert_int_equal(g.type[5], g.type[7]);
    print_message("deferred type names: \"%s\", \"%s\"\n", n5, n6);
    hd_graph_free(&g);
    gb_free(&b);
}

static void t_deferred_types_with_interop(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.graph_min_reader = 1;
    s.n_deferred = s.n_types;
    for (int i = 0; i < s.n_types; i++) s.deferred[i] = (gb_deferred){0, -1, NULL};
    s.interop = GB_INTEROP_CONTENT; /* forward reference 1, after the deferred region's 0 */
    expect_ok(&s);
}

static void t_sampled(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.avg_count = 2.0f;
    s.avg_size = 3.5f;
    s.n_mult = s.n_types;
    for (int i = 0; i < s.n_types; i++) s.mult[i] = 1.0f;
    s.mult[3] = 2.5f;
    s.mult[4] = 4.0f;
    expect_ok(&s);

    gbuf b;
    gb_layout L;
    build(&b, &s, &L);
    hd_graph g;
    hd_error err;
    assert_int_equal(read_exact(b.p, b.len, &g, &err), HD_OK);
    /* Node 2 is a Demo.Node of 24 bytes, node 4 a 30-byte string. */
    assert_int_equal(hd_node_weight(&g, 2), 60);
    assert_int_equal(hd_node_weight(&g, 4), 120);
    assert_int_equal(hd_node_weight(&g, 0), 0);
    hd_dom d;
    hd_stats st;
    memset(&d, 0, sizeof d);
    memset(&st, 0, sizeof st);
    assert_int_equal(hd_dominators(&g, &d, &err), HD_OK);
    assert_int_equal(hd_stats_compute(&g, &d, 0, &st, &err), HD_OK);
    assert_true(st.sampled);
    hd_stats_free(&st);
    hd_dom_free(&d);
    hd_graph_free(&g);
    gb_free(&b);
}

static void t_dotnet_heap_info_v0(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.dotnet_heap_info = 1;
    s.n_segments = 2; /* the second segment's type is an ObjectReference (02) to the first's */
    s.seg_version = 0;
    expect_ok(&s);
}

static void t_dotnet_heap_info_v1(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.dotnet_heap_info = 1;
    s.n_segments = 3;
    s.seg_version = 1;
    expect_ok(&s);
}

static void t_dotnet_heap_info_empty(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.dotnet_heap_info = 1;
    s.n_segments = 0;
    s.js_heap_info = 1;
    expect_ok(&s);
}

static void t_interop_content(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.interop = GB_INTEROP_CONTENT;
    expect_ok(&s);
}

static void t_interop_empty(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.interop = GB_INTEROP_EMPTY;
    expect_ok(&s);
}

static void t_interop_absent(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.interop = GB_INTEROP_ABSENT;
    s.tool_mode = GB_TOOL_ABSENT;
    expect_ok(&s);
}

static void t_non_ascii(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.types[3].name = "Demo.Caf\xc3\xa9";                           /* é: 2-byte */
    s.types[3].module = "Mod\xc3\xbcl\xc3\xa9.dll";                 /* ü é */
    s.types[4].name = "Euro\xe2\x82\xac<\xe6\xa9\x9f\xe6\xa2\xb0>"; /* € 機械: 3-byte */
    s.types[5].name = "Emoji\xf0\x9f\x98\x80Type";                  /* U+1F600: surrogate pair */
    s.nodes[4].type = 5;
    s.types[5].size = 12;
    s.process = "pr\xc3\xb8"
                "cess";
    s.machine = "\xe6\xa9\x9f\xe6\xa2\xb0";
    s.tool = "t\xc3\xb6\xc3\xb6l \xf0\x9f\x94\xa7";
    expect_ok(&s);
}

static void t_tool_absent(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.tool_mode = GB_TOOL_ABSENT;
    expect_ok(&s);
}

static void t_tool_null(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.tool_mode = GB_TOOL_NULL;
    expect_ok(&s);
}

static void t_tool_present(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.tool_mode = GB_TOOL_PRESENT;
    s.tool = "PerfView";
    expect_ok(&s);
}

static void t_extra_tagged(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.extra = GB_EXTRA_GRAPH | GB_EXTRA_HEAPDUMP;
    expect_ok(&s);
}

static void t_extra_tagged_no_tool(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.extra = GB_EXTRA_GRAPH | GB_EXTRA_HEAPDUMP;
    s.tool_mode = GB_TOOL_ABSENT;
    s.interop = GB_INTEROP_ABSENT;
    expect_ok(&s);
}

static void t_extra_skip_region(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.extra = GB_EXTRA_SKIP;
    s.interop = GB_INTEROP_CONTENT;
    expect_ok(&s);
}

static void t_undefined_node(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.nodes[4] = (gb_node){.type = 4, .undefined = 1}; /* referenced, never defined */
    expect_ok(&s);
}

/* Multi-byte compressed ints: far and negative child deltas, big explicit sizes, a type index
 * above 63 (two-byte typeAndSize). */
static void t_wide_values(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.n_types = GB_MAX_TYPES;
    for (int t = 6; t < GB_MAX_TYPES; t++) s.types[t] = (gb_type){NULL, 8, "Wide.dll"};
    static char names[GB_MAX_TYPES][16];
    for (int t = 6; t < GB_MAX_TYPES; t++) {
        snprintf(names[t], sizeof names[t], "Wide.T%d", t);
        s.types[t].name = names[t];
    }
    s.n_nodes = GB_MAX_NODES;
    for (int i = 5; i < GB_MAX_NODES; i++) {
        s.nodes[i] = (gb_node){.type = 6 + (i % (GB_MAX_TYPES - 6)), .addr = 0x1000u * (uint64_t)i};
        s.nodes[i].n_children = 2;
        s.nodes[i].children[0] = (i + 37) % GB_MAX_NODES;
        s.nodes[i].children[1] = 2;
    }
    s.nodes[4].n_children = 1;
    s.nodes[4].children[0] = GB_MAX_NODES - 1;
    s.nodes[10].has_size = 1;
    s.nodes[10].size = 0x7FFFFFFF;
    s.nodes[11].has_size = 1;
    s.nodes[11].size = 70000;
    s.nodes[12].has_size = 1;
    s.nodes[12].size = 8; /* explicit size equal to the type's: allowed */
    expect_ok(&s);
}

/* A root that is not node 0. */
static void t_root_not_zero(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    /* swap nodes 0 and 1 */
    gb_node r = s.nodes[0], c = s.nodes[1];
    s.nodes[0] = c;
    s.nodes[1] = r;
    s.nodes[1].children[0] = 0;
    s.nodes[0].children[0] = 2;
    s.root = 1;
    expect_ok(&s);
}

/* Self-loops, repeated children, edges back to the root. */
static void t_cycles(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.nodes[3].n_children = 5;
    s.nodes[3].children[0] = 2;
    s.nodes[3].children[1] = 3;
    s.nodes[3].children[2] = 3;
    s.nodes[3].children[3] = 0;
    s.nodes[3].children[4] = 4;
    s.nodes[4].n_children = 2;
    s.nodes[4].children[0] = 4;
    s.nodes[4].children[1] = 1;
    expect_ok(&s);
}

/* Graphs too big for gb_spec, written directly: a chain 0 -> 1 -> ... -> n-1 (deep: any
 * recursion over it overflows the stack), the same chain with every node also pointing back
 * to the root, and a star (the root with n-1 children). */
enum { SHAPE_CHAIN, SHAPE_CHAIN_BACK, SHAPE_STAR };
typedef struct shape {
    uint32_t n;
    int kind;
} shape;

static void big_graph(gbuf *b, const gb_spec *s, gb_layout *L, void *arg)
{
    const shape *sh = arg;
    uint32_t n = sh->n;
    (void)L;
    gb_u8(b, 0x04);
    gb_type_def(b, "Graphs.MemoryGraph", 1, 0);
    gb_i64(b, (int64_t)(n - 1) * 24);
    gb_i32(b, 0); /* root */
    gb_i32(b, s->n_types);
    for (int i = 0; i < s->n_types; i++) {
        gb_str(b, s->types[i].name);
        gb_i32(b, s->types[i].size);
        gb_str(b, s->types[i].module);
    }
    gbuf blob, offs;
    gb_init(&blob);
    gb_init(&offs);
    gb_u8(&blob, 0x00);
    gb_u8(&blob, 0x00);
    uint32_t root_off = (uint32_t)blob.len;
    gb_cint(&blob, 1 << 1); /* [.NET Roots] */
    if (sh->kind == SHAPE_STAR) {
        gb_cint(&blob, (int32_t)n - 1);
        for (uint32_t i = 1; i < n; i++) gb_cint(&blob, (int32_t)i);
    } else {
        gb_cint(&blob, 1);
        gb_cint(&blob, 1);
    }
    gb_u32(&offs, root_off);
    for (uint32_t i = 1; i < n; i++) {
        gb_u32(&offs, (uint32_t)blob.len);
        gb_cint(&blob, 3 << 1); /* Demo.Node, 24 bytes */
        int last = i + 1 == n;
        if (sh->kind == SHAPE_STAR) {
            gb_cint(&blob, 0);
        } else if (sh->kind == SHAPE_CHAIN) {
            gb_cint(&blob, last ? 0 : 1);
            if (!last) gb_cint(&blob, 1);
        } else {
            gb_cint(&blob, last ? 1 : 2);
            gb_cint(&blob, -(int32_t)i);
            if (!last) gb_cint(&blob, 1);
        }
    }
    gb_i32(b, (int32_t)n);
    gb_bytes(b, offs.p, offs.len);
    gb_i32(b, (int32_t)blob.len);
    gb_bytes(b, blob.p, blob.len);
    gb_free(&blob);
    gb_free(&offs);
    gb_i32(b, (int32_t)n);
    gb_u64(b, 0);
    for (uint32_t i = 1; i < n; i++) gb_u64(b, 0x10000000ull + 24ull * i);
    gb_u8(b, 0x08);
    gb_u8(b, 1);
    gb_u8(b, 0x06);
}

static void big_case(int kind)
{
    shape sh = {1u << 20, kind};
    gb_spec s = gb_default();
    gbuf b;
    gb_layout L;
    gb_init(&b);
    gb_gcdump_with(&b, &s, &L, big_graph, &sh);
    hd_graph g;
    hd_error err;
    int rc = read_exact(b.p, b.len, &g, &err);
    gb_free(&b);
    if (rc != HD_OK) fail_msg("read failed (%d): %s", rc, err.msg);
    uint32_t n = sh.n;
    assert_int_equal(g.n_nodes, n);
    uint64_t edges = kind == SHAPE_CHAIN ? n - 1 : kind == SHAPE_STAR ? n - 1 : 2ull * (n - 1);
    assert_int_equal(g.n_edges, edges);
    hd_dom d;
    memset(&d, 0, sizeof d);
    rc = hd_dominators(&g, &d, &err);
    if (rc != HD_OK) fail_msg("hd_dominators: %d %s", rc, err.msg);
    assert_int_equal(d.n_reachable, n);
    assert_int_equal(d.retained[0], (uint64_t)(n - 1) * 24);
    if (kind == SHAPE_STAR) {
        assert_int_equal(d.idom[n - 1], 0);
        assert_int_equal(d.retained[1], 24);
    } else {
        assert_int_equal(d.idom[n - 1], n - 2);
        assert_int_equal(d.idom[2], 1);
        assert_int_equal(d.retained[1], (uint64_t)(n - 1) * 24);
        assert_int_equal(d.retained[n / 2], (uint64_t)(n - n / 2) * 24);
    }
    hd_stats st;
    memset(&st, 0, sizeof st);
    rc = hd_stats_compute(&g, &d, 0, &st, &err);
    if (rc != HD_OK) fail_msg("hd_stats_compute: %d %s", rc, err.msg);
    int found = 0;
    for (uint32_t r = 0; r < st.n_rows; r++)
        if (strcmp(st.rows[r].name, "Demo.Node") == 0) {
            found = 1;
            assert_int_equal(st.rows[r].count, n - 1);
            assert_int_equal(st.rows[r].shallow, (uint64_t)(n - 1) * 24);
            assert_int_equal(st.rows[r].retained, (uint64_t)(n - 1) * 24);
        }
    assert_true(found);
    hd_stats_free(&st);
    hd_dom_free(&d);
    hd_graph_free(&g);
}

static void t_deep_chain(void **state)
{
    (void)state;
    big_case(SHAPE_CHAIN);
}

static void t_deep_chain_back_edges(void **state)
{
    (void)state;
    big_case(SHAPE_CHAIN_BACK);
}

static void t_wide_star(void **state)
{
    (void)state;
    big_case(SHAPE_STAR);
}

/* ---- hostile inputs: each must fail with HD_EINPUT and an offset ---- */

#define ERROR_CASE(fn, what, ...)                                                                  \
    static void fn(void **state)                                                                   \
    {                                                                                              \
        (void)state;                                                                               \
        gb_spec s = gb_default();                                                                  \
        gbuf b;                                                                                    \
        gb_layout L;                                                                               \
        build(&b, &s, &L);                                                                         \
        __VA_ARGS__;                                                                               \
        expect_input_error(&b, what);                                                              \
        gb_free(&b);                                                                               \
    }

/* Builds with a modified spec. */
#define ERROR_SPEC(fn, what, ...)                                                                  \
    static void fn(void **state)                                                                   \
    {                                                                                              \
        (void)state;                                                                               \
        gb_spec s = gb_default();                                                                  \
        __VA_ARGS__;                                                                               \
        gbuf b;                                                                                    \
        gb_layout L;                                                                               \
        build(&b, &s, &L);                                                                         \
        expect_input_error(&b, what);                                                              \
        gb_free(&b);                                                                               \
    }

ERROR_SPEC(e_version8, "GCHeapDump version 8 (unsupported)", s.version = 8)
ERROR_SPEC(e_version3, "GCHeapDump version 3 (older than 4)", s.version = 3; s.min_reader = 3)
ERROR_SPEC(e_min_reader_11, "GCHeapDump MinimumReaderVersion 11", s.min_reader = 11)
ERROR_SPEC(e_graph_min_reader_2, "MemoryGraph MinimumReaderVersion 2", s.graph_min_reader = 2)
ERROR_CASE(e_bad_signature, "signature byte", b.p[9] = 'X')
ERROR_CASE(e_bad_signature_len, "signature length", b.p[0] = 21)
ERROR_CASE(e_entry_not_object, "entry object tag 0x00", b.p[24] = 0x00)
ERROR_CASE(e_entry_null, "null entry object", b.p[24] = 0x01)
ERROR_CASE(e_wrong_entry_type, "entry type name", b.p[L.gh_type + 14 + 4] = 'X')
ERROR_CASE(e_wrong_graph_type, "MemoryGraph type name", b.p[L.graph_type + 14 + 7] = 'X')
ERROR_SPEC(e_child_out_of_range, "child index out of range", s.nodes[3].children[0] = 50)
ERROR_SPEC(e_child_negative, "child index negative", s.nodes[3].children[0] = -1)
ERROR_SPEC(e_child_is_n, "child index == node count", s.nodes[2].children[1] = 5)
ERROR_SPEC(e_root_out_of_range, "root index out of range", s.root = 5)
ERROR_SPEC(e_root_negative, "root index negative", s.root = -1)
ERROR_SPEC(e_type_out_of_range, "node type index out of range", s.nodes[2].type = 6)
ERROR_SPEC(e_empty_graph, "no nodes", s.n_nodes = 0)
ERROR_CASE(e_node_offset_past_blob, "node offset past the blob",
           gb_patch_u32(&b, L.node_offsets + 4 * 2, gb_get_u32(&b, L.blob_len) + 10))
ERROR_CASE(e_node_offset_at_blob_end, "node offset == blob length",
           gb_patch_u32(&b, L.node_offsets + 4 * 2, gb_get_u32(&b, L.blob_len)))
ERROR_CASE(e_node_offset_huge, "node offset 0xFFFFFFFF",
           gb_patch_u32(&b, L.node_offsets + 4 * 1, 0xFFFFFFFFu))
/* The root's record is the last in the blob: 63 children run past its end. */
ERROR_CASE(e_record_past_blob, "node record runs past the blob", b.p[L.child_count[0]] = 0x3F)
/* The root's last child delta gets a continuation bit: the cint runs past the blob. */
ERROR_CASE(e_cint_past_blob, "compressed int runs past the blob",
           b.p[L.blob + gb_get_u32(&b, L.blob_len) - 1] |= 0x80)
ERROR_CASE(e_child_count_negative, "negative child count", b.p[L.child_count[2]] = 0x7F)
ERROR_CASE(e_node_count_huge, "node count 0x7FFFFFFF", gb_patch_u32(&b, L.node_count, 0x7FFFFFFF))
ERROR_CASE(e_node_count_past_eof, "node count larger than the remaining bytes",
           gb_patch_u32(&b, L.node_count, (uint32_t)(b.len - L.node_count) / 4 + 1))
ERROR_CASE(e_node_count_negative, "node count -1", gb_patch_u32(&b, L.node_count, 0xFFFFFFFFu))
ERROR_CASE(e_type_count_huge, "type count 0x7FFFFFFF", gb_patch_u32(&b, L.type_count, 0x7FFFFFFF))
ERROR_CASE(e_type_count_negative, "type count -1", gb_patch_u32(&b, L.type_count, 0xFFFFFFFFu))
ERROR_CASE(e_blob_len_huge, "blob length 0x7FFFFFF0", gb_patch_u32(&b, L.blob_len, 0x7FFFFFF0))
ERROR_CASE(e_blob_len_negative, "blob length -1", gb_patch_u32(&b, L.blob_len, 0xFFFFFFFFu))
ERROR_CASE(e_addr_count_huge, "address count 0x10000000",
           gb_patch_u32(&b, L.addr_count, 0x10000000))
ERROR_CASE(e_addr_count_negative, "address count -1", gb_patch_u32(&b, L.addr_count, 0xFFFFFFFFu))
ERROR_CASE(e_mult_count_negative, "multiplier count -2",
           gb_patch_u32(&b, L.mult_count, 0xFFFFFFFEu))
ERROR_CASE(e_mult_count_huge, "multiplier count 0x40000000",
           gb_patch_u32(&b, L.mult_count, 0x40000000))
ERROR_SPEC(e_seg_count_negative, "segment count -1", s.dotnet_heap_info = 1; s.n_segments = -1)
static void e_seg_count_huge(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.dotnet_heap_info = 1;
    s.n_segments = 1;
    s.seg_version = 1;
    gbuf b;
    gb_layout L;
    build(&b, &s, &L);
    gb_patch_u32(&b, L.seg_count, 0x7FFFFFFF);
    expect_input_error(&b, "segment count 0x7FFFFFFF");
    gb_free(&b);
}
ERROR_CASE(e_string_len_past_eof, "type name length past EOF",
           gb_patch_u32(&b, L.type_name[3], 0x00100000))
ERROR_CASE(e_string_len_negative, "type name length -2",
           gb_patch_u32(&b, L.type_name[3], 0xFFFFFFFEu))
ERROR_CASE(e_tool_len_past_eof, "CreationTool length past EOF",
           gb_patch_u32(&b, L.tool + 1, (uint32_t)(b.len - L.tool)))
ERROR_CASE(e_missing_trailer, "file ends after the entry object", b.len = L.gh_end + 1)
ERROR_CASE(e_missing_fwd_table, "file ends after the end-of-objects tag", b.len = L.eos + 1)
ERROR_CASE(e_missing_suffix, "file ends after the trailer", b.len = L.suffix)
ERROR_CASE(e_suffix_huge, "suffix label 0xFFFFFFF0", gb_patch_u32(&b, L.suffix, 0xFFFFFFF0u))
ERROR_CASE(e_suffix_at_eof, "suffix label == file size",
           gb_patch_u32(&b, L.suffix, (uint32_t)b.len))
ERROR_CASE(e_suffix_zero, "suffix label 0", gb_patch_u32(&b, L.suffix, 0))
ERROR_CASE(e_suffix_off_by_one, "suffix label off by one",
           gb_patch_u32(&b, L.suffix, (uint32_t)L.trailer - 1))
ERROR_CASE(e_trailer_wrong, "trailer points past the table",
           gb_patch_u32(&b, L.trailer, (uint32_t)L.table + 1))
ERROR_CASE(e_trailer_huge, "trailer 0xFFFFFFFF", gb_patch_u32(&b, L.trailer, 0xFFFFFFFFu))
ERROR_CASE(e_fwd_count_wrong, "forward-reference count 5", gb_patch_u32(&b, L.table, 5))
ERROR_CASE(e_fwd_count_negative, "forward-reference count -1",
           gb_patch_u32(&b, L.table, 0xFFFFFFFFu))
ERROR_CASE(e_fwd_count_huge, "forward-reference count 0x7FFFFFFF",
           gb_patch_u32(&b, L.table, 0x7FFFFFFF))
ERROR_CASE(e_eos_not_endobject, "end-of-objects tag is not 06", b.p[L.eos] = 0x01)
ERROR_CASE(e_trailing_garbage, "trailing garbage", gb_bytes(&b, "garbage!", 8))
ERROR_CASE(e_trailing_suffix_copy, "a copy of the suffix label appended", uint8_t sfx[4];
           memcpy(sfx, b.p + L.suffix, 4); gb_bytes(&b, sfx, 4))
ERROR_CASE(e_unknown_tag_before_end, "unknown tag 0x20 before GCHeapDump's EndObject",
           b.p[L.gh_end] = 0x20)
ERROR_CASE(e_graph_end_tag_bad, "bad tag before MemoryGraph's EndObject", b.p[L.graph_end] = 0x00)

/* Sampling multipliers that are no positive finite number (a sampled file's averages are
 * printed in every report, so they are checked like the per-type ones). */
static void sampled(gb_spec *s)
{
    s->n_mult = s->n_types;
    for (int i = 0; i < s->n_types; i++) s->mult[i] = 1.0f;
}
ERROR_SPEC(e_mult_nan, "per-type multiplier NaN", sampled(&s); s.mult[3] = NAN)
ERROR_SPEC(e_mult_inf, "per-type multiplier +inf", sampled(&s); s.mult[3] = INFINITY)
ERROR_SPEC(e_mult_negative, "per-type multiplier -2", sampled(&s); s.mult[3] = -2.0f)
ERROR_SPEC(e_sampled_avg_count_nan, "sampled, AverageCountMultiplier NaN", sampled(&s);
           s.avg_count = NAN)
ERROR_SPEC(e_sampled_avg_size_inf, "sampled, AverageSizeMultiplier +inf", sampled(&s);
           s.avg_size = INFINITY)
ERROR_SPEC(e_sampled_avg_count_negative, "sampled, AverageCountMultiplier -1", sampled(&s);
           s.avg_count = -1.0f)

/* The InteropInfo skip region's forward reference points outside the file. */
ERROR_CASE(e_fwd_target_huge, "forward reference target past EOF",
           gb_patch_u32(&b, L.table + 4, 0x7FFFFFF0u))

/* The second segment's type is `02 label`; a label that is no object, and one pointing
 * forward, must both be refused. */
static void objref_case(uint32_t (*label)(const gbuf *, const gb_layout *), const char *what)
{
    gb_spec s = gb_default();
    s.dotnet_heap_info = 1;
    s.n_segments = 2;
    s.seg_version = 1;
    gbuf b;
    gb_layout L;
    build(&b, &s, &L);
    /* find the `04 02 <seg_type label>` of the second segment */
    uint8_t pat[6] = {0x04, 0x02};
    uint32_t st = (uint32_t)L.seg_type;
    memcpy(pat + 2, &st, 4); /* little-endian host */
    size_t at = 0;
    for (size_t i = L.seg_type; i + 6 <= b.len; i++)
        if (memcmp(b.p + i, pat, 6) == 0) {
            at = i;
            break;
        }
    assert_true(at != 0);
    gb_patch_u32(&b, at + 2, label(&b, &L));
    expect_input_error(&b, what);
    gb_free(&b);
}

static uint32_t label_not_object(const gbuf *b, const gb_layout *L)
{
    (void)b;
    (void)L;
    return 3; /* inside the signature */
}

static uint32_t label_forward(const gbuf *b, const gb_layout *L)
{
    (void)b;
    return (uint32_t)L->tool;
}

static uint32_t label_past_eof(const gbuf *b, const gb_layout *L)
{
    (void)L;
    return (uint32_t)b->len + 100;
}

static uint32_t label_wrong_type(const gbuf *b, const gb_layout *L)
{
    (void)b;
    return (uint32_t)L->graph_type; /* a type descriptor, but Graphs.MemoryGraph */
}

static void e_objref_not_object(void **state)
{
    (void)state;
    objref_case(label_not_object, "ObjectReference to an offset that holds no object");
}

static void e_objref_forward(void **state)
{
    (void)state;
    objref_case(label_forward, "ObjectReference forward");
}

static void e_objref_past_eof(void **state)
{
    (void)state;
    objref_case(label_past_eof, "ObjectReference past EOF");
}

static void e_objref_wrong_type(void **state)
{
    (void)state;
    objref_case(label_wrong_type, "segment whose type is Graphs.MemoryGraph");
}

/* Every strict prefix of a file using every feature must be refused (never crash, never
 * accepted, always with an offset). */
static void e_every_prefix(void **state)
{
    (void)state;
    gb_spec s = gb_default();
    s.graph_min_reader = 1;
    s.n_deferred = s.n_types;
    for (int i = 0; i < s.n_types; i++)
        s.deferred[i] = (gb_deferred){i == 3 ? 0x42 : 0, i == 3 ? 0 : -1, NULL};
    s.dotnet_heap_info = 1;
    s.n_segments = 2;
    s.seg_version = 1;
    s.js_heap_info = 1;
    s.interop = GB_INTEROP_CONTENT;
    s.n_mult = s.n_types;
    for (int i = 0; i < s.n_types; i++) s.mult[i] = 1.5f;
    s.extra = GB_EXTRA_GRAPH | GB_EXTRA_HEAPDUMP | GB_EXTRA_SKIP;
    s.collection_log = "log";
    s.process = "p";
    gbuf b;
    gb_layout L;
    build(&b, &s, &L);
    {
        hd_graph g;
        hd_error err;
        int rc = read_exact(b.p, b.len, &g, &err);
        if (rc != HD_OK) fail_msg("the whole file is refused (%d): %s", rc, err.msg);
        hd_graph_free(&g);
    }
    char what[128];
    for (size_t n = 0; n < b.len; n++) {
        snprintf(what, sizeof what, "prefix of %zu of %zu bytes", n, b.len);
        expect_input_error_buf(b.p, n, what);
    }
    gb_free(&b);
}

/* Every legacy version's prefixes too (a different tail). */
static void e_every_prefix_legacy(void **state)
{
    (void)state;
    for (int v = 4; v <= 7; v++) {
        gb_spec s = gb_default();
        s.version = v;
        s.min_reader = 0;
        s.n_segments = 1;
        gbuf b;
        gb_layout L;
        build(&b, &s, &L);
        char what[128];
        for (size_t n = 0; n < b.len; n++) {
            snprintf(what, sizeof what, "v%d: prefix of %zu of %zu bytes", v, n, b.len);
            expect_input_error_buf(b.p, n, what);
        }
        gb_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_default_v10),
        cmocka_unit_test(t_sniff),
        cmocka_unit_test(t_version9),
        cmocka_unit_test(t_legacy_v4),
        cmocka_unit_test(t_legacy_v5),
        cmocka_unit_test(t_legacy_v6),
        cmocka_unit_test(t_legacy_v7),
        cmocka_unit_test(t_legacy_v7_32bit),
        cmocka_unit_test(t_32bit),
        cmocka_unit_test(t_64bit_high_addresses),
        cmocka_unit_test(t_no_graph_is64),
        cmocka_unit_test(t_deferred_types),
        cmocka_unit_test(t_deferred_types_with_interop),
        cmocka_unit_test(t_sampled),
        cmocka_unit_test(t_dotnet_heap_info_v0),
        cmocka_unit_test(t_dotnet_heap_info_v1),
        cmocka_unit_test(t_dotnet_heap_info_empty),
        cmocka_unit_test(t_interop_content),
        cmocka_unit_test(t_interop_empty),
        cmocka_unit_test(t_interop_absent),
        cmocka_unit_test(t_non_ascii),
        cmocka_unit_test(t_tool_absent),
        cmocka_unit_test(t_tool_null),
        cmocka_unit_test(t_tool_present),
        cmocka_unit_test(t_extra_tagged),
        cmocka_unit_test(t_extra_tagged_no_tool),
        cmocka_unit_test(t_extra_skip_region),
        cmocka_unit_test(t_undefined_node),
        cmocka_unit_test(t_wide_values),
        cmocka_unit_test(t_root_not_zero),
        cmocka_unit_test(t_cycles),
        cmocka_unit_test(t_deep_chain),
        cmocka_unit_test(t_deep_chain_back_edges),
        cmocka_unit_test(t_wide_star),
        cmocka_unit_test(e_version8),
        cmocka_unit_test(e_version3),
        cmocka_unit_test(e_min_reader_11),
        cmocka_unit_test(e_graph_min_reader_2),
        cmocka_unit_test(e_bad_signature),
        cmocka_unit_test(e_bad_signature_len),
        cmocka_unit_test(e_entry_not_object),
        cmocka_unit_test(e_entry_null),
        cmocka_unit_test(e_wrong_entry_type),
        cmocka_unit_test(e_wrong_graph_type),
        cmocka_unit_test(e_child_out_of_range),
        cmocka_unit_test(e_child_negative),
        cmocka_unit_test(e_child_is_n),
        cmocka_unit_test(e_root_out_of_range),
        cmocka_unit_test(e_root_negative),
        cmocka_unit_test(e_type_out_of_range),
        cmocka_unit_test(e_empty_graph),
        cmocka_unit_test(e_node_offset_past_blob),
        cmocka_unit_test(e_node_offset_at_blob_end),
        cmocka_unit_test(e_node_offset_huge),
        cmocka_unit_test(e_record_past_blob),
        cmocka_unit_test(e_cint_past_blob),
        cmocka_unit_test(e_child_count_negative),
        cmocka_unit_test(e_node_count_huge),
        cmocka_unit_test(e_node_count_past_eof),
        cmocka_unit_test(e_node_count_negative),
        cmocka_unit_test(e_type_count_huge),
        cmocka_unit_test(e_type_count_negative),
        cmocka_unit_test(e_blob_len_huge),
        cmocka_unit_test(e_blob_len_negative),
        cmocka_unit_test(e_addr_count_huge),
        cmocka_unit_test(e_addr_count_negative),
        cmocka_unit_test(e_mult_count_negative),
        cmocka_unit_test(e_mult_count_huge),
        cmocka_unit_test(e_seg_count_negative),
        cmocka_unit_test(e_seg_count_huge),
        cmocka_unit_test(e_string_len_past_eof),
        cmocka_unit_test(e_string_len_negative),
        cmocka_unit_test(e_tool_len_past_eof),
        cmocka_unit_test(e_missing_trailer),
        cmocka_unit_test(e_missing_fwd_table),
        cmocka_unit_test(e_missing_suffix),
        cmocka_unit_test(e_suffix_huge),
        cmocka_unit_test(e_suffix_at_eof),
        cmocka_unit_test(e_suffix_zero),
        cmocka_unit_test(e_suffix_off_by_one),
        cmocka_unit_test(e_trailer_wrong),
        cmocka_unit_test(e_trailer_huge),
        cmocka_unit_test(e_fwd_count_wrong),
        cmocka_unit_test(e_fwd_count_negative),
        cmocka_unit_test(e_fwd_count_huge),
        cmocka_unit_test(e_eos_not_endobject),
        cmocka_unit_test(e_trailing_garbage),
        cmocka_unit_test(e_trailing_suffix_copy),
        cmocka_unit_test(e_unknown_tag_before_end),
        cmocka_unit_test(e_graph_end_tag_bad),
        cmocka_unit_test(e_fwd_target_huge),
        cmocka_unit_test(e_mult_nan),
        cmocka_unit_test(e_mult_inf),
        cmocka_unit_test(e_mult_negative),
        cmocka_unit_test(e_sampled_avg_count_nan),
        cmocka_unit_test(e_sampled_avg_size_inf),
        cmocka_unit_test(e_sampled_avg_count_negative),
        cmocka_unit_test(e_objref_not_object),
        cmocka_unit_test(e_objref_forward),
        cmocka_unit_test(e_objref_past_eof),
        cmocka_unit_test(e_objref_wrong_type),
        cmocka_unit_test(e_every_prefix),
        cmocka_unit_test(e_every_prefix_legacy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
