/* The object walk: segments/regions → objects → an hd_graph.
 *
 * Three sequential passes over the heap, so every array is sized exactly once and memory stays
 * at the graph's 24 bytes a node + 4 an edge plus a small address index:
 *   A. count the objects;
 *   B. record each object's address, size and MethodTable (in node order = address order) and
 *      build the address index; count the non-null reference slots;
 *   C. resolve every reference slot to a node id through the index and write the edges.
 * The address index maps an address to a node in O(1) expected: per segment, one u32 per
 * 256 bytes giving the first node at or after that bucket's start.
 *
 * Objects (object.h, gc.cpp): an object pointer points at its MethodTable pointer; the header
 * word is before it. Size = BaseSize + NumComponents * ComponentSize (the count is the u32
 * after the MethodTable pointer), aligned to the pointer size to find the next object. The
 * size reported is the unaligned one, as the runtime's own tools report it (SOS, ClrMD,
 * dotnet-gcdump). Free objects (the runtime's free MethodTable) and allocation contexts (space
 * handed to a thread, not yet objects) are skipped. On an object that does not parse, the walk
 * resynchronises on the next word that starts a valid object and counts the gap. */
#include <stdlib.h>
#include <string.h>

#include "clr/heapwalk.h"
#include "util/alloc.h"
#include "util/endian.h"

#define BUCKET_SHIFT 8

static const uint8_t *cur_ptr(hd_cursor *m, const hd_target *t, uint64_t addr, uint64_t len)
{
    if (addr >= m->lo && addr + len <= m->hi && addr + len >= addr) return m->base + (addr - m->lo);
    const hd_range *r = hd_target_find(t, addr);
    if (!r) return NULL;
    m->lo = r->addr;
    m->hi = r->addr + r->file_size;
    m->base = t->file.data + r->offset;
    if (addr + len > m->hi || addr + len < addr) return NULL;
    return m->base + (addr - m->lo);
}

static int cur_word(hd_cursor *m, const hd_target *t, uint64_t addr, uint32_t P, uint64_t *out)
{
    const uint8_t *p = cur_ptr(m, t, addr, P);
    if (p) {
        *out = hd_leword(p, P);
        return 0;
    }
    uint8_t b[8];
    uint64_t got;
    if (hd_target_read(t, addr, b, P, &got)) return -1;
    *out = hd_leword(b, P);
    return 0;
}

/* --- the object iterator ------------------------------------------------------------------ */

typedef struct obj_iter {
    hd_walk *w;
    uint32_t seg;
    uint64_t p, end;
    uint32_t ctx;
    int started;
    int count; /* pass A: count corrupt/free objects */
} obj_iter;

