/* The ELF core reader on hand-built cores: what the real fixtures do not cover (PN_XNUM,
 * p_filesz < p_memsz, NT_FILE page size 1 vs 4096, aarch64 and i386 registers, the link_map
 * fallback with a cycle) and hostile inputs that must fail with HD_EINPUT and an offset.
 *
 * The cores are laid out here from the ELF and Linux core-note definitions (elf.h,
 * linux/elfcore.h), independently of src/. Each is handed to the reader in a buffer of
 * exactly its size, so an over-read is caught by ASan (make asan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heapdiff/target.h"

/* ---- a little-endian core builder ---- */

enum { CAP = 1 << 16 };
typedef struct core {
    uint8_t d[CAP];
    size_t n;    /* bytes used */
    int is64;    /* ELFCLASS64 */
    size_t nph;  /* program headers written */
    size_t note; /* start of the notes blob, 0 when none */
} core;

static void p16(core *c, size_t o, uint64_t v)
{
    for (int i = 0; i < 2; i++) c->d[o + i] = (uint8_t)(v >> 8 * i);
}
static void p32(core *c, size_t o, uint64_t v)
{
    for (int i = 0; i < 4; i++) c->d[o + i] = (uint8_t)(v >> 8 * i);
}
static void p64(core *c, size_t o, uint64_t v)
{
    for (int i = 0; i < 8; i++) c->d[o + i] = (uint8_t)(v >> 8 * i);
}
static size_t W(const core *c)
{
    return c->is64 ? 8 : 4;
}

/* ELF header with room for `nph` program headers right after it. */
static void begin(core *c, int is64, uint16_t machine, size_t nph)
{
    memset(c, 0, sizeof *c);
    c->is64 = is64;
    memcpy(c->d, "\177ELF", 4);
    c->d[4] = is64 ? 2 : 1;
    c->d[5] = 1;
    c->d[6] = 1;
    p16(c, 16, 4); /* ET_CORE */
    p16(c, 18, machine);
    size_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32;
    if (is64) {
        p64(c, 32, 64);
        p16(c, 52, 64);
        p16(c, 54, 56);
        p16(c, 56, nph);
    } else {
        p32(c, 28, 52);
        p16(c, 40, 52);
        p16(c, 42, 32);
        p16(c, 44, nph);
    }
    c->n = eh + nph * ph;
}

static void phdr(core *c, uint32_t type, uint32_t flags, uint64_t off, uint64_t va, uint64_t filesz,
                 uint64_t memsz)
{
    size_t o = (c->is64 ? 64 : 52) + c->nph++ * (c->is64 ? 56 : 32);
    p32(c, o, type);
    if (c->is64) {
        p32(c, o + 4, flags);
        p64(c, o + 8, off);
        p64(c, o + 16, va);
        p64(c, o + 32, filesz);
        p64(c, o + 40, memsz);
    } else {
        p32(c, o + 4, off);
        p32(c, o + 8, va);
        p32(c, o + 16, filesz);
        p32(c, o + 20, memsz);
        p32(c, o + 24, flags);
    }
}

/* Appends a note; returns the descriptor's offset. */
static size_t note(core *c, const char *name, uint32_t type, const void *desc, size_t len)
{
    size_t nl = strlen(name) + 1, o = c->n;
    p32(c, o, nl);
    p32(c, o + 4, len);
    p32(c, o + 8, type);
    memcpy(c->d + o + 12, name, nl);
    size_t d = o + 12 + ((nl + 3) & ~(size_t)3);
    if (desc) memcpy(c->d + d, desc, len);
    c->n = d + ((len + 3) & ~(size_t)3);
    return d;
}

static size_t align(core *c, size_t a)
{
    c->n = (c->n + a - 1) & ~(a - 1);
    return c->n;
}

