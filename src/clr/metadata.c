/* ECMA-335 metadata reader (see metadata.h): PE layouts → CLI header → metadata root → streams
 * → table stream header → row sizes of every table → type, module and assembly names.
 *
 * Offsets are 64-bit sums checked against the size of what holds them before any byte is read;
 * row counts are capped at 2^24 (a token's rid has 24 bits) so products stay far from overflow. */
#include <stdlib.h>
#include <string.h>

#include "clr/metadata.h"
#include "util/alloc.h"
#include "util/endian.h"

enum {
    MAX_ROWS = 0xFFFFFF,        /* a token's rid is 24 bits */
    MAX_STREAMS = 64,           /* stream headers examined (5 are defined) */
    MAX_VERSION = 255,          /* II.24.2.1: version string length, padded */
    MAX_MD_SIZE = 512u << 20,   /* metadata copied out of a dump at most */
    HEADER_PAGE = 4096,         /* PE headers read from a dump */
    MAX_SECTIONS = 96,          /* the Windows loader refuses more */
    COR20_SIZE = 72,            /* IMAGE_COR20_HEADER */
    DIR_CLI = 14,               /* data directory of the CLI header */
    HEAP_STRING4 = 0x01,        /* HeapSizes bits (II.24.2.6) */
    HEAP_GUID4 = 0x02,          /*  */
    HEAP_BLOB4 = 0x04,          /*  */
    HEAP_DELTA_ONLY = 0x20,     /* EnC delta: every table index is 4 bytes (CoreCLR, SRM) */
    HEAP_EXTRA_DATA = 0x40,     /* 4 more bytes after the row counts (CoreCLR, SRM) */
    MD_SIGNATURE = 0x424A5342u, /* "BSJB" */
};

/* ---- schema (ECMA-335 II.22) ---- */

/* A column is a fixed-size field, a heap index, a simple index into a table (the table's
 * number, < 0x40) or a coded index (CODED + kind). */
enum { U2 = 0x80, U4, STR, GUID, BLOB, CODED = 0x40 };
enum {
    C_TYPEDEFORREF,
    C_HASCONSTANT,
    C_HASCUSTOMATTR,
    C_HASFIELDMARSHAL,
    C_HASDECLSECURITY,
    C_MEMBERREFPARENT,
    C_HASSEMANTICS,
    C_METHODDEFORREF,
    C_MEMBERFORWARDED,
    C_IMPLEMENTATION,
    C_CUSTOMATTRTYPE,
    C_RESOLUTIONSCOPE,
    C_TYPEORMETHODDEF,
    N_CODED
};
enum {
    T_MODULE = 0x00,
    T_TYPEREF,
    T_TYPEDEF,
    T_FIELDPTR,
    T_FIELD,
    T_METHODPTR,
    T_METHOD,
    T_PARAMPTR,
    T_PARAM,
    T_INTERFACEIMPL,
    T_MEMBERREF,
    T_CONSTANT,
    T_CUSTOMATTR,
    T_FIELDMARSHAL,
    T_DECLSECURITY,
    T_CLASSLAYOUT,
    T_FIELDLAYOUT,
    T_STANDALONESIG,
    T_EVENTMAP,
    T_EVENTPTR,
    T_EVENT,
    T_PROPERTYMAP,
    T_PROPERTYPTR,
    T_PROPERTY,
    T_METHODSEMANTICS,
    T_METHODIMPL,
    T_MODULEREF,
    T_TYPESPEC,
    T_IMPLMAP,
    T_FIELDRVA,
    T_ENCLOG,
    T_ENCMAP,
    T_ASSEMBLY,
    T_ASSEMBLYPROCESSOR,
    T_ASSEMBLYOS,
    T_ASSEMBLYREF,
    T_ASSEMBLYREFPROCESSOR,
    T_ASSEMBLYREFOS,
    T_FILE,
    T_EXPORTEDTYPE,
    T_MANIFESTRESOURCE,
    T_NESTEDCLASS,
    T_GENERICPARAM,
    T_METHODSPEC,
    T_GENERICPARAMCONSTRAINT,
    NO = 0xFF /* an unused tag value of a coded index */
};

