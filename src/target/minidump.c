/* Windows minidump (MDMP) reader: fills an hd_target from the streams of a minidump written by
 * dbghelp (procdump, Task Manager, WER), Breakpad/Crashpad or LLDB. Layouts: the SDK's
 * minidumpapiset.h (4-byte packed structures) and ../shared/research/minidump-elfcore.md §1.
 *
 * The file is hostile until proven otherwise: every count is bounded by the bytes its stream
 * holds, every RVA and size is checked in 64-bit arithmetic against the file size, and strings
 * are converted under a budget so that many records pointing at one long string cannot make us
 * allocate more than a small multiple of the file. Memory ranges are the exception to "reject
 * what does not fit": a dump cut short (a 20 GB file copied partially) keeps the bytes it holds,
 * and the bytes past the end are described but not captured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"
#include "util/endian.h"

enum {
    S_THREAD_LIST = 3,
    S_MODULE_LIST = 4,
    S_MEMORY_LIST = 5,
    S_EXCEPTION = 6,
    S_SYSTEM_INFO = 7,
    S_MEMORY64_LIST = 9,
    S_HANDLE_DATA = 12,
    S_UNLOADED_MODULE_LIST = 14,
    S_MISC_INFO = 15,
    S_MEMORY_INFO_LIST = 16,
    S_THREAD_INFO_LIST = 17,
    S_THREAD_NAMES = 24,
    S_N_STD = 25,
    /* Breakpad's Linux streams, stored after the standard ones in our table. */
    S_LINUX_CMDLINE = S_N_STD,
    S_LINUX_PROC_STATUS,
    S_LINUX_MAPS,
    S_N
};

#define MD_SIGNATURE 0x504D444Du /* "MDMP" */
#define MD_VERSION 0xA793u
#define MD_WITH_FULL_MEMORY 0x2u
#define MD_MAX_STRING 65536u /* bytes of UTF-16: twice Windows' longest path */
#define CV_RSDS 0x53445352u
#define CV_NB10 0x3031424Eu
#define CV_BPEL 0x4270454Cu
#define VS_FFI_SIGNATURE 0xFEEF04BDu

typedef struct md_stream {
    int present;
    uint32_t size, rva;
    uint64_t dir_off; /* where its directory entry is, for messages */
} md_stream;

typedef struct md {
    hd_target *t;
    hd_error *err;
    const uint8_t *d;
    uint64_t n;
    md_stream s[S_N];
    uint16_t arch_raw;
    int have_arch;
    uint64_t str_budget; /* UTF-8 bytes strings may still take */
    char *sbuf;          /* conversion buffer: 3 bytes per UTF-16 unit + NUL */
} md;

/* [off, off + len) inside the file? */
static int fits(const md *m, uint64_t off, uint64_t len)
{
    return off <= m->n && len <= m->n - off;
}

/* Checks that what the field at field_off points to (rva, len) lies inside the file. */
static int need(md *m, uint64_t field_off, uint64_t rva, uint64_t len, const char *what)
{
    if (fits(m, rva, len)) return HD_OK;
    return hd_error_at(m->err, m->t->path, field_off,
                       "expected %s at RVA 0x%llx (%llu bytes) to lie inside the file (%llu "
                       "bytes)",
                       what, (unsigned long long)rva, (unsigned long long)len,
                       (unsigned long long)m->n);
}

static void put_utf8(char **o, uint32_t c)
{
    char *p = *o;
    if (c < 0x80) {
        *p++ = (char)c;
    } else if (c < 0x800) {
        *p++ = (char)(0xC0 | c >> 6);
        *p++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *p++ = (char)(0xE0 | c >> 12);
        *p++ = (char)(0x80 | (c >> 6 & 0x3F));
        *p++ = (char)(0x80 | (c & 0x3F));
    } else {
        *p++ = (char)(0xF0 | c >> 18);
        *p++ = (char)(0x80 | (c >> 12 & 0x3F));
        *p++ = (char)(0x80 | (c >> 6 & 0x3F));
        *p++ = (char)(0x80 | (c & 0x3F));
    }
    *o = p;
}

static int take_budget(md *m, uint64_t field_off, uint64_t len)
{
    if (len + 1 <= m->str_budget) {
        m->str_budget -= len + 1;
        return HD_OK;
    }
    return hd_error_at(m->err, m->t->path, field_off,
                       "expected strings to take less than a few times the file's size (too "
                       "many records point at the same long string)");
}

/* A MINIDUMP_STRING (u32 length in bytes, then UTF-16LE; the terminator is not relied on) at
 * rva, converted to UTF-8 in the target's storage. Unpaired surrogates become U+FFFD. */
