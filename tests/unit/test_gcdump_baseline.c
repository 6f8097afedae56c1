/* The .gcdump reader against PerfView's own reading of the same file: PerfView's XML dump
 * (perfview-test1-js_baseline.gcdump.xml) of ../shared/fixtures/gcdump/perfview-test1-js.gcdump
 * lists every type and every node (type, size, children in order, address). Every one of them
 * must match what hd_load reads.
 *
 * The XML is scanned by a small purpose-built scanner for the <NodeType> and <Node> elements
 * (the file is machine-written, one element per line, attribute values escaped). Skips when
 * the fixtures are absent. */
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

#define FIXTURE "fixtures/gcdump/perfview-test1-js.gcdump"
#define BASELINE "fixtures/gcdump/perfview-test1-js_baseline.gcdump.xml"

static char *shared_dir;

static int readable_fixture(const char *dir)
{
    char *probe;
    if (asprintf(&probe, "%s/" FIXTURE, dir) < 0) return 0;
    int ok = access(probe, R_OK) == 0;
    free(probe);
    return ok;
}

/* ../shared relative to the repository root: the test may run from the root (make check),
 * or from anywhere else; HEAPDIFF_SHARED overrides. */
static int find_shared(void)
{
    const char *env = getenv("HEAPDIFF_SHARED");
    if (env && readable_fixture(env)) return (shared_dir = strdup(env)) != NULL;
    if (readable_fixture("../shared")) return (shared_dir = strdup("../shared")) != NULL;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    char *cand;
    if (asprintf(&cand, "%s/../../../shared", exe) < 0) /* build/tests/test_x */
        return 0;
    if (readable_fixture(cand)) {
        shared_dir = cand;
        return 1;
    }
    free(cand);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0;
    char *p = malloc(cap + 1);
    size_t r;
    while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            char *np = realloc(p, cap + 1);
            if (!np) free(p);
            p = np;
        }
    }
    fclose(f);
    if (p) p[n] = '\0';
    *len = n;
    return p;
}

/* ---- the scanner ---- */

/* The end of the tag starting at '<' (the '>'), quotes respected. */
static const char *tag_end(const char *p)
{
    int q = 0;
    for (; *p; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == '>' && !q)
            return p;
    }
    return NULL;
}

/* The raw (escaped) value of attribute `name` inside [tag, end), or NULL. */
static const char *attr(const char *tag, const char *end, const char *name, size_t *len)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    size_t kl = strlen(key);
    for (const char *p = tag; p + kl <= end; p++) {
        if (memcmp(p, key, kl) == 0) {
            const char *v = p + kl;
            const char *q = memchr(v, '"', (size_t)(end - v));
            if (!q) return NULL;
            *len = (size_t)(q - v);
            return v;
        }
    }
    return NULL;
}

/* Unescapes the five XML entities (and numeric ones, in case) into a malloc'd string. */
static char *unescape(const char *v, size_t len)
{
    char *out = malloc(len * 4 + 1), *o = out;
    assert_non_null(out);
    for (size_t i = 0; i < len;) {
        if (v[i] != '&') {
            *o++ = v[i++];
            continue;
        }
        static const struct {
            const char *ent;
            char c;
        } ents[] = {
            {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
        int done = 0;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++) {
            size_t el = strlen(ents[e].ent);
            if (i + el <= len && memcmp(v + i, ents[e].ent, el) == 0) {
                *o++ = ents[e].c;
                i += el;
                done = 1;
                break;
            }
        }
        if (done) continue;
        if (i + 2 < len && v[i + 1] == '#') {
            char *endp;
            unsigned long cp =
                v[i + 2] == 'x' ? strtoul(v + i + 3, &endp, 16) : strtoul(v + i + 2, &endp, 10);
            if (*endp == ';') {
                if (cp < 0x80) {
                    *o++ = (char)cp;
                } else if (cp < 0x800) {
                    *o++ = (char)(0xC0 | (cp >> 6));
                    *o++ = (char)(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    *o++ = (char)(0xE0 | (cp >> 12));
                    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                    *o++ = (char)(0x80 | (cp & 0x3F));
                } else {
                    *o++ = (char)(0xF0 | (cp >> 18));
                    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                    *o++ = (char)(0x80 | (cp & 0x3F));
                }
                i = (size_t)(endp - v) + 1;
                continue;
            }
        }
        fail_msg("unknown XML entity at \"%.12s\"", v + i);
    }
    *o = '\0';
    return out;
}

static uint64_t attr_u64(const char *tag, const char *end, const char *name)
{
    size_t len;
    const char *v = attr(tag, end, name, &len);
    if (!v) fail_msg("attribute %s missing in \"%.80s\"", name, tag);
    char buf[32];
    assert_true(len < sizeof buf);
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *endp;
    uint64_t x = strtoull(buf, &endp, 0); /* "0x..." addresses, decimal otherwise */
    if (*endp) fail_msg("attribute %s=\"%s\" is not a number", name, buf);
    return x;
}

typedef struct xnode {
    uint32_t type;
    uint64_t size, addr;
    uint64_t first; /* into children[] */
    uint32_t n_children;
    int undefined;
    char *type_attr; /* the Type="..." attribute, unescaped */
} xnode;

typedef struct xgraph {
    uint32_t num_nodes, num_types, root;
    uint64_t total_size;
    char **type_names; /* [num_types] */
    xnode *nodes;      /* [num_nodes] */
    uint32_t *children;
    uint64_t n_children, cap_children;
    char *machine, *process;
} xgraph;

static char *element_text(const char *xml, const char *name)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *a = strstr(xml, open);
    if (!a) return NULL;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b) return NULL;
    return unescape(a, (size_t)(b - a));
}