/* II.24.2.6: the tag width and the tables each tag value selects. */
static const struct {
    uint8_t bits, n;
    uint8_t t[22];
} coded[N_CODED] = {
    [C_TYPEDEFORREF] = {2, 3, {T_TYPEDEF, T_TYPEREF, T_TYPESPEC}},
    [C_HASCONSTANT] = {2, 3, {T_FIELD, T_PARAM, T_PROPERTY}},
    [C_HASCUSTOMATTR] = {5, 22, {T_METHOD,           T_FIELD,        T_TYPEREF,
                                 T_TYPEDEF,          T_PARAM,        T_INTERFACEIMPL,
                                 T_MEMBERREF,        T_MODULE,       T_DECLSECURITY,
                                 T_PROPERTY,         T_EVENT,        T_STANDALONESIG,
                                 T_MODULEREF,        T_TYPESPEC,     T_ASSEMBLY,
                                 T_ASSEMBLYREF,      T_FILE,         T_EXPORTEDTYPE,
                                 T_MANIFESTRESOURCE, T_GENERICPARAM, T_GENERICPARAMCONSTRAINT,
                                 T_METHODSPEC}},
    [C_HASFIELDMARSHAL] = {1, 2, {T_FIELD, T_PARAM}},
    [C_HASDECLSECURITY] = {2, 3, {T_TYPEDEF, T_METHOD, T_ASSEMBLY}},
    [C_MEMBERREFPARENT] = {3, 5, {T_TYPEDEF, T_TYPEREF, T_MODULEREF, T_METHOD, T_TYPESPEC}},
    [C_HASSEMANTICS] = {1, 2, {T_EVENT, T_PROPERTY}},
    [C_METHODDEFORREF] = {1, 2, {T_METHOD, T_MEMBERREF}},
    [C_MEMBERFORWARDED] = {1, 2, {T_FIELD, T_METHOD}},
    [C_IMPLEMENTATION] = {2, 3, {T_FILE, T_ASSEMBLYREF, T_EXPORTEDTYPE}},
    [C_CUSTOMATTRTYPE] = {3, 5, {NO, NO, T_METHOD, T_MEMBERREF, NO}},
    [C_RESOLUTIONSCOPE] = {2, 4, {T_MODULE, T_MODULEREF, T_ASSEMBLYREF, T_TYPEREF}},
    [C_TYPEORMETHODDEF] = {1, 2, {T_TYPEDEF, T_METHOD}},
};