static int read_string(md *m, uint64_t field_off, uint64_t rva, const char *what, const char **out)
{
    if (need(m, field_off, rva, 4, what)) return m->err->code;
    uint32_t len = hd_le32(m->d + rva);
    if (len > MD_MAX_STRING)
        return hd_error_at(m->err, m->t->path, rva,
                           "expected %s of at most %u bytes of UTF-16, not %u", what, MD_MAX_STRING,
                           len);
    if (need(m, field_off, rva + 4, len, what)) return m->err->code;
    const uint8_t *p = m->d + rva + 4;
    uint32_t units = len / 2;
    char *o = m->sbuf;
    for (uint32_t i = 0; i < units; i++) {
        uint32_t c = hd_le16(p + 2 * i);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t c2 = hd_le16(p + 2 * (i + 1));
            if (c2 >= 0xDC00 && c2 < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
        }
        if (c == 0) break; /* an embedded terminator ends the name */
        put_utf8(&o, c);
    }
    size_t n = (size_t)(o - m->sbuf);
    if (take_budget(m, field_off, n)) return m->err->code;
    *out = hd_target_strdup(m->t, m->sbuf, n, m->err);
    return *out ? HD_OK : m->err->code;
}

/* Bytes (UTF-8 or Latin-1 text, up to a NUL) copied into the target's storage. */
static int copy_text(md *m, uint64_t field_off, const uint8_t *p, uint64_t len, const char **out)
{
    const uint8_t *z = memchr(p, 0, len);
    if (z) len = (uint64_t)(z - p);
    if (take_budget(m, field_off, len)) return m->err->code;
    *out = hd_target_strdup(m->t, (const char *)p, len, m->err);
    return *out ? HD_OK : m->err->code;
}

/* Where the entries of a Thread/Module/MemoryList stream start: after the u32 count, or after
 * 4 more bytes of padding (Breakpad on 64-bit ABIs: stream size 8 + n * entry). */
static int list_entries(md *m, int which, uint32_t entry, const char *what, uint32_t *count,
                        uint64_t *first)
{
    const md_stream *s = &m->s[which];
    if (s->size < 4)
        return hd_error_at(m->err, m->t->path, s->rva,
                           "expected a %s stream of at least 4 bytes, not %u", what, s->size);
    uint32_t c = hd_le32(m->d + s->rva);
    uint64_t body = (uint64_t)c * entry;
    if (body > s->size - 4)
        return hd_error_at(m->err, m->t->path, s->rva,
                           "expected %u %s entries of %u bytes to fit in the stream's %u bytes", c,
                           what, entry, s->size);
    *count = c;
    *first = s->rva + ((uint64_t)s->size == 8 + body ? 8 : 4);
    return HD_OK;
}

/* Streams with a {SizeOfHeader, SizeOfEntry, Number} header: checks the sizes and bounds the
 * count. hdr_min/entry_min: the smallest sizes whose fields we read. num64: the count is u64
 * (MemoryInfoList) at offset 8; otherwise u32 at offset 8. */
static int table_header(md *m, int which, uint32_t hdr_min, uint32_t entry_min, int num64,
                        const char *what, uint64_t *count, uint64_t *first, uint32_t *entry)
{
    const md_stream *s = &m->s[which];
    uint64_t base = s->rva;
    if (s->size < hdr_min)
        return hd_error_at(m->err, m->t->path, base,
                           "expected a %s stream of at least %u bytes, not %u", what, hdr_min,
                           s->size);
    uint32_t hsize = hd_le32(m->d + base), esize = hd_le32(m->d + base + 4);
    uint64_t c = num64 ? hd_le64(m->d + base + 8) : hd_le32(m->d + base + 8);
    if (hsize < hdr_min || hsize > s->size)
        return hd_error_at(m->err, m->t->path, base,
                           "expected a %s header size between %u and the stream's %u bytes, "
                           "not %u",
                           what, hdr_min, s->size, hsize);
    if (esize < entry_min)
        return hd_error_at(m->err, m->t->path, base + 4,
                           "expected a %s entry size of at least %u bytes, not %u", what, entry_min,
                           esize);
    if (c > (s->size - hsize) / esize)
        return hd_error_at(m->err, m->t->path, base + 8,
                           "expected %llu %s entries of %u bytes to fit in the stream's %u "
                           "bytes",
                           (unsigned long long)c, what, esize, s->size);
    *count = c;
    *first = base + hsize;
    *entry = esize;
    return HD_OK;
}

static int add_memory(md *m, uint64_t field_off, uint64_t addr, uint64_t size, uint64_t off)
{
    if (size > UINT64_MAX - addr)
        return hd_error_at(m->err, m->t->path, field_off,
                           "expected a memory range that ends below 2^64 (start 0x%llx, size "
                           "%llu)",
                           (unsigned long long)addr, (unsigned long long)size);
    /* Only the bytes the file really holds are captured. */
    uint64_t held = off < m->n ? m->n - off : 0;
    if (size > held) m->t->bytes_cut += size - held;
    return hd_target_add_range(m->t, addr, size, off, size < held ? size : held, m->err);
}

