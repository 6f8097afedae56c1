/* Real inputs through the .gcdump writer: read -> write -> read gives the same graph.
 *
 * test_gcdump_write.c checks the writer's bytes against files assembled from the format spec
 * and round-trips synthetic graphs; this file does the same round trip on every real input we
 * have: the third-party fixtures (../shared/fixtures/gcdump, when present), the example
 * snapshots (tests/data/example, .gcdump) and the real .NET process dumps
 * (the .core.xz files there, walked by the CLR heap walker). For each one it checks, node
 * by node, type name, module, kind and root kind, size, address and the edges in their order;
 * the root; the metadata a .gcdump can carry; then that writing the re-read graph again gives
 * the same bytes (the writer has a fixed point on real data).
 *
 * What a .gcdump cannot carry is checked to be dropped and nothing more: weak references
 * (GCHeapDump has no place for them), sizes above INT32_MAX (clamped, as PerfView does). */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heapdiff/heapdiff.h"

#define FIXTURES "../shared/fixtures/gcdump"
#define EXAMPLES "tests/data/example"

static char g_tmp[256];

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(g_tmp, sizeof g_tmp, "%s/heapdiff-gcrt-%d.gcdump", t, (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_tmp);
    return 0;
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static const char *or_null(const char *s)
{
    return s ? s : "(null)";
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void load(const char *path, hd_graph *g)
{
    hd_error err;
    hd_error_clear(&err);
    hd_graph_init(g);
    if (hd_load(path, g, &err) != HD_OK) fail_msg("%s: %s", path, err.msg);
}

static void write_gcdump(const hd_graph *g, const char *path)
{
    hd_error err;
    hd_error_clear(&err);
    if (hd_gcdump_write(g, path, &err) != HD_OK) fail_msg("writing %s: %s", path, err.msg);
}

/* b is a (the graph of `name`) written as a .gcdump and read back. */
static void compare(const hd_graph *a, const hd_graph *b, const char *name, int from_gcdump)
{
    if (b->n_nodes != a->n_nodes || b->n_edges != a->n_edges || b->root != a->root)
        fail_msg("%s: %u nodes, %llu edges, root %u read back as %u, %llu, %u", name, a->n_nodes,
                 (unsigned long long)a->n_edges, a->root, b->n_nodes,
                 (unsigned long long)b->n_edges, b->root);
    uint64_t total = 0;
    for (hd_node n = 0; n < a->n_nodes; n++) {
        uint32_t ta = a->type[n], tb = b->type[n];
        const hd_type_info *ia = &a->types.types[ta], *ib = &b->types.types[tb];
        if (!same_str(hd_type_name(a, ta), hd_type_name(b, tb)) ||
            !same_str(hd_type_module(a, ta), hd_type_module(b, tb)))
            fail_msg("%s: node %u: type %s [%s] read back as %s [%s]", name, n, hd_type_name(a, ta),
                     or_null(hd_type_module(a, ta)), hd_type_name(b, tb),
                     or_null(hd_type_module(b, tb)));
        if (ia->kind != ib->kind || ia->root != ib->root)
            fail_msg("%s: node %u (%s): kind %u/root %u read back as %u/%u", name, n,
                     hd_type_name(a, ta), ia->kind, ia->root, ib->kind, ib->root);
        uint64_t s = hd_node_size(a, n);
        if (s > INT32_MAX) s = INT32_MAX; /* the format's limit (PerfView clamps the same way) */
        total += s;
        if (hd_node_size(b, n) != s)
            fail_msg("%s: node %u: size %llu read back as %llu", name, n, (unsigned long long)s,
                     (unsigned long long)hd_node_size(b, n));
        if (b->addr[n] != a->addr[n])
            fail_msg("%s: node %u: address 0x%llx read back as 0x%llx", name, n,
                     (unsigned long long)a->addr[n], (unsigned long long)b->addr[n]);
        if (b->first[n + 1] != a->first[n + 1])
            fail_msg("%s: node %u: edges end at %llu, read back %llu", name, n,
                     (unsigned long long)a->first[n + 1], (unsigned long long)b->first[n + 1]);
    }
    if (a->n_edges && memcmp(a->target, b->target, a->n_edges * sizeof *a->target) != 0) {
        for (uint64_t e = 0; e < a->n_edges; e++)
            if (a->target[e] != b->target[e])
                fail_msg("%s: edge %llu: target %u read back as %u", name, (unsigned long long)e,
                         a->target[e], b->target[e]);
    }

    /* Every type of the input is in the file, instances or not. A .gcdump input comes back
     * with exactly its type table (its own UNDEFINED is type 0 again, not a second one). */
    for (uint32_t t = 0; t < a->types.count; t++) {
        int found = 0;
        for (uint32_t u = 0; u < b->types.count && !found; u++)
            found = same_str(hd_type_name(b, u), hd_type_name(a, t)) &&
                    same_str(hd_type_module(b, u), hd_type_module(a, t));
        if (!found) fail_msg("%s: type %s is lost", name, hd_type_name(a, t));
    }
    if (from_gcdump) assert_int_equal(b->types.count, a->types.count);

    /* Weak references have no place in a .gcdump: dropped, never turned into strong edges
     * (the edge arrays are equal above). A .gcdump input has none to lose. */
    assert_int_equal(b->n_weak, 0);
    if (from_gcdump) assert_int_equal(a->n_weak, 0);

    const hd_graph_meta *ma = &a->meta, *mb = &b->meta;
    assert_string_equal(mb->format, "gcdump");
    assert_int_equal(mb->gcdump_version, 10);
    assert_string_equal(mb->creation_tool, "heapdiff");
    assert_int_equal(mb->pointer_size, ma->pointer_size == 4 ? 4 : 8);
    assert_int_equal(mb->stored_total_size, total);
    assert_true(mb->time_ticks == ma->time_ticks);
    assert_int_equal(mb->process_id, ma->process_id);
    if (!same_str(mb->machine_name, ma->machine_name) ||
        !same_str(mb->process_name, ma->process_name))
        fail_msg("%s: machine/process %s/%s read back as %s/%s", name, or_null(ma->machine_name),
                 or_null(ma->process_name), or_null(mb->machine_name), or_null(mb->process_name));
    assert_int_equal(mb->conservative_stack_roots, ma->conservative_stack_roots);
    assert_int_equal(!!mb->type_multiplier, !!ma->type_multiplier);
    if (ma->type_multiplier) {
        for (hd_node n = 0; n < a->n_nodes; n++)
            assert_true(mb->type_multiplier[b->type[n]] == ma->type_multiplier[a->type[n]]);
        assert_true(mb->avg_count_multiplier == ma->avg_count_multiplier);
        assert_true(mb->avg_size_multiplier == ma->avg_size_multiplier);
    }
}

/* Round-trips every file matching `pattern`; returns how many. `own`: the files were written by
 * heapdiff's writer, so writing what was read must give them back byte for byte. */
static int roundtrip_glob(const char *pattern, int from_gcdump, int own)
{
    glob_t gl;
    int rc = glob(pattern, 0, NULL, &gl);
    if (rc == GLOB_NOMATCH) return 0;
    assert_int_equal(rc, 0);
    char again[300];
    snprintf(again, sizeof again, "%s.2", g_tmp);
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        const char *in = gl.gl_pathv[i];
        hd_graph a, b, c;
        load(in, &a);
        write_gcdump(&a, g_tmp);
        load(g_tmp, &b);
        compare(&a, &b, in, from_gcdump);
        /* Fixed point: the re-read graph writes the same bytes. */
        write_gcdump(&b, again);
        size_t l1, l2;
        uint8_t *f1 = slurp(g_tmp, &l1), *f2 = slurp(again, &l2);
        if (l1 != l2 || memcmp(f1, f2, l1) != 0) fail_msg("%s: second write differs", in);
        free(f2);
        if (own) {
            f2 = slurp(in, &l2);
            if (l1 != l2 || memcmp(f1, f2, l1) != 0) fail_msg("%s: written back differently", in);
        } else {
            f2 = NULL;
        }
        free(f1);
        free(f2);
        load(again, &c);
        compare(&b, &c, in, 1);
        printf("  %s: %u nodes, %llu edges, %u types, %llu weak dropped: same graph\n", in,
               a.n_nodes, (unsigned long long)a.n_edges, a.types.count,
               (unsigned long long)a.n_weak);
        hd_graph_free(&a);
        hd_graph_free(&b);
        hd_graph_free(&c);
        unlink(again);
    }
    int n = (int)gl.gl_pathc;
    globfree(&gl);
    return n;
}

static void fixtures(void **state)
{
    (void)state;
    if (access(FIXTURES, R_OK) != 0) {
        printf("  %s is absent (third-party fixtures are never in the repo)\n", FIXTURES);
        skip();
    }
    assert_int_equal(roundtrip_glob(FIXTURES "/*.gcdump", 1, 0), 4);
}

static void example_snapshots(void **state)
{
    (void)state;
    assert_int_equal(roundtrip_glob(EXAMPLES "/*.gcdump", 1, 1), 2);
}

static void example_process_dumps(void **state)
{
    (void)state;
    assert_int_equal(roundtrip_glob(EXAMPLES "/*.core.xz", 0, 0), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures),
        cmocka_unit_test(example_snapshots),
        cmocka_unit_test(example_process_dumps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
