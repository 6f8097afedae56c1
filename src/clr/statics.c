/* Static fields as roots, attributed to their class.
 *
 * Since .NET 9 the GC statics of a (non-collectible) class are slots of a pinned object[] the
 * runtime keeps behind a handle; the class's DynamicStaticsInfo (just below its
 * MethodTableAuxiliaryData) points at its first slot, with bit 0 set while they are not
 * allocated yet. Walking the handle table finds that object[] as one strong-handle root; this
 * walk finds which class each run of slots belongs to, so a report or a retention path can say
 * "static LeakApp.Program" instead of "an object[] behind a handle".
 *
 * Classes come from every loaded module's TypeDef → MethodTable map: AppDomain →
 * DomainAssemblyList (an ArrayList of DomainAssembly, whose first field is the Assembly) →
 * Assembly.Module → Module.TypeDefToMethodTableMap (a ModuleLookupMap chain). Each Assembly is
 * checked by its Module's back pointer. A class's slots run from its GCStatics pointer to the
 * next class's (the slots are handed out in runs), and never past its number of static fields
 * (EEClass.NumStaticFields counts non-GC statics too, so it is an upper bound). */
#include <stdlib.h>
#include <string.h>

#include "clr/walk.h"
#include "util/alloc.h"
#include "util/endian.h"

#define MAX_ASSEMBLIES (1u << 16)
#define MAX_MAP_CHUNKS 4096
/* TypeDef map entries read over all modules (a module listed many times costs no more). */
#define MAX_TYPES (1u << 24)
#define MAX_STATICS_PER_CLASS 65536

/* Offsets the descriptor gives (read through it when present, else .NET 10's values). */
typedef struct statics_layout {
    uint32_t appdomain_assemblies, arraylist_first, block_next, block_size, block_array;
    uint32_t assembly_module, module_assembly, module_typedef_map;
    uint32_t map_next, map_table, map_count, map_flags_mask;
    uint32_t mt_aux, dsi_size, eeclass_num_statics;
    uint64_t statics_mask;
} statics_layout;

static void layout_of(const hd_clr_runtime *rt, statics_layout *S)
{
    /* .NET 10.0 x64 values, checked against the descriptor when the dump has one. */
    *S = (statics_layout){576, 8, 0, 8, 16, 16, 248, 416, 0, 8, 16, 24, 32, 24, 54, ~(uint64_t)1};
    if (!rt->doc) return;
    uint64_t v;
#define FIELD(t, f, m)                                                                             \
    if (!hd_clr_field(rt, t, f, &v)) S->m = (uint32_t)v
    FIELD("AppDomain", "DomainAssemblyList", appdomain_assemblies);
    FIELD("ArrayListBase", "FirstBlock", arraylist_first);
    FIELD("ArrayListBlock", "Next", block_next);
    FIELD("ArrayListBlock", "Size", block_size);
    FIELD("ArrayListBlock", "ArrayStart", block_array);
    FIELD("Assembly", "Module", assembly_module);
    FIELD("Module", "Assembly", module_assembly);
    FIELD("Module", "TypeDefToMethodTableMap", module_typedef_map);
    FIELD("ModuleLookupMap", "Next", map_next);
    FIELD("ModuleLookupMap", "TableData", map_table);
    FIELD("ModuleLookupMap", "Count", map_count);
    FIELD("ModuleLookupMap", "SupportedFlagsMask", map_flags_mask);
    FIELD("MethodTable", "AuxiliaryData", mt_aux);
    FIELD("EEClass", "NumStaticFields", eeclass_num_statics);
#undef FIELD
    if (!hd_clr_type_size(rt, "DynamicStaticsInfo", &v)) S->dsi_size = (uint32_t)v;
    if (!hd_clr_global(rt, "StaticsPointerMask", &v)) S->statics_mask = v;
}

static int add_class(hd_clr_heap *h, uint64_t mt, uint64_t gcs, uint32_t n, hd_error *err)
{
    if (h->n_statics == h->cap_statics &&
        hd_grow((void **)&h->statics, &h->cap_statics, h->n_statics + 1, sizeof *h->statics,
                "static classes", err))
        return err->code;
    h->statics[h->n_statics++] = (hd_clr_static){mt, gcs, n, 0, 0};
    return HD_OK;
}

/* The classes of one module that have allocated GC statics; *seen: map entries read so far,
 * over all modules. */
