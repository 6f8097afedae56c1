/* PE images mapped in a process dump: headers, section table, exports and the version resource
 * (see pe_image.h). All offsets are RVAs checked against SizeOfImage before they are added to
 * the base; counts are capped; the resource tree is walked a fixed three levels deep. */
#include <string.h>

#include "target/elf_image.h" /* hd_le16/32/64 */
#include "target/pe_image.h"

enum {
    MAX_LFANEW = 1 << 24,   /* the PE header lies in the first page in practice */
    MAX_EXPORTS = 1 << 20,  /* functions and names of one export directory */
    MAX_NAME = 4096,        /* symbol name length compared */
    MAX_RES_ENTRIES = 4096, /* entries of one resource directory examined */
    VS_FFI_SIGNATURE = 0xFEEF04BDu,
};

static int src_get(const hd_image_src *s, uint64_t addr, void *buf, uint64_t size, uint64_t *got)
{
    if (addr + size < addr) {
        if (got) *got = 0;
        return HD_EINPUT;
    }
    return hd_image_src_read(s, addr, buf, size, got);
}

int hd_pe_image_open_src(const hd_image_src *s, hd_pe_image *im, int *not_captured, hd_error *err)
{
    uint64_t base = s->base;
    memset(im, 0, sizeof *im);
    if (not_captured) *not_captured = 0;
    uint8_t dos[64], nt[24], opt[240];
#define MISSING(what)                                                                              \
    do {                                                                                           \
        if (not_captured) *not_captured = 1;                                                       \
        return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: %s is not captured in the dump",  \
                            (unsigned long long)base, what);                                       \
    } while (0)
#define BAD(...)                                                                                   \
    return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: expected %s",                         \
                        (unsigned long long)base, __VA_ARGS__)
    if (src_get(s, base, dos, 2, NULL)) MISSING("its DOS header");
    if (dos[0] != 'M' || dos[1] != 'Z') BAD("the DOS signature \"MZ\"");
    if (src_get(s, base, dos, 64, NULL)) MISSING("its DOS header");
    uint32_t lfanew = hd_le32(dos + 0x3c);
    if (lfanew < 4 || lfanew > MAX_LFANEW) BAD("e_lfanew between 4 and 16 MiB");
    if (src_get(s, base + lfanew, nt, 24, NULL)) MISSING("its PE header");
    if (memcmp(nt, "PE\0\0", 4)) BAD("the PE signature \"PE\\0\\0\" at e_lfanew");
    im->base = base;
    im->e_lfanew = lfanew;
    im->machine = hd_le16(nt + 4);
    uint32_t nsec = hd_le16(nt + 6);
    im->timestamp = hd_le32(nt + 8);
    uint32_t optsz = hd_le16(nt + 20);
    im->characteristics = hd_le16(nt + 22);
    if (nsec > HD_PE_MAX_SECTIONS) BAD("at most 96 sections");
    if (optsz < 2) BAD("an optional header");
    uint64_t opt_at = base + lfanew + 24;
    uint32_t want = optsz < sizeof opt ? optsz : (uint32_t)sizeof opt;
    if (src_get(s, opt_at, opt, want, NULL)) MISSING("its optional header");
    im->magic = hd_le16(opt);
    uint32_t dir_off, n_at;
    if (im->magic == 0x10b) {
        if (want < 96) BAD("a PE32 optional header of at least 96 bytes");
        im->ptr = 4;
        im->image_base = hd_le32(opt + 28);
        dir_off = 96, n_at = 92;
    } else if (im->magic == 0x20b) {
        if (want < 112) BAD("a PE32+ optional header of at least 112 bytes");
        im->ptr = 8;
        im->image_base = hd_le64(opt + 24);
        dir_off = 112, n_at = 108;
    } else {
        BAD("optional header magic 0x10b (PE32) or 0x20b (PE32+)");
    }
    im->size_of_image = hd_le32(opt + 56);
    im->size_of_headers = hd_le32(opt + 60);
    im->checksum = hd_le32(opt + 64);
    if (im->size_of_image == 0 || (uint64_t)base + im->size_of_image < base)
        BAD("a SizeOfImage that is not 0 and ends below 2^64");
    uint32_t ndir = hd_le32(opt + n_at);
    uint32_t fit = (want - dir_off) / 8;
    if (ndir > fit) ndir = fit;
    if (ndir > 16) ndir = 16;
    im->n_dirs = ndir;
    for (uint32_t i = 0; i < ndir; i++) {
        im->dir[i].rva = hd_le32(opt + dir_off + 8 * i);
        im->dir[i].size = hd_le32(opt + dir_off + 8 * i + 4);
    }
    uint8_t sec[HD_PE_MAX_SECTIONS * 40];
    if (nsec && src_get(s, opt_at + optsz, sec, (uint64_t)nsec * 40, NULL))
        MISSING("its section table");
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *p = sec + 40 * i;
        hd_pe_section *x = &im->sec[i];
        memcpy(x->name, p, 8);
        x->name[8] = '\0';
        x->vsize = hd_le32(p + 8);
        x->vaddr = hd_le32(p + 12);
        x->raw_size = hd_le32(p + 16);
        x->raw_off = hd_le32(p + 20);
        x->flags = hd_le32(p + 36);
    }
    im->n_sections = nsec;
    return HD_OK;
#undef MISSING
#undef BAD
}

