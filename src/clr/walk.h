/* The CoreCLR heap walker's internal interfaces: what the layout layer (layout.c, gcheap.c,
 * handles.c) finds in a dump, the MethodTable cache (mtcache.c) and the object walk
 * (heapwalk.c) that turns it into an hd_graph. */
#ifndef HD_CLR_WALK_H
#define HD_CLR_WALK_H

#include <stdint.h>

#include "heapdiff/clr.h"
#include "heapdiff/graph.h"
#include "heapdiff/target.h"

/* Offsets of the runtime structures the walker reads: from the contract descriptor when the
 * dump holds it, else from the built-in table for the runtime's version (layout.c). */
/* The largest MethodTable the walker reads whole (mtcache.c, names.c buffers): .NET 10's is
 * 64 bytes; layout.c refuses a descriptor that says more. */
#define HD_CLR_MAX_MT_SIZE 256u

typedef struct hd_clr_layout {
    uint32_t ptr;        /* pointer size */
    uint32_t obj_header; /* bytes of object header before the MethodTable pointer */
    uint64_t mt_unmask;  /* low bits of the MethodTable pointer used by the GC */
    uint32_t mt_size;    /* sizeof(MethodTable) */
    uint32_t mt_flags, mt_base_size, mt_flags2, mt_canon, mt_module, mt_parent, mt_per_inst;
    uint32_t eeclass_mt; /* EEClass.MethodTable: the back pointer that validates an MT */
    uint32_t arrayclass_rank;
    uint32_t module_peassembly, module_base, module_path, module_dynamic_metadata;
    uint32_t peassembly_peimage, peimage_layout, layout_base, layout_size, layout_flags;
    uint32_t gdi_num_dicts, gdi_num_type_args; /* GenericsDictInfo */
    uint32_t paramtd_arg;                      /* ParamTypeDesc.TypeArg */
    uint32_t thread_alloc_ctx; /* Thread.RuntimeThreadLocals (pointer) + AllocContext */
    uint32_t rtl_alloc_ctx, eeac_gc_ctx, gcac_pointer, gcac_limit;
    uint32_t thread_next, thread_os_id, thread_tld, store_first_thread;
    uint32_t tld_noncollectible; /* ThreadLocalData.NonCollectibleTlsArrayData */
    /* Runtime variables (values, already dereferenced where the descriptor says so). */
    uint64_t free_mt, string_mt, object_mt, thread_store;
    int from_descriptor;   /* 1: offsets from the dump's descriptor; 0: built-in table */
    int major;             /* runtime major version: 8, 9 or 10 */
    int alloc_ctx_inline;  /* .NET 8: the Thread holds its gc_alloc_context at thread_alloc_ctx */
    uint32_t handle_types; /* HANDLE_MAX_INTERNAL_TYPES: 12 (.NET 8, 9) or 13 (.NET 10) */
} hd_clr_layout;

#define HD_ABSENT 0xFFFFFFFFu /* a field this runtime version does not have */

/* MethodTable flags (methodtable.h; stable since the 2015 CoreCLR). With HAS_COMPONENT_SIZE
 * the low 16 bits are the component size; otherwise bits 4-5 tell generic instantiations. */
#define MTF_HAS_COMPONENT_SIZE 0x80000000u
#define MTF_CONTAINS_POINTERS 0x01000000u
#define MTF_ARRAY_MASK 0x000C0000u
#define MTF_ARRAY 0x00080000u
#define MTF_SZARRAY 0x00020000u
#define MTF_GENERICS_MASK 0x00000030u
#define MTF_GENERIC_INST 0x00000010u