static int read_system_info(md *m)
{
    const md_stream *s = &m->s[S_SYSTEM_INFO];
    if (s->size < 56)
        return hd_error_at(m->err, m->t->path, s->rva,
                           "expected a SystemInfo stream of at least 56 bytes, not %u", s->size);
    const uint8_t *p = m->d + s->rva;
    hd_target *t = m->t;
    uint16_t arch = hd_le16(p);
    uint32_t major = hd_le32(p + 8), minor = hd_le32(p + 12), build = hd_le32(p + 16);
    uint32_t platform = hd_le32(p + 20), csd_rva = hd_le32(p + 24);
    m->arch_raw = arch;
    m->have_arch = 1;
    switch (arch) {
    case 0:  /* X86 */
    case 10: /* IA32 on Win64 */
        t->arch = HD_ARCH_X86, t->pointer_size = 4;
        break;
    case 9:
        t->arch = HD_ARCH_X64, t->pointer_size = 8;
        break;
    case 5:
        t->arch = HD_ARCH_ARM, t->pointer_size = 4;
        break;
    case 12:
    case 0x8003: /* Breakpad's ARM64 */
        t->arch = HD_ARCH_ARM64, t->pointer_size = 8;
        break;
    case 6:      /* IA64 */
    case 7:      /* Alpha64 */
    case 0x8002: /* PPC64 */
    case 0x8004: /* MIPS64 */
    case 0x8006: /* RISC-V 64 */
        t->arch = HD_ARCH_OTHER, t->pointer_size = 8;
        break;
    case 1:      /* MIPS */
    case 2:      /* Alpha */
    case 3:      /* PPC */
    case 4:      /* SHX */
    case 0x8001: /* SPARC */
    case 0x8005: /* RISC-V 32 */
        t->arch = HD_ARCH_OTHER, t->pointer_size = 4;
        break;
    default:
        t->arch = HD_ARCH_UNKNOWN;
    }
    switch (platform) {
    case 0: /* Win32s, Win32 Windows (9x), Win32 NT */
    case 1:
    case 2:
        t->os = HD_OS_WINDOWS;
        break;
    case 0x8101:
        t->os = HD_OS_MACOS;
        break;
    case 0x8201:
        t->os = HD_OS_LINUX;
        break;
    case 0x8203:
        t->os = HD_OS_ANDROID;
        break;
    default:
        t->os = platform >= 0x8000 && platform < 0x9000 ? HD_OS_OTHER : HD_OS_UNKNOWN;
    }
    const char *csd = NULL;
    if (csd_rva && read_string(m, s->rva + 24, csd_rva, "the CSD version string", &csd))
        return m->err->code;
    /* Breakpad on Linux puts the kernel's uname there and garbage (LLDB) or nothing useful in
     * the version numbers. */
    if (t->os == HD_OS_LINUX || t->os == HD_OS_ANDROID) {
        size_t l = csd ? strlen(csd) : 0;
        if (l >= sizeof t->os_version) l = sizeof t->os_version - 1;
        if (l) memcpy(t->os_version, csd, l);
        t->os_version[l] = '\0';
    } else {
        snprintf(t->os_version, sizeof t->os_version, "%u.%u.%u", major, minor, build);
    }
    return HD_OK;
}

/* The registers we need from a thread's CONTEXT. Offsets: the SDK's CONTEXT structures, which
 * Breakpad's MDRawContext* and LLVM's RegisterContextMinidump_* mirror. */
static void read_context(md *m, hd_thread *th, const uint8_t *c, uint32_t size)
{
    enum hd_arch a = m->t->arch;
    if (!m->have_arch) /* no SystemInfo: the two common CONTEXT sizes identify themselves */
        a = size == 0x4D0 ? HD_ARCH_X64 : size == 0x2CC ? HD_ARCH_X86 : HD_ARCH_UNKNOWN;
    switch (a) {
    case HD_ARCH_X64: /* Rsp 0x98, Rbp 0xA0, Rip 0xF8 */
        if (size < 0x100) return;
        th->sp = hd_le64(c + 0x98), th->fp = hd_le64(c + 0xA0), th->ip = hd_le64(c + 0xF8);
        break;
    case HD_ARCH_X86: /* Ebp 0xB4, Eip 0xB8, Esp 0xC4 */
        if (size < 0xC8) return;
        th->fp = hd_le32(c + 0xB4), th->ip = hd_le32(c + 0xB8), th->sp = hd_le32(c + 0xC4);
        break;
    case HD_ARCH_ARM64: /* X29 (fp) 0xF0, Sp 0x100, Pc 0x108 (Windows and Breakpad alike) */
        if (size < 0x110) return;
        th->fp = hd_le64(c + 0xF0), th->sp = hd_le64(c + 0x100), th->ip = hd_le64(c + 0x108);
        break;
    case HD_ARCH_ARM: /* R11 (fp) 0x30, Sp 0x38, Pc 0x40 */
        if (size < 0x44) return;
        th->fp = hd_le32(c + 0x30), th->sp = hd_le32(c + 0x38), th->ip = hd_le32(c + 0x40);
        break;
    default:
        return;
    }
    th->has_regs = 1;
}

static int read_threads(md *m)
{
    uint32_t count;
    uint64_t e;
    if (list_entries(m, S_THREAD_LIST, 48, "ThreadList", &count, &e)) return m->err->code;
    for (uint32_t i = 0; i < count; i++, e += 48) {
        const uint8_t *p = m->d + e;
        hd_thread *th = hd_target_add_thread(m->t, m->err);
        if (!th) return m->err->code;
        th->tid = hd_le32(p);
        uint64_t start = hd_le64(p + 24);
        uint32_t ssize = hd_le32(p + 32);
        uint32_t csize = hd_le32(p + 40), crva = hd_le32(p + 44);
        if (ssize > UINT64_MAX - start)
            return hd_error_at(m->err, m->t->path, e + 24,
                               "expected a thread stack that ends below 2^64");
        if (ssize) {
            th->stack_lo = start;
            th->stack_hi = start + ssize;
            /* Its bytes are memory like any range: a dump cut short keeps the part it holds
             * (add_missing_stacks), so they are not required to lie inside the file. */
        }
        if (csize) {
            if (need(m, e + 40, crva, csize, "the thread's CONTEXT")) return m->err->code;
            read_context(m, th, m->d + crva, csize);
        }
    }
    return HD_OK;
}

