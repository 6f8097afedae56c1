/* The .heapsnapshot writer's internals (formats/heapsnapshot.md): the limits DevTools' loader
 * imposes, the plan (which nodes and edges go into the file, and their ordinals) and the
 * buffered output. Split so that the unit tests can shrink the limits. */
#ifndef HD_HEAPSNAPSHOT_HS_H
#define HD_HEAPSNAPSHOT_HS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "heapdiff/error.h"
#include "heapdiff/graph.h"

/* DevTools' limits (shared/research/heapsnapshot-format.md §1.5). nodes and edges land in
 * Uint32Arrays addressed by "node index" = ordinal * 7 and "edge index" = ordinal * 3; the
 * strings section is concatenated into one JS string and JSON.parse'd, and a V8 string holds
 * at most 2^29 - 24 UTF-16 units. */
#define HS_NODE_FIELDS 7u
#define HS_EDGE_FIELDS 3u
#define HS_MAX_NODES (UINT32_MAX / HS_NODE_FIELDS)
#define HS_MAX_EDGES (UINT32_MAX / HS_EDGE_FIELDS)
/* 2^29 - 24 minus a margin for what the loader keeps around the array ("]}" and newline). */
#define HS_MAX_STRING_CHARS ((1ull << 29) - 24 - 64)
/* Property edges are named "ref0", "ref1", ...; an object's references beyond this many are
 * element edges (keeps the name table small whatever the graph). */
#define HS_MAX_PROP_NAMES 65536u

/* DevTools node and edge type codes (index in meta.node_types[0] / edge_types[0]). */
enum { HS_NODE_STRING = 2, HS_NODE_OBJECT = 3, HS_NODE_SYNTHETIC = 9 };
enum { HS_EDGE_ELEMENT = 1, HS_EDGE_PROPERTY = 2, HS_EDGE_WEAK = 6 };

typedef struct hs_limits {
    uint64_t max_nodes;        /* node_count, the root (and the note node) included */
    uint64_t max_edges;        /* edge_count */
    uint64_t max_string_chars; /* UTF-16 units of the strings section, '[' to ']' */
} hs_limits;

void hs_default_limits(hs_limits *l);

/* What was written and what was left out. */
typedef struct hs_result {
    uint64_t nodes, edges, strings, string_chars, bytes; /* the file */
    uint64_t unreachable_nodes, unreachable_bytes;       /* garbage: never written */
    uint64_t clamped;                                    /* sizes >= 2^32 written as 2^32 - 1 */
    int truncated;                                       /* the heap did not fit the limits */
    uint64_t need_nodes, need_edges, need_string_chars;  /* what the whole heap needed */
    uint64_t subtrees;                                   /* truncated: dominator subtrees written */
    uint64_t kept_nodes, kept_bytes;                     /* truncated: reachable objects written */
    uint64_t left_out_nodes, left_out_bytes; /* truncated: reachable objects not written */
    char note[320];                          /* truncated: the note node's name */
} hs_result;

/* Writes g to path (temporary file + rename) within lim. */
int hs_write(const hd_graph *g, const char *path, const hs_limits *lim, hs_result *res,
             hd_error *err);

/* ---- the plan ------------------------------------------------------------------------- */

typedef struct hs_plan {
    const hd_graph *g;
    /* Written graph nodes other than the root, as a bitmap, and the number of them in the
     * words before each word: ordinal(n) = first + rank(n). The root is ordinal 0; with a
     * second synthetic node (has_extra), that is ordinal 1 and first = 2: "[other roots]",
     * parent of the root's references to objects, or when truncated the note node, parent of
     * the kept subtrees. */
    uint64_t *kept;
    uint32_t *rank;
    uint32_t first;
    uint64_t n_kept; /* bits set in kept */
    int has_extra, truncated;
    hd_node *heads; /* children of the extra node */
    uint64_t n_heads, cap_heads;
    hd_node (*weak)[2]; /* written weak edges, sorted by source then target */
    uint64_t n_weak;
    uint32_t n_prop; /* property names ref0 .. ref<n_prop-1> */
    uint32_t *tname; /* [types] string index of the type's name, UINT32_MAX when unused */
    uint32_t *names; /* [n_names] type whose name is string str_types + i */
    uint32_t n_names;
    uint32_t str_refs, str_types, str_note;             /* first string index of each group */
    uint64_t n_nodes, n_edges, n_strings, string_chars; /* exact, as written */
    uint64_t clamped;
    const char *note; /* name of the extra node */
} hs_plan;

