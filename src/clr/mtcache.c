/* The MethodTable cache: every distinct MethodTable the walk meets is read, validated and its
 * GCDesc decoded exactly once.
 *
 * Validation (what the DAC's DacValidateMethodTable checks, and a little more): the base size
 * is plausible, a component size is set when the flags say so, and the EEClass points back —
 * EEClass.MethodTable == MT, or for a generic instantiation (canonical-MT bit set) the
 * canonical MT's EEClass points back to the canonical MT. A random heap word passes this with
 * negligible probability, which is what resynchronising after a corrupt object relies on.
 *
 * GCDesc (gcdesc.h in the runtime): pointer-sized words just BELOW the MethodTable.
 *   MT - P:          signed series count N
 *   N > 0:           N records { size_t seriessize; size_t startoffset; } ending at MT - P;
 *                    an object's references are at [o + startoffset,
 *                    o + startoffset + seriessize + objectsize) for each series (seriessize is
 *                    stored minus the base size, so arrays get their full length for free).
 *   N < 0:           one record: startoffset at MT - 2P, then -N items
 *                    { half nptrs; half skip; } at MT - 3P, MT - 4P, ...: from o + startoffset,
 *                    repeat (nptrs references, skip bytes) until the end of the object.
 * Decoded into hd_mtcache.series: N > 0 as (startoffset, seriessize) pairs; N < 0 as the
 * startoffset followed by one word per item (nptrs | skip << 32). */
#include <stdlib.h>
#include <string.h>

#include "clr/walk.h"
#include "util/alloc.h"
#include "util/endian.h"

#define MAX_SERIES 65536u         /* a type with more reference runs than this is corrupt */
#define MAX_BASE_SIZE (64u << 20) /* no class instance is 64 MiB before its components */
#define MAX_INVALID 4096u         /* invalid MethodTables remembered (resync probes many) */

void hd_mtcache_init(hd_mtcache *c)
{
    memset(c, 0, sizeof *c);
    c->last = UINT32_MAX;
}

void hd_mtcache_free(hd_mtcache *c)
{
    free(c->mts);
    free(c->slots);
    free(c->series);
    hd_mtcache_init(c);
}

static int rehash(hd_mtcache *c, hd_error *err)
{
    uint32_t n = c->n_slots ? c->n_slots * 2 : 1024;
    uint32_t *s = hd_calloc(n, sizeof *s, "MethodTable cache", err);
    if (!s) return err->code;
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t k = hd_clr_addr_slot(c->mts[i].addr, n - 1);
        while (s[k]) k = (k + 1) & (n - 1);
        s[k] = i + 1;
    }
    free(c->slots);
    c->slots = s;
    c->n_slots = n;
    return HD_OK;
}

static int push_series(hd_mtcache *c, uint64_t v, hd_error *err)
{
    if (c->n_series == c->cap_series &&
        hd_grow((void **)&c->series, &c->cap_series, c->n_series + 1, sizeof *c->series,
                "GCDesc table", err))
        return err->code;
    c->series[c->n_series++] = v;
    return HD_OK;
}

/* Does the EEClass (or canonical MT's EEClass) point back at the MethodTable? */
static int eeclass_points_back(const hd_clr_heap *h, uint64_t mt, uint64_t canon)
{
    const hd_clr_layout *L = &h->L;
    uint64_t back;
    if (!(canon & 1)) {
        if (!canon || hd_clr_read_ptr(h, canon + L->eeclass_mt, &back)) return 0;
        return back == mt;
    }
    uint64_t cmt = canon & ~(uint64_t)1, ccanon;
    if (!cmt || cmt == mt || hd_clr_read_ptr(h, cmt + L->mt_canon, &ccanon) || (ccanon & 1))
        return 0;
    if (!ccanon || hd_clr_read_ptr(h, ccanon + L->eeclass_mt, &back)) return 0;
    return back == cmt;
}

/* Reads and decodes the GCDesc below the MethodTable. */
static int decode_gcdesc(hd_mtcache *c, const hd_clr_heap *h, hd_mt *m, hd_error *err)
{
    const uint32_t P = h->L.ptr;
    uint64_t num;
    if (hd_clr_read_ptr(h, m->addr - P, &num)) return 0;
    int64_t n = P == 8 ? (int64_t)num : (int64_t)(int32_t)num;
    if (n == 0 || n > (int64_t)MAX_SERIES || n < -(int64_t)MAX_SERIES) return 0;
    uint64_t words = n > 0 ? 2 * (uint64_t)n : 1 + (uint64_t)(-n);
    uint64_t bytes = words * P;
    uint8_t stackbuf[4096];
    uint8_t *buf = bytes <= sizeof stackbuf ? stackbuf : malloc(bytes);
    if (!buf) return hd_error_oom(err, "GCDesc", bytes), -1;
    /* The words end at MT - P: [MT - P - bytes, MT - P). */
    int ok = m->addr > P + bytes && !hd_clr_read(h, m->addr - P - bytes, buf, (uint32_t)bytes);
    uint64_t first = c->n_series;
    if (ok) {
        if (n > 0) {
            /* Records from the lowest address up; each is {seriessize, startoffset}. */
            for (uint64_t i = 0; i < (uint64_t)n && ok; i++) {
                uint64_t size = hd_leword(buf + (2 * i) * P, P);
                uint64_t start = hd_leword(buf + (2 * i + 1) * P, P);
                if (P == 4) size = (uint64_t)(int64_t)(int32_t)size;
                if (start < P || start >= MAX_BASE_SIZE) ok = 0;
                if (ok && (push_series(c, start, err) || push_series(c, size, err))) goto fail;
            }
        } else {
            /* The startoffset is the last word (MT - 2P); items below it, item 0 nearest. */
            uint64_t start = hd_leword(buf + (words - 1) * P, P);
            if (start < P || start >= MAX_BASE_SIZE) ok = 0;
            if (ok && push_series(c, start, err)) goto fail;
            /* Items that neither reference nor advance are dropped: they change nothing, and
             * 65,535 of them around one that advances a byte would cost 65,535 steps for each
             * byte of every object of the type. */
            int64_t kept = 0;
            for (uint64_t i = 0; i < (uint64_t)(-n) && ok; i++) {
                const uint8_t *it = buf + (words - 2 - i) * P;
                uint64_t nptrs = P == 8 ? hd_le32(it) : hd_le16(it);
                uint64_t skip = P == 8 ? hd_le32(it + 4) : hd_le16(it + 2);
                if (!nptrs && !skip) continue;
                if (push_series(c, nptrs | skip << 32, err)) goto fail;
                kept++;
            }
            n = -kept; /* 0 when no item is left: no references */
        }
    }
    if (buf != stackbuf) free(buf);
    if (!ok) {
        c->n_series = first;
        return 0;
    }
    m->n_series = (int32_t)n;
    m->series = (uint32_t)first;
    return 1;
fail:
    if (buf != stackbuf) free(buf);
    return -1;
}

