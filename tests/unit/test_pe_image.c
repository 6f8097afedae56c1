/* PE images in dump memory (src/target/pe_image.c) and the on-disk fallback
 * (src/target/image_file.c) on hand-built images: PE32 and PE32+, sorted and unsorted export
 * names, forwarders, the version resource, and hostile headers (e_lfanew past the end, 0xFFFF
 * sections, 0xFFFFFFFF names, name RVAs outside the image, ordinals past the table, a resource
 * tree that points at itself) that must fail with HD_EINPUT, never crash or loop.
 *
 * Images are laid out here from the PE/COFF specification as the Windows loader maps them,
 * independently of src/, and served through a target whose ranges point into the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heapdiff/target.h"
#include "target/image_file.h"
#include "target/pe_image.h"

enum { IMG = 0x3000, BASE = 0x10000000 };
static const uint64_t base = BASE;

static uint8_t img[IMG];

static void p16(uint32_t o, uint32_t v)
{
    img[o] = (uint8_t)v, img[o + 1] = (uint8_t)(v >> 8);
}
static void p32(uint32_t o, uint32_t v)
{
    for (int i = 0; i < 4; i++) img[o + i] = (uint8_t)(v >> 8 * i);
}
static void p64(uint32_t o, uint64_t v)
{
    for (int i = 0; i < 8; i++) img[o + i] = (uint8_t)(v >> 8 * i);
}

/* Layout: DOS header, PE header at 0x80, optional header at 0x98, one section ".text" at RVA
 * 0x1000 (0x2000 bytes). Export directory at 0x1000 (0x600 bytes): names 0x1100, ordinals
 * 0x1200, functions 0x1300, name strings from 0x1400, a forwarder string at 0x1500. Resources
 * at 0x1800. */
enum { OPT = 0x98, EXP = 0x1000, NAMES = 0x1100, ORDS = 0x1200, FUNCS = 0x1300, RES = 0x1800 };

static uint32_t opt_size(int is64)
{
    return is64 ? 240 : 224;
}
static uint32_t dir_at(int is64, int i)
{
    return OPT + (is64 ? 112 : 96) + 8 * i;
}

static void build(int is64, const char *const *names, int n)
{
    memset(img, 0, sizeof img);
    img[0] = 'M', img[1] = 'Z';
    p32(0x3c, 0x80);
    memcpy(img + 0x80, "PE\0\0", 4);
    p16(0x84, is64 ? 0x8664 : 0x14c);
    p16(0x86, 1);
    p32(0x88, 0x11223344);
    p16(0x94, opt_size(is64));
    p16(0x96, 0x2022);
    p16(OPT, is64 ? 0x20b : 0x10b);
    if (is64)
        p64(OPT + 24, 0x180000000ull);
    else
        p32(OPT + 28, 0x10000000u);
    p32(OPT + 56, IMG);
    p32(OPT + 60, 0x400);
    p32(OPT + 64, 0xabcd);
    p32(OPT + (is64 ? 108 : 92), 16);
    p32(dir_at(is64, 0), EXP), p32(dir_at(is64, 0) + 4, 0x600);
    uint32_t sec = OPT + opt_size(is64);
    memcpy(img + sec, ".text", 5);
    p32(sec + 8, 0x2000), p32(sec + 12, 0x1000), p32(sec + 16, 0x2000), p32(sec + 20, 0x400);
    p32(sec + 36, 0x60000020);
    /* Exports: function i of name i at 0x2000 + 0x10 i, except "fwd" -> a forwarder. */
    p32(EXP + 16, 1); /* Base */
    p32(EXP + 20, (uint32_t)n), p32(EXP + 24, (uint32_t)n);
    p32(EXP + 28, FUNCS), p32(EXP + 32, NAMES), p32(EXP + 36, ORDS);
    uint32_t s = 0x1400;
    for (int i = 0; i < n; i++) {
        p32(NAMES + 4 * i, s);
        memcpy(img + s, names[i], strlen(names[i]) + 1);
        s += (uint32_t)strlen(names[i]) + 1;
        p16(ORDS + 2 * i, (uint32_t)i);
        p32(FUNCS + 4 * i, strcmp(names[i], "fwd") ? 0x2000 + 0x10 * (uint32_t)i : 0x1500);
    }
    memcpy(img + 0x1500, "KERNEL32.HeapAlloc", 19);
}

static const char *const sorted[] = {"DotNetRuntimeContractDescriptor", "alpha", "beta", "fwd",
                                     "gamma"};

