/* GC roots of a .NET 10 process: the handle table, the f-reachable queue, thread statics,
 * frozen objects and (conservatively) thread stacks.
 *
 * Handle table (the GC's handletable*.h; .NET 10 has 13 internal handle types, one more than
 * gcinterface.dac.h still says): g_HandleTableMap { buckets, next, max index } → bucket
 * { HandleTable *tables[n_heaps] } → HandleTable { u32 type flags[13]; ...; first segment at 56 }
 * → 64 KiB TableSegments, packed: block types at 1560, user-data block numbers at 1680, next
 * segment at 1998, owning table at 2006, the first unused block ("empty line") at 2016, the
 * handles themselves at 0x1000, 64 per block, 120 blocks. A dependent handle's secondary is in
 * the block named by its block's user-data byte, at the same index. Null handles are skipped
 * (freed handles parked in per-type caches are null but not marked free).
 *
 * Finalize queue (CFinalize): fill pointers[total generations + 2], then the array start. The
 * first total-generations parts hold objects registered for finalization, oldest generation
 * first; the last two are the f-reachable queue — objects whose finalizer is due, kept alive
 * until it runs: roots.
 *
 * Stacks: without GC info decoding the walker cannot know which stack slots hold references,
 * so every word of every thread's stack (from its stack pointer up) that points into an object
 * is a root, labelled "conservative" wherever roots are shown. This can only keep more alive
 * than the runtime would (a stale slot), never less. */
#include <stdlib.h>
#include <string.h>

#include "clr/walk.h"
#include "util/alloc.h"
#include "util/endian.h"

#define MAP_BUCKETS 10 /* INITIAL_HANDLE_TABLE_ARRAY_SIZE: buckets per HandleTableMap */
#define MAX_MAPS 1024
#define MAX_TABLE_SEGMENTS (1u << 16)
#define MAX_FINALIZABLE (1ull << 32)
#define MAX_STACK (256ull << 20)

/* The HandleTable / TableSegment fields that move with HANDLE_MAX_INTERNAL_TYPES (n: 13 in
 * .NET 10, 12 in 8 and 9): the table's n u32 type flags precede its first-segment pointer; a
 * segment's rgTail and rgHint (n bytes each) and rgFreeCount (n u32) start at 1920, then the
 * packed pointers and the line bytes. The last internal type is the user-data block. */
static uint32_t ht_first_segment(uint32_t n)
{
    return (4 * n + 7) & ~7u;
}
static uint32_t ts_next(uint32_t n)
{
    return 1920 + 6 * n;
}
static uint32_t ts_table(uint32_t n)
{
    return ts_next(n) + 8;
}
static uint32_t ts_empty_line(uint32_t n)
{
    return ts_next(n) + 18;
}

enum {
    TS_BLOCK_TYPE = 1560,
    TS_USER_DATA = 1680,
    TS_HANDLES = 0x1000,
    TS_BLOCKS = 120,
    TS_PER_BLOCK = 64,
    TS_SIZE = 0x10000,
};

/* Handle types (gcinterface.h HNDTYPE_*). */
enum {
    HT_WEAK_SHORT = 0,
    HT_WEAK_LONG = 1,
    HT_STRONG = 2,
    HT_PINNED = 3,
    HT_VARIABLE = 4,
    HT_REFCOUNTED = 5,
    HT_DEPENDENT = 6,
    HT_ASYNCPINNED = 7,
    HT_SIZEDREF = 8,
    HT_WEAK_NATIVE_COM = 9,
    HT_WEAK_INTERIOR = 10,
    HT_CROSSREFERENCE = 11,
    HT_FREE = 0xFF,
};

int hd_clr_heap_add_root(hd_clr_heap *h, uint64_t obj, uint32_t kind, hd_error *err)
{
    if (!obj) return HD_OK;
    if (h->n_roots == h->cap_roots &&
        hd_grow((void **)&h->roots, &h->cap_roots, h->n_roots + 1, sizeof *h->roots, "roots", err))
        return err->code;
    h->roots[h->n_roots++] = (hd_clr_root){obj, kind};
    return HD_OK;
}

