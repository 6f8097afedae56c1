/* Linux ELF core reader (kernel, gdb `gcore`, .NET createdump / dotnet-dump): memory ranges
 * from PT_LOAD, threads from NT_PRSTATUS, the process from NT_PRPSINFO and NT_AUXV, modules
 * from NT_FILE or, when a core has none, from the dynamic linker's r_debug/link_map list in
 * dump memory. ELF64 and ELF32, little-endian; registers for x86-64, aarch64, i386 and arm.
 *
 * Every count, offset and size is checked against the bytes that remain in the file before it
 * is used; nothing is allocated in proportion to a count the file merely claims. */
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"
#include "target/elf_image.h"
#include "util/alloc.h"

enum {
    PT_LOAD_ = 1,
    PT_NOTE_ = 4,
    PF_W_ = 2,
    PN_XNUM_ = 0xffff,
    NT_PRSTATUS_ = 1,
    NT_PRPSINFO_ = 3,
    NT_AUXV_ = 6,
    NT_SIGINFO_ = 0x53494749,
    NT_FILE_ = 0x46494c45,
    AT_NULL_ = 0,
    AT_PHDR_ = 3,
    AT_PHENT_ = 4,
    AT_PHNUM_ = 5,
    AT_PAGESZ_ = 6,
    AT_BASE_ = 7,
    AT_EXECFN_ = 31,
    EM_386_ = 3,
    EM_ARM_ = 40,
    EM_X86_64_ = 62,
    EM_AARCH64_ = 183,
    DT_DEBUG_ = 21,
    MAX_LINK_MAP = 4096, /* link_map entries followed (a process has a few hundred) */
    MAX_PATH_ = 4096,    /* bytes of a path read from dump memory */
};

typedef struct core {
    hd_target *t;
    hd_error *err;
    const uint8_t *d;
    uint64_t n;
    uint32_t ptr; /* 4 or 8 */
    uint16_t machine;
    int have_auxv, have_psinfo, have_file;
    uint64_t at_phdr, at_phent, at_phnum, at_pagesz, at_base, at_execfn;
    uint32_t ps_pid;
    char fname[17], psargs[81];
    uint64_t file_desc, file_size; /* NT_FILE descriptor: file offset and size */
} core;

static int bad(core *c, uint64_t off, const char *what)
{
    return hd_error_at(c->err, c->t->path, off, "expected %s", what);
}

/* ---- notes ---- */

/* Register positions inside NT_PRSTATUS: pr_pid, pr_reg, and the indexes of ip/sp/fp. */
static int prstatus_layout(const core *c, uint32_t *pid_off, uint32_t *reg_off, int *ip, int *sp,
                           int *fp)
{
    *pid_off = c->ptr == 8 ? 32 : 24;
    *reg_off = c->ptr == 8 ? 112 : 72;
    if (c->ptr == 8 && c->machine == EM_X86_64_) /* user_regs_struct */
        *ip = 16, *sp = 19, *fp = 4;
    else if (c->ptr == 8 && c->machine == EM_AARCH64_) /* x0..x30, sp, pc, pstate */
        *ip = 32, *sp = 31, *fp = 29;
    else if (c->ptr == 4 && c->machine == EM_386_) /* ebx ecx edx esi edi ebp eax ... eip */
        *ip = 12, *sp = 15, *fp = 5;
    else if (c->ptr == 4 && c->machine == EM_ARM_) /* r0..r15, cpsr */
        *ip = 15, *sp = 13, *fp = 11;
    else
        return 0;
    return 1;
}

static int note_prstatus(core *c, uint64_t off, const uint8_t *p, uint64_t len)
{
    uint32_t pid_off, reg_off;
    int ip, sp, fp;
    int known = prstatus_layout(c, &pid_off, &reg_off, &ip, &sp, &fp);
    if (len < pid_off + 4) return bad(c, off, "an NT_PRSTATUS note long enough to hold pr_pid");
    hd_thread *th = hd_target_add_thread(c->t, c->err);
    if (!th) return c->err->code;
    th->tid = hd_le32(p + pid_off);
    int top = ip > sp ? ip : sp;
    if (known && len >= reg_off + (uint64_t)(top + 1) * c->ptr) {
        th->ip = hd_leword(p + reg_off + (uint64_t)ip * c->ptr, c->ptr);
        th->sp = hd_leword(p + reg_off + (uint64_t)sp * c->ptr, c->ptr);
        th->fp = hd_leword(p + reg_off + (uint64_t)fp * c->ptr, c->ptr);
        th->has_regs = 1;
    }
    return HD_OK;
}

