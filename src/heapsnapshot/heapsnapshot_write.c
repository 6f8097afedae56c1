/* The .heapsnapshot writer (formats/heapsnapshot.md): V8's JSON layout, streamed.
 *
 * hs_plan_make fixes every count first (the header states them and DevTools sizes its arrays
 * by them); then the file is written front to back through one 1 MiB buffer: header, nodes,
 * edges, the empty trace/sample/location sections, strings. Nothing proportional to the graph
 * is allocated beyond the plan's bitmap and ranks (about 0.2 bytes a node), the sorted weak
 * edges and the type-name table. The counts written are checked against the plan. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heapdiff/heapsnapshot.h"
#include "heapsnapshot/hs.h"
#include "util/outfile.h"

#define HS_BUF_SIZE (1u << 20)

/* V8's meta (HeapSnapshotJSONSerializer::SerializeSnapshot): DevTools finds fields and types
 * by name, other readers (memlab) assume this order. */
static const char header_meta[] =
    "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\","
    "\"edge_count\",\"trace_node_id\",\"detachedness\"],\"node_types\":[[\"hidden\",\"array\","
    "\"string\",\"object\",\"code\",\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\","
    "\"concatenated string\",\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],"
    "\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":"
    "[\"type\",\"name_or_index\",\"to_node\"],\"edge_types\":[[\"context\",\"element\","
    "\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],"
    "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\","
    "\"line\",\"column\"],\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\","
    "\"size\",\"children\"],\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],"
    "\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},";

static inline void put3(hs_out *o, uint64_t a, uint64_t b, uint64_t c)
{
    hs_out_u64(o, a);
    o->buf[o->len++] = ',';
    hs_out_u64(o, b);
    o->buf[o->len++] = ',';
    hs_out_u64(o, c);
}

/* One node: type,name,id,self_size,edge_count,trace_node_id,detachedness. */
static void put_node(hs_out *o, uint64_t *count, int type, uint32_t name, uint32_t ordinal,
                     uint64_t size, uint64_t edges)
{
    hs_out_reserve(o, 2 + 7 * 21);
    if ((*count)++) o->buf[o->len++] = ',';
    put3(o, (uint64_t)type, name, 2ull * ordinal + 1); /* odd ids, as V8's objects */
    o->buf[o->len++] = ',';
    put3(o, size > UINT32_MAX ? UINT32_MAX : size, edges, 0);
    memcpy(o->buf + o->len, ",0\n", 3);
    o->len += 3;
}

static void put_edge(hs_out *o, uint64_t *count, int type, uint64_t name, uint32_t to)
{
    hs_out_reserve(o, 2 + 3 * 21);
    if ((*count)++) o->buf[o->len++] = ',';
    put3(o, (uint64_t)type, name, (uint64_t)to * HS_NODE_FIELDS);
    o->buf[o->len++] = '\n';
}

/* Whether a reference from the root goes to a node written under "[other roots]". */
static int via_extra(const hs_plan *p, hd_node t)
{
    return hs_node_type(p->g, t, hd_node_weight(p->g, t)) != HS_NODE_SYNTHETIC;
}

/* Edges node n writes: its references to written nodes, then its weak edges (weak[c..]). */
static uint64_t edge_count(const hs_plan *p, hd_node n, uint64_t c)
{
    const hd_graph *g = p->g;
    uint64_t k = 0;
    if (n == g->root && p->truncated) {
        k = 1;
    } else if (n == g->root) {
        k = g->first[n + 1] - g->first[n] - p->n_heads + (uint64_t)p->has_extra;
    } else if (p->truncated) {
        for (uint64_t e = g->first[n]; e < g->first[n + 1]; e++)
            k += g->target[e] == g->root || hs_kept(p, g->target[e]);
    } else {
        k = g->first[n + 1] - g->first[n];
    }
    if (n == g->root) return k; /* the root's weak edges leave from the extra node */
    while (c < p->n_weak && p->weak[c][0] == n) k++, c++;
    return k;
}