/* A target over img at base: one range, or two with [gap_lo, gap_hi) left out. */
static hd_range ranges[2];
static void target(hd_target *t, uint32_t gap_lo, uint32_t gap_hi)
{
    memset(t, 0, sizeof *t);
    t->file.data = img;
    t->file.size = IMG;
    if (gap_hi <= gap_lo) {
        ranges[0] = (hd_range){base, IMG, 0, IMG};
        t->n_ranges = 1;
    } else {
        ranges[0] = (hd_range){base, gap_lo, 0, gap_lo};
        ranges[1] = (hd_range){base + gap_hi, IMG - gap_hi, gap_hi, IMG - gap_hi};
        t->n_ranges = 2;
    }
    t->ranges = ranges;
}

static int lookup(hd_target *t, const char *name, uint64_t *addr, int *nc, hd_error *err)
{
    hd_error_clear(err);
    *addr = 0;
    return hd_pe_image_export(t, base, name, addr, nc, err);
}

static void check_exports(hd_target *t)
{
    uint64_t a;
    int nc = -1;
    hd_error err;
    for (int i = 0; i < 5; i++) {
        const char *nm = sorted[i];
        int rc = lookup(t, nm, &a, &nc, &err);
        if (!strcmp(nm, "fwd")) {
            assert_int_equal(rc, HD_EINPUT);
            assert_non_null(strstr(err.msg, "forwarded to KERNEL32.HeapAlloc"));
            assert_int_equal(nc, 0);
            continue;
        }
        assert_int_equal(rc, HD_OK);
        /* The function of this name: find where build() put it. */
        uint64_t want = 0;
        for (uint32_t k = 0; k < 5; k++) {
            uint32_t nrva = (uint32_t)img[NAMES + 4 * k] | (uint32_t)img[NAMES + 4 * k + 1] << 8;
            if (!strcmp((const char *)img + nrva, nm)) want = base + 0x2000 + 0x10 * k;
        }
        assert_int_equal(a, want);
    }
    assert_int_equal(lookup(t, "delta", &a, &nc, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "is not exported"));
    assert_int_equal(nc, 0);
    /* A prefix and an extension of an exported name are not it. */
    assert_int_equal(lookup(t, "alph", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(lookup(t, "alphas", &a, &nc, &err), HD_EINPUT);
    char fw[256];
    hd_image_src s = {t, NULL, base};
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_export_src(&s, "fwd", &a, fw, &nc, &err), HD_EINPUT);
    assert_string_equal(fw, "KERNEL32.HeapAlloc");
}

static void test_pe32plus(void **state)
{
    (void)state;
    build(1, sorted, 5);
    hd_target t;
    target(&t, 0, 0);
    hd_pe_image im;
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_OK);
    assert_int_equal(im.magic, 0x20b);
    assert_int_equal(im.ptr, 8);
    assert_int_equal(im.machine, 0x8664);
    assert_int_equal(im.timestamp, 0x11223344);
    assert_int_equal(im.size_of_image, IMG);
    assert_int_equal(im.size_of_headers, 0x400);
    assert_int_equal(im.checksum, 0xabcd);
    assert_int_equal(im.image_base, 0x180000000ull);
    assert_int_equal(im.n_dirs, 16);
    assert_int_equal(im.dir[0].rva, EXP);
    assert_int_equal(im.n_sections, 1);
    assert_string_equal(im.sec[0].name, ".text");
    assert_int_equal(im.sec[0].vaddr, 0x1000);
    check_exports(&t);
}

static void test_pe32(void **state)
{
    (void)state;
    build(0, sorted, 5);
    hd_target t;
    target(&t, 0, 0);
    hd_pe_image im;
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_OK);
    assert_int_equal(im.magic, 0x10b);
    assert_int_equal(im.ptr, 4);
    assert_int_equal(im.machine, 0x14c);
    assert_int_equal(im.image_base, 0x10000000u);
    assert_int_equal(im.dir[0].rva, EXP);
    check_exports(&t);
    /* A PE32 optional header that claims to be shorter than its fixed part. */
    p16(0x94, 90);
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_EINPUT);
    /* An unknown magic. */
    build(0, sorted, 5);
    p16(OPT, 0x107);
    hd_error err;
    hd_error_clear(&err);
    int nc = -1;
    hd_image_src s = {&t, NULL, base};
    assert_int_equal(hd_pe_image_open_src(&s, &im, &nc, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "magic"));
    assert_int_equal(nc, 0);
}