int hd_pe_image_open(const hd_target *t, uint64_t base, hd_pe_image *im)
{
    hd_image_src s = {t, NULL, base};
    return hd_pe_image_open_src(&s, im, NULL, NULL);
}

/* [rva, rva + size) inside the image? */
static int in_image(const hd_pe_image *im, uint64_t rva, uint64_t size)
{
    return rva <= im->size_of_image && size <= im->size_of_image - rva;
}

struct exp {
    const hd_image_src *s;
    const hd_pe_image *im;
    uint32_t names, ords, funcs, n_names, n_funcs;
    const char *name;
    size_t len;
    int missing;
};

/* Compares the export name at index i with e->name like strcmp (bytes unsigned): <0, 0, >0;
 * 2 when the answer is unknown (not captured, or a name RVA outside the image: *bad). */
static int cmp_name(struct exp *e, uint32_t i, int *bad)
{
    uint8_t w[4], nm[MAX_NAME + 1];
    uint64_t got = 0;
    if (src_get(e->s, e->im->base + e->names + (uint64_t)i * 4, w, 4, NULL)) {
        e->missing = 1;
        return 2;
    }
    uint32_t rva = hd_le32(w);
    if (rva >= e->im->size_of_image) {
        *bad = 1;
        return 2;
    }
    uint64_t want = e->len + 1;
    if (want > e->im->size_of_image - rva) want = e->im->size_of_image - rva;
    src_get(e->s, e->im->base + rva, nm, want, &got);
    /* A name shorter than ours may end before the first byte the dump lacks. */
    for (uint64_t k = 0; k < got; k++) {
        uint8_t a = nm[k], b = k < e->len ? (uint8_t)e->name[k] : 0;
        if (a != b) return a < b ? -1 : 1;
        if (a == 0) return 0;
    }
    if (got == want && want < e->len + 1) return 1; /* runs past the image: not ours */
    e->missing = 1;
    return 2;
}