static void copy_text(char *dst, size_t cap, const uint8_t *src, size_t len)
{
    size_t i = 0;
    for (; i < len && i + 1 < cap && src[i]; i++) dst[i] = (char)src[i];
    dst[i] = '\0';
}

static int note_prpsinfo(core *c, uint64_t off, const uint8_t *p, uint64_t len)
{
    /* elf_prpsinfo: pr_pid, then pr_fname[16] and pr_psargs[80]; 64-bit: 136 bytes, 32-bit
     * (16-bit uid/gid on i386 and arm): 124. */
    uint32_t pid = c->ptr == 8 ? 24 : 12, fname = c->ptr == 8 ? 40 : 28;
    if (len < fname + 16 + 80)
        return bad(c, off, "an NT_PRPSINFO note of 124 (32-bit) or 136 bytes");
    if (c->have_psinfo) return HD_OK;
    c->have_psinfo = 1;
    c->ps_pid = hd_le32(p + pid);
    copy_text(c->fname, sizeof c->fname, p + fname, 16);
    copy_text(c->psargs, sizeof c->psargs, p + fname + 16, 80);
    return HD_OK;
}

static void note_auxv(core *c, const uint8_t *p, uint64_t len)
{
    if (c->have_auxv) return;
    c->have_auxv = 1;
    for (uint64_t i = 0; len - i >= 2ull * c->ptr && i <= len; i += 2ull * c->ptr) {
        uint64_t type = hd_leword(p + i, c->ptr), v = hd_leword(p + i + c->ptr, c->ptr);
        if (type == AT_NULL_) break;
        switch (type) {
        case AT_PHDR_:
            c->at_phdr = v;
            break;
        case AT_PHENT_:
            c->at_phent = v;
            break;
        case AT_PHNUM_:
            c->at_phnum = v;
            break;
        case AT_PAGESZ_:
            c->at_pagesz = v;
            break;
        case AT_BASE_:
            c->at_base = v;
            break;
        case AT_EXECFN_:
            c->at_execfn = v;
            break;
        }
    }
}

/* NT_FILE: {count, page_size, count x {start, end, page_offset}, count NUL-terminated paths},
 * words of the target's size. Validated here, used once the ranges are sorted. */
static int note_file(core *c, uint64_t off, const uint8_t *p, uint64_t len)
{
    uint64_t w = c->ptr;
    if (len < 2 * w) return bad(c, off, "an NT_FILE note holding its count and page size");
    uint64_t count = hd_leword(p, c->ptr);
    if (count > (len - 2 * w) / (3 * w))
        return hd_error_at(c->err, c->t->path, off,
                           "expected an NT_FILE count of at most %llu entries (the note's "
                           "size), found %llu",
                           (unsigned long long)((len - 2 * w) / (3 * w)),
                           (unsigned long long)count);
    uint64_t s = 2 * w + count * 3 * w;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *z = s < len ? memchr(p + s, 0, len - s) : NULL;
        if (!z) return bad(c, off + s, "a NUL-terminated path for each NT_FILE entry");
        s = (uint64_t)(z - p) + 1;
    }
    if (c->have_file) return HD_OK;
    c->have_file = 1;
    c->file_desc = off;
    c->file_size = len;
    return HD_OK;
}