static int run(const core *c, size_t n, hd_target *t, hd_error *err)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, c->d, n);
    memset(t, 0, sizeof *t);
    t->path = "crafted.core";
    t->full_memory = -1;
    t->file.data = copy;
    t->file.size = n;
    hd_error_clear(err);
    int rc = hd_elfcore_read(t, err);
    if (!rc) rc = hd_target_finish(t, err);
    return rc;
}

static void done(hd_target *t)
{
    free((void *)t->file.data);
    t->file.data = NULL;
    t->file.size = 0;
    hd_target_close(t);
}

static void expect_input_error(const core *c, size_t n, const char *needle)
{
    hd_target t;
    hd_error err;
    int rc = run(c, n, &t, &err);
    if (rc != HD_EINPUT || !strstr(err.msg, "offset") || (needle && !strstr(err.msg, needle)))
        fail_msg("expected HD_EINPUT with \"offset\"%s%s, got %d: %s", needle ? " and " : "",
                 needle ? needle : "", rc, err.msg);
    done(&t);
}

/* x86-64 NT_PRSTATUS (336 bytes): pr_pid at 32, user_regs_struct at 112. */
static void prstatus_x64(core *c, uint32_t tid, uint64_t rip, uint64_t rsp, uint64_t rbp)
{
    uint8_t s[336] = {0};
    for (int i = 0; i < 4; i++) s[32 + i] = (uint8_t)(tid >> 8 * i);
    for (int i = 0; i < 8; i++) {
        s[112 + 16 * 8 + i] = (uint8_t)(rip >> 8 * i);
        s[112 + 19 * 8 + i] = (uint8_t)(rsp >> 8 * i);
        s[112 + 4 * 8 + i] = (uint8_t)(rbp >> 8 * i);
    }
    note(c, "CORE", 1, s, sizeof s);
}

static void prpsinfo64(core *c, uint32_t pid, const char *fname, const char *args)
{
    uint8_t s[136] = {0};
    for (int i = 0; i < 4; i++) s[24 + i] = (uint8_t)(pid >> 8 * i);
    memcpy(s + 40, fname, strlen(fname));
    memcpy(s + 56, args, strlen(args));
    note(c, "CORE", 3, s, sizeof s);
}

/* NT_FILE with entries {start, end, offset in pages of `page`} and paths. */
static size_t ntfile(core *c, uint64_t page, int n, const uint64_t (*e)[3], const char **paths)
{
    uint8_t s[2048] = {0};
    size_t w = W(c), o = 0;
    uint64_t words[2 + 3 * 16];
    int k = 0;
    words[k++] = (uint64_t)n;
    words[k++] = page;
    for (int i = 0; i < n && i < 16; i++)
        for (int j = 0; j < 3; j++) words[k++] = e[i][j];
    for (int i = 0; i < k; i++, o += w)
        for (size_t b = 0; b < w; b++) s[o + b] = (uint8_t)(words[i] >> 8 * b);
    for (int i = 0; i < n; i++) {
        memcpy(s + o, paths[i], strlen(paths[i]) + 1);
        o += strlen(paths[i]) + 1;
    }
    return note(c, "CORE", 0x46494c45, s, o);
}

/* ---- tests ---- */

