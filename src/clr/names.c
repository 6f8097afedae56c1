/* Type names for MethodTables, the way dotnet-gcdump and PerfView print them:
 *   "Namespace.Outer+Inner<Arg1,Arg2>"  (generic arity suffixes dropped, the instantiation's
 *                                        arguments after the whole nested name)
 *   "Element[]", "Element[,]"            (arrays; a rank we cannot read gives "[*]")
 *
 * A MethodTable's TypeDef token is MTFlags2 >> 8 (RuntimeTypeSystem contract); its module's
 * metadata is read out of the dump (metadata.c), or from the module file on disk when the dump
 * lacks those pages and the file is provably the one loaded (image_file.c). Generic arguments
 * are TypeHandles in the instantiation's dictionary: PerInstInfo points at the dictionaries,
 * the last is the type's own, GenericsDictInfo { ..., u16 NumDicts, u16 NumTypeArgs } sits just
 * before it. Array MethodTables keep their element TypeHandle in the same PerInstInfo slot.
 * A TypeHandle with bit 1 set is a TypeDesc (pointers, function pointers, type variables).
 *
 * Names nest (List<Dictionary<String, Int32[]>>): the recursion is over a type's structure and
 * capped at MAX_DEPTH, never over the object graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clr/metadata.h"
#include "clr/names.h"
#include "heapdiff/source.h"
#include "target/image_file.h"
#include "util/alloc.h"
#include "util/endian.h"

#define MAX_DEPTH 8
#define MAX_TYPE_ARGS 64
#define MAX_MODULES (1u << 20)

struct hd_names_module {
    uint64_t module; /* runtime Module* */
    int ok;
    hd_md md;
    char name[128]; /* "LeakApp.dll" */
};

void hd_names_init(hd_names *nm, const hd_clr_heap *h)
{
    memset(nm, 0, sizeof *nm);
    nm->h = h;
}

void hd_names_free(hd_names *nm)
{
    for (uint32_t i = 0; i < nm->n_mods; i++)
        if (nm->mods[i].ok) hd_md_close(&nm->mods[i].md);
    free(nm->mods);
    free(nm->slots);
    memset(nm, 0, sizeof *nm);
}

/* SizeOfImage from a PE file's optional header, 0 when it is not a PE file. */
static uint64_t pe_size_of_image(const uint8_t *p, uint64_t n)
{
    if (n < 0x40 || p[0] != 'M' || p[1] != 'Z') return 0;
    uint32_t pe = hd_le32(p + 0x3c);
    if ((uint64_t)pe + 24 + 60 > n || memcmp(p + pe, "PE\0\0", 4) != 0) return 0;
    return hd_le32(p + pe + 24 + 56);
}

/* Copies an opened metadata blob so it outlives the file it was read from. */
static int keep_copy(hd_md *md)
{
    uint32_t n = md->root_size;
    uint8_t *copy = malloc(n ? n : 1);
    hd_md copy_md;
    hd_error e;
    hd_error_clear(&e);
    if (copy) memcpy(copy, md->root, n);
    hd_md_close(md);
    if (!copy || hd_md_open(&copy_md, copy, n, 0, 0, &e)) {
        free(copy);
        return 0;
    }
    *md = copy_md;
    md->owned = copy;
    return 1;
}

/* Opens the metadata of the image at base: from the dump; else from the module's file when
 * its identity is proven (build id / timestamp: image_file.c); else, for a dump that lacks the
 * image's headers too (gdb's gcore leaves read-only file mappings out), from the file the
 * dump says was mapped at exactly that base, when its size equals the size the runtime
 * recorded for the loaded image. *from_file tells the caller. */
static int open_image(const hd_clr_heap *h, uint64_t base, uint64_t size, hd_md *md, int *from_file)
{
    hd_error e;
    hd_error_clear(&e);
    *from_file = 0;
    if (!hd_md_open_target(md, h->t, base, size, &e)) return 1;
    const hd_module *m = hd_target_module_at(h->t, base);
    if (!m || m->base != base || !*m->path) return 0;
    *from_file = 1;
    hd_image_file f;
    hd_error_clear(&e);
    if (hd_image_file_open(h->t, m, NULL, &f, &e)) {
        hd_file raw;
        hd_error_clear(&e);
        if (!size || hd_file_open(&raw, m->path, &e)) return 0;
        int ok = (raw.size == size || pe_size_of_image(raw.data, raw.size) == size) &&
                 !hd_md_open(md, raw.data, raw.size, 1, 0, &e) && keep_copy(md);
        hd_file_close(&raw);
        return ok;
    }
    int ok = !hd_md_open(md, f.file.data, f.file.size, 1, 0, &e);
    /* The file's mapping goes away with f: keep a copy of the metadata. */
    if (ok) ok = keep_copy(md);
    hd_image_file_close(&f);
    return ok;
}