/* Stacks are normally listed in MemoryList too; a stack that no memory stream holds is added
 * from the thread's own descriptor. Runs once the ranges are sorted. */
static int add_missing_stacks(md *m)
{
    uint32_t count;
    uint64_t e;
    if (!m->s[S_THREAD_LIST].present) return HD_OK;
    if (list_entries(m, S_THREAD_LIST, 48, "ThreadList", &count, &e)) return m->err->code;
    hd_target *t = m->t;
    uint64_t sorted = t->n_ranges;
    for (uint32_t i = 0; i < count; i++, e += 48) {
        const uint8_t *p = m->d + e;
        uint64_t start = hd_le64(p + 24);
        uint32_t ssize = hd_le32(p + 32), srva = hd_le32(p + 36);
        if (!ssize || !srva) continue;
        /* Look up among the sorted ranges only, not the stacks appended since. */
        uint64_t now = t->n_ranges;
        t->n_ranges = sorted;
        const hd_range *held = hd_target_find(t, start);
        t->n_ranges = now;
        if (held) continue;
        if (add_memory(m, e + 24, start, ssize, srva)) return m->err->code;
    }
    return t->n_ranges != sorted ? hd_target_finish(t, m->err) : HD_OK;
}

static int cmp_tid(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static int read_thread_names(md *m)
{
    uint32_t count;
    uint64_t e;
    /* {u32 ThreadId; RVA64 RvaOfThreadName} = 12 bytes, packed. */
    if (list_entries(m, S_THREAD_NAMES, 12, "ThreadNames", &count, &e)) return m->err->code;
    hd_target *t = m->t;
    if (!count || !t->n_threads) return HD_OK;
    /* tid << 32 | index, sorted: names are matched in O(log n) each. */
    uint64_t *idx = malloc((size_t)t->n_threads * sizeof *idx);
    if (!idx) return hd_error_oom(m->err, "thread index", (uint64_t)t->n_threads * 8);
    for (uint32_t i = 0; i < t->n_threads; i++) idx[i] = (uint64_t)t->threads[i].tid << 32 | i;
    qsort(idx, t->n_threads, sizeof *idx, cmp_tid);
    int rc = HD_OK;
    for (uint32_t i = 0; i < count && !rc; i++, e += 12) {
        uint32_t tid = hd_le32(m->d + e);
        uint64_t rva = hd_le64(m->d + e + 4);
        uint32_t lo = 0, hi = t->n_threads;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if ((uint32_t)(idx[mid] >> 32) < tid)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == t->n_threads || (uint32_t)(idx[lo] >> 32) != tid) {
            if (need(m, e + 4, rva, 4, "a thread name")) rc = m->err->code;
            continue;
        }
        hd_thread *th = &t->threads[(uint32_t)idx[lo]];
        const char *name;
        if (th->name) continue; /* the first name given wins */
        if (read_string(m, e + 4, rva, "a thread name", &name))
            rc = m->err->code;
        else
            th->name = name;
    }
    free(idx);
    return rc;
}

static int read_cv_record(md *m, hd_module *mod, uint64_t field_off, uint32_t size, uint32_t rva)
{
    if (!size) return HD_OK;
    if (need(m, field_off, rva, size, "the module's CodeView record")) return m->err->code;
    if (size < 4) return HD_OK;
    const uint8_t *p = m->d + rva;
    uint32_t sig = hd_le32(p);
    if (sig == CV_RSDS && size >= 24) { /* GUID[16], u32 Age, UTF-8 path */
        memcpy(mod->build_id, p + 4, 16);
        mod->build_id_len = 16;
        /* Breakpad outside Windows stores the module's build id (first 16 bytes) as the GUID
         * and no real PDB: keep it as the build id, with the module kind of the OS. */
        if (m->t->os != HD_OS_WINDOWS && m->t->os != HD_OS_UNKNOWN) return HD_OK;
        mod->pdb_age = hd_le32(p + 20);
        if (copy_text(m, field_off, p + 24, size - 24, &mod->pdb_name)) return m->err->code;
        mod->kind = HD_MOD_PE;
    } else if (sig == CV_NB10 && size >= 16) { /* u32 offset, u32 signature, u32 age, path */
        mod->pdb_age = hd_le32(p + 12);
        if (copy_text(m, field_off, p + 16, size - 16, &mod->pdb_name)) return m->err->code;
        mod->kind = HD_MOD_PE;
    } else if (sig == CV_BPEL) { /* ELF build id bytes follow */
        uint32_t n = size - 4;
        if (n > sizeof mod->build_id) n = sizeof mod->build_id;
        memcpy(mod->build_id, p + 4, n);
        mod->build_id_len = (uint8_t)n;
        mod->kind = HD_MOD_ELF;
    }
    return HD_OK;
}