#define CI(k) (CODED + (k))
/* The columns of each table, in order. Constant's Type is a byte plus a padding byte: U2. */
static const struct {
    uint8_t n;
    uint8_t col[HD_MD_MAX_COLUMNS];
} schema[HD_MD_N_TABLES] = {
    [T_MODULE] = {5, {U2, STR, GUID, GUID, GUID}},
    [T_TYPEREF] = {3, {CI(C_RESOLUTIONSCOPE), STR, STR}},
    [T_TYPEDEF] = {6, {U4, STR, STR, CI(C_TYPEDEFORREF), T_FIELD, T_METHOD}},
    [T_FIELDPTR] = {1, {T_FIELD}},
    [T_FIELD] = {3, {U2, STR, BLOB}},
    [T_METHODPTR] = {1, {T_METHOD}},
    [T_METHOD] = {6, {U4, U2, U2, STR, BLOB, T_PARAM}},
    [T_PARAMPTR] = {1, {T_PARAM}},
    [T_PARAM] = {3, {U2, U2, STR}},
    [T_INTERFACEIMPL] = {2, {T_TYPEDEF, CI(C_TYPEDEFORREF)}},
    [T_MEMBERREF] = {3, {CI(C_MEMBERREFPARENT), STR, BLOB}},
    [T_CONSTANT] = {3, {U2, CI(C_HASCONSTANT), BLOB}},
    [T_CUSTOMATTR] = {3, {CI(C_HASCUSTOMATTR), CI(C_CUSTOMATTRTYPE), BLOB}},
    [T_FIELDMARSHAL] = {2, {CI(C_HASFIELDMARSHAL), BLOB}},
    [T_DECLSECURITY] = {3, {U2, CI(C_HASDECLSECURITY), BLOB}},
    [T_CLASSLAYOUT] = {3, {U2, U4, T_TYPEDEF}},
    [T_FIELDLAYOUT] = {2, {U4, T_FIELD}},
    [T_STANDALONESIG] = {1, {BLOB}},
    [T_EVENTMAP] = {2, {T_TYPEDEF, T_EVENT}},
    [T_EVENTPTR] = {1, {T_EVENT}},
    [T_EVENT] = {3, {U2, STR, CI(C_TYPEDEFORREF)}},
    [T_PROPERTYMAP] = {2, {T_TYPEDEF, T_PROPERTY}},
    [T_PROPERTYPTR] = {1, {T_PROPERTY}},
    [T_PROPERTY] = {3, {U2, STR, BLOB}},
    [T_METHODSEMANTICS] = {3, {U2, T_METHOD, CI(C_HASSEMANTICS)}},
    [T_METHODIMPL] = {3, {T_TYPEDEF, CI(C_METHODDEFORREF), CI(C_METHODDEFORREF)}},
    [T_MODULEREF] = {1, {STR}},
    [T_TYPESPEC] = {1, {BLOB}},
    [T_IMPLMAP] = {4, {U2, CI(C_MEMBERFORWARDED), STR, T_MODULEREF}},
    [T_FIELDRVA] = {2, {U4, T_FIELD}},
    [T_ENCLOG] = {2, {U4, U4}},
    [T_ENCMAP] = {1, {U4}},
    [T_ASSEMBLY] = {9, {U4, U2, U2, U2, U2, U4, BLOB, STR, STR}},
    [T_ASSEMBLYPROCESSOR] = {1, {U4}},
    [T_ASSEMBLYOS] = {3, {U4, U4, U4}},
    [T_ASSEMBLYREF] = {9, {U2, U2, U2, U2, U4, BLOB, STR, STR, BLOB}},
    [T_ASSEMBLYREFPROCESSOR] = {2, {U4, T_ASSEMBLYREF}},
    [T_ASSEMBLYREFOS] = {4, {U4, U4, U4, T_ASSEMBLYREF}},
    [T_FILE] = {3, {U4, STR, BLOB}},
    [T_EXPORTEDTYPE] = {5, {U4, U4, STR, STR, CI(C_IMPLEMENTATION)}},
    [T_MANIFESTRESOURCE] = {4, {U4, U4, STR, CI(C_IMPLEMENTATION)}},
    [T_NESTEDCLASS] = {2, {T_TYPEDEF, T_TYPEDEF}},
    [T_GENERICPARAM] = {4, {U2, U2, CI(C_TYPEORMETHODDEF), STR}},
    [T_METHODSPEC] = {2, {CI(C_METHODDEFORREF), BLOB}},
    [T_GENERICPARAMCONSTRAINT] = {2, {T_GENERICPARAM, CI(C_TYPEDEFORREF)}},
};
#undef CI

static uint32_t column_width(const hd_md *md, uint8_t kind)
{
    int all_large = (md->heap_sizes & HEAP_DELTA_ONLY) != 0;
    switch (kind) {
    case U2:
        return 2;
    case U4:
        return 4;
    case STR:
        return md->heap_sizes & HEAP_STRING4 ? 4 : 2;
    case GUID:
        return md->heap_sizes & HEAP_GUID4 ? 4 : 2;
    case BLOB:
        return md->heap_sizes & HEAP_BLOB4 ? 4 : 2;
    default:
        break;
    }
    if (all_large) return 4;
    if (kind < CODED) return md->rows[kind] < 0x10000 ? 2 : 4;
    /* A coded index is 2 bytes when every table it can select has fewer than 2^(16 - tag bits)
     * rows (II.24.2.6). */
    const uint32_t k = kind - CODED;
    uint32_t max = 0;
    for (uint32_t i = 0; i < coded[k].n; i++)
        if (coded[k].t[i] != NO && md->rows[coded[k].t[i]] > max) max = md->rows[coded[k].t[i]];
    return max < (1u << (16 - coded[k].bits)) ? 2 : 4;
}

/* ---- errors ---- */

static int bad(hd_error *err, uint64_t off, const char *what)
{
    return hd_error_at(err, "metadata", off, "expected %s", what);
}

/* ---- the table stream ---- */