/* The modules met, by address: open addressing (index + 1), kept at most half full. */
static int module_index_add(hd_names *nm, uint32_t i)
{
    if ((uint64_t)(nm->n_mods + 1) * 2 > nm->n_slots) {
        uint32_t n = nm->n_slots ? nm->n_slots * 2 : 256;
        uint32_t *s = calloc(n, sizeof *s);
        if (!s) return -1;
        for (uint32_t k = 0; k < nm->n_mods; k++) {
            uint32_t j = hd_clr_addr_slot(nm->mods[k].module, n - 1);
            while (s[j]) j = (j + 1) & (n - 1);
            s[j] = k + 1;
        }
        free(nm->slots);
        nm->slots = s;
        nm->n_slots = n;
    }
    uint32_t j = hd_clr_addr_slot(nm->mods[i].module, nm->n_slots - 1);
    while (nm->slots[j]) j = (j + 1) & (nm->n_slots - 1);
    nm->slots[j] = i + 1;
    return 0;
}

static struct hd_names_module *find_module(const hd_names *nm, uint64_t module)
{
    if (nm->n_slots)
        for (uint32_t j = hd_clr_addr_slot(module, nm->n_slots - 1); nm->slots[j];
             j = (j + 1) & (nm->n_slots - 1))
            if (nm->mods[nm->slots[j] - 1].module == module) return &nm->mods[nm->slots[j] - 1];
    return NULL;
}

static struct hd_names_module *module_of(hd_names *nm, uint64_t module)
{
    struct hd_names_module *found = find_module(nm, module);
    if (found) return found;
    if (nm->n_mods >= MAX_MODULES) return NULL; /* a real process has hundreds */
    hd_error e;
    hd_error_clear(&e);
    uint64_t cap = nm->cap_mods;
    if (nm->n_mods == nm->cap_mods && hd_grow((void **)&nm->mods, &cap, (uint64_t)nm->n_mods + 1,
                                              sizeof *nm->mods, "modules", &e))
        return NULL;
    nm->cap_mods = (uint32_t)cap;
    struct hd_names_module *m = &nm->mods[nm->n_mods];
    memset(m, 0, sizeof *m);
    m->module = module;
    if (module_index_add(nm, nm->n_mods)) return NULL;
    nm->n_mods++;
    const hd_clr_heap *h = nm->h;
    const hd_clr_layout *L = &h->L;
    uint64_t base = 0, pe = 0, img = 0, layout = 0, size = 0;
    uint32_t sz32 = 0;
    if (hd_clr_read_ptr(h, module + L->module_peassembly, &pe) == 0 && pe &&
        hd_clr_read_ptr(h, pe + L->peassembly_peimage, &img) == 0 && img &&
        hd_clr_read_ptr(h, img + L->peimage_layout, &layout) == 0 && layout &&
        hd_clr_read_ptr(h, layout + L->layout_base, &base) == 0 &&
        hd_clr_read_u32(h, layout + L->layout_size, &sz32) == 0)
        size = sz32;
    if (!base && L->module_base != HD_ABSENT) hd_clr_read_ptr(h, module + L->module_base, &base);
    int from_file = 0;
    if (base && open_image(h, base, size, &m->md, &from_file)) {
        m->ok = 1;
        nm->from_file += from_file;
        if (hd_md_module_name(&m->md, m->name, sizeof m->name) < 0) m->name[0] = '\0';
    }
    return m;
}