int hd_clr_heap_add_dep(hd_clr_heap *h, uint64_t primary, uint64_t secondary, hd_error *err)
{
    if (!primary || !secondary) return HD_OK;
    if (h->n_deps == h->cap_deps && hd_grow((void **)&h->deps, &h->cap_deps, h->n_deps + 1,
                                            sizeof *h->deps, "dependent handles", err))
        return err->code;
    h->deps[h->n_deps++] = (hd_clr_dep){primary, secondary};
    return HD_OK;
}

static int handle_kind(uint8_t type)
{
    switch (type) {
    case HT_STRONG:
    case HT_VARIABLE: /* strength lives in user data; strong is the safe reading */
        return HD_CR_STRONG;
    case HT_PINNED:
        return HD_CR_PINNED;
    case HT_ASYNCPINNED:
        return HD_CR_ASYNC_PINNED;
    case HT_REFCOUNTED:
        return HD_CR_REFCOUNTED;
    case HT_SIZEDREF:
        return HD_CR_SIZEDREF;
    default:
        return HD_CR_WEAK;
    }
}

static int scan_segment(hd_clr_heap *h, uint64_t seg, uint8_t *buf, hd_error *err)
{
    /* The header and every used block (a segment is committed up to its commit line, and
     * dumps hold committed memory). */
    if (hd_clr_read(h, seg, buf, TS_HANDLES)) return 1;
    const uint32_t nt = h->L.handle_types;
    uint8_t empty = buf[ts_empty_line(nt)];
    if (empty > TS_BLOCKS) empty = TS_BLOCKS;
    if (!empty) return HD_OK;
    if (hd_clr_read(h, seg + TS_HANDLES, buf + TS_HANDLES, (uint32_t)empty * TS_PER_BLOCK * 8))
        return 1;
    const uint8_t *vals = buf + TS_HANDLES;
    for (uint32_t b = 0; b < empty; b++) {
        uint8_t type = buf[TS_BLOCK_TYPE + b];
        if (type == HT_FREE || type >= nt - 1) continue; /* free, user data, unknown */
        uint8_t ud = buf[TS_USER_DATA + b];
        for (uint32_t i = 0; i < TS_PER_BLOCK; i++) {
            uint64_t obj = hd_le64(vals + 8ull * (b * TS_PER_BLOCK + i));
            if (!obj) continue;
            h->n_handles[type]++;
            if (type == HT_DEPENDENT) {
                if (ud >= empty) continue;
                uint64_t sec = hd_le64(vals + 8ull * ((uint32_t)ud * TS_PER_BLOCK + i));
                if (hd_clr_heap_add_dep(h, obj, sec, err)) return err->code;
                continue;
            }
            if (hd_clr_heap_add_root(h, obj, (uint32_t)handle_kind(type), err)) return err->code;
        }
    }
    return HD_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Every segment of one HandleTable (each segment names its table: a segment claimed by
 * another table ends the list). Returns the number of parts that could not be read. */
static uint32_t scan_table(hd_clr_heap *h, uint64_t table, uint8_t *buf, hd_error *err)
{
    uint64_t seg;
    uint32_t missing = 0;
    if (hd_clr_read_ptr(h, table + ht_first_segment(h->L.handle_types), &seg)) return 1;
    uint64_t mark = seg;
    uint32_t lap = 1, steps = 0;
    for (uint32_t guard = 0; seg && guard < MAX_TABLE_SEGMENTS; guard++) {
        if (guard && seg == mark) return missing + 1; /* a segment list that loops */
        if (++steps == lap) {
            mark = seg;
            lap *= 2;
            steps = 0;
        }
        uint64_t owner, nxt;
        if (hd_clr_read_ptr(h, seg + ts_table(h->L.handle_types), &owner) || owner != table ||
            hd_clr_read_ptr(h, seg + ts_next(h->L.handle_types), &nxt))
            return missing + 1;
        int rc = scan_segment(h, seg, buf, err);
        if (err->code) return missing;
        if (rc) missing++;
        seg = nxt;
    }
    return missing;
}

/* The handle tables: map list → buckets → one table per heap. A table listed twice (a
 * corrupt map) is scanned once: dependent handles would otherwise be counted twice. */
static int find_handles(hd_clr_heap *h, hd_error *err)
{
    uint64_t map = h->handle_table_map;
    if (!map) {
        hd_clr_heap_note(h, "the GC handle table could not be found: handle roots are missing");
        return HD_OK;
    }
    uint64_t *tables = NULL, n_tables = 0, cap_tables = 0;
    uint32_t missing = 0, n_tables_per_bucket = h->server ? h->n_heaps : 1;
    /* Lists that loop (a corrupt next pointer) end where they meet themselves again (Brent,
     * as gcheap.c's segment chains). */
    uint64_t map_mark = map;
    uint32_t map_lap = 1, map_steps = 0;
    for (uint32_t m = 0; map && m < MAX_MAPS; m++) {
        if (m && map == map_mark) {
            hd_clr_heap_note(h, "the GC handle table map list loops");
            break;
        }
        if (++map_steps == map_lap) {
            map_mark = map;
            map_lap *= 2;
            map_steps = 0;
        }
        uint64_t buckets, next;
        if (hd_clr_read_ptr(h, map, &buckets) || hd_clr_read_ptr(h, map + 8, &next)) {
            missing++;
            break;
        }
        for (uint32_t bi = 0; buckets && bi < MAP_BUCKETS; bi++) {
            uint64_t bucket, list;
            if (hd_clr_read_ptr(h, buckets + 8ull * bi, &bucket) || !bucket) continue;
            if (hd_clr_read_ptr(h, bucket, &list) || !list) continue;
            for (uint32_t ti = 0; ti < n_tables_per_bucket; ti++) {
                uint64_t table;
                if (hd_clr_read_ptr(h, list + 8ull * ti, &table) || !table) continue;
                if (n_tables == cap_tables && hd_grow((void **)&tables, &cap_tables, n_tables + 1,
                                                      sizeof *tables, "handle tables", err)) {
                    free(tables);
                    return err->code;
                }
                tables[n_tables++] = table;
            }
        }
        map = next;
    }
    if (n_tables) qsort(tables, n_tables, sizeof *tables, cmp_u64);
    uint8_t *buf = malloc(TS_SIZE);
    if (!buf) {
        free(tables);
        return hd_error_oom(err, "handle segment", TS_SIZE);
    }
    for (uint64_t i = 0; i < n_tables && !err->code; i++)
        if (!i || tables[i] != tables[i - 1]) missing += scan_table(h, tables[i], buf, err);
    free(buf);
    free(tables);
    if (err->code) return err->code;
    if (missing) hd_clr_heap_note(h, "%u parts of the GC handle table could not be read", missing);
    return HD_OK;
}

static int find_finalizer_queue(hd_clr_heap *h, hd_error *err)
{
    uint32_t n_fill = h->n_generations + 2;
    for (uint32_t q = 0; q < h->n_fq; q++) {
        uint64_t fq = h->fq[q], fill[8], array, array_end;
        if (!fq) continue;
        int bad = 0;
        for (uint32_t i = 0; i < n_fill && !bad; i++)
            bad = hd_clr_read_ptr(h, fq + 8ull * i, &fill[i]);
        if (bad || hd_clr_read_ptr(h, fq + 8ull * n_fill, &array) ||
            hd_clr_read_ptr(h, fq + 8ull * (n_fill + 1), &array_end)) {
            hd_clr_heap_note(h, "the finalization queue of heap %u is not in the dump", q);
            continue;
        }
        /* The last two parts: f-reachable (critical and normal finalizers); every part lies
         * in [m_Array, m_EndArray). */
        uint64_t from = fill[h->n_generations - 1], to = fill[n_fill - 1];
        if (from < array || to < from || to > array_end || (to - from) / 8 > MAX_FINALIZABLE) {
            hd_clr_heap_note(h, "the finalization queue of heap %u is not sane", q);
            continue;
        }
        for (uint64_t a = from; a < to; a += 8) {
            uint64_t obj;
            if (hd_clr_read_ptr(h, a, &obj)) break;
            if (hd_clr_heap_add_root(h, obj, HD_CR_FINALIZER, err)) return err->code;
        }
        /* Registered-for-finalization counts, for the report. */
        h->n_finalizable += (fill[h->n_generations - 1] - array) / 8;
    }
    return HD_OK;
}

static int find_thread_statics(hd_clr_heap *h, hd_error *err)
{
    const hd_clr_layout *L = &h->L;
    if (L->thread_tld == HD_ABSENT) return HD_OK; /* .NET 8: thread statics sit behind handles */
    for (uint32_t i = 0; i < h->n_threads; i++) {
        uint64_t tld, arr;
        if (hd_clr_read_ptr(h, h->threads[i] + L->thread_tld, &tld) || !tld) continue;
        if (hd_clr_read_ptr(h, tld + L->tld_noncollectible, &arr) || !arr) continue;
        if (hd_clr_heap_add_root(h, arr, HD_CR_THREAD_STATIC, err)) return err->code;
    }
    return HD_OK;
}

/* The index of the first segment that starts after a (segments are sorted and disjoint). */
static uint32_t seg_after(const hd_clr_heap *h, uint64_t a)
{
    uint32_t lo = 0, hi = h->n_segs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (h->segs[mid].mem <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The segment holding a, or UINT32_MAX. */
uint32_t hd_clr_seg_of(const hd_clr_heap *h, uint64_t a)
{
    uint32_t i = seg_after(h, a);
    return i && a < h->segs[i - 1].end ? i - 1 : UINT32_MAX;
}

int hd_clr_in_heap(const hd_clr_heap *h, uint64_t a)
{
    return hd_clr_seg_of(h, a) != UINT32_MAX;
}

static int find_stack_words(hd_clr_heap *h, hd_error *err)
{
    const hd_target *t = h->t;
    uint64_t lo_heap = h->segs[0].mem, hi_heap = h->segs[h->n_segs - 1].end;
    for (uint64_t i = 0; i < t->n_threads; i++) {
        const hd_thread *th = &t->threads[i];
        uint64_t lo = th->sp > th->stack_lo ? th->sp : th->stack_lo, hi = th->stack_hi;
        if (!lo || hi <= lo) continue;
        if (hi - lo > MAX_STACK) hi = lo + MAX_STACK;
        /* A stack's mapping can merge with an adjacent GC reservation in the dump's list of
         * ranges; a stack never reaches into a GC segment, so stop at the first one. */
        uint32_t next = seg_after(h, lo);
        if (next && lo < h->segs[next - 1].end) continue; /* sp inside the heap: not a stack */
        if (next < h->n_segs && h->segs[next].mem < hi) hi = h->segs[next].mem;
        lo &= ~7ull;
        for (uint64_t a = lo; a + 8 <= hi; a += 8) {
            const uint8_t *p = hd_target_ptr(t, a, 8);
            if (!p) {
                /* Skip to the next captured range, if any (a page the dump left out must not
                 * end the scan, nor be probed word by word). */
                const hd_range *r = hd_target_next_captured(t, a + 8);
                if (!r || r->addr >= hi) break;
                if (r->addr > a + 8) a = ((r->addr + 7) & ~7ull) - 8;
                continue;
            }
            uint64_t v = hd_le64(p);
            if (v < lo_heap || v >= hi_heap || !hd_clr_in_heap(h, v)) continue;
            if (hd_clr_heap_add_root(h, v, HD_CR_STACK_CONSERVATIVE, err)) return err->code;
        }
    }
    return HD_OK;
}

static int find_frozen(hd_clr_heap *h)
{
    for (uint32_t i = 0; i < h->n_segs; i++)
        if (h->segs[i].flags & HD_SEG_FROZEN) h->has_frozen = 1;
    return HD_OK;
}

int hd_clr_find_roots(hd_clr_heap *h, hd_error *err)
{
    if (find_handles(h, err) || find_finalizer_queue(h, err) || find_thread_statics(h, err) ||
        find_stack_words(h, err) || find_frozen(h))
        return err->code;
    return HD_OK;
}