static int open_tables(hd_md *md, const uint8_t *p, uint32_t size, uint32_t at, hd_error *err)
{
    if (size < 24) return bad(err, at, "a table stream header of 24 bytes");
    md->heap_sizes = p[6];
    md->valid = hd_le64(p + 8);
    md->sorted = hd_le64(p + 16);
    uint64_t off = 24;
    for (uint32_t i = 0; i < 64; i++) {
        if (!(md->valid >> i & 1)) continue;
        if (off + 4 > size) return bad(err, at + off, "a row count inside the table stream");
        uint32_t n = hd_le32(p + off);
        if (n > MAX_ROWS) return bad(err, at + off, "a row count below 2^24");
        md->rows[i] = n;
        off += 4;
    }
    if (md->heap_sizes & HEAP_EXTRA_DATA) off += 4;
    /* Tables are stored one after the other in the order of their numbers. Those past 0x2C
     * (Portable PDB tables, or unknown ones) have no schema here; they come after every table
     * this reader addresses, so they are left unaddressed rather than refused. */
    for (uint32_t i = 0; i < HD_MD_N_TABLES; i++) {
        uint32_t w = 0;
        for (uint32_t c = 0; c < schema[i].n; c++) {
            uint32_t cw = column_width(md, schema[i].col[c]);
            md->col_off[i][c] = (uint8_t)w;
            md->col_size[i][c] = (uint8_t)cw;
            w += cw;
        }
        md->row_size[i] = w;
        if (!md->rows[i]) continue;
        uint64_t bytes = (uint64_t)md->rows[i] * w;
        if (off > size || bytes > size - off)
            return bad(err, at + off, "a table's rows inside the table stream");
        md->table_off[i] = (uint32_t)off;
        off += bytes;
    }
    md->tables = p;
    md->tables_size = size;
    return HD_OK;
}

int hd_md_cell(const hd_md *md, uint32_t table, uint32_t rid, uint32_t col, uint32_t *value)
{
    *value = 0;
    if (!md->tables || table >= HD_MD_N_TABLES || rid == 0 || rid > md->rows[table] ||
        col >= schema[table].n)
        return HD_EINPUT;
    /* open_tables checked that every row of the table lies inside the stream. */
    const uint8_t *p = md->tables + md->table_off[table] +
                       (uint64_t)(rid - 1) * md->row_size[table] + md->col_off[table][col];
    *value = md->col_size[table][col] == 2 ? hd_le16(p) : hd_le32(p);
    return HD_OK;
}

static uint32_t cell(const hd_md *md, uint32_t table, uint32_t rid, uint32_t col)
{
    uint32_t v;
    hd_md_cell(md, table, rid, col, &v);
    return v;
}

const char *hd_md_string(const hd_md *md, uint32_t index)
{
    if (!md->strings || index >= md->strings_size) return NULL;
    const char *s = (const char *)md->strings + index;
    return memchr(s, '\0', md->strings_size - index) ? s : NULL;
}

/* ---- NestedClass ---- */

static int build_nesting(hd_md *md, hd_error *err)
{
    uint32_t n = md->rows[T_NESTEDCLASS];
    md->nested_sorted = 1;
    for (uint32_t r = 2; r <= n && md->nested_sorted; r++)
        if (cell(md, T_NESTEDCLASS, r, 0) < cell(md, T_NESTEDCLASS, r - 1, 0))
            md->nested_sorted = 0;
    if (md->nested_sorted) return HD_OK;
    /* Unsorted (hand-made or damaged metadata): one index, built once; the first row for a
     * type wins, as the binary search's lower bound does on sorted rows. */
    md->enclosing = hd_calloc((uint64_t)md->rows[T_TYPEDEF] + 1, sizeof *md->enclosing,
                              "the NestedClass index", err);
    if (!md->enclosing) return HD_EINTERNAL;
    for (uint32_t r = 1; r <= n; r++) {
        uint32_t nested = cell(md, T_NESTEDCLASS, r, 0), outer = cell(md, T_NESTEDCLASS, r, 1);
        if (nested && nested <= md->rows[T_TYPEDEF] && !md->enclosing[nested])
            md->enclosing[nested] = outer;
    }
    return HD_OK;
}

uint32_t hd_md_typedef_enclosing(const hd_md *md, uint32_t rid)
{
    uint32_t outer = 0;
    if (rid == 0 || rid > md->rows[T_TYPEDEF]) return 0;
    if (md->enclosing) {
        outer = md->enclosing[rid];
    } else if (md->nested_sorted) {
        uint32_t lo = 1, hi = md->rows[T_NESTEDCLASS] + 1; /* first row with NestedClass >= rid */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (cell(md, T_NESTEDCLASS, mid, 0) < rid)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo <= md->rows[T_NESTEDCLASS] && cell(md, T_NESTEDCLASS, lo, 0) == rid)
            outer = cell(md, T_NESTEDCLASS, lo, 1);
    }
    return outer <= md->rows[T_TYPEDEF] ? outer : 0;
}

