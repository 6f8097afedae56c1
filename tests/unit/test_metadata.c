/* The ECMA-335 metadata reader (src/clr/metadata.c) on metadata built here from the standard
 * (Partition II, 22-25), independently of src/: a root with #~, #Strings, #GUID and #Blob, the
 * Module, TypeRef, TypeDef, MethodDef, CustomAttribute, Assembly and NestedClass tables, inside a
 * PE32 or PE32+ image in file or loader layout, served from memory or from a dump target.
 *
 * Checked: full names (namespaces, nesting with '+', arity suffixes kept), TypeRef names, the
 * module and assembly names; column widths that change with row counts (coded indexes 2 → 4
 * bytes at 2^(16 - tag bits) rows, simple indexes at 2^16, 4-byte string indexes, the extra-data
 * word); unsorted NestedClass rows; nesting cycles; and hostile input: every truncation, every
 * byte overwritten, offsets and counts out of range must give HD_EINPUT (or -1 from the name
 * calls) with a one-line message, never a crash (the ASan build runs this too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clr/metadata.h"
#include "heapdiff/target.h"

/* ---- a growable byte buffer ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void u8(buf *b, uint32_t v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}
static void u16(buf *b, uint32_t v)
{
    u8(b, v), u8(b, v >> 8);
}
static void u32(buf *b, uint32_t v)
{
    u16(b, v), u16(b, v >> 16);
}
static void u64(buf *b, uint64_t v)
{
    u32(b, (uint32_t)v), u32(b, (uint32_t)(v >> 32));
}
static void idx(buf *b, uint32_t v, int wide)
{
    if (wide)
        u32(b, v);
    else
        u16(b, v);
}
static void align4(buf *b)
{
    while (b->n % 4) u8(b, 0);
}
static void set32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i);
}

/* ---- the metadata builder ---- */

typedef struct tdef {
    uint32_t flags;
    const char *ns, *name;
} tdef;

typedef struct spec {
    const tdef *types; /* rows 1..n_types (the first is <Module>) */
    uint32_t n_types;
    uint32_t filler_types; /* more TypeDef rows named "T" (to widen indexes) */
    const uint32_t (*nested)[2];
    uint32_t n_nested;
    uint32_t n_methods; /* MethodDef rows (zeros), widen HasCustomAttribute and friends */
    int string4, extra_data, no_assembly;
} spec;

typedef struct strings {
    buf b;
} strings;
static uint32_t str(strings *s, const char *v)
{
    if (!v || !v[0]) return 0;
    uint32_t at = (uint32_t)s->b.n;
    put(&s->b, v, strlen(v) + 1);
    return at;
}

static const char *const TYPEREFS[][2] = {{"System", "Object"}, {"Ns", "Outer"}, {"", "Inner"}};

