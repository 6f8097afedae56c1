/* The object walk (heapwalk.c): the state shared by its passes and the root mapping. */
#ifndef HD_CLR_HEAPWALK_H
#define HD_CLR_HEAPWALK_H

#include "clr/walk.h"

/* A cached captured range: most reads of a walk hit the range of the previous one. */
typedef struct hd_cursor {
    uint64_t lo, hi;
    const uint8_t *base;
} hd_cursor;

typedef struct hd_walk_stats {
    uint64_t corrupt;       /* places where an object did not parse (resynchronised) */
    uint64_t corrupt_bytes; /* bytes skipped to resynchronise */
    uint64_t free_objects, free_bytes;
    uint64_t dangling; /* references to addresses that are not objects */
} hd_walk_stats;

typedef struct hd_walk {
    hd_clr_heap *h;
    hd_graph *g;
    hd_error *err;
    hd_mtcache mts;
    uint64_t min_obj;
    uint32_t cur_seg;
    uint32_t n_objects;
    uint64_t n_edges, edge_cap;
    uint64_t heap_lo, heap_hi;
    uint64_t *bucket_off; /* [n_segs + 1] */
    uint32_t *seg_first;  /* [n_segs + 1] first node of each segment */
    uint32_t *buckets;
    hd_walk_stats stats;
    hd_cursor cur;
} hd_walk;

/* Walks every segment into w->g: nodes 0 .. n_objects-1 are the objects in address order,
 * followed by n_pseudo nodes for the caller; extra_edges edge slots are reserved for the
 * caller's root edges. g->type holds MethodTable indexes (w->mts) until the caller names them. */
int hd_walk_objects(hd_walk *w, uint32_t n_pseudo, uint64_t extra_edges);

/* The node at address a (interior: the node containing a), or HD_NODE_NONE. */
hd_node hd_walk_node_at(const hd_walk *w, uint64_t a, int interior);

#endif