/* ---- the metadata root ---- */

static int open_root(hd_md *md, const uint8_t *p, size_t len, hd_error *err)
{
    if (len < 20) return bad(err, 0, "a metadata root of at least 20 bytes");
    if (hd_le32(p) != MD_SIGNATURE) return bad(err, 0, "the metadata signature \"BSJB\"");
    if (len > UINT32_MAX) return bad(err, 0, "metadata smaller than 4 GiB");
    md->root = p;
    md->root_size = (uint32_t)len;
    uint32_t vlen = hd_le32(p + 12);
    if (vlen > MAX_VERSION + 1 || 16 + (uint64_t)vlen + 4 > len)
        return bad(err, 12, "a version string of at most 256 bytes inside the metadata");
    size_t vn = strnlen((const char *)p + 16, vlen);
    if (vn >= sizeof md->version) vn = sizeof md->version - 1;
    memcpy(md->version, p + 16, vn);
    md->version[vn] = '\0';
    uint32_t nstreams = hd_le16(p + 16 + vlen + 2);
    uint64_t off = 16 + (uint64_t)vlen + 4;
    if (nstreams > MAX_STREAMS) return bad(err, off - 2, "at most 64 streams");
    const uint8_t *tbl = NULL;
    uint32_t tbl_size = 0, tbl_at = 0;
    for (uint32_t i = 0; i < nstreams; i++) {
        if (off + 8 > len) return bad(err, off, "a stream header inside the metadata");
        uint32_t so = hd_le32(p + off), ss = hd_le32(p + off + 4);
        const char *name = (const char *)p + off + 8;
        size_t room = len - (off + 8) < 32 ? (size_t)(len - (off + 8)) : 32;
        size_t nl = strnlen(name, room);
        if (nl == room) return bad(err, off + 8, "a stream name of at most 31 characters");
        if (so > len || ss > len - so) return bad(err, off, "a stream inside the metadata");
        const uint8_t *sp = p + so;
        /* The first stream of each name counts, as in the runtime. */
        if (!strcmp(name, "#~") || !strcmp(name, "#-")) {
            if (!tbl) tbl = sp, tbl_size = ss, tbl_at = so, md->uncompressed = name[1] == '-';
        } else if (!strcmp(name, "#Strings")) {
            if (!md->strings) md->strings = sp, md->strings_size = ss;
        } else if (!strcmp(name, "#Blob")) {
            if (!md->blob) md->blob = sp, md->blob_size = ss;
        } else if (!strcmp(name, "#GUID")) {
            if (!md->guid) md->guid = sp, md->guid_size = ss;
        } else if (!strcmp(name, "#US")) {
            if (!md->us) md->us = sp, md->us_size = ss;
        }
        off += 8 + ((nl + 4) & ~(size_t)3); /* the name, its NUL, padded to 4 bytes */
    }
    if (!tbl) return bad(err, 16 + (uint64_t)vlen + 4, "a table stream (#~ or #-)");
    return open_tables(md, tbl, tbl_size, tbl_at, err);
}

/* ---- PE layouts ---- */

typedef struct pe_hdr {
    uint32_t size_of_image, size_of_headers;
    uint32_t cli_rva, cli_size;
    uint32_t nsec;
    struct {
        uint32_t vaddr, vsize, raw_off, raw_size;
    } sec[MAX_SECTIONS];
} pe_hdr;