static void scan(const char *xml, xgraph *x)
{
    memset(x, 0, sizeof *x);
    const char *mg = strstr(xml, "<MemoryGraph ");
    assert_non_null(mg);
    const char *mge = tag_end(mg);
    assert_non_null(mge);
    x->num_nodes = (uint32_t)attr_u64(mg, mge, "NumNodes");
    x->num_types = (uint32_t)attr_u64(mg, mge, "NumTypes");
    x->total_size = attr_u64(mg, mge, "TotalSize");
    char *root = element_text(mg, "RootIndex");
    assert_non_null(root);
    x->root = (uint32_t)strtoul(root, NULL, 10);
    free(root);
    x->machine = element_text(xml, "MachineName");
    x->process = element_text(xml, "ProcessName");

    x->type_names = calloc(x->num_types, sizeof *x->type_names);
    x->nodes = calloc(x->num_nodes, sizeof *x->nodes);
    assert_non_null(x->type_names);
    assert_non_null(x->nodes);

    uint32_t seen_types = 0, seen_nodes = 0;
    for (const char *p = strstr(mg, "<NodeType "); p; p = strstr(p, "<NodeType ")) {
        const char *e = tag_end(p);
        assert_non_null(e);
        uint64_t idx = attr_u64(p, e, "Index");
        if (idx >= x->num_types || x->type_names[idx])
            fail_msg("NodeType Index %llu out of range or repeated", (unsigned long long)idx);
        size_t len;
        const char *v = attr(p, e, "Name", &len);
        assert_non_null(v);
        x->type_names[idx] = unescape(v, len);
        seen_types++;
        p = e;
    }
    assert_int_equal(seen_types, x->num_types);

    for (const char *p = strstr(mg, "<Node "); p; p = strstr(p, "<Node ")) {
        const char *e = tag_end(p);
        assert_non_null(e);
        uint64_t idx = attr_u64(p, e, "Index");
        if (idx != seen_nodes)
            fail_msg("Node Index %llu, expected %u", (unsigned long long)idx, seen_nodes);
        xnode *n = &x->nodes[idx];
        n->first = x->n_children;
        size_t len;
        if (attr(p, e, "Undefined", &len)) {
            n->undefined = 1;
            p = e;
            seen_nodes++;
            continue;
        }
        n->type = (uint32_t)attr_u64(p, e, "TypeIndex");
        n->size = attr_u64(p, e, "Size");
        n->addr = attr_u64(p, e, "Address");
        uint64_t nc = attr_u64(p, e, "NumChildren");
        const char *t = attr(p, e, "Type", &len);
        assert_non_null(t);
        n->type_attr = unescape(t, len);
        if (e[-1] != '/') {
            /* children: whitespace-separated indexes up to </Node> */
            const char *c = e + 1;
            const char *close = strstr(c, "</Node>");
            assert_non_null(close);
            while (c < close) {
                char *endp;
                unsigned long v2 = strtoul(c, &endp, 10);
                if (endp == c) {
                    c++;
                    continue;
                }
                if (x->n_children == x->cap_children) {
                    x->cap_children = x->cap_children ? x->cap_children * 2 : 4096;
                    x->children = realloc(x->children, x->cap_children * sizeof *x->children);
                    assert_non_null(x->children);
                }
                x->children[x->n_children++] = (uint32_t)v2;
                c = endp;
            }
            e = close + 6;
        }
        n->n_children = (uint32_t)(x->n_children - n->first);
        if (n->n_children != nc)
            fail_msg("XML node %llu: NumChildren=%llu but %u listed", (unsigned long long)idx,
                     (unsigned long long)nc, n->n_children);
        seen_nodes++;
        p = e;
    }
    assert_int_equal(seen_nodes, x->num_nodes);
}