static int parse_notes(core *c, uint64_t off, uint64_t size)
{
    if (off > c->n || size > c->n - off)
        return hd_error_at(c->err, c->t->path, off,
                           "expected a PT_NOTE segment of %llu bytes inside the file (%llu bytes)",
                           (unsigned long long)size, (unsigned long long)c->n);
    uint64_t p = 0;
    while (size - p >= 12) {
        const uint8_t *h = c->d + off + p;
        uint64_t namesz = hd_le32(h), descsz = hd_le32(h + 4);
        uint32_t type = hd_le32(h + 8);
        uint64_t name = p + 12, desc = name + ((namesz + 3) & ~3ull);
        if (desc > size || descsz > size - desc)
            return hd_error_at(c->err, c->t->path, off + p,
                               "expected a note (name %llu bytes, descriptor %llu bytes) within "
                               "the PT_NOTE segment's %llu remaining bytes",
                               (unsigned long long)namesz, (unsigned long long)descsz,
                               (unsigned long long)(size - p));
        const uint8_t *nm = c->d + off + name, *ds = c->d + off + desc;
        uint64_t doff = off + desc;
        /* The process notes are owned by "CORE"; other owners reuse the small type numbers. */
        if (namesz == 5 && !memcmp(nm, "CORE", 5)) {
            int rc = HD_OK;
            switch (type) {
            case NT_PRSTATUS_:
                rc = note_prstatus(c, doff, ds, descsz);
                break;
            case NT_PRPSINFO_:
                rc = note_prpsinfo(c, doff, ds, descsz);
                break;
            case NT_AUXV_:
                note_auxv(c, ds, descsz);
                break;
            case NT_FILE_:
                rc = note_file(c, doff, ds, descsz);
                break;
            case NT_SIGINFO_:
                break; /* the signal: nothing in hd_target records it */
            }
            if (rc) return rc;
        }
        uint64_t next = desc + ((descsz + 3) & ~3ull);
        if (next >= size) break; /* the last note may omit its padding */
        p = next;
    }
    return HD_OK;
}

/* ---- modules ---- */

typedef struct fentry {
    uint64_t start, end, ofs;
    const char *path;
} fentry;

static int cmp_fentry(const void *pa, const void *pb)
{
    const fentry *a = pa, *b = pb;
    int r = strcmp(a->path, b->path);
    if (r) return r;
    return a->start < b->start ? -1 : a->start > b->start;
}

static int add_module(core *c, uint64_t base, uint64_t size, const char *path, size_t len)
{
    hd_module *m = hd_target_add_module(c->t, c->err);
    if (!m) return c->err->code;
    m->base = base;
    m->size = size;
    m->path = hd_target_strdup(c->t, path, len, c->err);
    if (!m->path) return c->err->code;
    return HD_OK;
}

/* Modules from NT_FILE: the mappings of one path form a module; its base is the mapping of
 * file offset 0 (a second offset-0 mapping of the same path starts another module), its size
 * the span of the path's mappings from there. */
static int modules_from_file_note(core *c)
{
    const uint8_t *p = c->d + c->file_desc;
    uint64_t w = c->ptr, count = hd_leword(p, c->ptr), page = hd_leword(p + w, c->ptr);
    if (page == 0) page = 1;
    fentry *e = hd_alloc(count, sizeof *e, "NT_FILE entries", c->err); /* count <= size/24 */
    if (!e) return c->err->code;
    const char *s = (const char *)p + 2 * w + count * 3 * w;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *r = p + 2 * w + i * 3 * w;
        e[i].start = hd_leword(r, c->ptr);
        e[i].end = hd_leword(r + w, c->ptr);
        uint64_t ofs = hd_leword(r + 2 * w, c->ptr);
        e[i].ofs = ofs > UINT64_MAX / page ? UINT64_MAX : ofs * page; /* gcore: page size 1 */
        e[i].path = s;
        s += strlen(s) + 1; /* NUL-terminated inside the note: checked by note_file */
    }
    qsort(e, count, sizeof *e, cmp_fentry);
    int rc = HD_OK;
    uint64_t base = 0, end = 0;
    int open = 0, has0 = 0;
    const char *path = NULL;
    for (uint64_t i = 0; i <= count && !rc; i++) {
        int same = i < count && open && !strcmp(e[i].path, path) && !(e[i].ofs == 0 && has0);
        if (i < count && e[i].end <= e[i].start) continue;
        if (same) {
            if (e[i].end > end) end = e[i].end;
            continue;
        }
        if (open) rc = add_module(c, base, end - base, path, strlen(path));
        if (i == count) break;
        open = 1;
        path = e[i].path;
        base = e[i].start;
        end = e[i].end;
        has0 = e[i].ofs == 0;
    }
    free(e);
    return rc;
}

/* Reads a NUL-terminated string from dump memory (at most MAX_PATH_ bytes); length or -1. */
static int64_t read_cstr(const hd_target *t, uint64_t addr, char *buf, size_t cap)
{
    size_t i = 0;
    for (; i + 1 < cap; i++) {
        if (hd_target_read(t, addr + i, buf + i, 1, NULL)) return -1;
        if (!buf[i]) return (int64_t)i;
    }
    buf[i] = '\0';
    return -1;
}

