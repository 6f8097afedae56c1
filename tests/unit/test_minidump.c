/* The minidump reader on hand-built files: layouts from the SDK's minidumpapiset.h, written
 * here byte by byte (no code shared with src/target/minidump.c). Corner cases: Breakpad's
 * padded list counts, unused directory entries, Memory64List's implicit offsets, ranges past
 * EOF (cut to what the file holds), and hostile counts/RVAs/sizes, each of which must give
 * HD_EINPUT with a message naming the offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heapdiff/target.h"

typedef struct buf {
    uint8_t d[8192];
    uint32_t n;
} buf;

static uint32_t put(buf *b, const void *p, uint32_t n)
{
    uint32_t at = b->n;
    memcpy(b->d + b->n, p, n);
    b->n += n;
    return at;
}
static uint32_t u32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return put(b, x, 4);
}
static uint32_t u64(buf *b, uint64_t v)
{
    uint32_t at = u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
    return at;
}
static uint32_t u16(buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return put(b, x, 2);
}
static void set32(buf *b, uint32_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) b->d[at + i] = (uint8_t)(v >> 8 * i);
}
static uint32_t zeros(buf *b, uint32_t n)
{
    uint32_t at = b->n;
    memset(b->d + b->n, 0, n);
    b->n += n;
    return at;
}
/* MINIDUMP_STRING: byte length, UTF-16LE, NUL */
static uint32_t mdstr(buf *b, const char *s)
{
    uint32_t at = u32(b, (uint32_t)strlen(s) * 2);
    for (const char *p = s; *p; p++) u16(b, (uint8_t)*p);
    u16(b, 0);
    return at;
}

/* Header + directory with room for `n` entries; returns the directory's offset. */
static uint32_t header(buf *b, uint32_t n, uint64_t flags)
{
    b->n = 0;
    u32(b, 0x504D444D);
    u32(b, 0xA793);
    u32(b, n);
    u32(b, 32);
    u32(b, 0);
    u32(b, 1700000000);
    u64(b, flags);
    zeros(b, 12 * n);
    return 32;
}
static void dir(buf *b, uint32_t i, uint32_t type, uint32_t size, uint32_t rva)
{
    set32(b, 32 + 12 * i, type);
    set32(b, 32 + 12 * i + 4, size);
    set32(b, 32 + 12 * i + 8, rva);
}

static int open_buf(hd_target *t, buf *b, hd_error *err)
{
    memset(t, 0, sizeof *t);
    hd_error_clear(err);
    t->path = "t.dmp";
    t->full_memory = -1;
    t->file.data = b->d;
    t->file.size = b->n;
    int rc = hd_minidump_read(t, err);
    if (!rc) rc = hd_target_finish(t, err);
    return rc;
}
static void close_buf(hd_target *t)
{
    t->file.data = NULL;
    t->file.size = 0;
    hd_target_close(t);
}

static void expect_einput(buf *b)
{
    hd_target t;
    hd_error err;
    int rc = open_buf(&t, b, &err);
    assert_int_equal(rc, HD_EINPUT);
    assert_int_equal(err.code, HD_EINPUT);
    assert_non_null(strstr(err.msg, "offset"));
    assert_non_null(strstr(err.msg, "expected"));
    close_buf(&t);
}

/* A Windows x64 dump: SystemInfo, an unused entry, a padded ThreadList (Breakpad), a module
 * with version and RSDS, MemoryList and Memory64List. */