/* The metadata blob for sp (caller frees). */
static uint8_t *build_md(const spec *sp, size_t *len)
{
    strings s = {{0}};
    u8(&s.b, 0);
    uint32_t ntd = sp->n_types + sp->filler_types, nmeth = sp->n_methods;
    int sw = sp->string4;
    /* Widths from II.24.2.6, written out for the tables used here. */
    int td_wide = ntd >= 0x10000;
    int tdor_wide = ntd >= (1u << 14);                       /* TypeDefOrRef, 2 bits */
    int hca_wide = ntd >= (1u << 11) || nmeth >= (1u << 11); /* HasCustomAttribute */
    int cat_wide = nmeth >= (1u << 13);                      /* CustomAttributeType */
    int meth_wide = nmeth >= 0x10000;
    uint32_t filler = str(&s, "T");

    buf t = {0};
    u32(&t, 0), u8(&t, 2), u8(&t, 0);
    u8(&t, (sw ? 0x01 : 0) | (sp->extra_data ? 0x40 : 0)), u8(&t, 1);
    uint64_t valid = 1ull << 0 | 1ull << 1 | 1ull << 2 | 1ull << 0x0C | 1ull << 0x29;
    if (nmeth) valid |= 1ull << 6;
    if (!sp->no_assembly) valid |= 1ull << 0x20;
    u64(&t, valid), u64(&t, 0);
    u32(&t, 1), u32(&t, 3), u32(&t, ntd);
    if (nmeth) u32(&t, nmeth);
    u32(&t, 1);
    if (!sp->no_assembly) u32(&t, 1);
    u32(&t, sp->n_nested);
    if (sp->extra_data) u32(&t, 0xdeadbeef);
    /* Module */
    u16(&t, 0), idx(&t, str(&s, "Crafted.dll"), sw), u16(&t, 1), u16(&t, 0), u16(&t, 0);
    /* TypeRef: System.Object (scope AssemblyRef 1), Ns.Outer, Inner nested in TypeRef 2. */
    for (int i = 0; i < 3; i++) {
        idx(&t, i == 2 ? 2u << 2 | 3 : 1u << 2 | 2, 0);
        idx(&t, str(&s, TYPEREFS[i][1]), sw), idx(&t, str(&s, TYPEREFS[i][0]), sw);
    }
    /* TypeDef */
    for (uint32_t r = 0; r < ntd; r++) {
        const tdef *d = r < sp->n_types ? &sp->types[r] : NULL;
        u32(&t, d ? d->flags : 0x100001);
        idx(&t, d ? str(&s, d->name) : filler, sw), idx(&t, d ? str(&s, d->ns) : 0, sw);
        idx(&t, 1u << 2 | 1, tdor_wide); /* extends TypeRef 1 */
        idx(&t, 1, 0), idx(&t, 1, meth_wide);
    }
    /* MethodDef */
    for (uint32_t r = 0; r < nmeth; r++) {
        u32(&t, 0), u16(&t, 0), u16(&t, 0), idx(&t, 0, sw), u16(&t, 0), u16(&t, 1);
    }
    /* CustomAttribute: on the assembly (HasCustomAttribute tag 14), ctor MemberRef 1. */
    idx(&t, 1u << 5 | 14, hca_wide), idx(&t, 1u << 3 | 3, cat_wide), u16(&t, 0);
    /* Assembly */
    if (!sp->no_assembly) {
        u32(&t, 0x8004), u16(&t, 1), u16(&t, 2), u16(&t, 3), u16(&t, 4), u32(&t, 0);
        u16(&t, 0), idx(&t, str(&s, "Crafted"), sw), idx(&t, 0, sw);
    }
    /* NestedClass */
    for (uint32_t r = 0; r < sp->n_nested; r++)
        idx(&t, sp->nested[r][0], td_wide), idx(&t, sp->nested[r][1], td_wide);
    align4(&t);
    align4(&s.b);

    buf m = {0};
    static const char *const names[] = {"#~", "#Strings", "#GUID", "#Blob"};
    const uint32_t hdr = 16 + 12 + 4 + 12 + 20 + 16 + 16;
    uint32_t size[4] = {(uint32_t)t.n, (uint32_t)s.b.n, 16, 4}, at = hdr;
    u32(&m, 0x424A5342), u16(&m, 1), u16(&m, 1), u32(&m, 0), u32(&m, 12);
    put(&m, "v4.0.30319\0\0", 12);
    u16(&m, 0), u16(&m, 4);
    for (int i = 0; i < 4; i++) {
        u32(&m, at), u32(&m, size[i]);
        put(&m, names[i], strlen(names[i]) + 1);
        align4(&m);
        at += size[i];
    }
    assert_int_equal(m.n, hdr);
    put(&m, t.p, t.n);
    put(&m, s.b.p, s.b.n);
    put(&m, "0123456789abcdef", 16);
    u32(&m, 0);
    free(t.p);
    free(s.b.p);
    *len = m.n;
    return m.p;
}

/* ---- PE images around it ---- */