/* The headers at the start of p (either layout: they are the same bytes). */
static int parse_pe(const uint8_t *p, size_t len, pe_hdr *h, uint64_t base, hd_error *err)
{
    memset(h, 0, sizeof *h);
#define PEBAD(...)                                                                                 \
    return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: expected %s",                         \
                        (unsigned long long)base, __VA_ARGS__)
    if (len < 64 || p[0] != 'M' || p[1] != 'Z') PEBAD("the DOS signature \"MZ\"");
    uint32_t lfanew = hd_le32(p + 0x3c);
    if (lfanew < 4 || (uint64_t)lfanew + 24 > len || memcmp(p + lfanew, "PE\0\0", 4))
        PEBAD("the PE signature at e_lfanew inside the headers");
    uint32_t nsec = hd_le16(p + lfanew + 6), optsz = hd_le16(p + lfanew + 20);
    uint64_t opt = (uint64_t)lfanew + 24;
    if (opt + optsz > len || optsz < 2) PEBAD("an optional header inside the headers");
    uint32_t magic = hd_le16(p + opt), dirs;
    if (magic == 0x10b)
        dirs = 96;
    else if (magic == 0x20b)
        dirs = 112;
    else
        PEBAD("optional header magic 0x10b (PE32) or 0x20b (PE32+)");
    if (optsz < dirs + 8 * (DIR_CLI + 1) || hd_le32(p + opt + dirs - 4) < DIR_CLI + 1)
        PEBAD("a CLI header data directory (a .NET image)");
    h->size_of_image = hd_le32(p + opt + 56);
    h->size_of_headers = hd_le32(p + opt + 60);
    h->cli_rva = hd_le32(p + opt + dirs + 8 * DIR_CLI);
    h->cli_size = hd_le32(p + opt + dirs + 8 * DIR_CLI + 4);
    if (h->cli_rva == 0 || h->cli_size < 16) PEBAD("a CLI header (a .NET image)");
    if (nsec > MAX_SECTIONS) PEBAD("at most 96 sections");
    uint64_t st = opt + optsz;
    if (st + 40ull * nsec > len) PEBAD("a section table inside the headers");
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *s = p + st + 40 * i;
        h->sec[i].vsize = hd_le32(s + 8);
        h->sec[i].vaddr = hd_le32(s + 12);
        h->sec[i].raw_size = hd_le32(s + 16);
        h->sec[i].raw_off = hd_le32(s + 20);
    }
    h->nsec = nsec;
    return HD_OK;
#undef PEBAD
}

/* Where [rva, rva + size) is, relative to the image start, in the given layout; -1 when no
 * section holds it. The headers map to themselves in both layouts. */
static int64_t rva_offset(const pe_hdr *h, uint32_t rva, uint32_t size, int mapped)
{
    uint64_t end = (uint64_t)rva + size;
    if (mapped) return h->size_of_image && end > h->size_of_image ? -1 : (int64_t)rva;
    if (end <= h->size_of_headers) return rva;
    for (uint32_t i = 0; i < h->nsec; i++) {
        uint64_t va = h->sec[i].vaddr, raw = h->sec[i].raw_size;
        if (rva >= va && end <= va + raw) return (int64_t)(h->sec[i].raw_off + (rva - va));
    }
    return -1;
}

/* The metadata range of the image read through `get` in one layout: HD_OK with *md_off and
 * *md_size when the CLI header and the "BSJB" signature are where that layout puts them. */
typedef int (*read_fn)(const void *ctx, uint64_t off, void *buf, uint32_t size);

static int locate(const pe_hdr *h, int mapped, read_fn get, const void *ctx, uint64_t *md_off,
                  uint32_t *md_size)
{
    uint8_t cor[16], sig[4];
    int64_t c = rva_offset(h, h->cli_rva, 16, mapped);
    if (c < 0 || get(ctx, (uint64_t)c, cor, 16)) return -1;
    uint32_t cb = hd_le32(cor), rva = hd_le32(cor + 8), size = hd_le32(cor + 12);
    if (cb < 16 || rva == 0 || size < 20) return -1;
    int64_t m = rva_offset(h, rva, size, mapped);
    if (m < 0 || get(ctx, (uint64_t)m, sig, 4) || hd_le32(sig) != MD_SIGNATURE) return -1;
    *md_off = (uint64_t)m;
    *md_size = size;
    return 0;
}

struct mem {
    const uint8_t *p;
    size_t len;
};
static int mem_get(const void *ctx, uint64_t off, void *buf, uint32_t size)
{
    const struct mem *m = ctx;
    if (off > m->len || size > m->len - off) return -1;
    memcpy(buf, m->p + off, size);
    return 0;
}

int hd_md_pe_layout(const uint8_t *pe, size_t len)
{
    pe_hdr *h = malloc(sizeof *h);
    if (!h) return -1;
    struct mem m = {pe, len};
    uint64_t off;
    uint32_t size;
    int layout = -1;
    if (parse_pe(pe, len, h, 0, NULL) == HD_OK) {
        if (locate(h, 0, mem_get, &m, &off, &size) == 0 && off + size <= len)
            layout = 0;
        else if (locate(h, 1, mem_get, &m, &off, &size) == 0 && off + size <= len)
            layout = 1;
    }
    free(h);
    return layout;
}

/* ---- open / close ---- */