int hd_pe_image_export_src(const hd_image_src *s, const char *name, uint64_t *addr,
                           char forward[256], int *not_captured, hd_error *err)
{
    hd_pe_image im;
    if (not_captured) *not_captured = 0;
    if (forward) forward[0] = '\0';
    if (hd_pe_image_open_src(s, &im, not_captured, err)) return HD_EINPUT;
    unsigned long long b = s->base;
    if (im.n_dirs <= HD_PE_DIR_EXPORT || !im.dir[0].rva || !im.dir[0].size)
        return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: has no export directory", b);
    uint32_t drva = im.dir[0].rva, dsize = im.dir[0].size;
    if (!in_image(&im, drva, 40))
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected the export directory (RVA 0x%x) inside "
                            "the image (0x%x bytes)",
                            b, drva, im.size_of_image);
    uint8_t d[40];
    if (src_get(s, b + drva, d, 40, NULL)) {
        if (not_captured) *not_captured = 1;
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: its export directory (RVA 0x%x) is not captured "
                            "in the dump",
                            b, drva);
    }
    struct exp e = {s,
                    &im,
                    hd_le32(d + 32),
                    hd_le32(d + 36),
                    hd_le32(d + 28),
                    hd_le32(d + 24),
                    hd_le32(d + 20),
                    name,
                    strlen(name),
                    0};
    if (e.len > MAX_NAME)
        return hd_error_set(err, HD_EINPUT, "symbol name longer than %d bytes", MAX_NAME);
    if (e.n_funcs > MAX_EXPORTS || e.n_names > MAX_EXPORTS ||
        !in_image(&im, e.funcs, (uint64_t)e.n_funcs * 4) ||
        !in_image(&im, e.names, (uint64_t)e.n_names * 4) ||
        !in_image(&im, e.ords, (uint64_t)e.n_names * 2))
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected export tables (%u functions, %u names) "
                            "of at most %d entries inside the image (0x%x bytes)",
                            b, e.n_funcs, e.n_names, MAX_EXPORTS, im.size_of_image);
    int bad = 0;
    int64_t found = -1;
    /* Binary search (the loader's own lookup); names are sorted by the linker. */
    uint32_t lo = 0, hi = e.n_names;
    while (lo < hi && !bad) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = cmp_name(&e, mid, &bad);
        if (c == 2) break;
        if (c == 0) {
            found = mid;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Unsorted (hand-made or damaged) tables: every name once. */
    for (uint32_t i = 0; found < 0 && !e.missing && i < e.n_names; i++) {
        int bad_i = 0;
        if (cmp_name(&e, i, &bad_i) == 0) found = i;
        bad |= bad_i;
    }
    if (found < 0) {
        if (not_captured) *not_captured = e.missing;
        return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: symbol \"%s\" %s", b, name,
                            e.missing ? "cannot be looked up: its export tables are not captured "
                                        "in the dump"
                            : bad     ? "is not exported (and some export names lie outside the "
                                        "image)"
                                      : "is not exported");
    }
    uint8_t w[4];
    if (src_get(s, b + e.ords + (uint64_t)found * 2, w, 2, NULL)) {
        if (not_captured) *not_captured = 1;
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: the ordinal of \"%s\" is not captured in the dump",
                            b, name);
    }
    uint32_t ord = hd_le16(w);
    if (ord >= e.n_funcs)
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected the ordinal index of \"%s\" (%u) below "
                            "NumberOfFunctions (%u)",
                            b, name, ord, e.n_funcs);
    if (src_get(s, b + e.funcs + (uint64_t)ord * 4, w, 4, NULL)) {
        if (not_captured) *not_captured = 1;
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: the address of \"%s\" is not captured in the dump",
                            b, name);
    }
    uint32_t rva = hd_le32(w);
    if (rva >= drva && rva - drva < dsize) {
        /* A forwarder: the RVA points at "MODULE.NAME" inside the export directory. */
        char fw[256];
        uint64_t got = 0, want = sizeof fw - 1;
        if (want > im.size_of_image - rva) want = im.size_of_image - rva;
        src_get(s, b + rva, fw, want, &got);
        size_t n = strnlen(fw, (size_t)got);
        if (n == got && got < want) {
            if (not_captured) *not_captured = 1;
            return hd_error_set(err, HD_EINPUT,
                                "PE image at 0x%llx: \"%s\" is forwarded, and the forwarder "
                                "string is not captured in the dump",
                                b, name);
        }
        fw[n < sizeof fw ? n : sizeof fw - 1] = '\0';
        if (forward) memcpy(forward, fw, strlen(fw) + 1);
        return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: \"%s\" is forwarded to %s", b,
                            name, fw);
    }
    if (rva == 0 || rva >= im.size_of_image)
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected the RVA of \"%s\" (0x%x) inside the "
                            "image (0x%x bytes)",
                            b, name, rva, im.size_of_image);
    *addr = b + rva;
    return HD_OK;
}

int hd_pe_image_export(const hd_target *t, uint64_t base, const char *name, uint64_t *addr,
                       int *not_captured, hd_error *err)
{
    hd_image_src s = {t, NULL, base};
    return hd_pe_image_export_src(&s, name, addr, NULL, not_captured, err);
}

/* In the resource directory at offset dir (relative to the resource section), the entry with
 * integer id `id` (or the first entry when id < 0); its OffsetToData in *out. 1 found, 0 not,
 * -1 not captured. */
static int res_entry(const hd_image_src *s, uint64_t res, uint32_t res_size, uint32_t dir,
                     int64_t id, uint32_t *out)
{
    uint8_t h[16], en[8];
    if ((uint64_t)dir + 16 > res_size) return 0;
    if (src_get(s, res + dir, h, 16, NULL)) return -1;
    uint32_t named = hd_le16(h + 12), ids = hd_le16(h + 14);
    uint32_t n = named + ids;
    if (n > MAX_RES_ENTRIES) n = MAX_RES_ENTRIES;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = (uint64_t)dir + 16 + (uint64_t)i * 8;
        if (at + 8 > res_size) return 0;
        if (src_get(s, res + at, en, 8, NULL)) return -1;
        uint32_t nm = hd_le32(en);
        if (id < 0 || (!(nm & 0x80000000u) && nm == (uint64_t)id)) {
            *out = hd_le32(en + 4);
            return 1;
        }
    }
    return 0;
}