enum { CLI_RVA = 0x2000, SEC_RAW = 0x200 };

/* A PE image holding md: headers (0x200 bytes), one section at RVA 0x2000 with the CLI header
 * and the metadata after it. mapped: the loader's layout (the section at its RVA). */
static uint8_t *build_pe(const uint8_t *md, size_t mdlen, int is64, int mapped, size_t *len)
{
    uint32_t content = 72 + (uint32_t)mdlen;
    uint32_t raw = (content + 0x1ff) & ~0x1ffu, soi = CLI_RVA + ((content + 0xfff) & ~0xfffu);
    size_t n = mapped ? soi : SEC_RAW + raw;
    uint8_t *p = calloc(1, n);
    assert_non_null(p);
    p[0] = 'M', p[1] = 'Z';
    set32(p + 0x3c, 0x80);
    memcpy(p + 0x80, "PE\0\0", 4);
    uint32_t optsz = is64 ? 240 : 224, opt = 0x98, dirs = opt + (is64 ? 112 : 96);
    p[0x84] = is64 ? 0x64 : 0x4c, p[0x85] = is64 ? 0x86 : 0x01;
    p[0x86] = 1;
    p[0x94] = (uint8_t)optsz;
    p[opt] = 0x0b, p[opt + 1] = is64 ? 2 : 1;
    set32(p + opt + 56, soi);
    set32(p + opt + 60, SEC_RAW);
    set32(p + dirs - 4, 16);
    set32(p + dirs + 8 * 14, CLI_RVA), set32(p + dirs + 8 * 14 + 4, 72);
    uint8_t *sec = p + opt + optsz;
    memcpy(sec, ".text", 5);
    set32(sec + 8, content), set32(sec + 12, CLI_RVA), set32(sec + 16, raw);
    set32(sec + 20, SEC_RAW);
    uint8_t *cor = p + (mapped ? CLI_RVA : SEC_RAW);
    set32(cor, 72);
    cor[4] = 2, cor[6] = 5;
    set32(cor + 8, CLI_RVA + 72), set32(cor + 12, (uint32_t)mdlen);
    memcpy(cor + 72, md, mdlen);
    *len = n;
    return p;
}

/* ---- the standard sample ---- */

static const tdef TYPES[] = {
    {0, "", "<Module>"},      {0x100001, "NS", "Outer"}, {0x100002, "", "Inner"},
    {0x100002, "", "Deep`1"}, {0x100001, "", "Plain"},   {0x100001, "A.B", "Gen`2"},
    {0x100002, "X", "Odd"},   {0x100003, "", "<>c"},     {0x100001, "NS", "Outer+Not"},
};
static const uint32_t NESTED[][2] = {{3, 2}, {4, 3}, {7, 2}, {8, 6}};
static const uint32_t UNSORTED[][2] = {{8, 6}, {4, 3}, {7, 2}, {3, 2}};
static const char *const WANT[] = {
    NULL,    "<Module>",  "NS.Outer",       "NS.Outer+Inner", "NS.Outer+Inner+Deep`1",
    "Plain", "A.B.Gen`2", "NS.Outer+X.Odd", "A.B.Gen`2+<>c",  "NS.Outer+Not",
};

static spec sample(void)
{
    spec sp = {TYPES, 9, 0, NESTED, 4, 0, 0, 0, 0};
    return sp;
}

