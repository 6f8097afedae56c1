/* Where the runtime structures' fields are: from the dump's contract descriptor when it is
 * there (it is the runtime describing itself), else from a built-in table for the runtime
 * versions we know. A with-heap core (createdump --withheap) has no descriptor pages but has
 * everything the walk reads, so the table is what makes those dumps work; tests/dotnet checks
 * the table against the descriptor of the live runtime, field by field.
 *
 * The table is small on purpose: only what the descriptor would give. The GC's own structures
 * are found through g_dacTable and the GC's DAC variables (gcheap.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clr/walk.h"
#include "util/alloc.h"
#include "util/endian.h"

/* One field the walker needs: descriptor type and field name ("!" = struct size), where it
 * goes in hd_clr_layout, and its value in each built-in table. */
typedef struct field_spec {
    const char *type, *field;
    size_t off;                 /* offsetof(hd_clr_layout, ...) */
    uint32_t net10, net9, net8; /* HD_ABSENT: the version has no such field */
} field_spec;

#define F(t, f, member, v10, v9, v8)                                                               \
    {                                                                                              \
        t, f, offsetof(hd_clr_layout, member), v10, v9, v8                                         \
    }
#define NA HD_ABSENT

/* x64, per major version. .NET 10: the values of the 10.0 runtime's own descriptor (checked
 * field by field by tests/dotnet/walker.sh). .NET 9 (9.0.20) and 8 (8.0.31): .NET 9's descriptor
 * covers part of this and .NET 8 has none; the rest was read from the runtime sources of those
 * releases and checked against dumps of real processes (MethodTable back pointers on every
 * object, thread lists reaching every thread, module chains reaching the image base, array
 * ranks of known arrays); tests/dotnet/walker.sh walks both. */
static const field_spec fields[] = {
    F("MethodTable", "!", mt_size, 64, 64, 64),
    F("MethodTable", "MTFlags", mt_flags, 0, 0, 0),
    F("MethodTable", "BaseSize", mt_base_size, 4, 4, 4),
    F("MethodTable", "MTFlags2", mt_flags2, 8, 8, 8),
    F("MethodTable", "EEClassOrCanonMT", mt_canon, 40, 40, 40),
    F("MethodTable", "Module", mt_module, 24, 24, 24),
    F("MethodTable", "ParentMethodTable", mt_parent, 16, 16, 16),
    F("MethodTable", "PerInstInfo", mt_per_inst, 48, 48, 48),
    F("EEClass", "MethodTable", eeclass_mt, 16, 16, 16),
    F("ArrayClass", "Rank", arrayclass_rank, 72, 72, 56),
    F("Module", "PEAssembly", module_peassembly, 216, 280, 272),
    F("Module", "Base", module_base, 224, 288, NA),
    F("Module", "Path", module_path, 200, 272, NA),
    F("Module", "DynamicMetadata", module_dynamic_metadata, 840, 1120, NA),
    F("PEAssembly", "PEImage", peassembly_peimage, 8, 8, 8),
    F("PEImage", "LoadedImageLayout", peimage_layout, 128, 120, 120),
    F("PEImageLayout", "Base", layout_base, 8, 8, 8),
    F("PEImageLayout", "Size", layout_size, 16, 16, 16),
    F("PEImageLayout", "Flags", layout_flags, 20, 20, 20),
    F("GenericsDictInfo", "NumDicts", gdi_num_dicts, 4, 4, 4),
    F("GenericsDictInfo", "NumTypeArgs", gdi_num_type_args, 6, 6, 6),
    F("ParamTypeDesc", "TypeArg", paramtd_arg, 16, 16, 16),
    /* .NET 8 keeps the allocation context inline in the Thread (alloc_ctx_inline). */
    F("Thread", "RuntimeThreadLocals", thread_alloc_ctx, 32, 32, 88),
    F("RuntimeThreadLocals", "AllocContext", rtl_alloc_ctx, 0, 0, 0),
    F("EEAllocContext", "GCAllocationContext", eeac_gc_ctx, 8, 0, 0),
    F("GCAllocContext", "Pointer", gcac_pointer, 0, 0, 0),
    F("GCAllocContext", "Limit", gcac_limit, 8, 8, 8),
    F("Thread", "LinkNext", thread_next, 112, 112, 232),
    F("Thread", "OSId", thread_os_id, 296, 296, 424),
    F("Thread", "ThreadLocalDataPtr", thread_tld, 568, 928, NA),
    F("ThreadStore", "FirstThreadLink", store_first_thread, 88, 160, 160),
    F("ThreadLocalData", "NonCollectibleTlsArrayData", tld_noncollectible, 8, 8, NA),
};

/* The descriptor's value for a field ("!" = the type's size): HD_OK or HD_EINPUT. */
static int descriptor_value(const hd_clr_runtime *rt, const field_spec *f, uint64_t *v)
{
    return !strcmp(f->field, "!") ? hd_clr_type_size(rt, f->type, v)
                                  : hd_clr_field(rt, f->type, f->field, v);
}

static uint32_t table_value(const field_spec *f, int major)
{
    return major == 10 ? f->net10 : major == 9 ? f->net9 : f->net8;
}