/* The main executable's base from AT_PHDR: its PT_PHDR says where the program headers sit
 * relative to the image; without one, the header is assumed at the start of the page. */
static uint64_t exe_base_from_auxv(core *c)
{
    uint64_t ent = c->at_phent ? c->at_phent : (c->ptr == 8 ? 56 : 32);
    if (ent != (c->ptr == 8 ? 56u : 32u) || c->at_phnum > 4096) return 0;
    uint64_t pagesz = c->at_pagesz && !(c->at_pagesz & (c->at_pagesz - 1)) ? c->at_pagesz : 4096;
    for (uint64_t i = 0; i < c->at_phnum; i++) {
        uint8_t ph[56];
        if (hd_target_read(c->t, c->at_phdr + i * ent, ph, ent, NULL)) break;
        if (hd_le32(ph) != 6) continue; /* PT_PHDR */
        uint64_t off = c->ptr == 8 ? hd_le64(ph + 8) : hd_le32(ph + 4);
        return c->at_phdr - off;
    }
    return c->at_phdr & ~(pagesz - 1);
}

/* Fallback without NT_FILE: AT_PHDR -> the executable's PT_DYNAMIC -> DT_DEBUG -> r_debug ->
 * link_map list {l_addr, l_name, l_ld, l_next}. Bounded, and a cycle stops the walk. */
static int modules_from_link_map(core *c, const char *exe)
{
    hd_target *t = c->t;
    if (!c->at_phdr) return HD_OK;
    uint64_t exe_base = exe_base_from_auxv(c);
    hd_elf_image im;
    if (!exe_base || hd_elf_image_open(t, exe_base, &im) || !im.dyn_size) return HD_OK;
    uint64_t w = c->ptr, r_debug = 0;
    for (uint64_t i = 0; i < im.dyn_size / (2 * w) && i < 4096; i++) {
        uint8_t d[16];
        if (hd_target_read(t, im.dyn + i * 2 * w, d, 2 * w, NULL)) break;
        uint64_t tag = hd_leword(d, c->ptr);
        if (tag == 0) break;
        if (tag == DT_DEBUG_) r_debug = hd_leword(d + w, c->ptr);
    }
    uint8_t buf[8];
    if (!r_debug || hd_target_read(t, r_debug + w, buf, w, NULL)) { /* r_map after r_version */
        /* No dynamic linker state (static executable, or the page is absent): the executable
         * alone is known. */
        return add_module(c, exe_base, im.hi - exe_base, exe ? exe : "", exe ? strlen(exe) : 0);
    }
    uint64_t lm = hd_leword(buf, c->ptr), slow = lm;
    char *name = malloc(MAX_PATH_);
    if (!name) return hd_error_oom(c->err, "a module path", MAX_PATH_);
    int rc = HD_OK;
    for (uint32_t k = 0; lm && k < MAX_LINK_MAP && !rc; k++) {
        uint8_t l[40];
        if (hd_target_read(t, lm, l, 4 * w, NULL)) break;
        uint64_t l_addr = hd_leword(l, c->ptr), l_name = hd_leword(l + w, c->ptr);
        uint64_t next = hd_leword(l + 3 * w, c->ptr);
        int64_t len = l_name ? read_cstr(t, l_name, name, MAX_PATH_) : -1;
        if (len < 0) name[0] = '\0', len = 0;
        uint64_t base = l_addr;
        hd_elf_image mi;
        if (k == 0 || (l_addr == 0 && len == 0)) base = exe_base; /* the executable */
        if (hd_elf_image_open(t, base, &mi) == HD_OK) {
            const char *path = name;
            if (len == 0 && base == exe_base && exe) path = exe, len = (int64_t)strlen(exe);
            if (mi.hi > base) rc = add_module(c, base, mi.hi - base, path, (size_t)len);
        } else if (len > 0 && base) {
            rc = add_module(c, base, 0, name, (size_t)len); /* header not captured */
        }
        lm = next;
        /* Floyd: a second cursor at half speed meets the first on a cycle. */
        if (k & 1) {
            uint8_t s[40];
            if (hd_target_read(t, slow, s, 4 * w, NULL)) break;
            slow = hd_leword(s + 3 * w, c->ptr);
        }
        if (lm == slow) break;
    }
    free(name);
    return rc;
}