/* Plans the file for lim; fills res (all but bytes). */
int hs_plan_make(hs_plan *p, const hd_graph *g, const hs_limits *lim, hs_result *res,
                 hd_error *err);
void hs_plan_free(hs_plan *p);

static inline int hs_kept(const hs_plan *p, hd_node n)
{
    return (p->kept[n >> 6] >> (n & 63)) & 1;
}

static inline uint32_t hs_ordinal(const hs_plan *p, hd_node n)
{
    if (n == p->g->root) return 0;
    uint64_t below = p->kept[n >> 6] & ((1ull << (n & 63)) - 1);
    return p->first + p->rank[n >> 6] + (uint32_t)__builtin_popcountll(below);
}

/* Node type code of a written graph node: pseudo nodes of size 0 are synthetic (the root
 * categories), strings are strings, everything else is an object. */
static inline int hs_node_type(const hd_graph *g, hd_node n, uint64_t weight)
{
    uint8_t kind = g->types.types[g->type[n]].kind;
    if (n == g->root || (kind == HD_KIND_PSEUDO && weight == 0)) return HS_NODE_SYNTHETIC;
    return kind == HD_KIND_STRING ? HS_NODE_STRING : HS_NODE_OBJECT;
}

/* Whether node n's references are property edges (objects) rather than element edges
 * (arrays, synthetic nodes). DevTools replaces the class of an object named exactly "Object"
 * by the list of its property names ("interface inference"): those get element edges too. */
static inline int hs_uses_props(const hd_graph *g, hd_node n, int node_type)
{
    if (node_type == HS_NODE_SYNTHETIC) return 0;
    uint32_t t = g->type[n];
    if (g->types.types[t].kind == HD_KIND_ARRAY) return 0;
    const char *name = hd_type_base_name(g, t);
    return name[0] != 'O' || strcmp(name, "Object") != 0;
}

/* The name written for type t: its base name (hd_type_base_name), with U+2060 in front when
 * DevTools would take it for an HTML tag and cut it (see the format note). Returns the prefix
 * ("" or the 3 UTF-8 bytes of U+2060) and the name in *name. */
const char *hs_type_prefix(const hd_graph *g, uint32_t t, const char **name);

/* ---- output ---------------------------------------------------------------------------- */

/* A buffered writer on a file descriptor: numbers and strings are formatted straight into
 * the buffer; the first failed write(2) is kept in err and later output is dropped. */
typedef struct hs_out {
    int fd;
    char *buf;
    size_t len, cap;
    uint64_t total; /* bytes emitted */
    int err;        /* errno of the first failure, 0 if none */
} hs_out;

void hs_out_flush(hs_out *o);

/* Makes room for n bytes (n <= cap). */
static inline void hs_out_reserve(hs_out *o, size_t n)
{
    if (o->cap - o->len < n) hs_out_flush(o);
}

void hs_out_text(hs_out *o, const char *s);

extern const char hs_digit_pairs[201];

/* Appends v in decimal, two digits a step; the caller has reserved 20 bytes. */
static inline void hs_out_u64(hs_out *o, uint64_t v)
{
    char tmp[20];
    int k = 20;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--k] = hs_digit_pairs[d + 1];
        tmp[--k] = hs_digit_pairs[d];
    }
    if (v >= 10) {
        tmp[--k] = hs_digit_pairs[v * 2 + 1];
        tmp[--k] = hs_digit_pairs[v * 2];
    } else {
        tmp[--k] = (char)('0' + v);
    }
    memcpy(o->buf + o->len, tmp + k, (size_t)(20 - k));
    o->len += (size_t)(20 - k);
}

/* Writes prefix + s as a JSON string (quotes included) and returns its UTF-16 length, as
 * JSON.parse will see it: invalid UTF-8 is written as U+FFFD, control characters, quotes and
 * backslashes are escaped. With o NULL, only measures. */
uint64_t hs_json_string(hs_out *o, const char *prefix, const char *s);

/* Writes (o non-NULL) or measures the property names "ref0" .. "ref<n-1>", each with a
 * leading comma; returns their UTF-16 length. */
uint64_t hs_prop_names(hs_out *o, uint32_t n);

#endif
