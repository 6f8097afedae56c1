/* The target-memory layer shared by the minidump and ELF core readers: opening, the sorted
 * range table with O(log n) lookup, reads that stop at what the dump did not capture, and the
 * storage readers fill. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"
#include "util/alloc.h"

struct hd_arena_block {
    struct hd_arena_block *next;
    size_t used, cap;
    char data[];
};

const char *hd_os_name(enum hd_os os)
{
    static const char *const names[] = {"unknown", "Windows", "Linux", "macOS", "Android", "other"};
    return (unsigned)os < sizeof names / sizeof names[0] ? names[os] : "unknown";
}

const char *hd_arch_name(enum hd_arch arch)
{
    static const char *const names[] = {"unknown", "x86", "x64", "arm", "arm64", "other"};
    return (unsigned)arch < sizeof names / sizeof names[0] ? names[arch] : "unknown";
}

const char *hd_module_version(const hd_module *m, char *buf)
{
    buf[0] = '\0';
    if (m->has_version)
        snprintf(buf, 32, "%u.%u.%u.%u", m->version[0], m->version[1], m->version[2],
                 m->version[3]);
    return buf;
}

int hd_target_open(hd_target *t, const char *path, hd_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->full_memory = -1;
    if (hd_file_open(&t->file, path, err)) return err->code;
    t->container = hd_sniff(t->file.data, t->file.size);
    int rc;
    switch (t->container) {
    case HD_FMT_MINIDUMP:
        rc = hd_minidump_read(t, err);
        break;
    case HD_FMT_ELFCORE:
        rc = hd_elfcore_read(t, err);
        break;
    default:
        rc = hd_error_at(err, path, 0,
                         "not a process dump; expected a Windows minidump (\"MDMP\") or an ELF "
                         "core file");
    }
    if (!rc) rc = hd_target_finish(t, err);
    if (rc) hd_target_close(t);
    return rc;
}

void hd_target_close(hd_target *t)
{
    hd_file_close(&t->file);
    free(t->ranges);
    free(t->modules);
    free(t->threads);
    for (struct hd_arena_block *b = t->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    memset(t, 0, sizeof *t);
}

const char *hd_target_strdup(hd_target *t, const char *s, size_t len, hd_error *err)
{
    struct hd_arena_block *b = t->arena;
    if (!b || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > 65536 ? len + 1 : 65536;
        b = malloc(sizeof *b + cap);
        if (!b) {
            hd_error_oom(err, "dump strings", cap);
            return NULL;
        }
        b->next = t->arena;
        b->used = 0;
        b->cap = cap;
        t->arena = b;
    }
    char *d = b->data + b->used;
    memcpy(d, s, len);
    d[len] = '\0';
    b->used += len + 1;
    return d;
}

int hd_target_add_range(hd_target *t, uint64_t addr, uint64_t size, uint64_t offset,
                        uint64_t file_size, hd_error *err)
{
    if (size == 0) return HD_OK;
    if (file_size > size) file_size = size;
    if (hd_grow((void **)&t->ranges, &t->cap_ranges, t->n_ranges + 1, sizeof *t->ranges,
                "memory ranges", err))
        return err->code;
    t->ranges[t->n_ranges++] = (hd_range){addr, size, offset, file_size};
    return HD_OK;
}

hd_module *hd_target_add_module(hd_target *t, hd_error *err)
{
    uint64_t cap = t->cap_modules;
    if (t->n_modules == UINT32_MAX ||
        hd_grow((void **)&t->modules, &cap, (uint64_t)t->n_modules + 1, sizeof *t->modules,
                "modules", err))
        return NULL;
    t->cap_modules = (uint32_t)cap;
    hd_module *m = &t->modules[t->n_modules++];
    memset(m, 0, sizeof *m);
    m->path = "";
    return m;
}

hd_thread *hd_target_add_thread(hd_target *t, hd_error *err)
{
    uint64_t cap = t->cap_threads;
    if (t->n_threads == UINT32_MAX ||
        hd_grow((void **)&t->threads, &cap, (uint64_t)t->n_threads + 1, sizeof *t->threads,
                "threads", err))
        return NULL;
    t->cap_threads = (uint32_t)cap;
    hd_thread *th = &t->threads[t->n_threads++];
    memset(th, 0, sizeof *th);
    return th;
}

static int cmp_range(const void *pa, const void *pb)
{
    const hd_range *a = pa, *b = pb;
    if (a->addr != b->addr) return a->addr < b->addr ? -1 : 1;
    return a->size > b->size ? -1 : a->size < b->size; /* the larger first */
}