/* The slot of a runtime address in an open-addressing table of mask + 1 slots. */
static inline uint32_t hd_clr_addr_slot(uint64_t addr, uint32_t mask)
{
    return (uint32_t)((addr * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* A contiguous run of objects: a region or segment from its first object to its end. */
enum { HD_SEG_FROZEN = 1, HD_SEG_LARGE = 2, HD_SEG_PINNED = 4 };
typedef struct hd_gc_seg {
    uint64_t mem, end;
    uint32_t heap;
    uint8_t gen, flags;
} hd_gc_seg;

/* An allocation context [ptr, limit): handed out to a thread, holds no objects yet. */
typedef struct hd_gc_ctx {
    uint64_t ptr, limit;
} hd_gc_ctx;

/* GC handle / root kinds, as the walker records them before it knows node ids. */
enum hd_clr_root_kind {
    HD_CR_STRONG = 0,
    HD_CR_PINNED,
    HD_CR_ASYNC_PINNED,
    HD_CR_REFCOUNTED,
    HD_CR_SIZEDREF,
    HD_CR_STACK_CONSERVATIVE,
    HD_CR_THREAD_STATIC,
    HD_CR_FINALIZER,
    HD_CR_FROZEN, /* objects of the frozen (non-GC) heap: never collected */
    HD_CR_STATIC, /* a class's static fields */
    HD_CR_WEAK,   /* recorded, never retains */
    HD_CR_COUNT
};

typedef struct hd_clr_root {
    uint64_t obj;
    uint32_t kind; /* enum hd_clr_root_kind */
} hd_clr_root;

typedef struct hd_clr_dep {
    uint64_t primary, secondary; /* a dependent handle: primary keeps secondary alive */
} hd_clr_dep;

/* A class whose GC statics are allocated: n_slots slots from gc_statics (statics.c). */
typedef struct hd_clr_static {
    uint64_t mt, gc_statics;
    uint32_t n_fields, n_slots;
    uint32_t node; /* its pseudo node in the graph, or HD_NODE_NONE */
} hd_clr_static;

/* Everything found about one dump's GC heap before the walk. */
typedef struct hd_clr_heap {
    const hd_target *t;
    hd_clr_runtime rt;
    hd_clr_layout L;
    int server, regions;
    uint32_t n_heaps, n_generations;
    hd_gc_seg *segs; /* sorted by mem, non-overlapping */
    uint32_t n_segs, cap_segs;
    hd_gc_ctx *ctx; /* sorted by ptr */
    uint32_t n_ctx, cap_ctx;
    hd_clr_root *roots;
    uint64_t n_roots, cap_roots;
    hd_clr_dep *deps;
    uint64_t n_deps, cap_deps;
    uint64_t n_handles[16];    /* handles seen per handle-table type */
    uint64_t handle_table_map; /* the GC's g_HandleTableMap */
    uint64_t gdv_addr;         /* the GC's DAC variables (GcDacVars) */
    uint32_t heap_type;        /* 1 workstation, 2 server */
    uint64_t *fq;              /* each heap's finalize queue (CFinalize*) */
    uint32_t n_fq;
    uint64_t n_finalizable; /* objects registered for finalization (not yet due) */
    hd_clr_static *statics; /* classes with GC statics, sorted by gc_statics */
    uint64_t n_statics, cap_statics;
    uint64_t app_domain_var; /* &AppDomain::m_pTheAppDomain from g_dacTable, or 0 */
    int has_frozen;
    uint64_t *threads; /* the runtime's Thread objects */
    uint32_t n_threads, cap_threads;
    char notes[1024]; /* things the report should say (e.g. what could not be read) */
} hd_clr_heap;

int hd_clr_heap_add_seg(hd_clr_heap *h, uint64_t mem, uint64_t end, uint32_t heap, uint8_t gen,
                        uint8_t flags, hd_error *err);
int hd_clr_heap_add_ctx(hd_clr_heap *h, uint64_t ptr, uint64_t limit, hd_error *err);
int hd_clr_heap_add_root(hd_clr_heap *h, uint64_t obj, uint32_t kind, hd_error *err);
int hd_clr_heap_add_dep(hd_clr_heap *h, uint64_t primary, uint64_t secondary, hd_error *err);
void hd_clr_heap_note(hd_clr_heap *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees what the layout, heap and root finders allocated in h (not h itself). */
void hd_clr_heap_free(hd_clr_heap *h);

/* layout.c: fills h->L from the descriptor or the built-in table. */
int hd_clr_layout_init(hd_clr_heap *h, hd_error *err);
/* The built-in .NET 10 table against a descriptor: how many fields differ, named in out. */
int hd_clr_layout_check_table(const hd_clr_runtime *rt, char *out, size_t cap);
/* gcheap.c: the GC's heaps, segments/regions and allocation contexts. */
int hd_clr_find_heap(hd_clr_heap *h, hd_error *err);
/* The GcDacVars found by scanning the runtime's memory for its header (the path without
 * g_dacTable), or 0. */
uint64_t hd_clr_scan_gc_dac_vars(const hd_clr_heap *h);
/* statics.c: the classes whose GC statics are allocated, and their slots. */
int hd_clr_find_statics(hd_clr_heap *h, hd_error *err);
/* The segment holding a, or UINT32_MAX; whether there is one (roots.c). */
uint32_t hd_clr_seg_of(const hd_clr_heap *h, uint64_t a);
int hd_clr_in_heap(const hd_clr_heap *h, uint64_t a);
/* handles.c / roots: handle table, finalizer queue, thread statics. */
int hd_clr_find_roots(hd_clr_heap *h, hd_error *err);

/* Reading target memory; 0 on success. */
int hd_clr_read(const hd_clr_heap *h, uint64_t addr, void *buf, uint32_t len);
int hd_clr_read_ptr(const hd_clr_heap *h, uint64_t addr, uint64_t *out);
int hd_clr_read_u32(const hd_clr_heap *h, uint64_t addr, uint32_t *out);

/* --- MethodTable cache (mtcache.c) --- */

enum { HD_MT_OBJECT = 0, HD_MT_STRING, HD_MT_ARRAY, HD_MT_FREE };

typedef struct hd_mt {
    uint64_t addr;
    uint32_t flags, base_size;
    uint32_t comp_size;
    uint8_t valid, kind;
    uint16_t rank;    /* arrays: 1 for SZ arrays, else the rank */
    int32_t n_series; /* GCDesc: > 0 series, < 0 repeating value-type items, 0 no refs */
    uint32_t series;  /* index into hd_mtcache.series */
    uint32_t type;    /* type id in the graph (set after naming) */
    uint64_t count;   /* objects seen */
} hd_mt;

typedef struct hd_mtcache {
    hd_mt *mts;
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: index + 1 */
    uint32_t n_slots;
    uint64_t *series; /* decoded GCDescs */
    uint64_t n_series, cap_series;
    uint32_t last;      /* index of the last hit */
    uint32_t n_invalid; /* invalid MethodTables remembered */
} hd_mtcache;

void hd_mtcache_init(hd_mtcache *c);
void hd_mtcache_free(hd_mtcache *c);
/* The cache entry for the MethodTable at addr (validated once; invalid ones are cached too,
 * up to a limit). Returns the index, or UINT32_MAX when invalid. */
uint32_t hd_mtcache_get(hd_mtcache *c, const hd_clr_heap *h, uint64_t addr, hd_error *err);

#endif