int hd_pe_image_version_src(const hd_image_src *s, hd_pe_version *v, int *not_captured,
                            hd_error *err)
{
    hd_pe_image im;
    memset(v, 0, sizeof *v);
    if (not_captured) *not_captured = 0;
    if (hd_pe_image_open_src(s, &im, not_captured, err)) return HD_EINPUT;
    unsigned long long b = s->base;
    if (im.n_dirs <= HD_PE_DIR_RESOURCE || !im.dir[2].rva || !im.dir[2].size)
        return hd_error_set(err, HD_EINPUT, "PE image at 0x%llx: has no resource directory", b);
    uint32_t rrva = im.dir[2].rva, rsize = im.dir[2].size;
    if (!in_image(&im, rrva, rsize))
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected the resource directory inside the image",
                            b);
    uint64_t res = b + rrva;
    uint32_t off = 0;
    /* type RT_VERSION (16) -> first name -> first language: three levels, then a data entry. */
    static const int64_t path[3] = {16, -1, -1};
    for (int level = 0; level < 3; level++) {
        uint32_t next;
        int r = res_entry(s, res, rsize, off, path[level], &next);
        if (r < 0) {
            if (not_captured) *not_captured = 1;
            return hd_error_set(err, HD_EINPUT,
                                "PE image at 0x%llx: its resource directory is not captured in "
                                "the dump",
                                b);
        }
        if (r == 0 || !(next & 0x80000000u) != (level == 2))
            return hd_error_set(err, HD_EINPUT,
                                "PE image at 0x%llx: has no RT_VERSION resource (or a malformed "
                                "resource tree)",
                                b);
        off = next & 0x7fffffffu;
    }
    uint8_t de[16], vi[92];
    if ((uint64_t)off + 16 > rsize)
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected the version resource entry inside the "
                            "resource directory",
                            b);
    if (src_get(s, res + off, de, 16, NULL)) {
        if (not_captured) *not_captured = 1;
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: its resource directory is not captured", b);
    }
    uint32_t drva = hd_le32(de), dsize = hd_le32(de + 4);
    if (dsize < sizeof vi || !in_image(&im, drva, sizeof vi))
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: expected a VS_VERSIONINFO of at least %u bytes "
                            "inside the image",
                            b, (unsigned)sizeof vi);
    if (src_get(s, b + drva, vi, sizeof vi, NULL)) {
        if (not_captured) *not_captured = 1;
        return hd_error_set(err, HD_EINPUT,
                            "PE image at 0x%llx: its version resource (RVA 0x%x) is not captured "
                            "in the dump",
                            b, drva);
    }
    /* VS_VERSIONINFO: wLength, wValueLength, wType, L"VS_VERSION_INFO\0" (32 bytes), padding to
     * 4 bytes, then VS_FIXEDFILEINFO (52 bytes). */
    static const char key[] = "VS_VERSION_INFO";
    for (int i = 0; i < 16; i++)
        if (vi[6 + 2 * i] != (uint8_t)key[i] || vi[7 + 2 * i] != 0 || hd_le16(vi + 2) < 52 ||
            hd_le32(vi + 40) != VS_FFI_SIGNATURE)
            return hd_error_set(err, HD_EINPUT,
                                "PE image at 0x%llx: expected VS_VERSION_INFO with a "
                                "VS_FIXEDFILEINFO (signature 0xFEEF04BD) at RVA 0x%x",
                                b, drva);
    const uint8_t *f = vi + 40;
    uint32_t w[4] = {hd_le32(f + 8), hd_le32(f + 12), hd_le32(f + 16), hd_le32(f + 20)};
    for (int i = 0; i < 2; i++) {
        v->file[2 * i] = (uint16_t)(w[i] >> 16), v->file[2 * i + 1] = (uint16_t)w[i];
        v->product[2 * i] = (uint16_t)(w[2 + i] >> 16), v->product[2 * i + 1] = (uint16_t)w[2 + i];
    }
    v->flags = hd_le32(f + 28);
    v->os = hd_le32(f + 32);
    v->type = hd_le32(f + 36);
    return HD_OK;
}

int hd_pe_image_version(const hd_target *t, uint64_t base, hd_pe_version *v, int *not_captured,
                        hd_error *err)
{
    hd_image_src s = {t, NULL, base};
    return hd_pe_image_version_src(&s, v, not_captured, err);
}