int hd_md_open(hd_md *md, const uint8_t *pe_or_md, size_t len, int is_pe_image, int mapped_layout,
               hd_error *err)
{
    memset(md, 0, sizeof *md);
    const uint8_t *p = pe_or_md;
    if (is_pe_image) {
        pe_hdr *h = malloc(sizeof *h);
        if (!h) return hd_error_oom(err, "PE headers", sizeof *h);
        int rc = parse_pe(pe_or_md, len, h, 0, err);
        if (rc) {
            free(h);
            return rc;
        }
        struct mem m = {pe_or_md, len};
        uint64_t off = 0;
        uint32_t size = 0;
        int mapped = mapped_layout;
        if (mapped < 0) mapped = locate(h, 0, mem_get, &m, &off, &size) == 0 ? 0 : 1;
        rc = locate(h, mapped, mem_get, &m, &off, &size);
        free(h);
        if (rc || off > len || size > len - off)
            return hd_error_set(err, HD_EINPUT,
                                "PE image: expected a CLI header and metadata (\"BSJB\") inside "
                                "the image in its %s layout",
                                mapped ? "mapped" : "file");
        md->from_pe = 1;
        md->mapped = mapped;
        p = pe_or_md + off;
        len = size;
    }
    int rc = open_root(md, p, len, err);
    if (rc == HD_OK) rc = build_nesting(md, err);
    if (rc != HD_OK) {
        free(md->enclosing);
        memset(md, 0, sizeof *md);
        return rc;
    }
    md->from_pe = is_pe_image != 0;
    return HD_OK;
}

struct tgt {
    const hd_target *t;
    uint64_t base, size; /* size 0: unknown */
};
static int tgt_get(const void *ctx, uint64_t off, void *buf, uint32_t size)
{
    const struct tgt *g = ctx;
    if (g->size && (off > g->size || size > g->size - off)) return -1;
    if (g->base + off < g->base) return -1;
    return hd_target_read(g->t, g->base + off, buf, size, NULL) == HD_OK ? 0 : -1;
}

int hd_md_open_target(hd_md *md, const hd_target *t, uint64_t base, uint64_t size, hd_error *err)
{
    memset(md, 0, sizeof *md);
    uint8_t hdr[HEADER_PAGE];
    uint64_t got = 0, want = size && size < HEADER_PAGE ? size : HEADER_PAGE;
    hd_target_read(t, base, hdr, want, &got);
    if (got < 64)
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: its headers are not captured in the dump",
                            (unsigned long long)base);
    pe_hdr *h = malloc(sizeof *h);
    if (!h) return hd_error_oom(err, "PE headers", sizeof *h);
    int rc = parse_pe(hdr, (size_t)got, h, base, err);
    if (rc) {
        free(h);
        return rc;
    }
    /* Flat (the file's bytes as they are) or mapped section by section: the layout is the one
     * in which the CLI header and the "BSJB" signature are found where the section table says.
     * In a flat mapping base + RVA is some other byte of the file (or past its end), so the two
     * checks together pick one; when they agree the image reads the same either way. */
    struct tgt g = {t, base, size};
    uint64_t off = 0;
    uint32_t mdsize = 0;
    int mapped = 0;
    if (locate(h, 0, tgt_get, &g, &off, &mdsize) != 0) {
        mapped = 1;
        if (locate(h, 1, tgt_get, &g, &off, &mdsize) != 0) {
            free(h);
            return hd_error_set(err, HD_EINPUT,
                                "PE image at 0x%llx: its CLI header or metadata (\"BSJB\") is "
                                "not captured in the dump (neither file nor mapped layout)",
                                (unsigned long long)base);
        }
    }
    free(h);
    if (mdsize > MAX_MD_SIZE || (size && (off > size || mdsize > size - off)))
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected metadata (%u bytes at +0x%llx) inside "
                            "the image and below 512 MiB",
                            (unsigned long long)base, mdsize, (unsigned long long)off);
    uint8_t *buf = hd_alloc(mdsize, 1, "metadata", err);
    if (!buf) return HD_EINTERNAL;
    got = 0;
    if (hd_target_read(t, base + off, buf, mdsize, &got) != HD_OK) {
        free(buf);
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: metadata [0x%llx, +%u) is not captured in the "
                            "dump (%llu bytes are)",
                            (unsigned long long)base, (unsigned long long)(base + off), mdsize,
                            (unsigned long long)got);
    }
    rc = hd_md_open(md, buf, mdsize, 0, 0, err);
    if (rc) {
        free(buf);
        return rc;
    }
    md->owned = buf;
    md->from_pe = 1;
    md->mapped = mapped;
    return HD_OK;
}