int hd_clr_read(const hd_clr_heap *h, uint64_t addr, void *buf, uint32_t len)
{
    uint64_t got;
    return hd_target_read(h->t, addr, buf, len, &got) ? -1 : 0;
}

int hd_clr_read_ptr(const hd_clr_heap *h, uint64_t addr, uint64_t *out)
{
    uint8_t b[8];
    if (hd_clr_read(h, addr, b, h->L.ptr)) return -1;
    *out = hd_leword(b, h->L.ptr);
    return 0;
}

int hd_clr_read_u32(const hd_clr_heap *h, uint64_t addr, uint32_t *out)
{
    uint8_t b[4];
    if (hd_clr_read(h, addr, b, 4)) return -1;
    *out = hd_le32(b);
    return 0;
}

void hd_clr_heap_note(hd_clr_heap *h, const char *fmt, ...)
{
    size_t n = strlen(h->notes);
    if (n + 3 >= sizeof h->notes) return;
    if (n) {
        memcpy(h->notes + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->notes + n, sizeof h->notes - n, fmt, ap);
    va_end(ap);
}

/* The runtime's major version from "10.0.12" or "8.0.3126.42015" (0 unknown). */
static int major_version(const hd_clr_runtime *rt)
{
    return atoi(rt->version);
}

int hd_clr_layout_init(hd_clr_heap *h, hd_error *err)
{
    hd_clr_layout *L = &h->L;
    const hd_clr_runtime *rt = &h->rt;
    memset(L, 0, sizeof *L);
    L->ptr = h->t->pointer_size == 4 ? 4 : 8;
    L->obj_header = L->ptr;
    L->mt_unmask = L->ptr == 8 ? 7 : 3;
    int major = major_version(rt);
    if (h->t->pointer_size != 8)
        return hd_error_set(err, HD_EINPUT,
                            "%s: walking the heap of a 32-bit .NET process is not supported "
                            "yet (supported: .NET 8, 9 and 10, x64)",
                            h->t->path);
    L->major = major;
    L->handle_types = major == 8 || major == 9 ? 12 : 13;
    L->alloc_ctx_inline = major == 8;
    if (rt->doc) {
        /* The descriptor; what .NET 9's partial one lacks comes from the 9 table. */
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            uint64_t v;
            int rc = descriptor_value(rt, &fields[i], &v);
            if (rc && major == 9) {
                v = fields[i].net9;
                rc = 0;
            }
            if (rc || (v > 1u << 20 && v != HD_ABSENT))
                return hd_error_set(err, HD_EINPUT,
                                    "%s: the runtime's contract descriptor has no %s.%s, which "
                                    "the heap walk needs (runtime %s)",
                                    h->t->path, fields[i].type, fields[i].field, rt->version);
            *(uint32_t *)((char *)L + fields[i].off) = (uint32_t)v;
        }
        /* The MethodTable is read whole into a small buffer (mtcache.c, names.c) and its
         * fields picked out of it, as is GenericsDictInfo: their offsets must lie inside. */
        const uint32_t mt_fields[][2] = {{L->mt_flags, 4},       {L->mt_base_size, 4},
                                         {L->mt_flags2, 4},      {L->mt_canon, L->ptr},
                                         {L->mt_module, L->ptr}, {L->mt_per_inst, L->ptr}};
        int bad =
            L->mt_size > HD_CLR_MAX_MT_SIZE || L->gdi_num_dicts > 6 || L->gdi_num_type_args > 6;
        for (size_t i = 0; i < sizeof mt_fields / sizeof mt_fields[0]; i++)
            if ((uint64_t)mt_fields[i][0] + mt_fields[i][1] > L->mt_size) bad = 1;
        if (bad)
            return hd_error_set(err, HD_EINPUT,
                                "%s: the runtime's contract descriptor gives an implausible "
                                "MethodTable layout (size %u; flags at %u, EEClass at %u) "
                                "(runtime %s)",
                                h->t->path, L->mt_size, L->mt_flags, L->mt_canon, rt->version);
        uint64_t v;
        if (!hd_clr_global(rt, "ObjectToMethodTableUnmask", &v)) L->mt_unmask = v;
        if (!hd_clr_global(rt, "ObjectHeaderSize", &v) && v && v <= 16) L->obj_header = (uint32_t)v;
        L->from_descriptor = 1;
    } else if (major >= 8 && major <= 10) {
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            *(uint32_t *)((char *)L + fields[i].off) = table_value(&fields[i], major);
    } else {
        return hd_error_set(err, HD_EINPUT,
                            "%s: .NET runtime %s: walking its heap is not supported (supported: "
                            ".NET 8, 9 and 10, x64)%s%s",
                            h->t->path, *rt->version ? rt->version : "of unknown version",
                            *rt->why ? "; " : "", rt->why);
    }
    return HD_OK;
}

/* Compares the built-in table with the descriptor: the names of fields that differ, or "". */
int hd_clr_layout_check_table(const hd_clr_runtime *rt, char *out, size_t cap)
{
    out[0] = '\0';
    int bad = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        uint64_t v;
        int rc = descriptor_value(rt, &fields[i], &v);
        if (rc || v != fields[i].net10) {
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s%s.%s", bad ? ", " : "", fields[i].type, fields[i].field);
            bad++;
        }
    }
    return bad;
}