static void iter_start(obj_iter *it, hd_walk *w, int count)
{
    memset(it, 0, sizeof *it);
    it->w = w;
    it->count = count;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Parses the object at p: its MethodTable index and unaligned size. 0 when it does not parse
 * or does not fit before `end`. */
static int parse_at(hd_walk *w, uint64_t p, uint64_t end, uint32_t *mti, uint64_t *size)
{
    const hd_clr_heap *h = w->h;
    const uint32_t P = h->L.ptr;
    const uint8_t *b = cur_ptr(&w->cur, h->t, p, 2 * (uint64_t)P);
    uint8_t tmp[16];
    if (!b) {
        uint64_t got;
        if (hd_target_read(h->t, p, tmp, 2 * P, &got)) return 0;
        b = tmp;
    }
    uint64_t mt = hd_leword(b, P) & ~h->L.mt_unmask;
    uint32_t i = hd_mtcache_get(&w->mts, h, mt, w->err);
    if (i == UINT32_MAX) return 0;
    const hd_mt *m = &w->mts.mts[i];
    uint64_t s = m->base_size;
    if (m->comp_size) s += (uint64_t)hd_le32(b + P) * m->comp_size;
    if (s < w->min_obj) s = w->min_obj;
    if (p + align_up(s, P) > end) return 0;
    *mti = i;
    *size = s;
    return 1;
}

/* The first word-aligned address >= a that the dump holds (UINT64_MAX when none): a
 * resynchronisation must not probe missing pages word by word. */
static uint64_t next_captured(const hd_target *t, uint64_t a, uint32_t P)
{
    const hd_range *r = hd_target_next_captured(t, a);
    if (!r) return UINT64_MAX;
    return r->addr > a ? align_up(r->addr, P) : a;
}

/* The next non-free object, or 0 at the end of the heap. */
static int iter_next(obj_iter *it, uint64_t *addr, uint32_t *mti, uint64_t *size)
{
    hd_walk *w = it->w;
    const hd_clr_heap *h = w->h;
    const uint32_t P = h->L.ptr;
    for (;;) {
        if (!it->started || it->p >= it->end) {
            if (it->started) it->seg++;
            it->started = 1;
            if (it->seg >= h->n_segs) return 0;
            it->p = h->segs[it->seg].mem;
            it->end = h->segs[it->seg].end;
            w->cur_seg = it->seg;
            continue;
        }
        while (it->ctx < h->n_ctx && h->ctx[it->ctx].ptr < it->p) it->ctx++;
        if (it->ctx < h->n_ctx && h->ctx[it->ctx].ptr == it->p) {
            /* An allocation context: nothing parsable until its limit plus the room the
             * allocator keeps for a free object there. */
            uint64_t next = h->ctx[it->ctx].limit + align_up(w->min_obj, P);
            it->ctx++;
            uint32_t i2;
            uint64_t s2;
            if (next > it->p && next < it->end && !parse_at(w, next, it->end, &i2, &s2) &&
                parse_at(w, h->ctx[it->ctx - 1].limit, it->end, &i2, &s2))
                next = h->ctx[it->ctx - 1].limit; /* no room kept after this one */
            /* next == p: an empty context (limit == ptr) right before an object; it->ctx has
             * moved past it, so the object there is parsed next. */
            it->p = next >= it->p ? next : it->end;
            continue;
        }
        uint32_t i;
        uint64_t s;
        if (!parse_at(w, it->p, it->end, &i, &s)) {
            if (w->err->code) return 0;
            /* Resynchronise on the next word where a valid object starts. */
            if (it->count) w->stats.corrupt++;
            uint64_t q = it->p + P;
            while (q < it->end && !parse_at(w, q, it->end, &i, &s)) {
                if (w->err->code) return 0;
                q += P;
                if (q + 2 * P > w->cur.hi || q < w->cur.lo) {
                    uint64_t c = next_captured(h->t, q, P);
                    q = c < it->end ? c : it->end;
                }
            }
            if (it->count) w->stats.corrupt_bytes += q - it->p;
            it->p = q;
            continue;
        }
        uint64_t p = it->p;
        it->p += align_up(s, P);
        if (w->mts.mts[i].kind == HD_MT_FREE) {
            if (it->count) {
                w->stats.free_objects++;
                w->stats.free_bytes += s;
            }
            continue;
        }
        *addr = p;
        *mti = i;
        *size = s;
        return 1;
    }
}

/* --- references ---------------------------------------------------------------------------- */

/* Calls emit(w, value) for every non-null reference slot of the object; the slots are clamped
 * to the object's bytes. */
#define FOR_REFS(w, o, m, size, VALUE, BODY)                                                       \
    do {                                                                                           \
        const uint32_t P_ = (w)->h->L.ptr;                                                         \
        const uint64_t lo_ = (o) + P_, hi_ = (o) + (size) - (w)->h->L.obj_header;                  \
        const uint64_t *ser_ = (w)->mts.series + (m)->series;                                      \
        if ((m)->n_series > 0) {                                                                   \
            /* Series never overlap in a real GCDesc: an object has at most size/P slots. */       \
            uint64_t budget_ = (size) / P_ + 1;                                                    \
            for (int32_t si_ = 0; si_ < (m)->n_series && budget_; si_++) {                         \
                uint64_t a_ = (o) + ser_[2 * si_];                                                 \
                uint64_t e_ = a_ + ser_[2 * si_ + 1] + (size);                                     \
                if (a_ < lo_) a_ = lo_;                                                            \
                if (e_ > hi_ || e_ < a_) e_ = e_ < a_ ? a_ : hi_;                                  \
                for (; a_ + P_ <= e_ && budget_; a_ += P_, budget_--) {                            \
                    uint64_t VALUE;                                                                \
                    if (cur_word(&(w)->cur, (w)->h->t, a_, P_, &VALUE) || !VALUE) continue;        \
                    BODY;                                                                          \
                }                                                                                  \
            }                                                                                      \
        } else if ((m)->n_series < 0) {                                                            \
            uint64_t a_ = (o) + ser_[0];                                                           \
            int32_t ni_ = -(m)->n_series;                                                          \
            while (a_ < hi_) {                                                                     \
                uint64_t before_ = a_;                                                             \
                for (int32_t k_ = 0; k_ < ni_ && a_ < hi_; k_++) {                                 \
                    uint64_t nptrs_ = ser_[1 + k_] & 0xFFFFFFFFu, skip_ = ser_[1 + k_] >> 32;      \
                    for (uint64_t j_ = 0; j_ < nptrs_ && a_ + P_ <= hi_; j_++, a_ += P_) {         \
                        uint64_t VALUE;                                                            \
                        if (cur_word(&(w)->cur, (w)->h->t, a_, P_, &VALUE) || !VALUE) continue;    \
                        BODY;                                                                      \
                    }                                                                              \
                    a_ += skip_;                                                                   \
                }                                                                                  \
                if (a_ == before_) break; /* a GCDesc that does not advance */                     \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* --- the address index --------------------------------------------------------------------- */

hd_node hd_walk_node_at(const hd_walk *w, uint64_t a, int interior)
{
    if (a < w->heap_lo || a >= w->heap_hi) return HD_NODE_NONE;
    uint32_t s = hd_clr_seg_of(w->h, a);
    if (s == UINT32_MAX) return HD_NODE_NONE;
    const hd_clr_heap *h = w->h;
    uint64_t b = (a - h->segs[s].mem) >> BUCKET_SHIFT;
    uint32_t i = w->buckets[w->bucket_off[s] + b], lim = w->seg_first[s + 1];
    const uint64_t *addr = w->g->addr;
    while (i < lim && addr[i] < a) i++;
    if (i < lim && addr[i] == a) return i;
    if (interior && i > w->seg_first[s]) {
        uint32_t j = i - 1;
        if (a < addr[j] + hd_node_size(w->g, j)) return j;
    }
    return HD_NODE_NONE;
}

/* --- the passes ---------------------------------------------------------------------------- */

int hd_walk_objects(hd_walk *w, uint32_t n_pseudo, uint64_t extra_edges)
{
    hd_clr_heap *h = w->h;
    hd_error *err = w->err;
    hd_graph *g = w->g;
    const uint32_t P = h->L.ptr;
    w->min_obj = 2 * (uint64_t)P + h->L.obj_header;
    obj_iter it;
    uint64_t o, s;
    uint32_t mi;

    /* A. Count. */
    uint64_t n = 0;
    iter_start(&it, w, 1);
    while (iter_next(&it, &o, &mi, &s)) n++;
    if (err->code) return err->code;
    if (n + n_pseudo > HD_MAX_NODES)
        return hd_error_set(err, HD_EINTERNAL, "%s: %llu objects exceed heapdiff's limit of %u",
                            h->t->path, (unsigned long long)n, HD_MAX_NODES);
    w->n_objects = (uint32_t)n;

    /* B. Nodes and the address index. */
    if (hd_graph_alloc(g, n + n_pseudo, 0, err)) return err->code;
    uint64_t n_buckets = 0;
    w->bucket_off = hd_alloc((uint64_t)h->n_segs + 1, sizeof *w->bucket_off, "address index", err);
    w->seg_first = hd_alloc((uint64_t)h->n_segs + 1, sizeof *w->seg_first, "address index", err);
    if (!w->bucket_off || !w->seg_first) return err->code;
    for (uint32_t i = 0; i < h->n_segs; i++) {
        w->bucket_off[i] = n_buckets;
        n_buckets += ((h->segs[i].end - h->segs[i].mem) >> BUCKET_SHIFT) + 1;
    }
    w->bucket_off[h->n_segs] = n_buckets;
    w->buckets = hd_alloc(n_buckets, sizeof *w->buckets, "address index", err);
    if (!w->buckets) return err->code;
    if (h->n_segs) {
        w->heap_lo = h->segs[0].mem;
        w->heap_hi = h->segs[h->n_segs - 1].end;
    }
    uint64_t slots = 0;
    uint32_t node = 0, seg = UINT32_MAX;
    uint64_t next_bucket = 0, bucket_end = 0, bucket_addr = 0;
    iter_start(&it, w, 0);
    while (iter_next(&it, &o, &mi, &s)) {
        if (seg == UINT32_MAX || seg != w->cur_seg) {
            uint32_t target_seg = w->cur_seg;
            /* Open every segment up to the current one (empty ones get no nodes). */
            while (seg == UINT32_MAX || seg < target_seg) {
                if (seg != UINT32_MAX)
                    while (next_bucket < bucket_end) w->buckets[next_bucket++] = node;
                seg = seg == UINT32_MAX ? 0 : seg + 1;
                w->seg_first[seg] = node;
                next_bucket = w->bucket_off[seg];
                bucket_end = w->bucket_off[seg + 1];
                bucket_addr = h->segs[seg].mem;
            }
        }
        while (bucket_addr <= o && next_bucket < bucket_end) {
            w->buckets[next_bucket++] = node;
            bucket_addr += 1u << BUCKET_SHIFT;
        }
        if (node >= n) return hd_error_set(err, HD_EINTERNAL, "heap changed between passes");
        g->addr[node] = o;
        g->type[node] = mi; /* MethodTable index until the types are named */
        if (hd_graph_set_size(g, node, s, err)) return err->code;
        hd_mt *m = &w->mts.mts[mi];
        m->count++;
        if (m->n_series) FOR_REFS(w, o, m, s, v, (void)v; slots++);
        node++;
    }
    if (err->code) return err->code;
    /* Close the last open segment and any empty ones after it. */
    while (seg == UINT32_MAX || seg < h->n_segs) {
        if (seg != UINT32_MAX)
            while (next_bucket < bucket_end) w->buckets[next_bucket++] = node;
        seg = seg == UINT32_MAX ? 0 : seg + 1;
        if (seg >= h->n_segs) break;
        w->seg_first[seg] = node;
        next_bucket = w->bucket_off[seg];
        bucket_end = w->bucket_off[seg + 1];
    }
    w->seg_first[h->n_segs] = node;
    if (node != n) return hd_error_set(err, HD_EINTERNAL, "heap changed between passes");

    /* C. Edges. */
    free(g->target);
    uint64_t cap = slots + extra_edges;
    g->target = hd_alloc(cap, sizeof *g->target, "edges", err);
    if (!g->target) return err->code;
    w->edge_cap = cap;
    uint64_t e = 0;
    const hd_clr_dep *dep = h->deps, *dep_end = h->n_deps ? h->deps + h->n_deps : dep; /* NULL+0 */
    for (uint32_t i = 0; i < n; i++) {
        g->first[i] = e;
        o = g->addr[i];
        hd_mt *m = &w->mts.mts[g->type[i]];
        s = hd_node_size(g, i);
        if (m->n_series)
            FOR_REFS(w, o, m, s, v, {
                hd_node t = hd_walk_node_at(w, v, 0);
                if (t == HD_NODE_NONE)
                    w->stats.dangling++;
                else if (e < cap)
                    g->target[e++] = t;
            });
        /* Dependent handles whose primary is this object (sorted by primary). */
        while (dep < dep_end && dep->primary < o) dep++;
        for (; dep < dep_end && dep->primary == o; dep++) {
            hd_node t = hd_walk_node_at(w, dep->secondary, 0);
            if (t != HD_NODE_NONE && e < cap) g->target[e++] = t;
        }
    }
    g->first[n] = e;
    w->n_edges = e;
    return HD_OK;
}