/* First weak edge from n (weak is sorted by source). */
static uint64_t weak_begin(const hs_plan *p, hd_node n)
{
    uint64_t lo = 0, hi = p->n_weak;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (p->weak[mid][0] < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void write_nodes(hs_out *o, const hs_plan *p, uint64_t *count)
{
    const hd_graph *g = p->g;
    hd_node root = g->root;
    put_node(o, count, HS_NODE_SYNTHETIC, p->tname[g->type[root]], 0, hd_node_weight(g, root),
             edge_count(p, root, weak_begin(p, root)));
    uint64_t rw = weak_begin(p, root), rw_end = rw;
    while (rw_end < p->n_weak && p->weak[rw_end][0] == root) rw_end++;
    if (p->has_extra)
        put_node(o, count, HS_NODE_SYNTHETIC, p->str_note, 1, 0, p->n_heads + (rw_end - rw));
    uint64_t c = 0, words = ((uint64_t)g->n_nodes + 63) / 64;
    uint32_t ord = p->first;
    for (uint64_t w = 0; w < words; w++) {
        for (uint64_t bits = p->kept[w]; bits; bits &= bits - 1) {
            hd_node n = (hd_node)(w * 64 + (uint64_t)__builtin_ctzll(bits));
            while (c < p->n_weak && p->weak[c][0] < n) c++;
            uint64_t wgt = hd_node_weight(g, n);
            put_node(o, count, hs_node_type(g, n, wgt), p->tname[g->type[n]], ord++, wgt,
                     edge_count(p, n, c));
        }
    }
}

/* Node n's references and weak edges. The root's references to objects are left to the
 * "[other roots]" node (root_extra), and that node's own edge closes the root's list. */
static void write_refs(hs_out *o, const hs_plan *p, hd_node n, uint64_t c, uint64_t *count)
{
    const hd_graph *g = p->g;
    uint64_t e0 = g->first[n], e1 = g->first[n + 1];
    int props = hs_uses_props(g, n, hs_node_type(g, n, hd_node_weight(g, n)));
    int root_extra = n == g->root && p->has_extra;
    for (uint64_t e = e0; e < e1; e++) {
        hd_node t = g->target[e];
        if (p->truncated && t != g->root && !hs_kept(p, t)) continue;
        if (root_extra && via_extra(p, t)) continue;
        uint64_t i = e - e0;
        if (props && i < HS_MAX_PROP_NAMES)
            put_edge(o, count, HS_EDGE_PROPERTY, p->str_refs + i, hs_ordinal(p, t));
        else
            put_edge(o, count, HS_EDGE_ELEMENT, i, hs_ordinal(p, t));
    }
    if (root_extra) put_edge(o, count, HS_EDGE_ELEMENT, e1 - e0, 1);
    if (n == g->root) return;
    for (; c < p->n_weak && p->weak[c][0] == n; c++)
        put_edge(o, count, HS_EDGE_WEAK, 1, hs_ordinal(p, p->weak[c][1]));
}

static void write_edges(hs_out *o, const hs_plan *p, uint64_t *count)
{
    const hd_graph *g = p->g;
    hd_node root = g->root;
    if (p->truncated)
        put_edge(o, count, HS_EDGE_ELEMENT, 0, 1);
    else
        write_refs(o, p, root, 0, count);
    /* The extra node: its children, then the root's weak edges (DevTools would take the
     * targets of weak edges from the root for user roots too). */
    for (uint64_t i = 0; i < p->n_heads; i++)
        put_edge(o, count, HS_EDGE_ELEMENT, i, hs_ordinal(p, p->heads[i]));
    for (uint64_t c = weak_begin(p, root); c < p->n_weak && p->weak[c][0] == root; c++)
        put_edge(o, count, HS_EDGE_WEAK, 1, hs_ordinal(p, p->weak[c][1]));
    uint64_t c = 0, words = ((uint64_t)g->n_nodes + 63) / 64;
    for (uint64_t w = 0; w < words; w++) {
        for (uint64_t bits = p->kept[w]; bits; bits &= bits - 1) {
            hd_node n = (hd_node)(w * 64 + (uint64_t)__builtin_ctzll(bits));
            while (c < p->n_weak && p->weak[c][0] < n) c++;
            write_refs(o, p, n, c, count);
        }
    }
}

static uint64_t write_strings(hs_out *o, const hs_plan *p)
{
    const hd_graph *g = p->g;
    uint64_t units = 1 + 2 + 7 + 1;
    hs_out_text(o, "[\"\",\"weak\"");
    units += hs_prop_names(o, p->n_prop);
    for (uint32_t i = 0; i < p->n_names; i++) {
        const char *name;
        const char *pre = hs_type_prefix(g, p->names[i], &name);
        hs_out_text(o, ",");
        units += 1 + hs_json_string(o, pre, name);
    }
    if (p->has_extra) {
        hs_out_text(o, ",");
        units += 1 + hs_json_string(o, "", p->note);
    }
    hs_out_text(o, "]");
    return units;
}

static int write_file(hs_out *o, const hs_plan *p, hd_error *err)
{
    char line[128];
    hs_out_text(o, header_meta);
    snprintf(line, sizeof line,
             "\"node_count\":%llu,\"edge_count\":%llu,\"trace_function_count\":0},\n",
             (unsigned long long)p->n_nodes, (unsigned long long)p->n_edges);
    hs_out_text(o, line);
    hs_out_text(o, "\"nodes\":[");
    uint64_t nodes = 0, edges = 0;
    write_nodes(o, p, &nodes);
    hs_out_text(o, "],\n\"edges\":[");
    write_edges(o, p, &edges);
    hs_out_text(o, "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n"
                   "\"locations\":[],\n\"strings\":");
    uint64_t units = write_strings(o, p);
    hs_out_text(o, "}\n");
    hs_out_flush(o);
    if (nodes != p->n_nodes || edges != p->n_edges || units != p->string_chars)
        return hd_error_set(err, HD_EINTERNAL,
                            "heapsnapshot: wrote %llu nodes, %llu edges, %llu string chars; "
                            "planned %llu, %llu, %llu (writer bug)",
                            (unsigned long long)nodes, (unsigned long long)edges,
                            (unsigned long long)units, (unsigned long long)p->n_nodes,
                            (unsigned long long)p->n_edges, (unsigned long long)p->string_chars);
    return HD_OK;
}

int hs_write(const hd_graph *g, const char *path, const hs_limits *lim, hs_result *res,
             hd_error *err)
{
    hs_plan plan;
    hs_out o = {.fd = -1};
    hd_outfile out = {.fd = -1};
    int rc = hs_plan_make(&plan, g, lim, res, err);
    if (rc) goto out;
    o.buf = malloc(HS_BUF_SIZE);
    o.cap = HS_BUF_SIZE;
    if (!o.buf) {
        rc = hd_error_oom(err, "heapsnapshot writer", HS_BUF_SIZE);
        goto out;
    }
    if ((rc = hd_outfile_open(&out, path, 0, err))) goto out;
    o.fd = out.fd;
    rc = write_file(&o, &plan, err);
    if (rc) goto out;
    if (o.err) {
        rc = hd_error_set(err, HD_EINTERNAL, "%s: write failed: %s", out.tmp, strerror(o.err));
        goto out;
    }
    if ((rc = hd_outfile_commit(&out, err))) goto out;
    res->bytes = o.total;
out:
    hd_outfile_abort(&out);
    free(o.buf);
    hs_plan_free(&plan);
    return rc;
}

int hd_heapsnapshot_write(const hd_graph *g, const char *path, hd_error *err)
{
    hs_limits lim;
    hs_result res;
    hs_default_limits(&lim);
    int rc = hs_write(g, path, &lim, &res, err);
    if (rc) return rc;
    /* The library says what the file leaves out: the CLI has no other channel for it. */
    if (res.truncated)
        fprintf(stderr,
                "heapdiff: %s: the heap needs %llu nodes, %llu edges and %llu string characters; "
                "DevTools loads at most %llu, %llu and %llu. Wrote the %llu largest retained "
                "subtrees that fit: %llu objects (%llu bytes); left out %llu objects (%llu "
                "bytes). The node \"(heapdiff: ...)\" under the root says so in the file.\n",
                path, (unsigned long long)res.need_nodes, (unsigned long long)res.need_edges,
                (unsigned long long)res.need_string_chars, (unsigned long long)lim.max_nodes,
                (unsigned long long)lim.max_edges, (unsigned long long)lim.max_string_chars,
                (unsigned long long)res.subtrees, (unsigned long long)res.kept_nodes,
                (unsigned long long)res.kept_bytes, (unsigned long long)res.left_out_nodes,
                (unsigned long long)res.left_out_bytes);
    if (res.unreachable_nodes)
        fprintf(stderr,
                "heapdiff: %s: %llu unreachable objects (%llu bytes, garbage not yet collected) "
                "are not in the file, as in any V8 snapshot; `heapdiff stat` lists them\n",
                path, (unsigned long long)res.unreachable_nodes,
                (unsigned long long)res.unreachable_bytes);
    if (res.clamped)
        fprintf(stderr,
                "heapdiff: %s: %llu objects of 4 GiB or more are written with size 4294967295 "
                "(DevTools reads 32-bit sizes)\n",
                path, (unsigned long long)res.clamped);
    return HD_OK;
}