static int read_modules(md *m)
{
    uint32_t count;
    uint64_t e;
    if (list_entries(m, S_MODULE_LIST, 108, "ModuleList", &count, &e)) return m->err->code;
    hd_target *t = m->t;
    for (uint32_t i = 0; i < count; i++, e += 108) {
        const uint8_t *p = m->d + e;
        hd_module *mod = hd_target_add_module(t, m->err);
        if (!mod) return m->err->code;
        mod->base = hd_le64(p);
        mod->size = hd_le32(p + 8);
        mod->checksum = hd_le32(p + 12);
        mod->timestamp = hd_le32(p + 16);
        if (read_string(m, e + 20, hd_le32(p + 20), "the module's name", &mod->path))
            return m->err->code;
        const uint8_t *vi = p + 24; /* VS_FIXEDFILEINFO */
        /* dbghelp sometimes leaves dwSignature 0 in a filled structure (seen in LLDB's
         * sigsegv.dmp: StrucVersion 1.0, FileVersion 10.0.16299.785); lldb and obj2yaml show
         * those versions too. */
        uint32_t vsig = hd_le32(vi), vstruc = hd_le32(vi + 4);
        if (vsig == VS_FFI_SIGNATURE || (vsig == 0 && vstruc == 0x10000)) {
            uint32_t ms = hd_le32(vi + 8), ls = hd_le32(vi + 12);
            mod->has_version = 1;
            mod->version[0] = (uint16_t)(ms >> 16), mod->version[1] = (uint16_t)ms;
            mod->version[2] = (uint16_t)(ls >> 16), mod->version[3] = (uint16_t)ls;
        }
        if (read_cv_record(m, mod, e + 76, hd_le32(p + 76), hd_le32(p + 80))) return m->err->code;
        uint32_t misc_size = hd_le32(p + 84), misc_rva = hd_le32(p + 88);
        if (misc_size && need(m, e + 84, misc_rva, misc_size, "the module's misc record"))
            return m->err->code;
        if (mod->kind == HD_MOD_UNKNOWN)
            mod->kind = t->os == HD_OS_WINDOWS                           ? HD_MOD_PE
                        : t->os == HD_OS_LINUX || t->os == HD_OS_ANDROID ? HD_MOD_ELF
                        : t->os == HD_OS_MACOS                           ? HD_MOD_MACHO
                                                                         : HD_MOD_UNKNOWN;
    }
    return HD_OK;
}

static int read_unloaded_modules(md *m)
{
    uint64_t count, e;
    uint32_t esize;
    if (table_header(m, S_UNLOADED_MODULE_LIST, 12, 24, 0, "UnloadedModuleList", &count, &e,
                     &esize))
        return m->err->code;
    for (uint64_t i = 0; i < count; i++, e += esize) {
        /* {u64 BaseOfImage; u32 SizeOfImage, CheckSum, TimeDateStamp; RVA ModuleNameRva} */
        const uint8_t *p = m->d + e;
        if (hd_le32(p + 8) > UINT64_MAX - hd_le64(p))
            return hd_error_at(m->err, m->t->path, e,
                               "expected an unloaded module that ends below 2^64");
        uint32_t rva = hd_le32(p + 20);
        if (need(m, e + 20, rva, 4, "the unloaded module's name") ||
            need(m, e + 20, (uint64_t)rva + 4, hd_le32(m->d + rva), "the unloaded module's name"))
            return m->err->code;
    }
    return HD_OK;
}

static int read_memory_list(md *m)
{
    uint32_t count;
    uint64_t e;
    if (list_entries(m, S_MEMORY_LIST, 16, "MemoryList", &count, &e)) return m->err->code;
    for (uint32_t i = 0; i < count; i++, e += 16) {
        const uint8_t *p = m->d + e;
        if (add_memory(m, e, hd_le64(p), hd_le32(p + 8), hd_le32(p + 12))) return m->err->code;
    }
    return HD_OK;
}

static int read_memory64_list(md *m)
{
    const md_stream *s = &m->s[S_MEMORY64_LIST];
    uint64_t base = s->rva;
    if (s->size < 16)
        return hd_error_at(m->err, m->t->path, base,
                           "expected a Memory64List stream of at least 16 bytes, not %u", s->size);
    uint64_t count = hd_le64(m->d + base), off = hd_le64(m->d + base + 8);
    if (count > (s->size - 16) / 16)
        return hd_error_at(m->err, m->t->path, base,
                           "expected %llu Memory64List entries of 16 bytes to fit in the "
                           "stream's %u bytes",
                           (unsigned long long)count, s->size);
    /* No per-range RVA: the bytes are laid out one range after another from BaseRva. */
    uint64_t e = base + 16;
    for (uint64_t i = 0; i < count; i++, e += 16) {
        uint64_t addr = hd_le64(m->d + e), size = hd_le64(m->d + e + 8);
        if (add_memory(m, e, addr, size, off)) return m->err->code;
        if (size > UINT64_MAX - off)
            return hd_error_at(m->err, m->t->path, e + 8,
                               "expected the Memory64List ranges to total less than 2^64 bytes");
        off += size;
    }
    return HD_OK;
}