static void check_sample(const hd_md *md)
{
    char b[256];
    assert_int_equal(hd_md_typedef_count(md), 9);
    for (uint32_t r = 1; r <= 9; r++) {
        assert_int_equal(hd_md_typedef_name(md, r, b, sizeof b), (int)strlen(WANT[r]));
        assert_string_equal(b, WANT[r]);
    }
    assert_int_equal(hd_md_typedef_name(md, 0, b, sizeof b), -1);
    assert_int_equal(hd_md_typedef_name(md, 10, b, sizeof b), -1);
    assert_string_equal(b, "");
    uint32_t f;
    assert_int_equal(hd_md_typedef_flags(md, 3, &f), HD_OK);
    assert_int_equal(f, 0x100002);
    assert_int_equal(hd_md_typedef_flags(md, 10, &f), HD_EINPUT);
    assert_int_equal(hd_md_typedef_enclosing(md, 4), 3);
    assert_int_equal(hd_md_typedef_enclosing(md, 2), 0);
    assert_int_equal(hd_md_typedef_enclosing(md, 9), 0);
    assert_int_equal(hd_md_module_name(md, b, sizeof b), 11);
    assert_string_equal(b, "Crafted.dll");
    assert_int_equal(hd_md_assembly_name(md, b, sizeof b), 7);
    assert_string_equal(b, "Crafted");
    assert_int_equal(hd_md_typeref_count(md), 3);
    assert_int_equal(hd_md_typeref_name(md, 1, b, sizeof b), 13);
    assert_string_equal(b, "System.Object");
    assert_int_equal(hd_md_typeref_name(md, 3, b, sizeof b), 14);
    assert_string_equal(b, "Ns.Outer+Inner");
    assert_string_equal(md->version, "v4.0.30319");
    /* The name does not fit: -1 and an empty string, never a truncated name. */
    assert_int_equal(hd_md_typedef_name(md, 4, b, 21), -1);
    assert_string_equal(b, "");
    assert_int_equal(hd_md_typedef_name(md, 4, b, 22), 21);
}

static void test_names(void **state)
{
    (void)state;
    spec sp = sample();
    size_t len;
    uint8_t *m = build_md(&sp, &len);
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open(&md, m, len, 0, 0, &err), HD_OK);
    assert_int_equal(md.nested_sorted, 1);
    assert_null(md.enclosing);
    check_sample(&md);
    uint32_t v;
    assert_int_equal(hd_md_cell(&md, 0x20, 1, 1, &v), HD_OK); /* Assembly.MajorVersion */
    assert_int_equal(v, 1);
    assert_int_equal(hd_md_cell(&md, 0x20, 1, 9, &v), HD_EINPUT);
    assert_int_equal(hd_md_cell(&md, 0x2D, 1, 0, &v), HD_EINPUT);
    assert_int_equal(hd_md_cell(&md, 0x06, 1, 0, &v), HD_EINPUT); /* no MethodDef rows */
    hd_md_close(&md);
    free(m);
}

static void test_unsorted_nested(void **state)
{
    (void)state;
    spec sp = sample();
    sp.nested = UNSORTED;
    size_t len;
    uint8_t *m = build_md(&sp, &len);
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open(&md, m, len, 0, 0, &err), HD_OK);
    assert_int_equal(md.nested_sorted, 0);
    assert_non_null(md.enclosing);
    check_sample(&md);
    hd_md_close(&md);
    free(m);
}

static void test_cycles(void **state)
{
    (void)state;
    static const uint32_t loop[][2] = {{2, 3}, {3, 2}, {5, 5}, {6, 99}};
    spec sp = sample();
    sp.nested = loop;
    size_t len;
    uint8_t *m = build_md(&sp, &len);
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open(&md, m, len, 0, 0, &err), HD_OK);
    char b[256];
    assert_int_equal(hd_md_typedef_name(&md, 2, b, sizeof b), -1);
    assert_int_equal(hd_md_typedef_name(&md, 3, b, sizeof b), -1);
    assert_int_equal(hd_md_typedef_name(&md, 5, b, sizeof b), -1);
    /* An enclosing rid past the table is no enclosing class. */
    assert_int_equal(hd_md_typedef_name(&md, 6, b, sizeof b), 9);
    assert_string_equal(b, "A.B.Gen`2");
    assert_int_equal(hd_md_typedef_name(&md, 4, b, sizeof b), 6);
    hd_md_close(&md);
    free(m);
}