void hd_md_close(hd_md *md)
{
    if (!md) return;
    free(md->enclosing);
    free(md->owned);
    memset(md, 0, sizeof *md);
}

/* ---- names ---- */

uint32_t hd_md_typedef_count(const hd_md *md)
{
    return md->rows[T_TYPEDEF];
}

uint32_t hd_md_typeref_count(const hd_md *md)
{
    return md->rows[T_TYPEREF];
}

int hd_md_typedef_flags(const hd_md *md, uint32_t rid, uint32_t *flags)
{
    return hd_md_cell(md, T_TYPEDEF, rid, 0, flags);
}

/* Appends s to buf[*n] when it fits (leaving room for the NUL). */
static int append(char *buf, size_t cap, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (l >= cap - *n) return -1;
    memcpy(buf + *n, s, l + 1);
    *n += l;
    return 0;
}

/* Writes the names of chain[depth-1] (outermost) .. chain[0], "+"-separated, each as
 * "Namespace.Name" or "Name". table: TypeDef (name column 1, namespace 2) or TypeRef (1, 2). */
static int write_chain(const hd_md *md, uint32_t table, const uint32_t *chain, uint32_t depth,
                       char *buf, size_t cap)
{
    size_t n = 0;
    for (uint32_t i = depth; i-- > 0;) {
        const char *name = hd_md_string(md, cell(md, table, chain[i], 1));
        const char *ns = hd_md_string(md, cell(md, table, chain[i], 2));
        if (!name || !ns) goto fail;
        if (i + 1 != depth && append(buf, cap, &n, "+")) goto fail;
        if (ns[0] && (append(buf, cap, &n, ns) || append(buf, cap, &n, "."))) goto fail;
        if (append(buf, cap, &n, name)) goto fail;
    }
    return n > INT32_MAX ? -1 : (int)n;
fail:
    buf[0] = '\0';
    return -1;
}

int hd_md_typedef_name(const hd_md *md, uint32_t rid, char *buf, size_t cap)
{
    if (!buf || cap == 0) return -1;
    buf[0] = '\0';
    if (rid == 0 || rid > md->rows[T_TYPEDEF]) return -1;
    uint32_t chain[HD_MD_MAX_NESTING], depth = 0;
    for (uint32_t r = rid; r; r = hd_md_typedef_enclosing(md, r)) {
        if (depth == HD_MD_MAX_NESTING) return -1; /* a cycle, or absurdly deep */
        chain[depth++] = r;
    }
    return write_chain(md, T_TYPEDEF, chain, depth, buf, cap);
}

int hd_md_typeref_name(const hd_md *md, uint32_t rid, char *buf, size_t cap)
{
    if (!buf || cap == 0) return -1;
    buf[0] = '\0';
    if (rid == 0 || rid > md->rows[T_TYPEREF]) return -1;
    uint32_t chain[HD_MD_MAX_NESTING], depth = 0;
    for (uint32_t r = rid; r;) {
        if (depth == HD_MD_MAX_NESTING) return -1;
        chain[depth++] = r;
        /* ResolutionScope tag 3: the TypeRef of the enclosing type (II.22.38). */
        uint32_t scope = cell(md, T_TYPEREF, r, 0);
        r = (scope & 3) == 3 ? scope >> 2 : 0;
        if (r > md->rows[T_TYPEREF]) return -1;
    }
    return write_chain(md, T_TYPEREF, chain, depth, buf, cap);
}

static int copy_string(const hd_md *md, uint32_t table, uint32_t col, char *buf, size_t cap)
{
    if (!buf || cap == 0) return -1;
    buf[0] = '\0';
    uint32_t idx;
    if (hd_md_cell(md, table, 1, col, &idx)) return -1;
    const char *s = hd_md_string(md, idx);
    size_t n = 0;
    if (!s || append(buf, cap, &n, s)) return -1;
    return n > INT32_MAX ? -1 : (int)n;
}

int hd_md_module_name(const hd_md *md, char *buf, size_t cap)
{
    return copy_string(md, T_MODULE, 1, buf, cap);
}

int hd_md_assembly_name(const hd_md *md, char *buf, size_t cap)
{
    return copy_string(md, T_ASSEMBLY, 7, buf, cap);
}
