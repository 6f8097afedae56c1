/* ELF images mapped in a process dump: headers, notes and dynamic symbols read from dump
 * memory (see elf_image.h). Every count read from the dump is capped: the memory of a crashed
 * process is as untrusted as the file that holds it. */
#include <string.h>

#include "target/elf_image.h"

enum {
    PT_LOAD_ = 1,
    PT_DYNAMIC_ = 2,
    PT_NOTE_ = 4,
    DT_NULL_ = 0,
    DT_HASH_ = 4,
    DT_STRTAB_ = 5,
    DT_SYMTAB_ = 6,
    DT_STRSZ_ = 10,
    DT_SYMENT_ = 11,
    DT_GNU_HASH_ = 0x6ffffef5,
    MAX_PHDRS = 4096,    /* images have a dozen; more is damage */
    MAX_DYN = 4096,      /* dynamic entries scanned */
    MAX_CHAIN = 1 << 20, /* hash chain steps / symbols scanned */
    MAX_NAME = 4096,     /* symbol name length compared */
    NOTE_BUF = 16384,    /* bytes of one PT_NOTE segment examined */
};

/* Reads through dump memory and, when the caller opened one, the module's file. */
static int get(const hd_image_src *s, uint64_t addr, void *buf, uint64_t size)
{
    if (addr + size < addr) return HD_EINPUT;
    return hd_image_src_read(s, addr, buf, size, NULL);
}

static int open_src(const hd_image_src *t, uint64_t base, hd_elf_image *im)
{
    memset(im, 0, sizeof *im);
    uint8_t eh[64];
    if (get(t, base, eh, 52)) return HD_EINPUT;
    if (memcmp(eh, "\177ELF", 4) || (eh[4] != 1 && eh[4] != 2) || eh[5] != 1) return HD_EINPUT;
    uint32_t ptr = eh[4] == 2 ? 8 : 4;
    if (ptr == 8 && get(t, base, eh, 64)) return HD_EINPUT;
    uint64_t phoff = ptr == 8 ? hd_le64(eh + 32) : hd_le32(eh + 28);
    uint16_t phentsize = hd_le16(eh + (ptr == 8 ? 54 : 42));
    uint16_t phnum = hd_le16(eh + (ptr == 8 ? 56 : 44));
    if (phentsize != (ptr == 8 ? 56 : 32) || phnum == 0 || phnum > MAX_PHDRS) return HD_EINPUT;
    im->base = base;
    im->ptr = ptr;
    im->machine = hd_le16(eh + 18);
    uint64_t lo = UINT64_MAX, hi = 0, first_va = 0, first_off = 0;
    int have_load = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        uint8_t ph[56];
        if (phoff > UINT64_MAX - base ||
            get(t, base + phoff + (uint64_t)i * phentsize, ph, phentsize))
            return HD_EINPUT;
        uint32_t type = hd_le32(ph);
        uint64_t off, va, memsz;
        if (ptr == 8) {
            off = hd_le64(ph + 8);
            va = hd_le64(ph + 16);
            memsz = hd_le64(ph + 40);
        } else {
            off = hd_le32(ph + 4);
            va = hd_le32(ph + 8);
            memsz = hd_le32(ph + 20);
        }
        if (type == PT_LOAD_) {
            if (!have_load || va < first_va) first_va = va, first_off = off;
            have_load = 1;
            if (va < lo) lo = va;
            if (va + memsz >= va && va + memsz > hi) hi = va + memsz;
        } else if (type == PT_DYNAMIC_ && !im->dyn_size) {
            im->dyn = va;
            im->dyn_size = memsz;
        } else if (type == PT_NOTE_ && im->n_notes < HD_ELF_IMAGE_MAX_NOTES) {
            im->note[im->n_notes] = va;
            im->note_size[im->n_notes++] = memsz;
        }
    }
    if (!have_load) return HD_EINPUT;
    /* The lowest segment maps file offset first_off at first_va; the header (offset 0) is at
     * base, so the image was loaded with bias base - (first_va - first_off). */
    im->bias = base - (first_va - first_off);
    im->lo = im->bias + lo;
    im->hi = im->bias + hi;
    if (im->hi < im->lo) im->hi = im->lo;
    if (im->dyn_size) im->dyn += im->bias;
    for (uint32_t i = 0; i < im->n_notes; i++) im->note[i] += im->bias;
    return HD_OK;
}

int hd_elf_image_open(const hd_target *t, uint64_t base, hd_elf_image *im)
{
    hd_image_src s = {t, NULL, base};
    return open_src(&s, base, im);
}

