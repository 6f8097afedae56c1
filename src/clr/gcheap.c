/* Finding the GC heap of a .NET 10 process in a dump, without the DAC.
 *
 * .NET 10's contract descriptor describes the VM but not the GC (the GC sub-descriptor arrives
 * in .NET 11), so the path is the one the DAC itself takes:
 *   g_dacTable (export of libcoreclr, filled at startup): one 8-byte slot per runtime variable
 *     the DAC reads, holding the variable's address. Slots are located by anchors: the slot
 *     equal to the descriptor's AppDomain global, with ThreadStore / FinalizerThread / GCThread
 *     five to three slots before it; g_heap_type and g_gcDacGlobals are the two slots just
 *     before AppDomain. Without a descriptor (with-heap cores) the 10.0 positions are used and
 *     validated by what they point at.
 *   g_gcDacGlobals → GcDacVars (gcinterface.dacvars.def, version 2): generation size and count,
 *     then pointers to the GC's variables: the generation table, ephemeral segment,
 *     alloc_allocated and finalize queue (workstation), n_heaps and g_heaps (server), the handle
 *     table map, and offset tables for gc_heap and generation fields. Those offset tables make
 *     the GC's own layout self-describing; only heap_segment's fields are fixed.
 * Measured on .NET 10.0.12 x64 (regions and segments GC, workstation and server): see
 * tests/dotnet/README.md. */
#include <stdlib.h>
#include <string.h>

#include "clr/walk.h"
#include "target/elf_image.h"
#include "util/alloc.h"
#include "util/endian.h"

#define DAC_SLOTS 129 /* .NET 10.0: 1032 bytes */
#define MAX_SEGMENTS (1u << 22)
#define MAX_HEAPS 4096
#define MAX_THREADS (1u << 20)

/* .NET 10.0 positions in g_dacTable (used without a descriptor; checked against it with one). */
enum {
    NET10_THREAD_STORE = 15,
    NET10_HEAP_TYPE = 18,
    NET10_GC_DAC_GLOBALS = 19,
    NET10_APP_DOMAIN = 20,
    NET10_OBJECT_CLASS = 42,
    NET10_STRING_CLASS = 45,
    NET10_FREE_MT = 56,
};

/* GcDacVars (x64, major version 2): offsets of the fields read. */
enum {
    GDV_MAJOR = 0,
    GDV_GEN_SIZE = 8,
    GDV_TOTAL_GENS = 16,
    GDV_GENERATION_TABLE = 48,
    GDV_EPHEMERAL_SEG = 80,
    GDV_ALLOC_ALLOCATED = 120,
    GDV_FINALIZE_QUEUE = 144,
    GDV_N_HEAPS = 176,
    GDV_G_HEAPS = 184,
    GDV_HANDLE_TABLE_MAP = 232,
    GDV_HEAP_FIELD_OFFSETS = 240,
    GDV_GEN_FIELD_OFFSETS = 248,
    GDV_SIZE = 256,
};

/* dac_gcheap_fields.h order of gc_heap_field_offsets[]. */
enum { HF_ALLOC_ALLOCATED = 0, HF_EPHEMERAL_SEG = 1, HF_FINALIZE_QUEUE = 2, HF_GEN_TABLE = 18 };
#define N_HEAP_FIELDS 19

/* heap_segment (gcinterface.dac.h dac_heap_segment; unversioned, stable since .NET Core 2). */
enum { SEG_ALLOCATED = 0, SEG_MEM = 32, SEG_FLAGS = 40, SEG_NEXT = 48, SEG_SIZE = 72 };
enum { SEGF_READONLY = 1, SEGF_LOH = 8, SEGF_POH = 0x200 };

static int add_grow(void **p, uint32_t *n, uint32_t *cap, size_t elem, const char *what,
                    hd_error *err)
{
    if (*n < *cap) return HD_OK;
    uint64_t c = *cap;
    if (hd_grow(p, &c, (uint64_t)*n + 1, elem, what, err)) return err->code;
    *cap = (uint32_t)c;
    return HD_OK;
}