/* Row counts that widen the columns: 20,000 TypeDefs (TypeDefOrRef and HasCustomAttribute
 * coded indexes 4 bytes), 70,000 (TypeDef simple index 4 bytes in NestedClass), 9,000
 * MethodDefs (CustomAttributeType 4 bytes), 4-byte #Strings indexes, the extra-data word. */
static void test_wide(void **state)
{
    (void)state;
    static const struct {
        uint32_t filler, methods;
        int string4, extra;
    } cases[] = {{20000, 0, 0, 0}, {70000, 0, 1, 0}, {0, 3000, 0, 1}, {0, 9000, 1, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        static const uint32_t deep[][2] = {{3, 2}, {4, 3}, {7, 2}, {8, 6}, {20009, 2}};
        spec sp = sample();
        sp.filler_types = cases[c].filler;
        sp.n_methods = cases[c].methods;
        sp.string4 = cases[c].string4;
        sp.extra_data = cases[c].extra;
        if (sp.filler_types) sp.nested = deep, sp.n_nested = 5;
        size_t len;
        uint8_t *m = build_md(&sp, &len);
        hd_md md;
        hd_error err;
        hd_error_clear(&err);
        assert_int_equal(hd_md_open(&md, m, len, 0, 0, &err), HD_OK);
        char b[256];
        assert_int_equal(hd_md_typedef_count(&md), 9 + sp.filler_types);
        /* The widths the builder used, as the reader computed them. */
        assert_int_equal(md.col_size[0x02][3], sp.filler_types >= 16384 ? 4 : 2);
        assert_int_equal(md.col_size[0x29][0], sp.filler_types >= 65536 ? 4 : 2);
        assert_int_equal(md.col_size[0x0C][0], sp.filler_types || sp.n_methods ? 4 : 2);
        assert_int_equal(md.col_size[0x0C][1], sp.n_methods >= 8192 ? 4 : 2);
        assert_int_equal(md.col_size[0x02][1], sp.string4 ? 4 : 2);
        for (uint32_t r = 1; r <= 9; r++) {
            assert_true(hd_md_typedef_name(&md, r, b, sizeof b) > 0);
            assert_string_equal(b, WANT[r]);
        }
        if (sp.filler_types) {
            assert_int_equal(hd_md_typedef_name(&md, 20009, b, sizeof b), 10);
            assert_string_equal(b, "NS.Outer+T");
            assert_int_equal(hd_md_typedef_name(&md, 8 + sp.filler_types, b, sizeof b), 1);
        }
        assert_int_equal(hd_md_assembly_name(&md, b, sizeof b), 7);
        assert_string_equal(b, "Crafted");
        hd_md_close(&md);
        free(m);
    }
}

static void test_no_assembly(void **state)
{
    (void)state;
    spec sp = sample();
    sp.no_assembly = 1;
    size_t len;
    uint8_t *m = build_md(&sp, &len);
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open(&md, m, len, 0, 0, &err), HD_OK);
    char b[64];
    assert_int_equal(hd_md_assembly_name(&md, b, sizeof b), -1);
    assert_int_equal(hd_md_module_name(&md, b, sizeof b), 11);
    for (uint32_t r = 1; r <= 9; r++) {
        assert_true(hd_md_typedef_name(&md, r, b, sizeof b) > 0);
        assert_string_equal(b, WANT[r]);
    }
    hd_md_close(&md);
    free(m);
}

static void test_pe_layouts(void **state)
{
    (void)state;
    spec sp = sample();
    size_t mdlen;
    uint8_t *m = build_md(&sp, &mdlen);
    for (int is64 = 0; is64 < 2; is64++) {
        for (int mapped = 0; mapped < 2; mapped++) {
            size_t len;
            uint8_t *pe = build_pe(m, mdlen, is64, mapped, &len);
            assert_int_equal(hd_md_pe_layout(pe, len), mapped);
            hd_md md;
            hd_error err;
            for (int ask = -1; ask < 2; ask++) {
                hd_error_clear(&err);
                int rc = hd_md_open(&md, pe, len, 1, ask, &err);
                if (ask >= 0 && ask != mapped) {
                    assert_int_equal(rc, HD_EINPUT);
                    assert_non_null(strstr(err.msg, "BSJB"));
                    continue;
                }
                assert_int_equal(rc, HD_OK);
                assert_int_equal(md.mapped, mapped);
                check_sample(&md);
                hd_md_close(&md);
            }
            free(pe);
        }
    }
    free(m);
}