/* Two PT_LOADs (one captured in part), one thread, PRPSINFO, AUXV, NT_FILE (page size 4096). */
static size_t basic(core *c, uint64_t page)
{
    begin(c, 1, 62, 3);
    size_t notes = c->n;
    prstatus_x64(c, 42, 0x10010, 0x10800, 0x10900);
    prpsinfo64(c, 7, "prog", "/bin/prog -x");
    uint64_t auxv[] = {3, 0x10040, 6, 4096, 0, 0};
    note(c, "CORE", 6, auxv, sizeof auxv);
    const uint64_t e[3][3] = {{0x10000, 0x11000, 0}, {0x20000, 0x22000, 2}, {0x30000, 0x31000, 0}};
    uint64_t unit = page == 1 ? 4096 : 1;
    const uint64_t e2[3][3] = {
        {e[0][0], e[0][1], 0}, {e[1][0], e[1][1], 2 * unit}, {e[2][0], e[2][1], 0}};
    const char *paths[] = {"/bin/prog", "/bin/prog", "/lib/x.so"};
    ntfile(c, page, 3, e2, paths);
    size_t nend = c->n;
    phdr(c, 4, 0, notes, 0, nend - notes, 0);
    size_t a = align(c, 4096);
    memcpy(c->d + a, "\177ELF", 4);
    phdr(c, 1, 6, a, 0x10000, 0x1000, 0x1000); /* rw, complete */
    c->n = a + 0x1000;
    size_t b = c->n;
    memset(c->d + b, 0xab, 0x800);
    phdr(c, 1, 6, b, 0x20000, 0x800, 0x2000); /* rw, tail not captured */
    c->n = b + 0x800;
    return c->n;
}

static void test_basic(void **state)
{
    (void)state;
    static core c;
    for (int k = 0; k < 2; k++) {
        uint64_t page = k ? 1 : 4096; /* gdb writes 1, the kernel 4096: same modules */
        size_t n = basic(&c, page);
        hd_target t;
        hd_error err;
        assert_int_equal(run(&c, n, &t, &err), HD_OK);
        assert_int_equal(t.os, HD_OS_LINUX);
        assert_int_equal(t.arch, HD_ARCH_X64);
        assert_int_equal(t.pointer_size, 8);
        assert_int_equal(t.pid, 7);
        assert_string_equal(t.exe, "/bin/prog"); /* the NT_FILE mapping holding AT_PHDR */
        assert_int_equal(t.n_ranges, 2);
        assert_int_equal(t.bytes_reserved, 0x3000);
        assert_int_equal(t.bytes_captured, 0x1800);
        assert_int_equal(t.full_memory, 0); /* a writable range lacks its tail */
        uint8_t buf[16];
        uint64_t got;
        assert_int_equal(hd_target_read(&t, 0x207f8, buf, 16, &got), HD_EINPUT);
        assert_int_equal(got, 8); /* missing is not zero */
        assert_int_equal(buf[0], 0xab);
        assert_null(hd_target_ptr(&t, 0x20800, 1));
        assert_int_equal(t.n_threads, 1);
        assert_int_equal(t.threads[0].tid, 42);
        assert_int_equal(t.threads[0].ip, 0x10010);
        assert_int_equal(t.threads[0].sp, 0x10800);
        assert_int_equal(t.threads[0].fp, 0x10900);
        assert_int_equal(t.threads[0].stack_lo, 0x10800);
        assert_int_equal(t.threads[0].stack_hi, 0x11000);
        assert_int_equal(t.n_modules, 2);
        assert_string_equal(t.modules[0].path, "/bin/prog");
        assert_int_equal(t.modules[0].base, 0x10000);
        assert_int_equal(t.modules[0].size, 0x12000);
        assert_int_equal(t.modules[0].kind, HD_MOD_ELF);
        assert_string_equal(t.modules[1].path, "/lib/x.so");
        assert_int_equal(t.modules[1].base, 0x30000);
        assert_int_equal(t.modules[1].kind, HD_MOD_UNKNOWN); /* not captured */
        done(&t);
    }
}

static void test_full_memory_and_truncation(void **state)
{
    (void)state;
    static core c;
    size_t n = basic(&c, 4096);
    /* The partial range made read-only: every writable range is complete. */
    size_t ph2 = 64 + 2 * 56;
    p32(&c, ph2 + 4, 4);
    hd_target t;
    hd_error err;
    assert_int_equal(run(&c, n, &t, &err), HD_OK);
    assert_int_equal(t.full_memory, -1); /* whole, but omitted mappings cannot be seen */
    done(&t);
    /* A truncated file: the range is cut at end of file, reads stop there. */
    assert_int_equal(run(&c, n - 0x400, &t, &err), HD_OK);
    assert_int_equal(t.bytes_captured, 0x1400);
    uint64_t got;
    uint8_t buf[0x800];
    assert_int_equal(hd_target_read(&t, 0x20000, buf, 0x800, &got), HD_EINPUT);
    assert_int_equal(got, 0x400);
    done(&t);
}