int hd_clr_heap_add_seg(hd_clr_heap *h, uint64_t mem, uint64_t end, uint32_t heap, uint8_t gen,
                        uint8_t flags, hd_error *err)
{
    if (h->n_segs >= MAX_SEGMENTS)
        return hd_error_set(err, HD_EINPUT, "%s: more than %u GC segments: the heap is corrupt",
                            h->t->path, MAX_SEGMENTS);
    if (add_grow((void **)&h->segs, &h->n_segs, &h->cap_segs, sizeof *h->segs, "segments", err))
        return err->code;
    h->segs[h->n_segs++] = (hd_gc_seg){mem, end, heap, gen, flags};
    return HD_OK;
}

int hd_clr_heap_add_ctx(hd_clr_heap *h, uint64_t ptr, uint64_t limit, hd_error *err)
{
    if (!ptr || limit < ptr) return HD_OK;
    if (add_grow((void **)&h->ctx, &h->n_ctx, &h->cap_ctx, sizeof *h->ctx, "allocation contexts",
                 err))
        return err->code;
    h->ctx[h->n_ctx++] = (hd_gc_ctx){ptr, limit};
    return HD_OK;
}

static int cmp_seg(const void *a, const void *b)
{
    const hd_gc_seg *x = a, *y = b;
    return x->mem < y->mem ? -1 : x->mem > y->mem;
}