/* Opens [p, p + n) from an exact-size copy (so ASan sees any read past the end) and, when it
 * opens, asks for every name. Returns the status. */
static int try_open(const uint8_t *p, size_t n, int is_pe, int layout)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, p, n);
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_md_open(&md, c, n, is_pe, layout, &err);
    if (rc == HD_OK) {
        char b[512];
        for (uint32_t r = 0; r <= hd_md_typedef_count(&md) + 1; r++) {
            hd_md_typedef_name(&md, r, b, sizeof b);
            hd_md_typedef_enclosing(&md, r);
        }
        for (uint32_t r = 0; r <= hd_md_typeref_count(&md) + 1; r++)
            hd_md_typeref_name(&md, r, b, sizeof b);
        hd_md_module_name(&md, b, sizeof b);
        hd_md_assembly_name(&md, b, sizeof b);
        hd_md_close(&md);
    } else {
        assert_int_equal(rc, HD_EINPUT);
        assert_int_equal(err.code, HD_EINPUT);
        assert_true(err.msg[0] != '\0');
        assert_null(strchr(err.msg, '\n'));
    }
    free(c);
    return rc;
}

static void test_truncated(void **state)
{
    (void)state;
    spec sp = sample();
    size_t mdlen, pelen;
    uint8_t *m = build_md(&sp, &mdlen);
    /* The last stream ends at the end of the blob: every shorter blob is refused. */
    for (size_t n = 0; n < mdlen; n++) assert_int_equal(try_open(m, n, 0, 0), HD_EINPUT);
    assert_int_equal(try_open(m, mdlen, 0, 0), HD_OK);
    uint8_t *pe = build_pe(m, mdlen, 1, 0, &pelen);
    for (size_t n = 0; n < pelen; n++) try_open(pe, n, 1, -1);
    assert_int_equal(try_open(pe, 0x200 + 72 + mdlen - 1, 1, -1), HD_EINPUT);
    assert_int_equal(try_open(pe, 0x200 + 72 + mdlen, 1, -1), HD_OK);
    free(pe);
    free(m);
}

/* Every byte of the blob and of the PE headers overwritten with values that make offsets,
 * counts and indexes large. */