/* ---- the reader ---- */

int hd_elfcore_read(hd_target *t, hd_error *err)
{
    core cc, *c = &cc;
    memset(c, 0, sizeof *c);
    c->t = t;
    c->err = err;
    c->d = t->file.data;
    c->n = t->file.size;
    const uint8_t *d = c->d;
    if (c->n < 16 || memcmp(d, "\177ELF", 4)) return bad(c, 0, "an ELF header (\"\\177ELF\")");
    if (d[4] != 1 && d[4] != 2) return bad(c, 4, "ELFCLASS32 (1) or ELFCLASS64 (2)");
    if (d[5] != 1)
        return bad(c, 5,
                   "a little-endian ELF file (EI_DATA 1); big-endian cores are "
                   "not supported");
    c->ptr = d[4] == 2 ? 8 : 4;
    uint64_t ehsize = c->ptr == 8 ? 64 : 52;
    if (c->n < ehsize)
        return bad(c, 0, c->ptr == 8 ? "a 64-byte ELF header" : "a 52-byte ELF header");
    if (hd_le16(d + 16) != 4) return bad(c, 16, "e_type ET_CORE (4)");
    c->machine = hd_le16(d + 18);
    uint64_t phoff, shoff;
    uint32_t phentsize, phnum, shentsize, shnum;
    if (c->ptr == 8) {
        phoff = hd_le64(d + 32), shoff = hd_le64(d + 40);
        phentsize = hd_le16(d + 54), phnum = hd_le16(d + 56);
        shentsize = hd_le16(d + 58), shnum = hd_le16(d + 60);
    } else {
        phoff = hd_le32(d + 28), shoff = hd_le32(d + 32);
        phentsize = hd_le16(d + 42), phnum = hd_le16(d + 44);
        shentsize = hd_le16(d + 46), shnum = hd_le16(d + 48);
    }
    (void)shnum;
    (void)shentsize;
    switch (c->machine) {
    case EM_X86_64_:
        t->arch = c->ptr == 8 ? HD_ARCH_X64 : HD_ARCH_OTHER;
        break;
    case EM_AARCH64_:
        t->arch = c->ptr == 8 ? HD_ARCH_ARM64 : HD_ARCH_OTHER;
        break;
    case EM_386_:
        t->arch = HD_ARCH_X86;
        break;
    case EM_ARM_:
        t->arch = HD_ARCH_ARM;
        break;
    default:
        t->arch = HD_ARCH_OTHER;
    }
    t->os = HD_OS_LINUX;
    t->pointer_size = c->ptr;
    t->time = 0; /* an ELF core records no capture time */

    if (phnum == PN_XNUM_) {
        /* More than 0xfffe program headers: the count is section header 0's sh_info. */
        uint64_t shsz = c->ptr == 8 ? 64 : 40, info_at = c->ptr == 8 ? 44 : 28;
        if (shoff == 0 || shoff > c->n || c->n - shoff < shsz)
            return hd_error_at(err, t->path, c->ptr == 8 ? 40 : 32,
                               "expected e_shoff to point at section header 0 (e_phnum is "
                               "PN_XNUM 0xffff); e_shoff %llu, file size %llu",
                               (unsigned long long)shoff, (unsigned long long)c->n);
        phnum = hd_le32(d + shoff + info_at);
    }
    uint32_t want_ent = c->ptr == 8 ? 56 : 32;
    if (phnum && phentsize != want_ent)
        return hd_error_at(err, t->path, c->ptr == 8 ? 54 : 42, "expected e_phentsize %u, found %u",
                           want_ent, phentsize);
    if (phnum && (phoff > c->n || phnum > (c->n - phoff) / want_ent))
        return hd_error_at(err, t->path, phoff,
                           "expected %u program headers of %u bytes inside the file (%llu bytes)",
                           phnum, want_ent, (unsigned long long)c->n);

    uint64_t reserved = 0;
    int writable_missing = 0, loads = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * want_ent;
        uint32_t type = hd_le32(ph), flags;
        uint64_t off, va, filesz, memsz;
        if (c->ptr == 8) {
            flags = hd_le32(ph + 4), off = hd_le64(ph + 8), va = hd_le64(ph + 16);
            filesz = hd_le64(ph + 32), memsz = hd_le64(ph + 40);
        } else {
            off = hd_le32(ph + 4), va = hd_le32(ph + 8), filesz = hd_le32(ph + 16);
            memsz = hd_le32(ph + 20), flags = hd_le32(ph + 24);
        }
        if (type == PT_LOAD_) {
            /* Missing is not zero: the bytes past p_filesz, or past the end of a truncated
             * file, are recorded as not captured. */
            uint64_t in_file = off >= c->n ? 0 : c->n - off;
            uint64_t fs = filesz < in_file ? filesz : in_file;
            if (fs > memsz) fs = memsz;
            if (filesz > in_file) t->bytes_cut += (filesz < memsz ? filesz : memsz) - fs;
            int rc = hd_target_add_range(t, va, memsz, off, fs, err);
            if (rc) return rc;
            reserved = memsz > UINT64_MAX - reserved ? UINT64_MAX : reserved + memsz;
            loads++;
            if ((flags & PF_W_) && fs < memsz) writable_missing = 1;
        } else if (type == PT_NOTE_) {
            int rc = parse_notes(c, off, filesz);
            if (rc) return rc;
        }
    }
    t->bytes_reserved = reserved;
    /* Partial when a writable mapping (heaps, stacks, module data) was cut short. Otherwise
     * unknown: an ELF core does not list the mappings its writer left out altogether, and
     * createdump's triage and mini dumps do exactly that (checked on .NET 10: a triage core
     * has 200 PT_LOADs, all captured whole, and no managed heap). */
    t->full_memory = loads > 0 && writable_missing ? 0 : -1;
    t->pid = c->ps_pid;

    /* Sorted ranges from here on: memory can be read. */
    int rc = hd_target_finish(t, err);
    if (rc) return rc;

    for (uint32_t i = 0; i < t->n_threads; i++) {
        hd_thread *th = &t->threads[i];
        const hd_range *r = th->has_regs ? hd_target_find(t, th->sp) : NULL;
        if (r) th->stack_lo = th->sp, th->stack_hi = r->addr + r->size;
    }

    /* The executable: the NT_FILE mapping holding its program headers (a full path), else
     * AT_EXECFN from memory, else the command line's first word, else the short name. */
    char *buf = malloc(MAX_PATH_);
    if (!buf) return hd_error_oom(err, "a path", MAX_PATH_);
    const char *exe = NULL;
    size_t exe_len = 0;
    if (c->have_file && c->at_phdr) {
        const uint8_t *p = d + c->file_desc;
        uint64_t w = c->ptr, count = hd_leword(p, c->ptr);
        const char *s = (const char *)p + 2 * w + count * 3 * w;
        for (uint64_t i = 0; i < count; i++, s += strlen(s) + 1) {
            const uint8_t *r = p + 2 * w + i * 3 * w;
            if (c->at_phdr >= hd_leword(r, c->ptr) && c->at_phdr < hd_leword(r + w, c->ptr)) {
                exe = s, exe_len = strlen(s);
                break;
            }
        }
    }
    int64_t l;
    if (!exe && c->at_execfn && (l = read_cstr(t, c->at_execfn, buf, MAX_PATH_)) > 0)
        exe = buf, exe_len = (size_t)l;
    if (!exe && c->psargs[0]) {
        exe = c->psargs;
        exe_len = strcspn(c->psargs, " ");
    }
    if (!exe && c->fname[0]) exe = c->fname, exe_len = strlen(c->fname);
    if (exe) {
        const char *e = hd_target_strdup(t, exe, exe_len, err);
        if (!e) {
            free(buf);
            return err->code;
        }
        t->exe = (char *)e;
    }
    free(buf);

    rc = c->have_file ? modules_from_file_note(c) : modules_from_link_map(c, t->exe);
    if (rc) return rc;

    /* Build ids from each ELF module's own notes, when the dump holds those pages. */
    for (uint32_t i = 0; i < t->n_modules; i++) {
        hd_module *m = &t->modules[i];
        hd_elf_image im;
        if (hd_elf_image_open(t, m->base, &im)) continue;
        m->kind = HD_MOD_ELF;
        hd_elf_image_build_id(t, &im, m->build_id, &m->build_id_len);
    }
    return HD_OK;
}