int hd_elf_image_build_id(const hd_target *t, const hd_elf_image *im, uint8_t out[32], uint8_t *len)
{
    uint8_t buf[NOTE_BUF];
    *len = 0;
    for (uint32_t s = 0; s < im->n_notes; s++) {
        uint64_t want = im->note_size[s] < NOTE_BUF ? im->note_size[s] : NOTE_BUF, got = 0;
        hd_target_read(t, im->note[s], buf, want, &got);
        uint64_t p = 0;
        while (got - p >= 12 && p <= got) {
            uint32_t namesz = hd_le32(buf + p), descsz = hd_le32(buf + p + 4);
            uint32_t type = hd_le32(buf + p + 8);
            uint64_t name = p + 12, desc = name + (((uint64_t)namesz + 3) & ~3ull);
            uint64_t next = desc + (((uint64_t)descsz + 3) & ~3ull);
            if (desc > got || descsz > got - desc) break;
            if (type == 3 && namesz == 4 && !memcmp(buf + name, "GNU", 4) && descsz > 0) {
                *len = (uint8_t)(descsz < 32 ? descsz : 32);
                memcpy(out, buf + desc, *len);
                return HD_OK;
            }
            p = next;
        }
    }
    return HD_EINPUT;
}

static uint32_t gnu_hash(const char *s)
{
    uint32_t h = 5381;
    for (; *s; s++) h = h * 33 + (uint8_t)*s;
    return h;
}