static void test_unsorted(void **state)
{
    (void)state;
    static const char *const names[] = {"gamma", "fwd", "beta", "alpha",
                                        "DotNetRuntimeContractDescriptor"};
    build(1, names, 5);
    hd_target t;
    target(&t, 0, 0);
    check_exports(&t);
}

static void test_lfanew(void **state)
{
    (void)state;
    hd_target t;
    hd_pe_image im;
    hd_error err;
    int nc;
    hd_image_src s = {NULL, NULL, base};
    build(1, sorted, 5);
    target(&t, 0, 0);
    s.t = &t;
    /* Past the end of what the dump holds: not captured. */
    p32(0x3c, IMG - 2);
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_open_src(&s, &im, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 1);
    /* Absurd: malformed, not "missing". */
    p32(0x3c, 0xfffffff0u);
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_open_src(&s, &im, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 0);
    assert_non_null(strstr(err.msg, "e_lfanew"));
    p32(0x3c, 0);
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_EINPUT);
    /* No MZ, no PE signature. */
    build(1, sorted, 5);
    img[0] = 'Z';
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_EINPUT);
    build(1, sorted, 5);
    img[0x81] = 'X';
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_EINPUT);
    /* The header page not captured. */
    build(1, sorted, 5);
    target(&t, 0, 0x1000);
    uint64_t a;
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_export(&t, base, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 1);
}

static void test_sections(void **state)
{
    (void)state;
    build(1, sorted, 5);
    hd_target t;
    target(&t, 0, 0);
    hd_pe_image im;
    hd_error err;
    int nc;
    hd_image_src s = {&t, NULL, base};
    p16(0x86, 0xffff);
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_open_src(&s, &im, &nc, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "96 sections"));
    assert_int_equal(nc, 0);
    /* 96 sections: the table runs into uncaptured memory past the end of the image. */
    build(1, sorted, 5);
    p16(0x86, 96);
    p16(0x94, 0xffff); /* the section table starts far out */
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_open_src(&s, &im, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 1);
    /* Zero sections and SizeOfImage 0. */
    build(1, sorted, 5);
    p16(0x86, 0);
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_OK);
    assert_int_equal(im.n_sections, 0);
    p32(OPT + 56, 0);
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_EINPUT);
    /* NumberOfRvaAndSizes larger than the header holds: capped, not read past it. */
    build(1, sorted, 5);
    p32(OPT + 108, 0xffffffffu);
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_OK);
    assert_int_equal(im.n_dirs, 16);
    p16(0x94, 112 + 8); /* room for one directory only */
    assert_int_equal(hd_pe_image_open(&t, base, &im), HD_OK);
    assert_int_equal(im.n_dirs, 1);
}

static void test_hostile_exports(void **state)
{
    (void)state;
    hd_target t;
    uint64_t a;
    int nc;
    hd_error err;
    build(1, sorted, 5);
    target(&t, 0, 0);
    /* 0xFFFFFFFF names / functions. */
    p32(EXP + 24, 0xffffffffu);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 0);
    build(1, sorted, 5);
    p32(EXP + 20, 0xffffffffu);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    /* Tables placed so they end past the image (or wrap). */
    build(1, sorted, 5);
    p32(EXP + 32, 0xfffffff0u);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    build(1, sorted, 5);
    p32(EXP + 36, IMG - 2);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    /* The export directory itself outside the image. */
    build(1, sorted, 5);
    p32(dir_at(1, 0), 0xfffffff0u);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 0);
    /* No export directory. */
    build(1, sorted, 5);
    p32(dir_at(1, 0), 0);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "no export directory"));
    /* A name RVA outside the image: the other names are still found (by the linear scan when
     * the binary search stumbles on it), an absent name says so. */
    build(1, sorted, 5);
    p32(NAMES + 4 * 2, 0xffffff00u); /* "beta" */
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_OK);
    assert_int_equal(a, base + 0x2010);
    assert_int_equal(lookup(&t, "gamma", &a, &nc, &err), HD_OK);
    assert_int_equal(lookup(&t, "beta", &a, &nc, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "outside the image"));
    assert_int_equal(nc, 0);
    /* A name that runs to the end of the image without a terminator. */
    build(1, sorted, 5);
    memset(img + IMG - 8, 'a', 8);
    p32(NAMES + 4 * 1, IMG - 8);
    assert_int_equal(lookup(&t, "aaaaaaaaaa", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(lookup(&t, "gamma", &a, &nc, &err), HD_OK);
    /* Ordinal index past NumberOfFunctions; function RVA 0 or outside the image. */
    build(1, sorted, 5);
    p16(ORDS + 2 * 1, 7);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "ordinal"));
    build(1, sorted, 5);
    p32(FUNCS + 4 * 1, 0);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    p32(FUNCS + 4 * 1, 0x7fffffffu);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    /* A forwarder string without a terminator up to the end of the image. */
    build(1, sorted, 5);
    p32(dir_at(1, 0) + 4, IMG - EXP);
    p32(FUNCS + 4 * 3, IMG - 4);
    memset(img + IMG - 4, 'K', 4);
    char fw[256];
    hd_image_src s = {&t, NULL, base};
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_export_src(&s, "fwd", &a, fw, &nc, &err), HD_EINPUT);
    assert_string_equal(fw, "KKKK");
    /* A name longer than the limit. */
    char longname[5000];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    build(1, sorted, 5);
    assert_int_equal(lookup(&t, longname, &a, &nc, &err), HD_EINPUT);
}