static void test_corrupted(void **state)
{
    (void)state;
    spec sp = sample();
    size_t mdlen, pelen;
    uint8_t *m = build_md(&sp, &mdlen);
    static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    for (size_t i = 0; i < mdlen; i++) {
        uint8_t keep = m[i];
        for (size_t v = 0; v < sizeof vals; v++) {
            m[i] = vals[v];
            try_open(m, mdlen, 0, 0);
        }
        m[i] = keep;
    }
    uint8_t *pe = build_pe(m, mdlen, 1, 1, &pelen);
    for (size_t i = 0; i < 0x200 + 72 + 96; i++) {
        size_t at = i < 0x200 ? i : CLI_RVA + i - 0x200;
        uint8_t keep = pe[at];
        for (size_t v = 0; v < sizeof vals; v++) {
            pe[at] = vals[v];
            try_open(pe, pelen, 1, -1);
            try_open(pe, pelen, 1, 0);
            hd_md_pe_layout(pe, pelen);
        }
        pe[at] = keep;
    }
    free(pe);

    /* Specific damage, each with its message. */
    struct {
        size_t at;
        uint32_t v;
        const char *msg;
    } cases[] = {
        {0, 0x424A5343, "BSJB"},            /* signature */
        {12, 0x10000, "version string"},    /* version length */
        {30, 0xFFFF, "at most 64 streams"}, /* stream count */
        {32, 0x7FFFFFF0, "stream inside"},  /* #~ offset */
        {36, 0xFFFFFFFF, "stream inside"},  /* #~ size */
        {96 + 24, 0x1000000, "below 2^24"}, /* Module row count */
        {96 + 32, 0xFFFFFF, "rows inside"}, /* TypeDef row count */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t *d = malloc(mdlen);
        memcpy(d, m, mdlen);
        set32(d + cases[c].at, cases[c].v);
        hd_md md;
        hd_error err;
        hd_error_clear(&err);
        assert_int_equal(hd_md_open(&md, d, mdlen, 0, 0, &err), HD_EINPUT);
        if (!strstr(err.msg, cases[c].msg)) fail_msg("case %zu: %s", c, err.msg);
        free(d);
    }
    /* No table stream: rename "#~". */
    uint8_t *d = malloc(mdlen);
    memcpy(d, m, mdlen);
    d[16 + 12 + 4 + 8 + 1] = '!';
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open(&md, d, mdlen, 0, 0, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "table stream"));
    /* A #Strings index past the heap, and a last string without its NUL: no name. */
    memcpy(d, m, mdlen);
    hd_error_clear(&err);
    assert_int_equal(hd_md_open(&md, d, mdlen, 0, 0, &err), HD_OK);
    uint32_t sidx;
    assert_int_equal(hd_md_cell(&md, 2, 2, 1, &sidx), HD_OK);
    uint8_t *cellp = (uint8_t *)md.tables + md.table_off[2] + md.row_size[2] + md.col_off[2][1];
    cellp[0] = 0xff, cellp[1] = 0xff;
    char b[64];
    assert_int_equal(hd_md_typedef_name(&md, 2, b, sizeof b), -1);
    assert_int_equal(hd_md_typedef_name(&md, 3, b, sizeof b), -1); /* its enclosing class */
    assert_null(hd_md_string(&md, md.strings_size));
    uint8_t *last = (uint8_t *)md.strings + md.strings_size - 1;
    while (last > md.strings && *last == 0) *last-- = 'x';
    assert_null(hd_md_string(&md, (uint32_t)(last - md.strings)));
    hd_md_close(&md);
    free(d);
    free(m);
}

static void test_pe_hostile(void **state)
{
    (void)state;
    spec sp = sample();
    size_t mdlen, len;
    uint8_t *m = build_md(&sp, &mdlen);
    uint8_t *pe = build_pe(m, mdlen, 1, 0, &len);
    struct {
        size_t at;
        uint32_t v;
        const char *msg;
    } cases[] = {
        {0x3c, 0xFFFFFFF0, "PE signature"},        /* e_lfanew */
        {0x86, 0xFFFF, "section"},                 /* sections */
        {0x98 + 108, 14, "CLI header"},            /* NumberOfRvaAndSizes */
        {0x98 + 112 + 8 * 14, 0, "CLI header"},    /* no CLI header */
        {0x98 + 112 + 8 * 14, 0xFFFFFFF0, "BSJB"}, /* CLI header RVA outside */
        {SEC_RAW + 8, 0x7FFFFFFF, "BSJB"},         /* metadata RVA outside */
        {SEC_RAW + 12, 0xFFFFFFFF, "BSJB"},        /* metadata size */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t *d = malloc(len);
        memcpy(d, pe, len);
        set32(d + cases[c].at, cases[c].v);
        hd_md md;
        hd_error err;
        hd_error_clear(&err);
        assert_int_equal(hd_md_open(&md, d, len, 1, -1, &err), HD_EINPUT);
        if (!strstr(err.msg, cases[c].msg)) fail_msg("case %zu: %s", c, err.msg);
        assert_int_equal(hd_md_pe_layout(d, len), -1);
        free(d);
    }
    free(pe);
    free(m);
}