static void build_full(buf *b, int padded)
{
    header(b, 7, 0x2);
    /* SystemInfo: arch 9 (AMD64), 10.0.17763, platform 2 */
    uint32_t si = u16(b, 9);
    u16(b, 6), u16(b, 0), zeros(b, 2);
    u32(b, 10), u32(b, 0), u32(b, 17763), u32(b, 2), u32(b, 0);
    zeros(b, 4 + 24);
    dir(b, 0, 7, 56, si);
    dir(b, 1, 0, 0, 0); /* unused */
    /* CONTEXT (x64, 0x4D0): Rsp 0x98, Rbp 0xA0, Rip 0xF8 */
    uint32_t ctx = zeros(b, 0x4D0);
    set32(b, ctx + 0x98, 0x1000F00), set32(b, ctx + 0xA0, 0x1000F80),
        set32(b, ctx + 0xF8, 0x401234);
    /* stack bytes */
    uint32_t stack = b->n;
    for (int i = 0; i < 0x100; i++) b->d[b->n++] = (uint8_t)i;
    uint32_t tl = u32(b, 1);
    if (padded) u32(b, 0);
    u32(b, 77), zeros(b, 12), u64(b, 0x7000);        /* tid, suspend/prio/class, teb */
    u64(b, 0x1000F00), u32(b, 0x100), u32(b, stack); /* Stack */
    u32(b, 0x4D0), u32(b, ctx);                      /* ThreadContext */
    dir(b, 2, 3, b->n - tl, tl);
    /* module */
    uint32_t name = mdstr(b, "C:\\app\\a.exe");
    uint32_t cv = put(b, "RSDS", 4);
    for (int i = 0; i < 16; i++) b->d[b->n++] = (uint8_t)(0xA0 + i);
    u32(b, 3), put(b, "a.pdb", 6);
    uint32_t cvsize = b->n - cv;
    uint32_t ml = u32(b, 1);
    u64(b, 0x400000), u32(b, 0x20000), u32(b, 0xC0FFEE), u32(b, 123456), u32(b, name);
    u32(b, 0xFEEF04BD), u32(b, 0x10000), u32(b, 0x00010002), u32(b, 0x00030004);
    zeros(b, 52 - 16);
    u32(b, cvsize), u32(b, cv), zeros(b, 8 + 16);
    dir(b, 3, 4, b->n - ml, ml);
    /* MemoryList: the stack, and a range whose data run past EOF (cut at the end) */
    uint32_t mem = u32(b, 2);
    u64(b, 0x1000F00), u32(b, 0x100), u32(b, stack);
    uint32_t tail = u64(b, 0x900000);
    u32(b, 0x10000), u32(b, 0); /* RVA patched below */
    dir(b, 4, 5, b->n - mem, mem);
    /* Memory64List: two ranges laid out from BaseRva */
    uint32_t m64 = u64(b, 2);
    uint32_t baserva = u64(b, 0);
    u64(b, 0x2000000), u64(b, 0x10), u64(b, 0x3000000), u64(b, 0x20);
    dir(b, 5, 9, b->n - m64, m64);
    set32(b, baserva, b->n);
    for (int i = 0; i < 0x10; i++) b->d[b->n++] = 0x11;
    for (int i = 0; i < 0x20; i++) b->d[b->n++] = 0x22;
    /* MiscInfo: pid */
    uint32_t misc = u32(b, 24);
    u32(b, 1), u32(b, 4242), zeros(b, 12);
    dir(b, 6, 15, 24, misc);
    /* the tail range: 0x10000 bytes claimed, 40 present */
    set32(b, tail + 12, b->n);
    for (int i = 0; i < 40; i++) b->d[b->n++] = 0x33;
}