static void test_pn_xnum(void **state)
{
    (void)state;
    static core c;
    begin(&c, 1, 62, 2);
    phdr(&c, 1, 4, 0, 0x1000, 0, 0x1000);
    phdr(&c, 1, 4, 0, 0x3000, 0, 0x2000);
    size_t sh = align(&c, 8);
    c.n += 64;
    p64(&c, 40, sh); /* e_shoff */
    p16(&c, 58, 64);
    p16(&c, 60, 0);
    p16(&c, 56, 0xffff); /* PN_XNUM */
    p32(&c, sh + 44, 2); /* sh_info */
    hd_target t;
    hd_error err;
    assert_int_equal(run(&c, c.n, &t, &err), HD_OK);
    assert_int_equal(t.n_ranges, 2);
    assert_int_equal(t.bytes_reserved, 0x3000);
    assert_int_equal(t.bytes_captured, 0);
    done(&t);
    /* createdump style: e_phnum is real and section header 0 repeats it. */
    p16(&c, 56, 2);
    assert_int_equal(run(&c, c.n, &t, &err), HD_OK);
    assert_int_equal(t.n_ranges, 2);
    done(&t);
    /* Hostile: sh_info 0xffffffff headers, and section header 0 past the end of the file. */
    p16(&c, 56, 0xffff);
    p32(&c, sh + 44, 0xffffffff);
    expect_input_error(&c, c.n, "program headers");
    p32(&c, sh + 44, 2);
    p64(&c, 40, c.n - 8);
    expect_input_error(&c, c.n, "section header 0");
    p64(&c, 40, UINT64_MAX - 4);
    expect_input_error(&c, c.n, NULL);
}

static void test_hostile_headers(void **state)
{
    (void)state;
    static core c;
    size_t n = basic(&c, 4096);
    expect_input_error(&c, 10, "ELF header");
    expect_input_error(&c, 40, "64-byte ELF header");
    p16(&c, 54, 55); /* e_phentsize */
    expect_input_error(&c, n, "e_phentsize 56");
    p16(&c, 54, 56);
    p64(&c, 32, n - 10); /* program headers past EOF */
    expect_input_error(&c, n, "program headers");
    p64(&c, 32, UINT64_MAX - 20);
    expect_input_error(&c, n, "program headers");
    p64(&c, 32, 64);
    c.d[5] = 2; /* big-endian */
    expect_input_error(&c, n, "little-endian");
    c.d[5] = 1;
    c.d[4] = 3;
    expect_input_error(&c, n, "ELFCLASS");
}