static int cmp_module(const void *pa, const void *pb)
{
    const hd_module *a = pa, *b = pb;
    return a->base < b->base ? -1 : a->base > b->base;
}

int hd_target_finish(hd_target *t, hd_error *err)
{
    /* Sort, then trim every range to start after the previous one ends: a dump that lists a
     * page twice keeps the first description of it. Ranges wrapping past 2^64 are cut. */
    if (t->n_ranges) qsort(t->ranges, t->n_ranges, sizeof *t->ranges, cmp_range);
    uint64_t k = 0, end = 0;
    t->bytes_captured = 0;
    for (uint64_t i = 0; i < t->n_ranges; i++) {
        hd_range r = t->ranges[i];
        if (r.size > UINT64_MAX - r.addr) r.size = UINT64_MAX - r.addr;
        if (k && r.addr < end) {
            uint64_t cut = end - r.addr;
            if (cut >= r.size) continue;
            r.addr += cut;
            r.size -= cut;
            r.offset += cut;
            r.file_size = r.file_size > cut ? r.file_size - cut : 0;
        }
        if (r.size == 0) continue;
        t->ranges[k++] = r;
        end = r.addr + r.size;
        t->bytes_captured += r.file_size;
    }
    t->n_ranges = k;
    if (t->n_modules) qsort(t->modules, t->n_modules, sizeof *t->modules, cmp_module);
    for (uint32_t i = 0; i < t->n_modules; i++) {
        hd_module *m = &t->modules[i];
        if (m->kind != HD_MOD_UNKNOWN) continue;
        const uint8_t *p = hd_target_ptr(t, m->base, 4);
        if (!p) continue;
        if (p[0] == 'M' && p[1] == 'Z')
            m->kind = HD_MOD_PE;
        else if (!memcmp(p, "\177ELF", 4))
            m->kind = HD_MOD_ELF;
        else if (!memcmp(p, "\xcf\xfa\xed\xfe", 4) || !memcmp(p, "\xce\xfa\xed\xfe", 4))
            m->kind = HD_MOD_MACHO;
    }
    (void)err;
    return HD_OK;
}

const hd_range *hd_target_next_captured(const hd_target *t, uint64_t addr)
{
    uint64_t lo = 0, hi = t->n_ranges;
    while (lo < hi) { /* sorted and disjoint: the first whose captured bytes end after addr */
        uint64_t mid = lo + (hi - lo) / 2;
        if (t->ranges[mid].addr + t->ranges[mid].file_size <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n_ranges ? &t->ranges[lo] : NULL;
}

const hd_range *hd_target_find(const hd_target *t, uint64_t addr)
{
    uint64_t lo = 0, hi = t->n_ranges;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (t->ranges[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return NULL;
    const hd_range *r = &t->ranges[lo - 1];
    return addr - r->addr < r->size ? r : NULL;
}

const uint8_t *hd_target_ptr(const hd_target *t, uint64_t addr, uint64_t size)
{
    const hd_range *r = hd_target_find(t, addr);
    if (!r) return NULL;
    uint64_t in = addr - r->addr;
    if (in >= r->file_size || size > r->file_size - in) return NULL;
    /* Readers only add ranges whose bytes lie inside the file; checked again here because
     * a pointer into the mapping must never pass its end. */
    if (r->offset + in > t->file.size || size > t->file.size - (r->offset + in)) return NULL;
    return t->file.data + r->offset + in;
}

int hd_target_read(const hd_target *t, uint64_t addr, void *buf, uint64_t size, uint64_t *got)
{
    uint64_t done = 0;
    while (done < size) {
        const hd_range *r = hd_target_find(t, addr + done);
        if (!r) break;
        uint64_t in = addr + done - r->addr;
        if (in >= r->file_size) break;
        uint64_t n = r->file_size - in;
        if (n > size - done) n = size - done;
        const uint8_t *p = hd_target_ptr(t, addr + done, n);
        if (!p) break;
        memcpy((uint8_t *)buf + done, p, n);
        done += n;
        if (addr + done < addr) break; /* wrapped */
    }
    if (got) *got = done;
    return done == size ? HD_OK : HD_EINPUT;
}

const hd_module *hd_target_module_at(const hd_target *t, uint64_t addr)
{
    uint32_t lo = 0, hi = t->n_modules;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->modules[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return NULL;
    const hd_module *m = &t->modules[lo - 1];
    return addr - m->base < m->size ? m : NULL;
}