static void valid_dump(void **state)
{
    (void)state;
    for (int padded = 0; padded < 2; padded++) {
        static buf b;
        build_full(&b, padded);
        hd_target t;
        hd_error err;
        assert_int_equal(open_buf(&t, &b, &err), HD_OK);
        assert_int_equal(t.os, HD_OS_WINDOWS);
        assert_int_equal(t.arch, HD_ARCH_X64);
        assert_int_equal(t.pointer_size, 8);
        assert_string_equal(t.os_version, "10.0.17763");
        assert_int_equal(t.full_memory, 1);
        assert_int_equal(t.time, 1700000000);
        assert_int_equal(t.pid, 4242);
        assert_int_equal(t.n_threads, 1);
        assert_int_equal(t.threads[0].tid, 77);
        assert_int_equal(t.threads[0].stack_lo, 0x1000F00);
        assert_int_equal(t.threads[0].stack_hi, 0x1001000);
        assert_int_equal(t.threads[0].ip, 0x401234);
        assert_int_equal(t.threads[0].sp, 0x1000F00);
        assert_int_equal(t.threads[0].fp, 0x1000F80);
        assert_int_equal(t.n_modules, 1);
        const hd_module *m = &t.modules[0];
        assert_string_equal(m->path, "C:\\app\\a.exe");
        assert_int_equal(m->base, 0x400000);
        assert_int_equal(m->size, 0x20000);
        assert_int_equal(m->timestamp, 123456);
        assert_int_equal(m->checksum, 0xC0FFEE);
        assert_true(m->has_version);
        assert_int_equal(m->version[0], 1);
        assert_int_equal(m->version[1], 2);
        assert_int_equal(m->version[2], 3);
        assert_int_equal(m->version[3], 4);
        assert_int_equal(m->build_id_len, 16);
        assert_int_equal(m->build_id[0], 0xA0);
        assert_int_equal(m->pdb_age, 3);
        assert_string_equal(m->pdb_name, "a.pdb");
        assert_int_equal(m->kind, HD_MOD_PE);
        assert_string_equal(t.exe, "C:\\app\\a.exe");
        /* ranges: stack, 0x900000 (cut), two Memory64 ranges */
        assert_int_equal(t.n_ranges, 4);
        uint8_t x[0x20];
        uint64_t got;
        assert_int_equal(hd_target_read(&t, 0x1000F10, x, 4, &got), HD_OK);
        assert_int_equal(x[0], 0x10);
        assert_int_equal(hd_target_read(&t, 0x2000000, x, 0x10, &got), HD_OK);
        assert_int_equal(x[15], 0x11);
        assert_int_equal(hd_target_read(&t, 0x3000000, x, 0x20, &got), HD_OK);
        assert_int_equal(x[0], 0x22);
        assert_int_equal(x[31], 0x22);
        const hd_range *r = hd_target_find(&t, 0x900000);
        assert_non_null(r);
        assert_int_equal(r->size, 0x10000);
        assert_int_equal(r->file_size, 40); /* past EOF: not trusted */
        assert_int_equal(hd_target_read(&t, 0x900000 + 30, x, 20, &got), HD_EINPUT);
        assert_int_equal(got, 10);
        assert_int_equal(t.bytes_captured, 0x100 + 40 + 0x10 + 0x20);
        close_buf(&t);
    }
}

/* Offsets of fields in build_full's layout, found by scanning for known values. */
static uint32_t find32(const buf *b, uint32_t v, uint32_t from)
{
    for (uint32_t i = from; i + 4 <= b->n; i++)
        if ((uint32_t)(b->d[i] | b->d[i + 1] << 8 | b->d[i + 2] << 16 |
                       (uint32_t)b->d[i + 3] << 24) == v)
            return i;
    fail_msg("value 0x%x not found", v);
    return 0;
}
static uint32_t dir_rva(const buf *b, uint32_t i)
{
    const uint8_t *p = b->d + 32 + 12 * i + 8;
    return (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
}

static void bad_signature_and_short(void **state)
{
    (void)state;
    static buf b;
    build_full(&b, 0);
    b.d[0] = 'X';
    expect_einput(&b);
    build_full(&b, 0);
    b.n = 20;
    expect_einput(&b);
    build_full(&b, 0);
    b.d[4] = 0x94; /* version */
    expect_einput(&b);
}

static void hostile_counts(void **state)
{
    (void)state;
    static buf b;
    /* ThreadList count 0xFFFFFFFF */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 2), 0xFFFFFFFF);
    expect_einput(&b);
    /* ModuleList count 0xFFFFFFFF */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 3), 0xFFFFFFFF);
    expect_einput(&b);
    /* MemoryList count one too many */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 4), 3);
    expect_einput(&b);
    /* Memory64List count 2^32 + 2 (low half looks fine) */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 5) + 4, 1);
    expect_einput(&b);
    /* NumberOfStreams 0xFFFFFFFF */
    build_full(&b, 0);
    set32(&b, 8, 0xFFFFFFFF);
    expect_einput(&b);
}