typedef struct md_region {
    uint64_t lo, hi;
} md_region;

static int cmp_region(const void *pa, const void *pb)
{
    const md_region *a = pa, *b = pb;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* 1 when every byte of the regions is captured. The regions are walked in address order with
 * a watermark, so overlapping regions cost no more than disjoint ones. Runs on sorted ranges. */
static int all_captured(md *m, md_region *reg, uint64_t nreg)
{
    qsort(reg, nreg, sizeof *reg, cmp_region);
    uint64_t done = 0;
    for (uint64_t i = 0; i < nreg; i++) {
        uint64_t pos = reg[i].lo > done ? reg[i].lo : done;
        while (pos < reg[i].hi) {
            const hd_range *r = hd_target_find(m->t, pos);
            if (!r || pos - r->addr >= r->file_size) return 0;
            pos = r->addr + r->file_size;
        }
        if (pos > done) done = pos;
    }
    return 1;
}

/* MemoryInfoList: the address space the dump describes (committed + reserved bytes) and, when
 * the header does not say, whether every committed readable page was captured. Returns 1/0 in
 * *covered (or -1 when the stream is absent). Runs once the ranges are sorted. */
static int read_memory_info(md *m, int *covered)
{
    uint64_t count, e;
    uint32_t esize;
    if (table_header(m, S_MEMORY_INFO_LIST, 16, 48, 1, "MemoryInfoList", &count, &e, &esize))
        return m->err->code;
    md_region *reg = malloc((size_t)(count ? count : 1) * sizeof *reg);
    if (!reg) return hd_error_oom(m->err, "memory regions", count * sizeof *reg);
    uint64_t total = 0, nreg = 0;
    for (uint64_t i = 0; i < count; i++, e += esize) {
        /* {u64 BaseAddress, AllocationBase; u32 AllocationProtect, pad; u64 RegionSize;
         *  u32 State, Protect, Type, pad} */
        const uint8_t *p = m->d + e;
        uint64_t base = hd_le64(p), size = hd_le64(p + 24);
        uint32_t state = hd_le32(p + 32), protect = hd_le32(p + 36);
        if (size > UINT64_MAX - base) {
            free(reg);
            return hd_error_at(m->err, m->t->path, e,
                               "expected a memory region that ends below 2^64");
        }
        if (state == 0x1000 || state == 0x2000) /* MEM_COMMIT, MEM_RESERVE */
            total = size > UINT64_MAX - total ? UINT64_MAX : total + size;
        /* Committed and readable: not PAGE_NOACCESS (0x01), not PAGE_GUARD (0x100). */
        if (state == 0x1000 && size && !(protect & 0x101) && protect)
            reg[nreg++] = (md_region){base, base + size};
    }
    m->t->bytes_reserved = total;
    *covered = all_captured(m, reg, nreg);
    free(reg);
    return HD_OK;
}

static int read_misc_info(md *m)
{
    const md_stream *s = &m->s[S_MISC_INFO];
    /* MINIDUMP_MISC_INFO: u32 SizeOfInfo, Flags1, ProcessId, ProcessCreateTime, ... ; sizes 24
     * (MISC_INFO), 44 (_2), 232 (_3), 832 (_4), 1364 (_5). */
    if (s->size < 24)
        return hd_error_at(m->err, m->t->path, s->rva,
                           "expected a MiscInfo stream of at least 24 bytes, not %u", s->size);
    const uint8_t *p = m->d + s->rva;
    /* SizeOfInfo is advisory (LLDB's test files leave it 0): the stream's size bounds what
     * we read. */
    uint32_t flags = hd_le32(p + 4);
    if (flags & 1) m->t->pid = hd_le32(p + 8); /* MINIDUMP_MISC1_PROCESS_ID */
    return HD_OK;
}

static int read_exception(md *m)
{
    const md_stream *s = &m->s[S_EXCEPTION];
    /* u32 ThreadId, pad; MINIDUMP_EXCEPTION (152); LOCATION_DESCRIPTOR ThreadContext */
    if (s->size < 168)
        return hd_error_at(m->err, m->t->path, s->rva,
                           "expected an Exception stream of at least 168 bytes, not %u", s->size);
    const uint8_t *p = m->d + s->rva;
    uint32_t tid = hd_le32(p), csize = hd_le32(p + 160), crva = hd_le32(p + 164);
    if (!csize) return HD_OK;
    if (need(m, s->rva + 160, crva, csize, "the exception's CONTEXT")) return m->err->code;
    /* The faulting thread's registers are those at the exception (what lldb, WinDbg's .ecxr
     * and Breakpad's processor show); its ThreadList context is the dump writer's. */
    for (uint32_t i = 0; i < m->t->n_threads; i++)
        if (m->t->threads[i].tid == tid) {
            hd_thread tmp = m->t->threads[i];
            tmp.has_regs = 0;
            read_context(m, &tmp, m->d + crva, csize);
            if (tmp.has_regs) m->t->threads[i] = tmp;
            break;
        }
    return HD_OK;
}

static int read_handle_data(md *m)
{
    uint64_t count, e;
    uint32_t esize;
    if (table_header(m, S_HANDLE_DATA, 16, 32, 0, "HandleData", &count, &e, &esize))
        return m->err->code;
    for (uint64_t i = 0; i < count; i++, e += esize) {
        /* {u64 Handle; RVA TypeNameRva, ObjectNameRva; ...}: names are MINIDUMP_STRINGs */
        for (int k = 0; k < 2; k++) {
            uint32_t rva = hd_le32(m->d + e + 8 + 4 * k);
            if (!rva) continue;
            if (need(m, e + 8 + 4 * k, rva, 4, "a handle's name") ||
                need(m, e + 8 + 4 * k, (uint64_t)rva + 4, hd_le32(m->d + rva), "a handle's name"))
                return m->err->code;
        }
    }
    return HD_OK;
}

static int read_thread_info(md *m)
{
    uint64_t count, e;
    uint32_t esize;
    return table_header(m, S_THREAD_INFO_LIST, 12, 64, 0, "ThreadInfoList", &count, &e, &esize);
}

/* Breakpad: /proc/PID/cmdline (NUL-separated); the first argument names the executable. */
static int read_linux_cmdline(md *m)
{
    const md_stream *s = &m->s[S_LINUX_CMDLINE];
    if (!s->size || m->t->exe) return HD_OK;
    const char *exe;
    if (copy_text(m, s->dir_off, m->d + s->rva, s->size, &exe)) return m->err->code;
    if (*exe) m->t->exe = (char *)exe;
    return HD_OK;
}

/* Breakpad: /proc/PID/status text; "Pid:\t1234" gives the process id when MiscInfo did not. */
static void read_linux_status(md *m)
{
    const md_stream *s = &m->s[S_LINUX_PROC_STATUS];
    const char *p = (const char *)m->d + s->rva, *end = p + s->size;
    while (p < end && !m->t->pid) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le - p > 4 && !memcmp(p, "Pid:", 4)) {
            const char *q = p + 4;
            while (q < le && (*q == ' ' || *q == '\t')) q++;
            uint64_t v = 0;
            while (q < le && *q >= '0' && *q <= '9' && v <= UINT32_MAX)
                v = v * 10 + (uint64_t)(*q++ - '0');
            if (v && v <= UINT32_MAX) m->t->pid = (uint32_t)v;
        }
        p = le + 1;
    }
}