/* Fills *m from the target; m->valid says whether it is a MethodTable. -1 on out-of-memory. */
static int load_mt(hd_mtcache *c, const hd_clr_heap *h, uint64_t addr, hd_mt *m, hd_error *err)
{
    const hd_clr_layout *L = &h->L;
    memset(m, 0, sizeof *m);
    m->addr = addr;
    m->series = UINT32_MAX;
    m->type = UINT32_MAX;
    uint8_t mt[256];
    uint32_t need = L->mt_size < sizeof mt ? L->mt_size : (uint32_t)sizeof mt;
    if (!addr || (addr & (L->ptr - 1)) || hd_clr_read(h, addr, mt, need)) return 0;
    m->flags = hd_le32(mt + L->mt_flags);
    m->base_size = hd_le32(mt + L->mt_base_size);
    if (m->base_size < 2 * L->ptr || m->base_size > MAX_BASE_SIZE) return 0;
    if (m->flags & MTF_HAS_COMPONENT_SIZE) {
        m->comp_size = m->flags & 0xFFFF;
        if (!m->comp_size) return 0;
    }
    if (addr == L->free_mt) {
        m->kind = HD_MT_FREE;
        m->valid = 1;
        return 1;
    }
    uint64_t canon = hd_leword(mt + L->mt_canon, L->ptr);
    if (!eeclass_points_back(h, addr, canon)) return 0;
    if ((m->flags & MTF_ARRAY_MASK) == MTF_ARRAY) {
        if (!m->comp_size) return 0;
        m->kind = HD_MT_ARRAY;
        m->rank = 1;
        if (!(m->flags & MTF_SZARRAY)) {
            /* Multi-dimensional: the rank lives in the ArrayClass (an EEClass). */
            uint64_t ee = canon;
            uint8_t r = 0;
            if (ee & 1) hd_clr_read_ptr(h, (ee & ~(uint64_t)1) + L->mt_canon, &ee);
            if (ee & 1) ee = 0;
            if (ee && L->arrayclass_rank && !hd_clr_read(h, ee + L->arrayclass_rank, &r, 1) &&
                r >= 1 && r <= 32)
                m->rank = r;
            else
                m->rank = 0; /* unknown: named "[*]" */
        }
    } else if (m->comp_size) {
        if (m->comp_size != 2) return 0; /* the only non-array type with components */
        m->kind = HD_MT_STRING;
    }
    if (m->flags & MTF_CONTAINS_POINTERS) {
        int r = decode_gcdesc(c, h, m, err);
        if (r < 0) return -1;
        if (!r) return 0;
    }
    m->valid = 1;
    return 1;
}

uint32_t hd_mtcache_get(hd_mtcache *c, const hd_clr_heap *h, uint64_t addr, hd_error *err)
{
    if (c->last != UINT32_MAX && c->mts[c->last].addr == addr)
        return c->mts[c->last].valid ? c->last : UINT32_MAX;
    if (c->n_slots) {
        uint32_t k = hd_clr_addr_slot(addr, c->n_slots - 1);
        while (c->slots[k]) {
            uint32_t i = c->slots[k] - 1;
            if (c->mts[i].addr == addr) {
                if (!c->mts[i].valid) return UINT32_MAX;
                c->last = i;
                return i;
            }
            k = (k + 1) & (c->n_slots - 1);
        }
    }
    hd_mt m;
    if (load_mt(c, h, addr, &m, err) < 0) return UINT32_MAX;
    if (!m.valid) {
        /* Remember a bounded number of invalid ones; beyond that, re-probing is cheap
         * enough and memory stays bounded on a heap of garbage. */
        if (c->n_invalid >= MAX_INVALID) return UINT32_MAX;
        c->n_invalid++;
    }
    if (c->n == c->cap) {
        uint64_t cap = c->cap;
        if (hd_grow((void **)&c->mts, &cap, (uint64_t)c->n + 1, sizeof *c->mts, "MethodTables",
                    err))
            return UINT32_MAX;
        c->cap = (uint32_t)cap;
    }
    if ((uint64_t)(c->n + 1) * 2 > c->n_slots && rehash(c, err)) return UINT32_MAX;
    uint32_t i = c->n++;
    c->mts[i] = m;
    uint32_t k = hd_clr_addr_slot(addr, c->n_slots - 1);
    while (c->slots[k]) k = (k + 1) & (c->n_slots - 1);
    c->slots[k] = i + 1;
    if (!m.valid) return UINT32_MAX;
    c->last = i;
    return i;
}