static int cmp_ctx(const void *a, const void *b)
{
    const hd_gc_ctx *x = a, *y = b;
    return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

/* Reads g_dacTable and picks the slots the walk needs. */
static int read_dac_table(hd_clr_heap *h, uint64_t slots[DAC_SLOTS], uint32_t *heap_type_slot,
                          hd_error *err)
{
    const hd_clr_runtime *rt = &h->rt;
    uint8_t raw[DAC_SLOTS * 8];
    uint64_t got = 0;
    if (!rt->dac_table_addr)
        return hd_error_set(err, HD_EINPUT,
                            "%s: the runtime's g_dacTable export cannot be found (its export "
                            "table is neither in the dump nor in a matching %s on this machine)",
                            h->t->path, rt->module->path);
    hd_target_read(h->t, rt->dac_table_addr, raw, sizeof raw, &got);
    if (got < (NET10_FREE_MT + 1) * 8)
        return hd_error_set(err, HD_EINPUT,
                            "%s: the runtime's g_dacTable (0x%llx) is not in the dump: take a "
                            "full dump (createdump -u, or --withheap)",
                            h->t->path, (unsigned long long)rt->dac_table_addr);
    memset(slots, 0, DAC_SLOTS * sizeof *slots);
    for (uint32_t i = 0; i < got / 8 && i < DAC_SLOTS; i++) slots[i] = hd_le64(raw + 8 * i);
    int32_t shift = 0;
    uint64_t app_domain, ts, fin, gct;
    if (rt->doc && !hd_clr_global(rt, "AppDomain", &app_domain) &&
        !hd_clr_global(rt, "ThreadStore", &ts) && !hd_clr_global(rt, "FinalizerThread", &fin) &&
        !hd_clr_global(rt, "GCThread", &gct)) {
        uint32_t i;
        for (i = 5; i < got / 8; i++)
            if (slots[i] == app_domain && slots[i - 5] == ts && slots[i - 4] == fin &&
                slots[i - 3] == gct)
                break;
        if (i >= got / 8)
            return hd_error_set(err, HD_EINPUT,
                                "%s: g_dacTable does not hold the descriptor's AppDomain / "
                                "ThreadStore globals where .NET 10 keeps them: runtime %s is "
                                "not supported",
                                h->t->path, rt->version);
        shift = (int32_t)i - NET10_APP_DOMAIN;
    } else if (h->L.major == 8 || h->L.major == 9) {
        shift = 1; /* .NET 8 and 9 have one more variable before these (checked on 8.0, 9.0) */
    }
    *heap_type_slot = (uint32_t)(NET10_HEAP_TYPE + shift);
    if (shift != (h->L.major == 10 ? 0 : 1))
        hd_clr_heap_note(h, "g_dacTable slots shifted by %d from .NET %d's", shift, h->L.major);
    return HD_OK;
}

static int rd_ptr(const hd_clr_heap *h, uint64_t a, uint64_t *v)
{
    return hd_clr_read_ptr(h, a, v);
}

/* Walks one generation's segment chain. A chain that loops (a corrupt next pointer) ends
 * where it meets itself again (Brent: a mark moved at each power of two steps), so a cycle
 * costs its own length, not MAX_SEGMENTS copies of it. *budget: the steps all chains may still
 * take (thousands of heaps' generations sharing one long chain of unusable headers would
 * otherwise each walk it whole). */
static int add_chain(hd_clr_heap *h, uint64_t seg, uint32_t heap, uint8_t gen, uint64_t eph,
                     uint64_t alloc_allocated, uint64_t *budget, hd_error *err)
{
    uint64_t mark = seg;
    uint32_t lap = 1, steps = 0;
    for (uint32_t guard = 0; seg && guard < MAX_SEGMENTS; guard++) {
        if (guard && seg == mark) {
            hd_clr_heap_note(h, "the GC segment list of generation %u loops at 0x%llx", gen,
                             (unsigned long long)seg);
            return HD_OK;
        }
        if (++steps == lap) {
            mark = seg;
            lap = lap < (1u << 30) ? lap * 2 : lap;
            steps = 0;
        }
        if (!*budget) {
            hd_clr_heap_note(h, "more GC segment headers than a heap has: the rest not read");
            return HD_OK;
        }
        --*budget;
        uint8_t s[SEG_SIZE];
        if (hd_clr_read(h, seg, s, sizeof s)) {
            hd_clr_heap_note(h, "GC segment 0x%llx is not in the dump", (unsigned long long)seg);
            return HD_OK;
        }
        uint64_t mem = hd_le64(s + SEG_MEM), end = hd_le64(s + SEG_ALLOCATED);
        uint64_t flags = hd_le64(s + SEG_FLAGS);
        if (seg == eph && alloc_allocated >= mem) end = alloc_allocated;
        if (mem && end > mem && end - mem < (1ull << 42)) {
            uint8_t f = (flags & SEGF_READONLY) ? HD_SEG_FROZEN : 0;
            if (flags & SEGF_LOH) f |= HD_SEG_LARGE;
            if (flags & SEGF_POH) f |= HD_SEG_PINNED;
            if (hd_clr_heap_add_seg(h, mem, end, heap, gen, f, err)) return err->code;
        }
        seg = hd_le64(s + SEG_NEXT);
    }
    return HD_OK;
}

/* Does a GcDacVars (major version 2) start at p? Its header: u8 major, u8 minor, zero padding,
 * generation size, generation count. */
static int gdv_header_at(const uint8_t *p)
{
    if (p[0] != 2 || p[1] > 64) return 0;
    for (int i = 2; i < 8; i++)
        if (p[i]) return 0;
    uint64_t size = hd_le64(p + GDV_GEN_SIZE), n = hd_le64(p + GDV_TOTAL_GENS);
    return size >= 64 && size <= 1024 && !(size & 7) && (n == 4 || n == 5);
}

uint64_t hd_clr_scan_gc_dac_vars(const hd_clr_heap *h)
{
    /* The runtime's image plus what follows it up to the next module (an ELF module's .bss
     * is an anonymous mapping right after its file mappings), at most 64 MiB. */
    const hd_module *m = h->rt.module;
    uint64_t lo = m->base, hi = m->base + m->size + (16ull << 20);
    for (uint32_t i = 0; i < h->t->n_modules; i++) {
        uint64_t b = h->t->modules[i].base;
        if (b > m->base && b < hi && b >= m->base + m->size) hi = b;
    }
    if (hi - lo > (64ull << 20)) hi = lo + (64ull << 20);
    for (uint64_t a = lo; a < hi;) {
        const hd_range *r = hd_target_next_captured(h->t, a);
        if (!r || r->addr >= hi) return 0;
        if (r->addr > a) a = r->addr;
        uint64_t end = r->addr + r->file_size < hi ? r->addr + r->file_size : hi;
        const uint8_t *base = h->t->file.data + r->offset;
        for (uint64_t x = (a + 7) & ~7ull; x + GDV_SIZE <= end; x += 8)
            if (gdv_header_at(base + (x - r->addr))) return x;
        a = r->addr + r->size > a ? r->addr + r->size : a + 1;
    }
    return 0;
}

/* Bytes of [lo, hi) the dump holds; *last: the end of the last of them; *prefix: the end of
 * the captured run that starts at lo (lo when lo is not captured). */
static uint64_t captured_in(const hd_target *t, uint64_t lo, uint64_t hi, uint64_t *last,
                            uint64_t *prefix)
{
    uint64_t l = 0, r = t->n_ranges, n = 0;
    while (l < r) { /* the first range that ends after lo (ranges are sorted, disjoint) */
        uint64_t mid = l + (r - l) / 2;
        if (t->ranges[mid].addr + t->ranges[mid].file_size <= lo)
            l = mid + 1;
        else
            r = mid;
    }
    *last = *prefix = lo;
    for (; l < t->n_ranges && t->ranges[l].addr < hi; l++) {
        const hd_range *g = &t->ranges[l];
        uint64_t a = g->addr > lo ? g->addr : lo;
        uint64_t b = g->addr + g->file_size < hi ? g->addr + g->file_size : hi;
        if (b <= a) continue;
        if (a == *prefix) *prefix = b;
        n += b - a;
        *last = b;
    }
    return n;
}

/* Cuts every segment to the memory the dump holds: nothing past its last captured byte can be
 * parsed, and a segment that claims far more than the dump holds of it (a corrupt end, or a
 * dump that lacks most of it) would cost an address index of that size for nothing: it is
 * walked up to its first missing page. Segments with nothing captured are dropped. Returns
 * 1 when none is left. */
static int bound_segments(hd_clr_heap *h)
{
    uint32_t w = 0, dropped = 0, cut = 0;
    for (uint32_t i = 0; i < h->n_segs; i++) {
        hd_gc_seg sg = h->segs[i];
        uint64_t last, prefix, got = captured_in(h->t, sg.mem, sg.end, &last, &prefix);
        if (last < sg.end) sg.end = last;
        if (got && sg.end - sg.mem > 16 * got + 4096) sg.end = prefix, cut++;
        if (!got || sg.end <= sg.mem) {
            dropped++;
            continue;
        }
        h->segs[w++] = sg;
    }
    if (dropped || cut)
        hd_clr_heap_note(h,
                         "%u GC segments are not in the dump, %u mostly not (walked up to "
                         "their first missing page)",
                         dropped, cut);
    h->n_segs = w;
    return w == 0;
}

int hd_clr_find_heap(hd_clr_heap *h, hd_error *err)
{
    uint64_t slots[DAC_SLOTS];
    uint32_t ht_slot = 0;
    int have_table = !read_dac_table(h, slots, &ht_slot, err);
    /* Without g_dacTable (Windows runtimes do not export it; dumps that lack its page) the
     * descriptor supplies the VM globals and GcDacVars is found by its header. */
    if (!have_table && !h->rt.doc) return err->code;
    if (!have_table) hd_error_clear(err);
    int32_t shift = (int32_t)ht_slot - NET10_HEAP_TYPE;

    /* Runtime globals: the descriptor's when there is one, else g_dacTable's. */
    hd_clr_layout *L = &h->L;
    uint64_t a;
    const hd_clr_runtime *rt = &h->rt;
#define GLOBAL(name, slot, out)                                                                    \
    do {                                                                                           \
        a = 0;                                                                                     \
        /* shift comes from the dump's anchors: the slot may lie past the table */                 \
        if (!(rt->doc && !hd_clr_global(rt, name, &a)) && have_table && (slot) + shift >= 0 &&     \
            (slot) + shift < DAC_SLOTS)                                                            \
            a = slots[(slot) + shift];                                                             \
        if (!a || rd_ptr(h, a, &(out)))                                                            \
            return hd_error_set(err, HD_EINPUT, "%s: the runtime's %s is not in the dump",         \
                                h->t->path, name);                                                 \
    } while (0)
    /* .NET 8's class variables sit three slots before the others' shift (checked on 8.0). */
    const int cls = L->major == 8 ? -3 : 0;
    GLOBAL("FreeObjectMethodTable", NET10_FREE_MT + cls, L->free_mt);
    GLOBAL("StringMethodTable", NET10_STRING_CLASS + cls, L->string_mt);
    GLOBAL("ObjectMethodTable", NET10_OBJECT_CLASS + cls, L->object_mt);
    GLOBAL("ThreadStore", NET10_THREAD_STORE, L->thread_store);
#undef GLOBAL

    uint32_t heap_type = 0;
    uint64_t gdv_addr = 0;
    if (have_table) h->app_domain_var = slots[NET10_APP_DOMAIN + shift];
    if (have_table) {
        if (hd_clr_read_u32(h, slots[ht_slot], &heap_type) ||
            rd_ptr(h, slots[ht_slot + 1], &gdv_addr) || !gdv_addr)
            return hd_error_set(err, HD_EINPUT,
                                "%s: the GC's DAC variables (g_gcDacGlobals) are not in the dump",
                                h->t->path);
    } else {
        gdv_addr = hd_clr_scan_gc_dac_vars(h);
        if (!gdv_addr)
            return hd_error_set(err, HD_EINPUT,
                                "%s: neither g_dacTable nor the GC's DAC variables were found in "
                                "the runtime's memory in this dump",
                                h->t->path);
        /* Server GC is the one with a heap count. */
        uint64_t pn = 0;
        uint32_t n = 0;
        heap_type =
            !rd_ptr(h, gdv_addr + GDV_N_HEAPS, &pn) && pn && !hd_clr_read_u32(h, pn, &n) && n >= 1
                ? 2
                : 1;
        hd_clr_heap_note(h, "GC variables found by their header (no g_dacTable)");
    }
    h->gdv_addr = gdv_addr;
    h->heap_type = heap_type;
    uint8_t gdv[GDV_SIZE];
    if (hd_clr_read(h, gdv_addr, gdv, sizeof gdv))
        return hd_error_set(err, HD_EINPUT,
                            "%s: the GC's DAC variables at 0x%llx are not in "
                            "the dump",
                            h->t->path, (unsigned long long)gdv_addr);
    uint64_t gen_size = hd_le64(gdv + GDV_GEN_SIZE), n_gens = hd_le64(gdv + GDV_TOTAL_GENS);
    if (gdv[GDV_MAJOR] != 2 || n_gens < 4 || n_gens > 5 || gen_size < 64 || gen_size > 1024)
        return hd_error_set(err, HD_EINPUT,
                            "%s: the GC's DAC variables have version %u, %llu generations of "
                            "%llu bytes: not the .NET 10 GC this walker knows (version 2)",
                            h->t->path, gdv[GDV_MAJOR], (unsigned long long)n_gens,
                            (unsigned long long)gen_size);
    h->n_generations = (uint32_t)n_gens;
    int32_t gfo[3];
    uint64_t p;
    uint8_t b12[12];
    if (rd_ptr(h, gdv_addr + GDV_GEN_FIELD_OFFSETS, &p) || hd_clr_read(h, p, b12, 12))
        return hd_error_set(err, HD_EINPUT, "%s: the GC's generation layout is not in the dump",
                            h->t->path);
    for (int i = 0; i < 3; i++) gfo[i] = (int32_t)hd_le32(b12 + 4 * i);
    if (gfo[0] < 0 || gfo[1] < 0 || (uint64_t)gfo[0] + 16 > gen_size ||
        (uint64_t)gfo[1] + 8 > gen_size)
        return hd_error_set(err, HD_EINPUT, "%s: implausible generation layout (%d, %d, %d)",
                            h->t->path, gfo[0], gfo[1], gfo[2]);
    h->regions = gfo[2] == -1;
    h->server = heap_type == 2;
    h->handle_table_map = 0;
    if (rd_ptr(h, gdv_addr + GDV_HANDLE_TABLE_MAP, &h->handle_table_map)) h->handle_table_map = 0;

    /* The heaps: generation table, ephemeral segment, its allocation end, finalize queue. */
    uint32_t n_heaps = 1;
    uint64_t heaps_arr = 0;
    int32_t hoff[N_HEAP_FIELDS];
    if (h->server) {
        uint64_t pn, pg, ph;
        uint32_t n;
        uint8_t hb[4 * N_HEAP_FIELDS];
        if (rd_ptr(h, gdv_addr + GDV_N_HEAPS, &pn) || hd_clr_read_u32(h, pn, &n) ||
            rd_ptr(h, gdv_addr + GDV_G_HEAPS, &pg) || rd_ptr(h, pg, &heaps_arr) ||
            rd_ptr(h, gdv_addr + GDV_HEAP_FIELD_OFFSETS, &ph) || hd_clr_read(h, ph, hb, sizeof hb))
            return hd_error_set(err, HD_EINPUT,
                                "%s: the server GC's heap table is not in the "
                                "dump",
                                h->t->path);
        if (!n || n > MAX_HEAPS)
            return hd_error_set(err, HD_EINPUT, "%s: implausible server GC heap count %u",
                                h->t->path, n);
        n_heaps = n;
        for (int i = 0; i < N_HEAP_FIELDS; i++) hoff[i] = (int32_t)hd_le32(hb + 4 * i);
        if (hoff[HF_GEN_TABLE] < 0 || hoff[HF_ALLOC_ALLOCATED] < 0 || hoff[HF_EPHEMERAL_SEG] < 0)
            return hd_error_set(err, HD_EINPUT,
                                "%s: the server GC's heap layout lacks a field "
                                "the walk needs",
                                h->t->path);
    }
    h->n_heaps = n_heaps;
    h->fq = hd_calloc(n_heaps, sizeof *h->fq, "finalize queues", err);
    if (!h->fq) return err->code;
    uint64_t chain_budget = 4ull * MAX_SEGMENTS;
    for (uint32_t hi = 0; hi < n_heaps; hi++) {
        uint64_t gentab, eph = 0, aa = 0, fq = 0, v;
        if (h->server) {
            uint64_t hp;
            if (rd_ptr(h, heaps_arr + 8ull * hi, &hp) || !hp)
                return hd_error_set(err, HD_EINPUT, "%s: server GC heap %u is not in the dump",
                                    h->t->path, hi);
            gentab = hp + (uint32_t)hoff[HF_GEN_TABLE];
            rd_ptr(h, hp + (uint32_t)hoff[HF_EPHEMERAL_SEG], &eph);
            rd_ptr(h, hp + (uint32_t)hoff[HF_ALLOC_ALLOCATED], &aa);
            if (hoff[HF_FINALIZE_QUEUE] >= 0)
                rd_ptr(h, hp + (uint32_t)hoff[HF_FINALIZE_QUEUE], &fq);
        } else {
            if (rd_ptr(h, gdv_addr + GDV_GENERATION_TABLE, &gentab))
                return hd_error_set(err, HD_EINPUT,
                                    "%s: the GC's generation table is not in "
                                    "the dump",
                                    h->t->path);
            if (!rd_ptr(h, gdv_addr + GDV_EPHEMERAL_SEG, &v)) rd_ptr(h, v, &eph);
            if (!rd_ptr(h, gdv_addr + GDV_ALLOC_ALLOCATED, &v)) rd_ptr(h, v, &aa);
            if (!rd_ptr(h, gdv_addr + GDV_FINALIZE_QUEUE, &v)) rd_ptr(h, v, &fq);
        }
        h->fq[h->n_fq++] = fq;
        for (uint32_t g = 0; g < n_gens; g++) {
            uint64_t gen = gentab + g * gen_size, start, ctx[2];
            /* Segments: gen0 and gen1 live in the ephemeral segment, which ends gen2's
             * chain; their start_segment points into it. Regions: every generation has its
             * own chain. */
            if (h->regions || g >= 2) {
                if (rd_ptr(h, gen + (uint32_t)gfo[1], &start))
                    return hd_error_set(err, HD_EINPUT,
                                        "%s: GC generation %u of heap %u is "
                                        "not in the dump",
                                        h->t->path, g, hi);
                if (add_chain(h, start, hi, (uint8_t)g, eph, aa, &chain_budget, err))
                    return err->code;
            }
            if (!rd_ptr(h, gen + (uint32_t)gfo[0], &ctx[0]) &&
                !rd_ptr(h, gen + (uint32_t)gfo[0] + 8, &ctx[1]) &&
                hd_clr_heap_add_ctx(h, ctx[0], ctx[1], err))
                return err->code;
        }
    }

    /* Threads' allocation contexts. */
    uint64_t link = 0;
    uint32_t n_threads = 0;
    if (L->thread_store && !rd_ptr(h, L->thread_store + L->store_first_thread, &link)) {
        uint64_t mark = link; /* a list that loops ends where it meets itself (Brent) */
        uint32_t lap = 1, steps = 0;
        while (link && n_threads < MAX_THREADS) {
            if (n_threads && link == mark) {
                hd_clr_heap_note(h, "the runtime's thread list loops");
                break;
            }
            if (++steps == lap) {
                mark = link;
                lap = lap < (1u << 30) ? lap * 2 : lap;
                steps = 0;
            }
            uint64_t th = link - L->thread_next, rtl, ctx[2];
            if (L->alloc_ctx_inline) {
                /* .NET 8: the gc_alloc_context is a field of the Thread. */
                uint64_t c = th + L->thread_alloc_ctx;
                if (!rd_ptr(h, c + L->gcac_pointer, &ctx[0]) &&
                    !rd_ptr(h, c + L->gcac_limit, &ctx[1]) &&
                    hd_clr_heap_add_ctx(h, ctx[0], ctx[1], err))
                    return err->code;
            } else if (!rd_ptr(h, th + L->thread_alloc_ctx, &rtl) && rtl) {
                uint64_t c = rtl + L->rtl_alloc_ctx + L->eeac_gc_ctx;
                if (!rd_ptr(h, c + L->gcac_pointer, &ctx[0]) &&
                    !rd_ptr(h, c + L->gcac_limit, &ctx[1]) &&
                    hd_clr_heap_add_ctx(h, ctx[0], ctx[1], err))
                    return err->code;
            }
            if (add_grow((void **)&h->threads, &h->n_threads, &h->cap_threads, sizeof *h->threads,
                         "threads", err))
                return err->code;
            h->threads[h->n_threads++] = th;
            n_threads++;
            if (rd_ptr(h, th + L->thread_next, &link)) break;
        }
    }

    if (h->n_segs) qsort(h->segs, h->n_segs, sizeof *h->segs, cmp_seg); /* NULL when 0 */
    /* Overlapping segments would make an address belong to two: keep the first. */
    uint32_t w = 0;
    for (uint32_t i = 0; i < h->n_segs; i++) {
        if (w && h->segs[i].mem == h->segs[w - 1].mem && h->segs[i].end == h->segs[w - 1].end)
            continue; /* the same region met twice (a looping chain, until it was noticed) */
        if (w && h->segs[i].mem < h->segs[w - 1].end) {
            hd_clr_heap_note(h, "GC segment at 0x%llx overlaps another; skipped",
                             (unsigned long long)h->segs[i].mem);
            continue;
        }
        h->segs[w++] = h->segs[i];
    }
    h->n_segs = w;
    if (h->n_ctx) qsort(h->ctx, h->n_ctx, sizeof *h->ctx, cmp_ctx); /* NULL when 0 */
    if (!h->n_segs)
        return hd_error_set(err, HD_EINPUT, "%s: the GC has no segments in this dump", h->t->path);
    if (bound_segments(h))
        return hd_error_set(err, HD_EINPUT, "%s: the GC heap's memory is not in the dump",
                            h->t->path);
    return HD_OK;
}