static int hexval(const char **p, const char *end, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    int n = 0;
    for (; q < end && n < 16; q++, n++) {
        int c = *q, d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
        if (d < 0) break;
        x = x << 4 | (uint64_t)d;
    }
    *p = q;
    *v = x;
    return n > 0;
}

/* Breakpad/LLDB on Linux: /proc/PID/maps as text. Every readable mapping captured means a
 * full dump (LLDB's --style full), except the kernel's [vvar]/[vsyscall] pages no writer can
 * read and thread stacks (the main [stack] and any mapping holding a thread's stack pointer),
 * whose live part, from the stack pointer up, the thread list holds: LLDB captures only that
 * part of the 8 MiB stacks of a .NET process's threads. Lines that do not parse are ignored:
 * the text is advisory. */
static int holds_a_stack_pointer(const hd_target *t, uint64_t lo, uint64_t hi)
{
    for (uint32_t i = 0; i < t->n_threads; i++)
        if (t->threads[i].has_regs && t->threads[i].sp >= lo && t->threads[i].sp < hi) return 1;
    return 0;
}

static int read_linux_maps(md *m, int *covered)
{
    const md_stream *s = &m->s[S_LINUX_MAPS];
    const char *p = (const char *)m->d + s->rva, *end = p + s->size;
    uint64_t lines = 0;
    for (const char *q = p; q < end; q++) lines += *q == '\n';
    md_region *reg = malloc((size_t)(lines + 1) * sizeof *reg);
    if (!reg) return hd_error_oom(m->err, "memory regions", (lines + 1) * sizeof *reg);
    uint64_t nreg = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *q = p;
        uint64_t lo, hi;
        if (hexval(&q, le, &lo) && q < le && *q++ == '-' && hexval(&q, le, &hi) && hi > lo &&
            q + 2 < le && *q == ' ' && q[1] == 'r') {
            const char *name = le;
            while (name > q && name[-1] != ' ') name--;
            size_t nl_len = (size_t)(le - name);
            if (!(nl_len >= 5 && !memcmp(name, "[vvar", 5)) &&
                !(nl_len == 10 && !memcmp(name, "[vsyscall]", 10)) &&
                !(nl_len == 7 && !memcmp(name, "[stack]", 7)) &&
                !holds_a_stack_pointer(m->t, lo, hi))
                reg[nreg++] = (md_region){lo, hi};
        }
        p = le + 1;
    }
    *covered = nreg ? all_captured(m, reg, nreg) : -1;
    free(reg);
    return HD_OK;
}