static void test_not_captured(void **state)
{
    (void)state;
    hd_target t;
    uint64_t a;
    int nc;
    hd_error err;
    build(1, sorted, 5);
    /* The export directory's page missing. */
    target(&t, 0x1000, 0x2000);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 1);
    assert_non_null(strstr(err.msg, "not captured"));
    /* Only the name strings missing (move them to the second page). */
    build(1, sorted, 5);
    for (int i = 0; i < 5; i++) {
        uint32_t nrva = (uint32_t)img[NAMES + 4 * i] | (uint32_t)img[NAMES + 4 * i + 1] << 8;
        memcpy(img + 0x2400 + (nrva - 0x1400), img + nrva, 40);
        p32(NAMES + 4 * i, 0x2400 + (nrva - 0x1400));
    }
    target(&t, 0x2000, 0x3000);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 1);
    target(&t, 0, 0);
    assert_int_equal(lookup(&t, "alpha", &a, &nc, &err), HD_OK);
}

/* A resource tree: root -> type 16 -> name 1 -> language 1033 -> data entry -> VS_VERSIONINFO. */
static void build_version(int is64)
{
    p32(dir_at(is64, 2), RES), p32(dir_at(is64, 2) + 4, 0x400);
    uint32_t r = RES;
    /* root: one named entry (ignored) and two ID entries, type 3 then 16 */
    p16(r + 12, 1), p16(r + 14, 2);
    p32(r + 16, 0x80000100u), p32(r + 20, 0x80000200u); /* a named type (skipped) */
    p32(r + 24, 3), p32(r + 28, 0x80000200u);
    p32(r + 32, 16), p32(r + 36, 0x80000040u);
    /* name level at 0x40 */
    p16(r + 0x40 + 14, 1);
    p32(r + 0x40 + 16, 1), p32(r + 0x40 + 20, 0x80000060u);
    /* language level at 0x60 */
    p16(r + 0x60 + 14, 1);
    p32(r + 0x60 + 16, 1033), p32(r + 0x60 + 20, 0x80);
    /* data entry at 0x80: RVA, size */
    p32(r + 0x80, RES + 0x100), p32(r + 0x84, 0x100);
    uint32_t v = RES + 0x100;
    p16(v, 0x100), p16(v + 2, 52), p16(v + 4, 0);
    const char *key = "VS_VERSION_INFO";
    for (int i = 0; i < 16; i++) p16(v + 6 + 2 * (uint32_t)i, (uint8_t)key[i]);
    p32(v + 40, 0xFEEF04BDu), p32(v + 44, 0x10000);
    p32(v + 48, 10 << 16 | 0), p32(v + 52, 25 << 16 | 52411); /* 10.0.25.52411 */
    p32(v + 56, 9 << 16 | 8), p32(v + 60, 7 << 16 | 6);
    p32(v + 72, 0x40004), p32(v + 76, 2);
}