static void test_hostile_notes(void **state)
{
    (void)state;
    static core c;
    size_t n = basic(&c, 4096);
    size_t note_ph = 64;
    uint64_t off = 64 + 3 * 56;
    /* PT_NOTE past the end of the file, and with a wrapping size. */
    p64(&c, note_ph + 8, n - 4);
    expect_input_error(&c, n, "PT_NOTE");
    p64(&c, note_ph + 8, off);
    p64(&c, note_ph + 32, UINT64_MAX);
    expect_input_error(&c, n, "PT_NOTE");
    p64(&c, note_ph + 32, 0x1000);
    /* (restore the real size) */
    basic(&c, 4096);
    /* A note whose name or descriptor size overruns the segment. */
    p32(&c, off, 0xffffffff);
    expect_input_error(&c, n, "note");
    basic(&c, 4096);
    p32(&c, off + 4, 0xfffffff0);
    expect_input_error(&c, n, "note");
    basic(&c, 4096);
    /* NT_PRSTATUS too short for pr_pid. */
    p32(&c, off + 4, 8);
    expect_input_error(&c, n, NULL);
    /* NT_FILE with a count of 2^64-1 and with a path that is not terminated. */
    basic(&c, 4096);
    size_t fdesc = 0;
    for (size_t p = off; p + 12 < n; p += 4)
        if (!memcmp(c.d + p + 8, "\x45\x4c\x49\x46", 4) && !memcmp(c.d + p + 12, "CORE", 5)) {
            fdesc = p + 20;
            break;
        }
    assert_true(fdesc != 0);
    p64(&c, fdesc, UINT64_MAX);
    expect_input_error(&c, n, "NT_FILE count");
    p64(&c, fdesc, 0xffffffff);
    expect_input_error(&c, n, "NT_FILE count");
    basic(&c, 4096);
    uint32_t dsz = (uint32_t)(c.d[fdesc - 16] | c.d[fdesc - 15] << 8);
    memset(c.d + fdesc + 16 + 3 * 24, 'a', dsz - 16 - 3 * 24); /* paths without NUL */
    expect_input_error(&c, n, "NUL-terminated");
}

static void test_aarch64_regs(void **state)
{
    (void)state;
    static core c;
    begin(&c, 1, 183, 2);
    size_t notes = c.n;
    uint8_t s[392] = {0};
    s[32] = 9;
    uint64_t x29 = 0x7000f0, sp = 0x700100, pc = 0x400123;
    memcpy(s + 112 + 29 * 8, &x29, 8);
    memcpy(s + 112 + 31 * 8, &sp, 8);
    memcpy(s + 112 + 32 * 8, &pc, 8);
    note(&c, "CORE", 1, s, sizeof s);
    note(&c, "LINUX", 1, s, 8); /* another owner's type 1: not a thread */
    phdr(&c, 4, 0, notes, 0, c.n - notes, 0);
    size_t a = align(&c, 16);
    phdr(&c, 1, 6, a, 0x700000, 0x200, 0x200);
    c.n = a + 0x200;
    hd_target t;
    hd_error err;
    assert_int_equal(run(&c, c.n, &t, &err), HD_OK);
    assert_int_equal(t.arch, HD_ARCH_ARM64);
    assert_int_equal(t.n_threads, 1);
    assert_int_equal(t.threads[0].tid, 9);
    assert_int_equal(t.threads[0].ip, pc);
    assert_int_equal(t.threads[0].sp, sp);
    assert_int_equal(t.threads[0].fp, x29);
    assert_int_equal(t.threads[0].stack_hi, 0x700200);
    assert_int_equal(t.full_memory, -1);
    done(&t);
}

static void test_i386(void **state)
{
    (void)state;
    static core c;
    begin(&c, 0, 3, 2);
    size_t notes = c.n;
    uint8_t s[144] = {0};
    s[24] = 5; /* pr_pid */
    uint32_t eip = 0x8048123, esp = 0xbf000100, ebp = 0xbf000180;
    memcpy(s + 72 + 12 * 4, &eip, 4);
    memcpy(s + 72 + 15 * 4, &esp, 4);
    memcpy(s + 72 + 5 * 4, &ebp, 4);
    note(&c, "CORE", 1, s, sizeof s);
    uint8_t ps[124] = {0};
    ps[12] = 5;
    memcpy(ps + 28, "a.out", 5);
    memcpy(ps + 44, "./a.out arg", 11);
    note(&c, "CORE", 3, ps, sizeof ps);
    const uint64_t e[1][3] = {{0xbf000000, 0xbf001000, 0}};
    const char *paths[] = {"[stack-file]"};
    ntfile(&c, 4096, 1, e, paths);
    phdr(&c, 4, 0, notes, 0, c.n - notes, 0);
    size_t a = align(&c, 16);
    phdr(&c, 1, 6, a, 0xbf000000, 0x1000, 0x1000);
    c.n = a + 0x1000;
    hd_target t;
    hd_error err;
    assert_int_equal(run(&c, c.n, &t, &err), HD_OK);
    assert_int_equal(t.arch, HD_ARCH_X86);
    assert_int_equal(t.pointer_size, 4);
    assert_int_equal(t.pid, 5);
    assert_string_equal(t.exe, "./a.out"); /* no AT_PHDR: the command line's first word */
    assert_int_equal(t.threads[0].ip, eip);
    assert_int_equal(t.threads[0].sp, esp);
    assert_int_equal(t.threads[0].fp, ebp);
    assert_int_equal(t.threads[0].stack_hi, 0xbf001000);
    assert_int_equal(t.n_modules, 1);
    assert_int_equal(t.modules[0].base, 0xbf000000);
    done(&t);
}

