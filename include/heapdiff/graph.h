/* heapdiff — the normalized object graph every reader produces and every analysis consumes.
 *
 * Memory layout (DESIGN.md "The graph"): per node a type id (u32), a compact size (u32, with
 * an escape to a side table for objects of 4 GiB and more), an address (u64) and a CSR edge
 * offset (u64): 24 bytes a node; 4 bytes an edge. All arrays are sized once by the reader; there
 * is no per-node allocation. Node ids are u32, so a graph holds at most 2^32-2 nodes. */
#ifndef HEAPDIFF_GRAPH_H
#define HEAPDIFF_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "heapdiff/error.h"

typedef uint32_t hd_node;
#define HD_NODE_NONE UINT32_MAX
#define HD_MAX_NODES (UINT32_MAX - 1u)

/* What a type is. Pseudo types are the synthetic nodes of a snapshot (the root, root
 * categories such as "[static vars]", undefined nodes): they have size 0 and are never rows of
 * a report. */
enum hd_type_kind {
    HD_KIND_OBJECT = 0,
    HD_KIND_ARRAY,
    HD_KIND_STRING,
    HD_KIND_FREE,
    HD_KIND_PSEUDO,
};

/* The kind of GC root a pseudo node stands for (from its name in a .gcdump, from the runtime's
 * handle table in a dump). */
enum hd_root_kind {
    HD_ROOT_NONE = 0,
    HD_ROOT_STRONG,
    HD_ROOT_PINNED,
    HD_ROOT_STATIC,
    HD_ROOT_STACK,
    HD_ROOT_STACK_CONSERVATIVE,
    HD_ROOT_FINALIZER,
    HD_ROOT_OTHER,
};

#define HD_STR_NONE UINT32_MAX

typedef struct hd_type_info {
    uint32_t name;   /* offset in hd_typetab.strings (NUL-terminated) */
    uint32_t module; /* offset, or HD_STR_NONE when the snapshot names no module */
    uint32_t base;   /* offset of the name without a size-bucket suffix (see hd_type_base_len) */
    uint8_t kind;    /* enum hd_type_kind */
    uint8_t root;    /* enum hd_root_kind */
} hd_type_info;

/* Types interned by (name, module) with an xxh3 hash table. */
typedef struct hd_typetab {
    uint32_t count, cap;
    hd_type_info *types;
    char *strings; /* arena of NUL-terminated strings */
    uint64_t strings_len, strings_cap;
    uint32_t *slots; /* open addressing: type id + 1, 0 = empty */
    uint32_t n_slots;
} hd_typetab;

/* Facts about the snapshot that reports repeat (all optional: 0/NULL when unknown). */
typedef struct hd_graph_meta {
    char format[32];       /* "gcdump", "minidump", ... */
    uint32_t pointer_size; /* 4 or 8; 0 unknown */
    int gcdump_version;    /* GCHeapDump serialization version */
    char *creation_tool;   /* malloc'd strings or NULL */
    char *process_name;
    char *machine_name;
    int64_t time_ticks; /* .NET DateTime ticks, 0 unknown */
    int32_t process_id;
    uint64_t stored_total_size; /* total size the file claims (checked against the nodes) */
    /* Sampling: a sampled snapshot keeps only some objects; each type's multiplier scales its
     * counts and sizes back to the full heap (PerfView's GraphSampler). NULL when not sampled. */
    float *type_multiplier; /* [types.count] */
    float avg_count_multiplier, avg_size_multiplier;
    /* Root edges found by scanning thread stacks conservatively (every stack word that points
     * into an object): reports say so. 0 for snapshots with precise roots. */
    uint64_t conservative_stack_roots;
} hd_graph_meta;

typedef struct hd_big_size {
    hd_node node;
    uint64_t size;
} hd_big_size;

#define HD_SIZE_BIG UINT32_MAX

typedef struct hd_graph {
    uint32_t n_nodes;
    uint64_t n_edges;
    hd_node root;     /* the synthetic root: its children are roots or root categories */
    uint32_t *type;   /* [n_nodes] type id */
    uint32_t *size;   /* [n_nodes] bytes, or HD_SIZE_BIG: see big[] */
    uint64_t *addr;   /* [n_nodes] object address, 0 for pseudo nodes */
    uint64_t *first;  /* [n_nodes + 1] CSR: edges of n are target[first[n] .. first[n+1]) */
    uint32_t *target; /* [n_edges] */
    hd_big_size *big; /* sizes >= 4 GiB - 1, sorted by node */
    uint32_t n_big, cap_big;
    /* Weak references (weak handles, weak edges): recorded, never part of reachability. */
    hd_node (*weak)[2];
    uint64_t n_weak, cap_weak;
    hd_typetab types;
    hd_graph_meta meta;
} hd_graph;

void hd_graph_init(hd_graph *g);
void hd_graph_free(hd_graph *g);

/* Allocates the node arrays and the edge array once. Counts must already be bounded by the
 * caller against its input size (a hostile count must not turn into a huge allocation). */
int hd_graph_alloc(hd_graph *g, uint64_t n_nodes, uint64_t n_edges, hd_error *err);

/* Sets a node's size, using the side table for sizes that do not fit the compact field.
 * Nodes must be given big sizes in increasing node order. */
int hd_graph_set_size(hd_graph *g, hd_node n, uint64_t size, hd_error *err);

uint64_t hd_graph_big_size(const hd_graph *g, hd_node n);

static inline uint64_t hd_node_size(const hd_graph *g, hd_node n)
{
    uint32_t s = g->size[n];
    return s != HD_SIZE_BIG ? s : hd_graph_big_size(g, n);
}

/* Sum of all node sizes (what a .gcdump stores as TotalSize). */
uint64_t hd_graph_total_size(const hd_graph *g);

int hd_graph_add_weak(hd_graph *g, hd_node from, hd_node to, hd_error *err);

/* Type table. */
void hd_typetab_init(hd_typetab *t);
void hd_typetab_free(hd_typetab *t);
/* Interns (name, module); module may be NULL. Returns the type id in *id. The kind and root
 * kind are guessed from the name (see graph/typekind.c); callers may override them. */
int hd_typetab_intern(hd_typetab *t, const char *name, size_t name_len, const char *module,
                      size_t module_len, uint32_t *id, hd_error *err);

static inline const char *hd_type_name(const hd_graph *g, uint32_t type)
{
    return g->types.strings + g->types.types[type].name;
}
static inline const char *hd_type_module(const hd_graph *g, uint32_t type)
{
    uint32_t m = g->types.types[type].module;
    return m == HD_STR_NONE ? NULL : g->types.strings + m;
}

/* The name a type is reported under by default: snapshot writers split one type into several
 * by object size or layout ("System.Byte[] (Bytes > 10K)", PerfView's "(Bytes > 1K,Ptrs,
 * ElemSize=4)"); a trailing " (...)" made only of "Bytes > N[KMG]" and "[No]Ptrs,ElemSize=N"
 * parts is dropped so one type is one row and a diff does not see an array that grew past 10K
 * as a new type. Returns the length of the base name. */
size_t hd_type_base_len(const char *name, size_t len);

static inline const char *hd_type_base_name(const hd_graph *g, uint32_t type)
{
    return g->types.strings + g->types.types[type].base;
}

/* Guesses a type's kind and root kind from its name (used by the interner). */
void hd_type_classify(const char *name, size_t len, uint8_t *kind, uint8_t *root);

/* The weight a node contributes to sizes: its size, scaled by its type's multiplier in a
 * sampled snapshot. */
uint64_t hd_node_weight(const hd_graph *g, hd_node n);

#endif