static void test_version(void **state)
{
    (void)state;
    hd_target t;
    hd_pe_version ver;
    int nc;
    hd_error err;
    for (int is64 = 0; is64 < 2; is64++) {
        build(is64, sorted, 5);
        build_version(is64);
        target(&t, 0, 0);
        hd_error_clear(&err);
        if (hd_pe_image_version(&t, base, &ver, &nc, &err)) fail_msg("%s", err.msg);
        assert_int_equal(ver.file[0], 10);
        assert_int_equal(ver.file[1], 0);
        assert_int_equal(ver.file[2], 25);
        assert_int_equal(ver.file[3], 52411);
        assert_int_equal(ver.product[0], 9);
        assert_int_equal(ver.product[3], 6);
        assert_int_equal(ver.os, 0x40004);
        assert_int_equal(ver.type, 2);
    }
    /* Not captured. */
    target(&t, 0x1000, 0x2000);
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 1);
    target(&t, 0, 0);
    /* A tree pointing at itself: three levels, then it is not a data entry. */
    build(1, sorted, 5);
    build_version(1);
    p32(RES + 36, 0x80000000u);
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, &err), HD_EINPUT);
    assert_int_equal(nc, 0);
    /* Offsets past the resource directory; huge entry counts; a bad signature. */
    build_version(1);
    p32(RES + 0x40 + 20, 0x8000ff00u);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, NULL), HD_EINPUT);
    build_version(1);
    p16(RES + 12, 0xffff), p16(RES + 14, 0xffff);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, NULL), HD_OK); /* found early */
    p32(RES + 32, 17); /* no RT_VERSION: the scan stops at the directory's end */
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, NULL), HD_EINPUT);
    build_version(1);
    p32(RES + 0x80, 0xfffffff0u);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, NULL), HD_EINPUT);
    build_version(1);
    p32(RES + 0x100 + 40, 0xFEEF04BCu);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, NULL), HD_EINPUT);
    build_version(1);
    p32(dir_at(1, 2), 0);
    assert_int_equal(hd_pe_image_version(&t, base, &ver, &nc, NULL), HD_EINPUT);
}

/* The disk fallback: the image written as a file (headers, then .text's raw data at 0x400),
 * the dump lacking the export page. */
static void test_file_fallback(void **state)
{
    (void)state;
    build(1, sorted, 5);
    char dir[] = "/tmp/heapdiff-test-pe.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/mod.dll", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(img, 1, 0x400, fp);           /* headers */
    fwrite(img + 0x1000, 1, 0x2000, fp); /* .text raw data at file offset 0x400 */
    fclose(fp);
    hd_target t;
    target(&t, 0x1000, 0x2000);
    hd_module m;
    memset(&m, 0, sizeof m);
    m.base = base, m.size = IMG, m.timestamp = 0x11223344, m.kind = HD_MOD_PE;
    m.path = "C:\\Windows\\mod.dll";
    hd_image_file f;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_image_file_open(&t, &m, dir, &f, &err), HD_OK);
    uint8_t b[4];
    uint64_t got;
    assert_int_equal(hd_image_file_read(&f, 0x3c, b, 4, &got), HD_OK);
    assert_int_equal(b[0], 0x80);
    assert_int_equal(hd_image_file_read(&f, 0x1500, b, 4, &got), HD_OK);
    assert_memory_equal(b, "KERN", 4);
    assert_int_equal(hd_image_file_read(&f, 0x3000 - 2, b, 4, &got), HD_EINPUT);
    assert_int_equal(got, 2);
    assert_int_equal(hd_image_file_read(&f, 0x800, b, 4, &got), HD_EINPUT); /* between */
    assert_int_equal(got, 0);
    hd_image_src s = {&t, &f, base};
    uint64_t a;
    int nc;
    hd_error_clear(&err);
    assert_int_equal(hd_pe_image_export_src(&s, "gamma", &a, NULL, &nc, &err), HD_OK);
    assert_int_equal(a, base + 0x2040);
    hd_image_file_close(&f);
    /* Another timestamp or size: refused, both named. */
    m.timestamp = 0x11223345;
    hd_error_clear(&err);
    assert_int_equal(hd_image_file_open(&t, &m, dir, &f, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "0x11223344"));
    assert_non_null(strstr(err.msg, "0x11223345"));
    /* No identity in the record: taken from the headers in dump memory. */
    m.timestamp = 0, m.size = 0;
    hd_error_clear(&err);
    assert_int_equal(hd_image_file_open(&t, &m, dir, &f, &err), HD_OK);
    hd_image_file_close(&f);
    /* ... and refused when the dump lacks them too. */
    hd_error_clear(&err);
    assert_int_equal(hd_image_file_open(NULL, &m, dir, &f, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "cannot be shown"));
    /* A missing file. */
    m.path = "/nowhere/else.dll";
    hd_error_clear(&err);
    assert_int_equal(hd_image_file_open(&t, &m, NULL, &f, &err), HD_EINPUT);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pe32plus),      cmocka_unit_test(test_pe32),
        cmocka_unit_test(test_unsorted),      cmocka_unit_test(test_lfanew),
        cmocka_unit_test(test_sections),      cmocka_unit_test(test_hostile_exports),
        cmocka_unit_test(test_not_captured),  cmocka_unit_test(test_version),
        cmocka_unit_test(test_file_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