/* ---- from a dump target ---- */

enum { BASE_FLAT = 0x10000000, BASE_MAPPED = 0x20000000 };

/* A target holding the file-layout image at BASE_FLAT and the mapped one at BASE_MAPPED, the
 * latter as two ranges (header page, section) with the gap between them not captured; `drop`
 * leaves out the mapped image's section range. */
typedef struct fake {
    hd_target t;
    hd_range r[3];
    uint8_t *data;
} fake;

static void fake_make(fake *f, const uint8_t *flat, size_t flen, const uint8_t *map, size_t mlen,
                      int drop)
{
    memset(f, 0, sizeof *f);
    f->data = malloc(flen + mlen);
    memcpy(f->data, flat, flen);
    memcpy(f->data + flen, map, mlen);
    f->t.file.data = f->data;
    f->t.file.size = flen + mlen;
    f->t.ranges = f->r;
    f->r[0] = (hd_range){BASE_FLAT, flen, 0, flen};
    f->r[1] = (hd_range){BASE_MAPPED, 0x1000, flen, 0x1000};
    f->r[2] = (hd_range){BASE_MAPPED + CLI_RVA, mlen - CLI_RVA, flen + CLI_RVA, mlen - CLI_RVA};
    f->t.n_ranges = drop ? 2 : 3;
}

static void test_target(void **state)
{
    (void)state;
    spec sp = sample();
    size_t mdlen, flen, mlen;
    uint8_t *m = build_md(&sp, &mdlen);
    uint8_t *flat = build_pe(m, mdlen, 1, 0, &flen), *map = build_pe(m, mdlen, 0, 1, &mlen);
    fake f;
    fake_make(&f, flat, flen, map, mlen, 0);
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open_target(&md, &f.t, BASE_FLAT, flen, &err), HD_OK);
    assert_int_equal(md.mapped, 0);
    assert_non_null(md.owned);
    check_sample(&md);
    hd_md_close(&md);
    assert_null(md.owned);
    assert_int_equal(hd_md_open_target(&md, &f.t, BASE_MAPPED, 0, &err), HD_OK);
    assert_int_equal(md.mapped, 1);
    check_sample(&md);
    hd_md_close(&md);
    assert_int_equal(hd_md_open_target(&md, &f.t, BASE_MAPPED, mlen, &err), HD_OK);
    hd_md_close(&md);
    /* A size that ends before the metadata: refused. */
    hd_error_clear(&err);
    assert_int_equal(hd_md_open_target(&md, &f.t, BASE_MAPPED, CLI_RVA + 80, &err), HD_EINPUT);
    /* Nothing at the address; headers but no sections. */
    hd_error_clear(&err);
    assert_int_equal(hd_md_open_target(&md, &f.t, 0x30000000, 0, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "not captured"));
    free(f.data);
    fake_make(&f, flat, flen, map, mlen, 1);
    hd_error_clear(&err);
    assert_int_equal(hd_md_open_target(&md, &f.t, BASE_MAPPED, 0, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "not captured"));
    /* The metadata range itself partly missing (the CLI header and signature are there). */
    f.r[2].file_size = 72 + 64;
    f.t.n_ranges = 3;
    hd_error_clear(&err);
    assert_int_equal(hd_md_open_target(&md, &f.t, BASE_MAPPED, 0, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "metadata"));
    assert_non_null(strstr(err.msg, "not captured"));
    free(f.data);
    free(flat);
    free(map);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),       cmocka_unit_test(test_unsorted_nested),
        cmocka_unit_test(test_cycles),      cmocka_unit_test(test_wide),
        cmocka_unit_test(test_no_assembly), cmocka_unit_test(test_pe_layouts),
        cmocka_unit_test(test_truncated),   cmocka_unit_test(test_corrupted),
        cmocka_unit_test(test_pe_hostile),  cmocka_unit_test(test_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