/* Appends s to buf at *len (truncating, always NUL-terminated). */
static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n >= cap) n = *len + 1 < cap ? cap - 1 - *len : 0;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* Drops generic arity suffixes: "Dictionary`2+Entry" -> "Dictionary+Entry". */
static void strip_arity(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (*r == '`' && r[1] >= '0' && r[1] <= '9') {
            r++;
            while (*r >= '0' && *r <= '9') r++;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

static void th_name(hd_names *nm, uint64_t th, char *buf, size_t cap, size_t *len, int depth);

static void mt_name(hd_names *nm, uint64_t mt, char *buf, size_t cap, size_t *len, int depth)
{
    const hd_clr_heap *h = nm->h;
    const hd_clr_layout *L = &h->L;
    char tmp[64];
    uint8_t hdr[256];
    uint32_t need = L->mt_size < sizeof hdr ? L->mt_size : (uint32_t)sizeof hdr;
    /* A full buffer takes nothing more: stop, or a hostile instantiation (64 arguments that
     * are the type itself, MAX_DEPTH deep) would cost 64^MAX_DEPTH calls. */
    if (*len + 1 >= cap) return;
    if (depth > MAX_DEPTH) {
        put(buf, cap, len, "...");
        return;
    }
    if (hd_clr_read(h, mt, hdr, need)) goto unknown;
    uint32_t flags = hd_le32(hdr + L->mt_flags);
    uint64_t per_inst = hd_leword(hdr + L->mt_per_inst, L->ptr);
    if ((flags & MTF_ARRAY_MASK) == MTF_ARRAY && (flags & MTF_HAS_COMPONENT_SIZE)) {
        th_name(nm, per_inst, buf, cap, len, depth + 1);
        if (flags & MTF_SZARRAY) {
            put(buf, cap, len, "[]");
        } else {
            uint64_t canon = hd_leword(hdr + L->mt_canon, L->ptr);
            uint8_t rank = 0;
            /* A shared instantiation (GridCell[,] shares __Canon[,]'s EEClass) points at its
             * canonical MethodTable, whose EEClass (an ArrayClass) has the rank. */
            if (canon & 1) hd_clr_read_ptr(h, (canon & ~(uint64_t)1) + L->mt_canon, &canon);
            if ((canon & 1) || hd_clr_read(h, canon + L->arrayclass_rank, &rank, 1) || !rank ||
                rank > 32) {
                put(buf, cap, len, "[*]");
            } else {
                put(buf, cap, len, "[");
                for (uint8_t i = 1; i < rank; i++) put(buf, cap, len, ",");
                put(buf, cap, len, "]");
            }
        }
        return;
    }
    uint64_t module = hd_leword(hdr + L->mt_module, L->ptr);
    /* The TypeDef RID: MTFlags2's upper 24 bits since .NET 9; before, the u16 m_wToken after
     * the u16 m_wFlags2 (0xFFFF meant "too big, kept elsewhere": such types stay unnamed). */
    uint32_t rid =
        L->major == 8 ? hd_le16(hdr + L->mt_flags2 + 2) : hd_le32(hdr + L->mt_flags2) >> 8;
    struct hd_names_module *m = module ? module_of(nm, module) : NULL;
    char name[1024];
    if (!m || !m->ok || hd_md_typedef_name(&m->md, rid, name, sizeof name) < 0) goto unknown;
    strip_arity(name);
    put(buf, cap, len, name);
    if (!(flags & MTF_HAS_COMPONENT_SIZE) && (flags & MTF_GENERICS_MASK) == MTF_GENERIC_INST &&
        per_inst) {
        uint8_t gdi[8];
        if (hd_clr_read(h, per_inst - 8, gdi, 8)) return;
        uint32_t n_dicts = hd_le16(gdi + L->gdi_num_dicts);
        uint32_t n_args = hd_le16(gdi + L->gdi_num_type_args);
        uint64_t dict;
        if (!n_dicts || !n_args || n_args > MAX_TYPE_ARGS ||
            hd_clr_read_ptr(h, per_inst + (uint64_t)(n_dicts - 1) * L->ptr, &dict) || !dict)
            return;
        put(buf, cap, len, "<");
        for (uint32_t i = 0; i < n_args && *len + 1 < cap; i++) {
            uint64_t arg;
            if (i) put(buf, cap, len, ",");
            if (hd_clr_read_ptr(h, dict + (uint64_t)i * L->ptr, &arg))
                put(buf, cap, len, "?");
            else
                th_name(nm, arg, buf, cap, len, depth + 1);
        }
        put(buf, cap, len, ">");
    }
    return;
unknown:
    snprintf(tmp, sizeof tmp, "UNKNOWN_TYPE(MT 0x%llx)", (unsigned long long)mt);
    put(buf, cap, len, tmp);
}

/* ECMA-335 element types a TypeDesc may stand for. */
static void th_name(hd_names *nm, uint64_t th, char *buf, size_t cap, size_t *len, int depth)
{
    if (*len + 1 >= cap) return; /* full (see mt_name) */
    if (!th) {
        put(buf, cap, len, "?");
        return;
    }
    if (!(th & 2)) {
        mt_name(nm, th, buf, cap, len, depth);
        return;
    }
    const hd_clr_heap *h = nm->h;
    uint64_t td = th & ~(uint64_t)3;
    uint32_t type_and_flags;
    if (depth > MAX_DEPTH || hd_clr_read_u32(h, td, &type_and_flags)) {
        put(buf, cap, len, "?");
        return;
    }
    switch (type_and_flags & 0xFF) {
    case 0x0F: /* ELEMENT_TYPE_PTR */
    case 0x10: /* ELEMENT_TYPE_BYREF */ {
        uint64_t arg;
        if (hd_clr_read_ptr(h, td + h->L.paramtd_arg, &arg))
            put(buf, cap, len, "?");
        else
            th_name(nm, arg, buf, cap, len, depth + 1);
        put(buf, cap, len, (type_and_flags & 0xFF) == 0x0F ? "*" : "&");
        return;
    }
    case 0x1B:
        put(buf, cap, len, "(fnptr)");
        return;
    case 0x13:
    case 0x1E:
        put(buf, cap, len, "T");
        return;
    default:
        put(buf, cap, len, "?");
    }
}

const char *hd_names_mt(hd_names *nm, uint64_t mt, char *buf, size_t cap, const char **module)
{
    size_t len = 0;
    buf[0] = '\0';
    mt_name(nm, mt, buf, cap, &len, 0);
    *module = NULL;
    uint8_t hdr[8];
    uint64_t mod;
    const hd_clr_layout *L = &nm->h->L;
    if (!hd_clr_read(nm->h, mt + L->mt_module, hdr, L->ptr)) {
        mod = hd_leword(hdr, L->ptr);
        const struct hd_names_module *m = find_module(nm, mod);
        if (m && m->ok && m->name[0]) *module = m->name;
    }
    return buf;
}