static int read_directory(md *m, uint32_t nstreams, uint32_t dir_rva)
{
    if ((uint64_t)nstreams * 12 > m->n || !fits(m, dir_rva, (uint64_t)nstreams * 12))
        return hd_error_at(m->err, m->t->path, 8,
                           "expected a directory of %u streams (12 bytes each) at RVA 0x%x "
                           "inside the file (%llu bytes)",
                           nstreams, dir_rva, (unsigned long long)m->n);
    for (uint32_t i = 0; i < nstreams; i++) {
        uint64_t off = dir_rva + (uint64_t)i * 12;
        uint32_t type = hd_le32(m->d + off), size = hd_le32(m->d + off + 4),
                 rva = hd_le32(m->d + off + 8);
        int k;
        if (type == 0) continue; /* UnusedStream: dbghelp leaves such entries */
        if (type < S_N_STD)
            k = (int)type;
        else if (type == 0x47670006)
            k = S_LINUX_CMDLINE;
        else if (type == 0x47670004)
            k = S_LINUX_PROC_STATUS;
        else if (type == 0x47670009)
            k = S_LINUX_MAPS;
        else
            continue; /* unknown streams are ignored (SDK) */
        md_stream *s = &m->s[k];
        if (s->present) continue; /* the first of duplicates wins */
        if (need(m, off + 8, rva, size, "the stream's data")) return m->err->code;
        *s = (md_stream){1, size, rva, off};
    }
    return HD_OK;
}

int hd_minidump_read(hd_target *t, hd_error *err)
{
    md m;
    memset(&m, 0, sizeof m);
    m.t = t;
    m.err = err;
    m.d = t->file.data;
    m.n = t->file.size;
    t->container = HD_FMT_MINIDUMP;
    if (m.n < 32)
        return hd_error_at(err, t->path, 0,
                           "expected a 32-byte minidump header, the file has %llu bytes",
                           (unsigned long long)m.n);
    if (hd_le32(m.d) != MD_SIGNATURE)
        return hd_error_at(err, t->path, 0, "expected the minidump signature \"MDMP\"");
    if ((hd_le32(m.d + 4) & 0xFFFF) != MD_VERSION)
        return hd_error_at(err, t->path, 4, "expected minidump version 0x%04X, not 0x%04X",
                           MD_VERSION, hd_le32(m.d + 4) & 0xFFFF);
    t->time = hd_le32(m.d + 20);
    t->minidump_flags = hd_le64(m.d + 24);
    m.str_budget = 4 * m.n + (1u << 20);
    m.sbuf = malloc(MD_MAX_STRING / 2 * 3 + 4);
    if (!m.sbuf) return hd_error_oom(err, "string buffer", MD_MAX_STRING / 2 * 3 + 4);

    int rc = read_directory(&m, hd_le32(m.d + 8), hd_le32(m.d + 12));
    /* SystemInfo first: the arch decides how thread contexts are read and the OS what kind
     * of modules a dump without CodeView records holds. */
    if (!rc && m.s[S_SYSTEM_INFO].present) rc = read_system_info(&m);
    if (!rc && m.s[S_MISC_INFO].present) rc = read_misc_info(&m);
    if (!rc && m.s[S_THREAD_LIST].present) rc = read_threads(&m);
    if (!rc && m.s[S_THREAD_NAMES].present) rc = read_thread_names(&m);
    if (!rc && m.s[S_THREAD_INFO_LIST].present) rc = read_thread_info(&m);
    if (!rc && m.s[S_MODULE_LIST].present) rc = read_modules(&m);
    if (!rc && m.s[S_UNLOADED_MODULE_LIST].present) rc = read_unloaded_modules(&m);
    if (!rc && m.s[S_MEMORY_LIST].present) rc = read_memory_list(&m);
    if (!rc && m.s[S_MEMORY64_LIST].present) rc = read_memory64_list(&m);
    if (!rc && m.s[S_EXCEPTION].present) rc = read_exception(&m);
    if (!rc && m.s[S_HANDLE_DATA].present) rc = read_handle_data(&m);
    if (!rc && m.s[S_LINUX_CMDLINE].present) rc = read_linux_cmdline(&m);
    if (!rc && m.s[S_LINUX_PROC_STATUS].present) read_linux_status(&m);
    if (!rc && !t->exe && t->n_modules && *t->modules[0].path)
        t->exe = (char *)t->modules[0].path; /* every writer lists the executable first */
    if (!rc) rc = hd_target_finish(t, err);
    if (!rc) rc = add_missing_stacks(&m);
    int covered = -1;
    if (!rc && m.s[S_MEMORY_INFO_LIST].present) rc = read_memory_info(&m, &covered);
    if (!rc && covered < 0 && m.s[S_LINUX_MAPS].present) rc = read_linux_maps(&m, &covered);
    /* Full memory: dbghelp says so in the header (MiniDumpWithFullMemory). Other writers
     * (LLDB's --style full, Breakpad, Crashpad) leave Flags 0; for them the honest answer
     * comes from MemoryInfoList (every committed readable region captured) or, on Linux, from
     * the LinuxMaps text (every readable mapping captured). LLDB 19's --style full writes
     * only a MemoryList and LinuxMaps, no Memory64List and no MemoryInfoList. Without it a
     * Memory64List proves nothing (LLDB uses it for any large region), and a MemoryList-only
     * dump is a mini dump by construction. */
    if (t->minidump_flags & MD_WITH_FULL_MEMORY)
        t->full_memory = 1;
    else if (covered >= 0)
        t->full_memory = covered;
    else if (m.s[S_MEMORY64_LIST].present)
        t->full_memory = -1;
    else
        t->full_memory = 0;
    free(m.sbuf);
    return rc;
}