static uint32_t sysv_hash(const char *s)
{
    uint32_t h = 0;
    for (; *s; s++) {
        h = (h << 4) + (uint8_t)*s;
        uint32_t g = h & 0xf0000000u;
        if (g) h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

struct symctx {
    const hd_image_src *t;
    const hd_elf_image *im;
    uint64_t symtab, strtab, strsz, syment;
    const char *name;
    size_t name_len;
    int missing; /* a needed page was not captured */
};

/* 1 when symbol idx is a definition of ctx->name (address in *addr), 0 when not, -1 when its
 * bytes are not in the dump. */
static int sym_match(struct symctx *c, uint64_t idx, uint64_t *addr)
{
    uint8_t s[24], nm[MAX_NAME + 1];
    uint32_t ptr = c->im->ptr;
    uint64_t esz = ptr == 8 ? 24 : 16;
    if (idx > (UINT64_MAX - c->symtab) / c->syment ||
        get(c->t, c->symtab + idx * c->syment, s, esz)) {
        c->missing = 1;
        return -1;
    }
    uint32_t st_name = hd_le32(s);
    uint16_t shndx = hd_le16(s + (ptr == 8 ? 6 : 14));
    uint64_t value = ptr == 8 ? hd_le64(s + 8) : hd_le32(s + 4);
    if (shndx == 0) return 0; /* an import, not a definition */
    if (c->strsz && (st_name >= c->strsz || c->name_len + 1 > c->strsz - st_name)) return 0;
    if (get(c->t, c->strtab + st_name, nm, c->name_len + 1)) {
        c->missing = 1;
        return -1;
    }
    if (memcmp(nm, c->name, c->name_len) || nm[c->name_len] != 0) return 0;
    *addr = shndx == 0xfff1 ? value : c->im->bias + value; /* SHN_ABS is not relocated */
    return 1;
}

static int lookup_gnu(struct symctx *c, uint64_t gh, uint64_t *addr)
{
    uint8_t h[16], w[4];
    if (get(c->t, gh, h, 16)) return c->missing = 1, -1;
    uint32_t nbuckets = hd_le32(h), symoffset = hd_le32(h + 4), bloom = hd_le32(h + 8);
    if (nbuckets == 0 || nbuckets > MAX_CHAIN || bloom > MAX_CHAIN) return 0;
    uint32_t hv = gnu_hash(c->name);
    uint64_t buckets = gh + 16 + (uint64_t)bloom * c->im->ptr;
    uint64_t chains = buckets + (uint64_t)nbuckets * 4;
    if (get(c->t, buckets + (uint64_t)(hv % nbuckets) * 4, w, 4)) return c->missing = 1, -1;
    uint32_t idx = hd_le32(w);
    if (idx == 0 || idx < symoffset) return 0;
    for (uint32_t steps = 0; steps < MAX_CHAIN; steps++, idx++) {
        if (get(c->t, chains + (uint64_t)(idx - symoffset) * 4, w, 4)) return c->missing = 1, -1;
        uint32_t ch = hd_le32(w);
        if ((ch | 1) == (hv | 1)) {
            int r = sym_match(c, idx, addr);
            if (r) return r;
        }
        if (ch & 1) break;
    }
    return 0;
}

static int lookup_sysv(struct symctx *c, uint64_t hh, uint64_t *addr)
{
    uint8_t h[8], w[4];
    if (get(c->t, hh, h, 8)) return c->missing = 1, -1;
    uint32_t nbucket = hd_le32(h), nchain = hd_le32(h + 4);
    if (nbucket == 0 || nbucket > MAX_CHAIN) return 0;
    uint64_t buckets = hh + 8, chains = buckets + (uint64_t)nbucket * 4;
    if (get(c->t, buckets + (uint64_t)(sysv_hash(c->name) % nbucket) * 4, w, 4))
        return c->missing = 1, -1;
    uint32_t idx = hd_le32(w);
    for (uint32_t steps = 0; idx != 0 && idx < nchain && steps < MAX_CHAIN; steps++) {
        int r = sym_match(c, idx, addr);
        if (r) return r;
        if (get(c->t, chains + (uint64_t)idx * 4, w, 4)) return c->missing = 1, -1;
        idx = hd_le32(w);
    }
    return 0;
}

int hd_elf_image_symbol(const hd_target *t, uint64_t base, const char *name, uint64_t *addr,
                        int *not_captured, hd_error *err)
{
    hd_image_src s = {t, NULL, base};
    return hd_elf_image_symbol_src(&s, name, addr, not_captured, err);
}

int hd_elf_image_symbol_src(const hd_image_src *t, const char *name, uint64_t *addr,
                            int *not_captured, hd_error *err)
{
    uint64_t base = t->base;
    hd_elf_image im;
    struct symctx c;
    memset(&c, 0, sizeof c);
    if (not_captured) *not_captured = 0;
    if (open_src(t, base, &im)) {
        uint8_t hdr[64];
        int missing = get(t, base, hdr, sizeof hdr) != HD_OK;
        if (not_captured) *not_captured = missing;
        return hd_error_set(err, HD_EINPUT, "ELF image at 0x%llx: %s", (unsigned long long)base,
                            missing ? "its header is not captured in the dump"
                                    : "expected an ELF header with program headers");
    }
    if (!im.dyn_size)
        return hd_error_set(err, HD_EINPUT, "ELF image at 0x%llx: expected a PT_DYNAMIC segment",
                            (unsigned long long)base);
    uint64_t gh = 0, hh = 0;
    c.syment = im.ptr == 8 ? 24 : 16;
    uint64_t n = im.dyn_size / (2 * im.ptr);
    if (n > MAX_DYN) n = MAX_DYN;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t d[16];
        if (get(t, im.dyn + i * 2 * im.ptr, d, 2 * im.ptr)) {
            if (not_captured) *not_captured = 1;
            return hd_error_set(err, HD_EINPUT,
                                "ELF image at 0x%llx: its dynamic section (0x%llx) is not "
                                "captured in the dump",
                                (unsigned long long)base, (unsigned long long)im.dyn);
        }
        uint64_t tag = hd_leword(d, im.ptr), v = hd_leword(d + im.ptr, im.ptr);
        if (tag == DT_NULL_) break;
        /* glibc relocates the d_ptr entries of loaded objects in place; the vDSO, musl and
         * unrelocated images keep link-time values, which lie below the image's base. */
        uint64_t a = v < base ? v + im.bias : v;
        switch (tag) {
        case DT_SYMTAB_:
            c.symtab = a;
            break;
        case DT_STRTAB_:
            c.strtab = a;
            break;
        case DT_STRSZ_:
            c.strsz = v;
            break;
        case DT_SYMENT_:
            if (v >= c.syment && v <= 64) c.syment = v;
            break;
        case DT_HASH_:
            hh = a;
            break;
        case DT_GNU_HASH_:
            gh = a;
            break;
        }
    }
    if (!c.symtab || !c.strtab)
        return hd_error_set(err, HD_EINPUT, "ELF image at 0x%llx: expected DT_SYMTAB and DT_STRTAB",
                            (unsigned long long)base);
    c.t = t;
    c.im = &im;
    c.name = name;
    c.name_len = strlen(name);
    if (c.name_len > MAX_NAME)
        return hd_error_set(err, HD_EINPUT, "symbol name longer than %d bytes", MAX_NAME);
    int r = 0;
    if (gh) r = lookup_gnu(&c, gh, addr);
    if (r <= 0 && hh) {
        int missing = c.missing;
        r = lookup_sysv(&c, hh, addr);
        if (r == 0 && !missing) c.missing = 0; /* the SysV table answered "absent" */
    }
    if (!gh && !hh && c.strtab > c.symtab) {
        /* No hash table: the symbol table usually ends where the string table starts. */
        uint64_t count = (c.strtab - c.symtab) / c.syment;
        if (count > MAX_CHAIN) count = MAX_CHAIN;
        for (uint64_t i = 1; i < count && r == 0; i++) r = sym_match(&c, i, addr);
    }
    if (r == 1) return HD_OK;
    if (not_captured) *not_captured = c.missing;
    return hd_error_set(err, HD_EINPUT, "ELF image at 0x%llx: symbol \"%s\" %s",
                        (unsigned long long)base, name,
                        c.missing ? "cannot be looked up: its symbol or hash tables are not "
                                    "captured in the dump"
                                  : "is not exported");
}