/* No NT_FILE: the executable's image in memory (ELF header, PT_PHDR, PT_DYNAMIC with
 * DT_DEBUG), r_debug and a link_map list whose second entry points back to the first. */
static void test_link_map_cycle(void **state)
{
    (void)state;
    static core c;
    begin(&c, 1, 62, 2);
    size_t notes = c.n;
    uint64_t auxv[] = {3, 0x400040, 4, 56, 5, 3, 0, 0};
    note(&c, "CORE", 6, auxv, sizeof auxv);
    phdr(&c, 4, 0, notes, 0, c.n - notes, 0);
    size_t m = align(&c, 4096); /* memory image of 0x400000..0x402000 */
    phdr(&c, 1, 6, m, 0x400000, 0x2000, 0x2000);
    c.n = m + 0x2000;
    /* ELF header of the executable and 3 program headers at +64. */
    memcpy(c.d + m, "\177ELF", 4);
    c.d[m + 4] = 2;
    c.d[m + 5] = 1;
    p16(&c, m + 16, 2);
    p64(&c, m + 32, 64);
    p16(&c, m + 54, 56);
    p16(&c, m + 56, 3);
    size_t ph = m + 64;
    p32(&c, ph, 6); /* PT_PHDR */
    p64(&c, ph + 8, 64);
    p64(&c, ph + 16, 0x400040);
    p32(&c, ph + 56, 1); /* PT_LOAD */
    p64(&c, ph + 56 + 16, 0x400000);
    p64(&c, ph + 56 + 40, 0x2000);
    p32(&c, ph + 112, 2); /* PT_DYNAMIC at 0x401000 */
    p64(&c, ph + 112 + 16, 0x401000);
    p64(&c, ph + 112 + 40, 32);
    p64(&c, m + 0x1000, 21); /* DT_DEBUG -> r_debug at 0x401100 */
    p64(&c, m + 0x1008, 0x401100);
    p64(&c, m + 0x1108, 0x401200); /* r_map */
    /* link_map A (the executable, name "") and B (name at 0x401300, l_addr 0x400000), B -> A. */
    p64(&c, m + 0x1200 + 8, 0x401380);
    p64(&c, m + 0x1200 + 24, 0x401240);
    p64(&c, m + 0x1240, 0x400000);
    p64(&c, m + 0x1240 + 8, 0x401300);
    p64(&c, m + 0x1240 + 24, 0x401200);
    memcpy(c.d + m + 0x1300, "/lib/b.so", 10);
    hd_target t;
    hd_error err;
    assert_int_equal(run(&c, c.n, &t, &err), HD_OK);
    assert_true(t.n_modules >= 1 && t.n_modules <= 4); /* the walk stopped at the cycle */
    assert_int_equal(t.modules[0].base, 0x400000);
    assert_int_equal(t.modules[0].size, 0x2000);
    done(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),         cmocka_unit_test(test_full_memory_and_truncation),
        cmocka_unit_test(test_pn_xnum),       cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_hostile_notes), cmocka_unit_test(test_aarch64_regs),
        cmocka_unit_test(test_i386),          cmocka_unit_test(test_link_map_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