static int module_classes(hd_clr_heap *h, const statics_layout *S, uint64_t module, uint64_t *seen,
                          hd_error *err)
{
    const hd_clr_layout *L = &h->L;
    uint64_t map = module + S->module_typedef_map;
    for (uint32_t chunk = 0; map && chunk < MAX_MAP_CHUNKS; chunk++) {
        uint64_t next, table, count, mask;
        if (hd_clr_read_ptr(h, map + S->map_next, &next) ||
            hd_clr_read_ptr(h, map + S->map_table, &table) ||
            hd_clr_read_ptr(h, map + S->map_count, &count) ||
            hd_clr_read_ptr(h, map + S->map_flags_mask, &mask))
            return HD_OK;
        for (uint64_t i = 0; table && i < count && *seen < MAX_TYPES; i++, ++*seen) {
            uint64_t mt, canon, aux, gcs;
            uint16_t n_statics;
            if (hd_clr_read_ptr(h, table + 8 * i, &mt)) break;
            mt &= ~mask;
            if (!mt || hd_clr_read_ptr(h, mt + L->mt_canon, &canon) || (canon & 1) || !canon)
                continue; /* not a type with its own EEClass (generic instantiations) */
            if (hd_clr_read(h, canon + S->eeclass_num_statics, &n_statics, 2) || !n_statics)
                continue;
            if (hd_clr_read_ptr(h, mt + S->mt_aux, &aux) || aux < S->dsi_size ||
                hd_clr_read_ptr(h, aux - S->dsi_size, &gcs))
                continue;
            /* Bit 0 set: not allocated yet. */
            if (!gcs || (gcs & ~S->statics_mask)) continue;
            if (add_class(h, mt, gcs & S->statics_mask, n_statics, err)) return err->code;
        }
        map = next;
    }
    return HD_OK;
}

static int cmp_static(const void *a, const void *b)
{
    const hd_clr_static *x = a, *y = b;
    return x->gc_statics < y->gc_statics ? -1 : x->gc_statics > y->gc_statics;
}

int hd_clr_find_statics(hd_clr_heap *h, hd_error *err)
{
    const hd_clr_runtime *rt = &h->rt;
    /* .NET 9 moved statics here too, but its descriptor does not describe the way to them
     * (its AppDomain's assembly list is elsewhere) and the layout below is checked on .NET 10
     * only: on earlier runtimes statics stay behind the statics array's handle. */
    if (h->L.major < 10) return HD_OK;
    statics_layout S;
    layout_of(rt, &S);
    uint64_t ad_var = 0, ad = 0;
    if (rt->doc ? hd_clr_global(rt, "AppDomain", &ad_var) : !(ad_var = h->app_domain_var))
        return HD_OK;
    if (!ad_var || hd_clr_read_ptr(h, ad_var, &ad) || !ad) return HD_OK;
    uint64_t list = ad + S.appdomain_assemblies;
    uint32_t count;
    if (hd_clr_read_u32(h, list, &count)) return HD_OK;
    if (count > MAX_ASSEMBLIES) count = MAX_ASSEMBLIES;
    uint64_t block = list + S.arraylist_first;
    uint32_t seen = 0;
    uint64_t types_seen = 0;
    for (uint32_t guard = 0; block && seen < count && guard < MAX_ASSEMBLIES; guard++) {
        uint64_t next;
        uint32_t size;
        if (hd_clr_read_ptr(h, block + S.block_next, &next) ||
            hd_clr_read_u32(h, block + S.block_size, &size))
            break;
        for (uint32_t i = 0; i < size && seen < count; i++, seen++) {
            uint64_t e, assembly, module, back;
            if (hd_clr_read_ptr(h, block + S.block_array + 8ull * i, &e) || !e) continue;
            /* A DomainAssembly (its first field is the Assembly), or the Assembly itself. */
            for (int k = 0; k < 2; k++) {
                assembly = e;
                if (k == 0 && (hd_clr_read_ptr(h, e, &assembly) || !assembly)) continue;
                if (hd_clr_read_ptr(h, assembly + S.assembly_module, &module) || !module ||
                    hd_clr_read_ptr(h, module + S.module_assembly, &back) || back != assembly)
                    continue;
                if (module_classes(h, &S, module, &types_seen, err)) return err->code;
                break;
            }
        }
        block = next;
    }
    if (!h->n_statics) return HD_OK;
    qsort(h->statics, h->n_statics, sizeof *h->statics, cmp_static);
    /* A class met twice (a module listed twice) would get an empty twin: keep one. */
    uint64_t w = 1;
    for (uint64_t i = 1; i < h->n_statics; i++)
        if (h->statics[i].gc_statics != h->statics[w - 1].gc_statics)
            h->statics[w++] = h->statics[i];
    h->n_statics = w;
    /* Each class's run: up to the next class's first slot, at most its static field count. */
    for (uint64_t i = 0; i < h->n_statics; i++) {
        hd_clr_static *c = &h->statics[i];
        uint64_t n = c->n_fields < MAX_STATICS_PER_CLASS ? c->n_fields : MAX_STATICS_PER_CLASS;
        if (i + 1 < h->n_statics && h->statics[i + 1].gc_statics < c->gc_statics + 8 * n)
            n = (h->statics[i + 1].gc_statics - c->gc_statics) / 8;
        c->n_slots = (uint32_t)n;
    }
    return HD_OK;
}