static void xgraph_free(xgraph *x)
{
    for (uint32_t i = 0; i < x->num_types; i++) free(x->type_names[i]);
    for (uint32_t i = 0; i < x->num_nodes; i++) free(x->nodes[i].type_attr);
    free(x->type_names);
    free(x->nodes);
    free(x->children);
    free(x->machine);
    free(x->process);
}

/* ---- the test ---- */

static void t_baseline(void **state)
{
    (void)state;
    if (!find_shared()) {
        print_message("skipped: ../shared/" FIXTURE " not found (set HEAPDIFF_SHARED)\n");
        skip();
    }
    char *path, *xml_path;
    assert_true(asprintf(&path, "%s/" FIXTURE, shared_dir) > 0);
    assert_true(asprintf(&xml_path, "%s/" BASELINE, shared_dir) > 0);
    size_t xml_len;
    char *xml = slurp(xml_path, &xml_len);
    if (!xml) {
        print_message("skipped: %s not readable\n", xml_path);
        free(path);
        free(xml_path);
        skip();
    }
    xgraph x;
    scan(xml, &x);
    free(xml);
    assert_int_equal(x.num_nodes, 6482);
    assert_int_equal(x.num_types, 1994);

    hd_graph g;
    hd_error err;
    hd_graph_init(&g);
    hd_error_clear(&err);
    int rc = hd_load(path, &g, &err);
    if (rc != HD_OK) fail_msg("hd_load(%s): %d %s", path, rc, err.msg);

    assert_int_equal(g.n_nodes, x.num_nodes);
    assert_int_equal(g.types.count, x.num_types);
    assert_int_equal(g.root, x.root);
    assert_int_equal(g.root, 0);
    assert_int_equal(g.n_edges, x.n_children);
    assert_int_equal(g.meta.stored_total_size, x.total_size);
    assert_string_equal(g.meta.format, "gcdump");
    assert_int_equal(g.meta.gcdump_version, 10);
    assert_int_equal(g.meta.pointer_size, 4); /* Is64Bit false: a 32-bit process */
    assert_null(g.meta.creation_tool);        /* an older PerfView: no CreationTool field */
    assert_null(g.meta.type_multiplier);
    assert_non_null(g.meta.machine_name);
    assert_non_null(g.meta.process_name);
    assert_string_equal(g.meta.machine_name, x.machine);
    assert_string_equal(g.meta.process_name, x.process);
    assert_int_equal(g.meta.time_ticks, 635560517203755198LL); /* 1/5/2015 10:48:40 AM */

    uint64_t sum = 0;
    unsigned mismatches = 0;
    for (uint32_t i = 0; i < x.num_nodes; i++) {
        const xnode *n = &x.nodes[i];
        const char *want = n->undefined ? "UNDEFINED" : x.type_names[n->type];
        const char *got = hd_type_name(&g, g.type[i]);
        if (strcmp(want, got) != 0 || (n->type_attr && strcmp(n->type_attr, got) != 0)) {
            if (mismatches++ < 10)
                print_message("node %u: type \"%s\", PerfView \"%s\"\n", i, got, want);
            continue;
        }
        uint64_t size = hd_node_size(&g, i);
        if (size != n->size) {
            if (mismatches++ < 10)
                print_message("node %u: size %llu, PerfView %llu\n", i, (unsigned long long)size,
                              (unsigned long long)n->size);
            continue;
        }
        sum += size;
        if (g.addr[i] != n->addr) {
            if (mismatches++ < 10)
                print_message("node %u: address 0x%llx, PerfView 0x%llx\n", i,
                              (unsigned long long)g.addr[i], (unsigned long long)n->addr);
            continue;
        }
        uint64_t nc = g.first[i + 1] - g.first[i];
        if (nc != n->n_children) {
            if (mismatches++ < 10)
                print_message("node %u: %llu children, PerfView %u\n", i, (unsigned long long)nc,
                              n->n_children);
            continue;
        }
        for (uint32_t c = 0; c < n->n_children; c++) {
            if (g.target[g.first[i] + c] != x.children[n->first + c]) {
                if (mismatches++ < 10)
                    print_message("node %u child %u: %u, PerfView %u\n", i, c,
                                  g.target[g.first[i] + c], x.children[n->first + c]);
                break;
            }
        }
    }
    if (mismatches) fail_msg("%u of %u nodes differ from PerfView's XML", mismatches, x.num_nodes);
    assert_int_equal(sum, x.total_size);

    /* Every type name of the file is in the table (also the types no node uses). */
    for (uint32_t t = 0; t < x.num_types; t++) {
        uint32_t id;
        for (id = 0; id < g.types.count; id++)
            if (strcmp(hd_type_name(&g, id), x.type_names[t]) == 0) break;
        if (id == g.types.count)
            fail_msg("type %u \"%s\" is not in the type table", t, x.type_names[t]);
    }

    hd_graph_free(&g);
    xgraph_free(&x);
    free(path);
    free(xml_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_baseline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