static void hostile_offsets(void **state)
{
    (void)state;
    static buf b;
    /* directory RVA past EOF */
    build_full(&b, 0);
    set32(&b, 12, b.n);
    expect_einput(&b);
    /* stream RVA + size wraps 2^32 */
    build_full(&b, 0);
    dir(&b, 3, 4, 0x20, 0xFFFFFFF0);
    expect_einput(&b);
    /* stream past EOF */
    build_full(&b, 0);
    dir(&b, 0, 7, 56, b.n - 8);
    expect_einput(&b);
    /* module name RVA past EOF */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 3) + 4 + 20, b.n + 100);
    expect_einput(&b);
    /* module name length past EOF */
    build_full(&b, 0);
    set32(&b, find32(&b, 24, 32), 0xFFFFFFF0); /* the name's byte length (12 chars * 2) */
    expect_einput(&b);
    /* CodeView record size wraps */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 3) + 4 + 76, 0xFFFFFFF0);
    expect_einput(&b);
    /* thread context RVA past EOF */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 2) + 4 + 44, b.n);
    expect_einput(&b);
    /* memory range whose end wraps 2^64 */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 4) + 4 + 16 + 4, 0xFFFFFFFF); /* start 0xFFFFFFFF00900000 */
    set32(&b, dir_rva(&b, 4) + 4 + 16 + 0, 0xFFFFFFFF);
    expect_einput(&b);
    /* Memory64List sizes summing past 2^64 */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 5) + 8, 0xFFFFFFF8); /* BaseRva 2^64 - 8, first range 16 bytes */
    set32(&b, dir_rva(&b, 5) + 12, 0xFFFFFFFF);
    expect_einput(&b);
}

/* Hostile but tolerated: ranges past EOF are cut, overlapping ranges trimmed, unknown streams
 * ignored, Memory64List BaseRva past EOF gives described-but-not-captured ranges. */
static void tolerated(void **state)
{
    (void)state;
    static buf b;
    hd_target t;
    hd_error err;
    build_full(&b, 0);
    set32(&b, find32(&b, 0x2000000, dir_rva(&b, 5)) - 0, 0x1000F80); /* overlaps the stack */
    dir(&b, 1, 0x12345678, 4, 0);                                    /* unknown stream */
    assert_int_equal(open_buf(&t, &b, &err), HD_OK);
    for (uint64_t i = 1; i < t.n_ranges; i++)
        assert_true(t.ranges[i].addr >= t.ranges[i - 1].addr + t.ranges[i - 1].size);
    close_buf(&t);
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 5) + 8, 0xFFFFFF00); /* BaseRva past EOF */
    assert_int_equal(open_buf(&t, &b, &err), HD_OK);
    const hd_range *r = hd_target_find(&t, 0x2000000);
    assert_non_null(r);
    assert_int_equal(r->file_size, 0);
    uint8_t x;
    assert_int_equal(hd_target_read(&t, 0x2000000, &x, 1, NULL), HD_EINPUT);
    close_buf(&t);
    /* a thread stack whose bytes lie past EOF (a dump cut short): the thread keeps its stack
     * range, the bytes are simply not captured */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 2) + 4 + 36, 0xFFFFFF00);
    set32(&b, dir_rva(&b, 4) + 4 + 12, 0xFFFFFF00); /* and its MemoryList copy */
    assert_int_equal(open_buf(&t, &b, &err), HD_OK);
    assert_int_equal(t.threads[0].stack_lo, 0x1000F00);
    assert_int_equal(t.threads[0].stack_hi, 0x1001000);
    assert_int_equal(hd_target_read(&t, 0x1000F00, &x, 1, NULL), HD_EINPUT);
    close_buf(&t);
    /* a stack that MemoryList does not hold is taken from the thread's own descriptor */
    build_full(&b, 0);
    set32(&b, dir_rva(&b, 4) + 4 + 4, 0x5); /* MemoryList's copy moves to 0x5_01000F00 */
    assert_int_equal(open_buf(&t, &b, &err), HD_OK);
    uint8_t y[4];
    assert_int_equal(hd_target_read(&t, 0x1000F10, y, 4, NULL), HD_OK);
    assert_int_equal(y[0], 0x10);
    assert_int_equal(y[3], 0x13);
    close_buf(&t);
    /* no SystemInfo: x64 context recognised by its size */
    build_full(&b, 0);
    dir(&b, 0, 0, 0, 0);
    assert_int_equal(open_buf(&t, &b, &err), HD_OK);
    assert_int_equal(t.threads[0].ip, 0x401234);
    close_buf(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_dump),     cmocka_unit_test(bad_signature_and_short),
        cmocka_unit_test(hostile_counts), cmocka_unit_test(hostile_offsets),
        cmocka_unit_test(tolerated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
