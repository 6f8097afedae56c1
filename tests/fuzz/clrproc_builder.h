/* A synthetic .NET 10 x64 process, laid out byte by byte from the runtime's structure layouts
 * (g_dacTable, GcDacVars, heap_segment, CFinalize, the handle table as src/clr/README.md
 * describes them, verified on real .NET 10.0.12 dumps; object.h / methodtable.h / gcdesc.h of
 * the runtime), written independently of src/ so that a walker bug is not mirrored by the
 * builder of its test input.
 *
 * Five memory ranges, concatenated in one buffer in this order (the fuzzable ones first):
 *   G   0x10000000  GcDacVars, generation table, regions' heap_segment headers, finalize
 *                   queue, handle table map, ThreadStore + one Thread, MethodTables + EEClasses
 *   H   0x20000000  the objects: a frozen region, a gen2 region, the ephemeral gen0 region (with
 *                   an allocation context), a LOH region
 *   HS  0x10010000  one handle table segment (strong, pinned, weak, dependent handles)
 *   S   0x30000000  a thread's stack (conservative roots)
 *   RT  0x7f0000000000  "libcoreclr.so": ELF header, PT_DYNAMIC, dynsym exporting
 *                   DotNetRuntimeContractDescriptor and g_dacTable, the descriptor and its JSON,
 *                   the runtime variables the descriptor and g_dacTable point at
 *
 * The objects and what the walker must make of them are listed in cp_obj / tests/unit/
 * test_clrwalk.c. Used by that test, tests/fuzz/fuzz_clrwalk.c, fuzz_descriptor.c and
 * mkseeds.c (which needs nothing but libc: the hd_target glue is compiled only when
 * heapdiff/target.h was included first). Everything is static inline. */
#ifndef HEAPDIFF_TESTS_CLRPROC_BUILDER_H
#define HEAPDIFF_TESTS_CLRPROC_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CP_G, CP_H, CP_HS, CP_S, CP_RT, CP_NRANGES };

#define CP_G_ADDR 0x10000000ull
#define CP_HS_ADDR 0x10010000ull
#define CP_H_ADDR 0x20000000ull
#define CP_S_ADDR 0x30000000ull
#define CP_RT_ADDR 0x7f0000000000ull
#define CP_G_SIZE 0x1600u
#define CP_H_SIZE 0x800u
#define CP_HS_SIZE 0x1A00u /* header page + 5 blocks of 64 handles */
#define CP_S_SIZE 0x40u
#define CP_RT_SIZE 0x4000u
/* The bytes a fuzzer mutates: G, H and HS, the first ranges of the buffer. */
#define CP_FUZZ_SPAN (CP_G_SIZE + CP_H_SIZE + CP_HS_SIZE)
#define CP_JSON_OFF 0x1000u /* in RT */
#define CP_JSON_CAP (CP_RT_SIZE - CP_JSON_OFF)
#define CP_MAX_PTRS 32u
#define CP_RUNTIME_PATH "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so"

/* --- G: offsets --- */
enum {
    CPG_GDV = 0x000,
    CPG_EPH_VAR = 0x150,
    CPG_AA_VAR = 0x158,
    CPG_FQ_VAR = 0x160,
    CPG_GEN_FIELDS = 0x170,
    CPG_HT_MAP = 0x180,
    CPG_HT_BUCKETS = 0x1A0,
    CPG_HT_BUCKET = 0x200,
    CPG_HT_TABLES = 0x210,
    CPG_HT_TABLE = 0x220,
    CPG_CFINALIZE = 0x300,
    CPG_FQ_ARRAY = 0x380,
    CPG_GEN_TABLE = 0x400, /* 5 generations of 256 bytes */
    CPG_SEGS = 0x900,      /* heap_segment headers, 0x50 apart (enum cp_seg) */
    CPG_THREAD_STORE = 0xB00,
    CPG_THREAD = 0xB80,
    CPG_RTL = 0xDC0,
    CPG_TLD = 0xDE0,
    CPG_MTS = 0xE00, /* MethodTable blocks, 0xE0 apart (enum cp_mt) */
};
#define CP_GEN_SIZE 256u
#define CP_SEG_STRIDE 0x50u
#define CP_MT_STRIDE 0xE0u
#define CP_MT_IN_BLOCK 0x40u /* GCDesc words below it */
#define CP_EEC_IN_BLOCK 0x80u

enum cp_seg { CPS_FROZEN, CPS_GEN2, CPS_GEN0, CPS_GEN1, CPS_LOH, CPS_POH, CPS_N };
enum cp_mt {
    CPM_FREE,
    CPM_STRING,
    CPM_OBJECT,
    CPM_NODE,
    CPM_OBJARR,
    CPM_KVARR,
    CPM_BYTES,
    CPM_FIN,
    CPM_N
};

/* --- H: the objects (offsets of their MethodTable pointers), in address order --- */
enum cp_obj {
    CPO_HI,    /* frozen region: the string "hi" */
    CPO_FOBJ,  /* frozen region: an Object */
    CPO_A,     /* gen2: Node A {a = O2, b = S3}; strong handle, also on the stack */
    CPO_O2,    /* gen2: object[3] {B, null, HI} */
    CPO_B,     /* gen2: Node B {a = A, b = null} (after a free object) */
    CPO_KV,    /* gen2: KV[2] (struct {ref; long}) {{B, 7}, {O6, 8}}: GCDesc with N < 0 */
    CPO_O6,    /* gen2: Object */
    CPO_S3,    /* gen0: the string "abc" */
    CPO_FIN,   /* gen0: f-reachable */
    CPO_Q,     /* gen0: Node Q, after the allocation context: dependent handle secondary */
    CPO_TS,    /* gen0: object[1] {S3}: the thread's thread-static array */
    CPO_X,     /* gen0: Object, only weakly referenced */
    CPO_P,     /* gen0: Object: dependent handle primary, interior pointer on the stack */
    CPO_BYTES, /* LOH: byte[300], pinned handle */
    CPO_N
};
__attribute__((unused)) static const uint32_t cp_obj_off[CPO_N] = {
    0x000, 0x020, 0x100, 0x128, 0x178, 0x1A0, 0x1D8,
    0x300, 0x320, 0x418, 0x440, 0x460, 0x478, 0x600};
__attribute__((unused)) static const uint32_t cp_obj_size[CPO_N] = {26, 24, 40, 48, 40, 56, 24,
                                                                    28, 24, 40, 32, 24, 24, 324};
#define CPH_FREE 0x158u    /* a free object of 32 bytes */
#define CPH_CTX_PTR 0x338u /* the thread's allocation context [ptr, limit) */
#define CPH_CTX_LIMIT 0x400u
#define CPH_GEN0_END 0x490u /* alloc_allocated */
__attribute__((unused)) static const uint32_t cp_seg_mem[CPS_N] = {0x000, 0x100, 0x300,
                                                                   0x500, 0x600, 0x7F8};
__attribute__((unused)) static const uint32_t cp_seg_end[CPS_N] = {0x038, 0x1F0, 0x300,
                                                                   0x500, 0x748, 0x7F8};

typedef struct cp_proc {
    uint8_t *buf;
    size_t len;
    uint32_t off[CP_NRANGES], size[CP_NRANGES]; /* where each range is in buf */
    uint64_t addr[CP_NRANGES];
} cp_proc;

static inline uint64_t cp_obj(uint32_t o)
{
    return CP_H_ADDR + cp_obj_off[o];
}
static inline uint64_t cp_mt(uint32_t m)
{
    return CP_G_ADDR + CPG_MTS + m * CP_MT_STRIDE + CP_MT_IN_BLOCK;
}
static inline uint64_t cp_seg(uint32_t s)
{
    return CP_G_ADDR + CPG_SEGS + s * CP_SEG_STRIDE;
}

/* The buffer bytes at a target address (inside one of the ranges; NULL otherwise). */
static inline uint8_t *cp_at(cp_proc *p, uint64_t addr)
{
    for (int i = 0; i < CP_NRANGES; i++)
        if (addr >= p->addr[i] && addr - p->addr[i] < p->size[i])
            return p->buf + p->off[i] + (addr - p->addr[i]);
    return NULL;
}
static inline void cp_w64(cp_proc *p, uint64_t addr, uint64_t v)
{
    uint8_t *d = cp_at(p, addr);
    for (int i = 0; i < 8; i++) d[i] = (uint8_t)(v >> 8 * i);
}
static inline void cp_w32(cp_proc *p, uint64_t addr, uint32_t v)
{
    uint8_t *d = cp_at(p, addr);
    for (int i = 0; i < 4; i++) d[i] = (uint8_t)(v >> 8 * i);
}
static inline void cp_w16(cp_proc *p, uint64_t addr, uint32_t v)
{
    cp_at(p, addr)[0] = (uint8_t)v;
    cp_at(p, addr)[1] = (uint8_t)(v >> 8);
}

/* The descriptor: every type, field and global the walker reads, values of .NET 10.0.12 x64.
 * Indirect globals [n] are pointer_data[n]; cp_build points pointer_data[n] at RT + 0xE00 +
 * 8n (the runtime variable), with the real runtime's indices. */
__attribute__((unused)) static const char cp_json[] =
    "{\"version\":0,\"baseline\":\"empty\",\"types\":{"
    "\"MethodTable\":{\"!\":64,\"MTFlags\":0,\"BaseSize\":4,\"MTFlags2\":8,"
    "\"EEClassOrCanonMT\":40,\"Module\":24,\"ParentMethodTable\":16,\"PerInstInfo\":48},"
    "\"EEClass\":{\"MethodTable\":16},\"ArrayClass\":{\"Rank\":72},"
    "\"Module\":{\"PEAssembly\":216,\"Base\":224,\"Path\":200,\"DynamicMetadata\":840},"
    "\"PEAssembly\":{\"PEImage\":8},\"PEImage\":{\"LoadedImageLayout\":128},"
    "\"PEImageLayout\":{\"Base\":8,\"Size\":16,\"Flags\":20},"
    "\"GenericsDictInfo\":{\"NumDicts\":4,\"NumTypeArgs\":6},\"ParamTypeDesc\":{\"TypeArg\":16},"
    "\"Thread\":{\"RuntimeThreadLocals\":32,\"LinkNext\":[112,\"pointer\"],\"OSId\":296,"
    "\"ThreadLocalDataPtr\":568},\"RuntimeThreadLocals\":{\"AllocContext\":0},"
    "\"EEAllocContext\":{\"GCAllocationContext\":8},\"GCAllocContext\":{\"Pointer\":0,"
    "\"Limit\":8},\"ThreadStore\":{\"FirstThreadLink\":88},"
    "\"ThreadLocalData\":{\"NonCollectibleTlsArrayData\":8}},"
    "\"globals\":{\"ObjectToMethodTableUnmask\":[\"0x7\",\"uint8\"],"
    "\"ObjectHeaderSize\":[\"0x8\",\"uint64\"],\"AppDomain\":[[1],\"pointer\"],"
    "\"SystemDomain\":[[2],\"pointer\"],\"ThreadStore\":[[3],\"pointer\"],"
    "\"FinalizerThread\":[[4],\"pointer\"],\"GCThread\":[[5],\"pointer\"],"
    "\"FreeObjectMethodTable\":[[9],\"pointer\"],\"ObjectMethodTable\":[[10],\"pointer\"],"
    "\"StringMethodTable\":[[12],\"pointer\"],\"OperatingSystem\":[\"1\",\"string\"]},"
    "\"contracts\":{\"Object\":1,\"Thread\":1,\"RuntimeTypeSystem\":1}}";
#define CP_N_PTRS 24u
#define CPR_VARS 0xE00u /* runtime variable n of pointer_data at RT + CPR_VARS + 8n */
#define CPR_HEAP_TYPE 0xF00u
#define CPR_GC_DAC_GLOBALS 0xF08u
#define CPR_DAC_TABLE 0x800u
#define CPR_DESCRIPTOR 0x400u
#define CPR_PTR_DATA 0xD00u

static inline uint64_t cp_var(uint32_t n)
{
    return CP_RT_ADDR + CPR_VARS + 8ull * n;
}
static inline void cp_default_ptrs(uint64_t ptrs[CP_N_PTRS])
{
    ptrs[0] = 0;
    for (uint32_t i = 1; i < CP_N_PTRS; i++) ptrs[i] = cp_var(i);
}

/* ELF header, PT_LOAD + PT_DYNAMIC, dynamic section, dynsym/dynstr, SysV hash: exports the
 * descriptor at RT+0x400 and g_dacTable at RT+0x800. */
static inline void cp_elf(cp_proc *p)
{
    const uint64_t B = CP_RT_ADDR;
    uint8_t *e = cp_at(p, B);
    memcpy(e, "\177ELF\2\1\1", 7);
    cp_w16(p, B + 16, 3);  /* ET_DYN */
    cp_w16(p, B + 18, 62); /* EM_X86_64 */
    cp_w64(p, B + 32, 64); /* e_phoff */
    cp_w16(p, B + 52, 64);
    cp_w16(p, B + 54, 56);
    cp_w16(p, B + 56, 2);
    /* PT_LOAD: all of it at vaddr 0; PT_DYNAMIC at 0x100. */
    cp_w32(p, B + 64, 1);
    cp_w32(p, B + 68, 5);
    cp_w64(p, B + 64 + 32, CP_RT_SIZE);
    cp_w64(p, B + 64 + 40, CP_RT_SIZE);
    cp_w32(p, B + 120, 2);
    cp_w64(p, B + 120 + 8, 0x100);
    cp_w64(p, B + 120 + 16, 0x100);
    cp_w64(p, B + 120 + 32, 0x70);
    cp_w64(p, B + 120 + 40, 0x70);
    static const char strtab[] = "\0DotNetRuntimeContractDescriptor\0g_dacTable";
    const uint64_t dyn[][2] = {{6, 0x200}, {5, 0x300}, {10, sizeof strtab},
                               {11, 24},   {4, 0x380}, {0, 0}};
    for (int i = 0; i < 6; i++) {
        cp_w64(p, B + 0x100 + 16 * i, dyn[i][0]);
        cp_w64(p, B + 0x100 + 16 * i + 8, dyn[i][1]);
    }
    /* Symbols 1 and 2: defined (section 1), values relative to the load bias. */
    cp_w32(p, B + 0x200 + 24, 1);
    cp_w16(p, B + 0x200 + 24 + 6, 1);
    cp_w64(p, B + 0x200 + 24 + 8, CPR_DESCRIPTOR);
    cp_w32(p, B + 0x200 + 48, 33);
    cp_w16(p, B + 0x200 + 48 + 6, 1);
    cp_w64(p, B + 0x200 + 48 + 8, CPR_DAC_TABLE);
    memcpy(cp_at(p, B + 0x300), strtab, sizeof strtab);
    /* SysV hash: one bucket holding the chain 1 -> 2. */
    cp_w32(p, B + 0x380, 1);
    cp_w32(p, B + 0x384, 3);
    cp_w32(p, B + 0x388, 1);
    cp_w32(p, B + 0x38C + 4, 2);
}

/* A MethodTable block: GCDesc words (below), the MethodTable, its EEClass pointing back. */
static inline void cp_mtab(cp_proc *p, uint32_t m, uint32_t flags, uint32_t base_size,
                           uint64_t per_inst)
{
    uint64_t mt = cp_mt(m), eec = mt - CP_MT_IN_BLOCK + CP_EEC_IN_BLOCK;
    cp_w32(p, mt + 0, flags);
    cp_w32(p, mt + 4, base_size);
    cp_w64(p, mt + 40, eec); /* EEClassOrCanonMT */
    cp_w64(p, mt + 48, per_inst);
    cp_w64(p, eec + 16, mt); /* EEClass.MethodTable */
}

#define CPF_COMPONENTS 0x80000000u
#define CPF_SZARRAY 0x000A0000u /* category array | if-array-then-SZ */
#define CPF_POINTERS 0x01000000u

static inline void cp_string(cp_proc *p, uint64_t o, const char *s)
{
    cp_w64(p, o, cp_mt(CPM_STRING));
    cp_w32(p, o + 8, (uint32_t)strlen(s));
    for (size_t i = 0; s[i]; i++) cp_w16(p, o + 12 + 2 * i, (uint8_t)s[i]);
}

/* Builds the process in a fresh exact-size buffer (free p->buf). json/ptrs NULL: the defaults;
 * a JSON longer than CP_JSON_CAP is cut, pointer data beyond CP_MAX_PTRS dropped. */
static inline int cp_build(cp_proc *p, const char *json, size_t json_len, const uint64_t *ptrs,
                           uint32_t n_ptrs)
{
    uint64_t defaults[CP_N_PTRS];
    if (!json) json = cp_json, json_len = sizeof cp_json - 1;
    if (!ptrs) cp_default_ptrs(defaults), ptrs = defaults, n_ptrs = CP_N_PTRS;
    if (json_len > CP_JSON_CAP) json_len = CP_JSON_CAP;
    if (n_ptrs > CP_MAX_PTRS) n_ptrs = CP_MAX_PTRS;
    static const uint64_t addr[CP_NRANGES] = {CP_G_ADDR, CP_H_ADDR, CP_HS_ADDR, CP_S_ADDR,
                                              CP_RT_ADDR};
    static const uint32_t size[CP_NRANGES] = {CP_G_SIZE, CP_H_SIZE, CP_HS_SIZE, CP_S_SIZE,
                                              CP_RT_SIZE};
    memset(p, 0, sizeof *p);
    for (int i = 0; i < CP_NRANGES; i++) {
        p->addr[i] = addr[i];
        p->size[i] = size[i];
        p->off[i] = (uint32_t)p->len;
        p->len += size[i];
    }
    p->buf = calloc(1, p->len);
    if (!p->buf) return -1;
    const uint64_t G = CP_G_ADDR, H = CP_H_ADDR, RT = CP_RT_ADDR, HS = CP_HS_ADDR;

    /* RT: ELF, descriptor, pointer data, runtime variables, g_dacTable. */
    cp_elf(p);
    memcpy(cp_at(p, RT + CPR_DESCRIPTOR), "DNCCDAC", 8);
    cp_w32(p, RT + CPR_DESCRIPTOR + 8, 1);
    cp_w32(p, RT + CPR_DESCRIPTOR + 12, (uint32_t)json_len);
    cp_w64(p, RT + CPR_DESCRIPTOR + 16, RT + CP_JSON_OFF);
    cp_w32(p, RT + CPR_DESCRIPTOR + 24, n_ptrs);
    cp_w64(p, RT + CPR_DESCRIPTOR + 32, RT + CPR_PTR_DATA);
    memcpy(cp_at(p, RT + CP_JSON_OFF), json, json_len);
    for (uint32_t i = 0; i < n_ptrs; i++) cp_w64(p, RT + CPR_PTR_DATA + 8 * i, ptrs[i]);
    cp_w64(p, cp_var(1), 0x7e0000001000ull); /* AppDomain: not read */
    cp_w64(p, cp_var(3), G + CPG_THREAD_STORE);
    cp_w64(p, cp_var(9), cp_mt(CPM_FREE));
    cp_w64(p, cp_var(10), cp_mt(CPM_OBJECT));
    cp_w64(p, cp_var(12), cp_mt(CPM_STRING));
    cp_w32(p, RT + CPR_HEAP_TYPE, 1); /* workstation */
    cp_w64(p, RT + CPR_GC_DAC_GLOBALS, G + CPG_GDV);
    const uint64_t T = RT + CPR_DAC_TABLE;
    cp_w64(p, T + 8 * 15, cp_var(3)); /* anchors: ThreadStore, FinalizerThread, GCThread, */
    cp_w64(p, T + 8 * 16, cp_var(4));
    cp_w64(p, T + 8 * 17, cp_var(5));
    cp_w64(p, T + 8 * 18, RT + CPR_HEAP_TYPE); /* g_heap_type, g_gcDacGlobals, */
    cp_w64(p, T + 8 * 19, RT + CPR_GC_DAC_GLOBALS);
    cp_w64(p, T + 8 * 20, cp_var(1)); /* AppDomain */
    cp_w64(p, T + 8 * 42, cp_var(10));
    cp_w64(p, T + 8 * 45, cp_var(12));
    cp_w64(p, T + 8 * 56, cp_var(9));

    /* G: GcDacVars 2.4, workstation, regions. */
    cp_at(p, G + CPG_GDV)[0] = 2;
    cp_at(p, G + CPG_GDV)[1] = 4;
    cp_w64(p, G + CPG_GDV + 8, CP_GEN_SIZE);
    cp_w64(p, G + CPG_GDV + 16, 5);
    cp_w64(p, G + CPG_GDV + 48, G + CPG_GEN_TABLE);
    cp_w64(p, G + CPG_GDV + 80, G + CPG_EPH_VAR);
    cp_w64(p, G + CPG_GDV + 120, G + CPG_AA_VAR);
    cp_w64(p, G + CPG_GDV + 144, G + CPG_FQ_VAR);
    cp_w64(p, G + CPG_GDV + 232, G + CPG_HT_MAP);
    cp_w64(p, G + CPG_GDV + 248, G + CPG_GEN_FIELDS);
    cp_w64(p, G + CPG_EPH_VAR, cp_seg(CPS_GEN0));
    cp_w64(p, G + CPG_AA_VAR, H + CPH_GEN0_END);
    cp_w64(p, G + CPG_FQ_VAR, G + CPG_CFINALIZE);
    cp_w32(p, G + CPG_GEN_FIELDS, 0);               /* alloc_context */
    cp_w32(p, G + CPG_GEN_FIELDS + 4, 56);          /* start_segment */
    cp_w32(p, G + CPG_GEN_FIELDS + 8, 0xFFFFFFFFu); /* allocation_start: -1 = regions */
    /* Generations' first regions; gen2's chain starts with the frozen one. */
    static const uint32_t first[5] = {CPS_GEN0, CPS_GEN1, CPS_FROZEN, CPS_LOH, CPS_POH};
    for (uint32_t g = 0; g < 5; g++)
        cp_w64(p, G + CPG_GEN_TABLE + g * CP_GEN_SIZE + 56, cp_seg(first[g]));
    static const uint32_t seg_flags[CPS_N] = {1, 0, 0, 0, 8, 0x200};
    for (uint32_t s = 0; s < CPS_N; s++) {
        cp_w64(p, cp_seg(s) + 0, H + cp_seg_end[s]); /* allocated */
        cp_w64(p, cp_seg(s) + 32, H + cp_seg_mem[s]);
        cp_w64(p, cp_seg(s) + 40, seg_flags[s]);
    }
    cp_w64(p, cp_seg(CPS_FROZEN) + 48, cp_seg(CPS_GEN2)); /* next */
    /* Finalize queue: 7 fill pointers, array, end. Gen0 part: X (registered, not due);
     * f-reachable part: FIN. */
    const uint64_t fa = G + CPG_FQ_ARRAY;
    static const uint32_t fill[7] = {0, 0, 0, 0, 1, 1, 2};
    for (int i = 0; i < 7; i++) cp_w64(p, G + CPG_CFINALIZE + 8 * i, fa + 8 * fill[i]);
    cp_w64(p, G + CPG_CFINALIZE + 56, fa);
    cp_w64(p, G + CPG_CFINALIZE + 64, fa + 64);
    cp_w64(p, fa, cp_obj(CPO_X));
    cp_w64(p, fa + 8, cp_obj(CPO_FIN));
    /* Handle table: map -> buckets[10] -> bucket -> tables[1] -> table -> segment HS. */
    cp_w64(p, G + CPG_HT_MAP, G + CPG_HT_BUCKETS);
    cp_w32(p, G + CPG_HT_MAP + 16, 10);
    cp_w64(p, G + CPG_HT_BUCKETS, G + CPG_HT_BUCKET);
    cp_w64(p, G + CPG_HT_BUCKET, G + CPG_HT_TABLES);
    cp_w64(p, G + CPG_HT_TABLES, G + CPG_HT_TABLE);
    cp_w64(p, G + CPG_HT_TABLE + 56, HS);
    /* Handle segment: block types at 1560, user data at 1680, next at 1998, table at 2006,
     * empty line at 2016, handles at 0x1000 (64 a block). */
    static const uint8_t btype[5] = {2 /* strong */, 3 /* pinned */, 0 /* weak short */,
                                     6 /* dependent */, 12 /* data block */};
    memset(cp_at(p, HS + 1560), 0xFF, 120);
    memcpy(cp_at(p, HS + 1560), btype, 5);
    cp_at(p, HS + 1680 + 3)[0] = 4; /* dependent block 3's secondaries are in block 4 */
    cp_w64(p, HS + 2006, G + CPG_HT_TABLE);
    cp_at(p, HS + 2016)[0] = 5;
    static const uint32_t handle_obj[5] = {CPO_A, CPO_BYTES, CPO_X, CPO_P, CPO_Q};
    for (uint32_t b = 0; b < 5; b++) cp_w64(p, HS + 0x1000 + b * 512, cp_obj(handle_obj[b]));
    /* ThreadStore -> Thread (link at +112) -> RuntimeThreadLocals (+32) -> alloc context at
     * +0 +8 {ptr, limit}; ThreadLocalData (+568) -> thread statics array (+8). */
    cp_w64(p, G + CPG_THREAD_STORE + 88, G + CPG_THREAD + 112);
    cp_w64(p, G + CPG_THREAD + 32, G + CPG_RTL);
    cp_w64(p, G + CPG_THREAD + 568, G + CPG_TLD);
    cp_w64(p, G + CPG_RTL + 8, H + CPH_CTX_PTR);
    cp_w64(p, G + CPG_RTL + 16, H + CPH_CTX_LIMIT);
    cp_w64(p, G + CPG_TLD + 8, cp_obj(CPO_TS));

    /* MethodTables. */
    cp_mtab(p, CPM_FREE, CPF_COMPONENTS | 1, 24, 0);
    cp_mtab(p, CPM_STRING, CPF_COMPONENTS | 2, 22, 0);
    cp_mtab(p, CPM_OBJECT, 0, 24, 0);
    cp_mtab(p, CPM_NODE, CPF_POINTERS, 40, 0);
    cp_mtab(p, CPM_OBJARR, CPF_COMPONENTS | CPF_SZARRAY | CPF_POINTERS | 8, 24, cp_mt(CPM_OBJECT));
    cp_mtab(p, CPM_KVARR, CPF_COMPONENTS | CPF_SZARRAY | CPF_POINTERS | 16, 24, cp_mt(CPM_NODE));
    cp_mtab(p, CPM_BYTES, CPF_COMPONENTS | CPF_SZARRAY | 1, 24, cp_mt(CPM_FIN));
    cp_mtab(p, CPM_FIN, 0, 24, 0);
    /* GCDescs. Node: 2 series {size - base, start} for the refs at +8 and +24. */
    uint64_t m = cp_mt(CPM_NODE);
    cp_w64(p, m - 8, 2);
    cp_w64(p, m - 40, (uint64_t)(8 - 40));
    cp_w64(p, m - 32, 8);
    cp_w64(p, m - 24, (uint64_t)(8 - 40));
    cp_w64(p, m - 16, 24);
    /* object[]: one series from +16 over all elements (size stored minus the base size). */
    m = cp_mt(CPM_OBJARR);
    cp_w64(p, m - 8, 1);
    cp_w64(p, m - 24, (uint64_t)(0 - 24));
    cp_w64(p, m - 16, 16);
    /* KV[]: N = -1: start +16, then {1 pointer, skip 8} repeated. */
    m = cp_mt(CPM_KVARR);
    cp_w64(p, m - 8, (uint64_t)-1);
    cp_w64(p, m - 16, 16);
    cp_w32(p, m - 24, 1);
    cp_w32(p, m - 20, 8);

    /* H: the objects. */
    cp_string(p, cp_obj(CPO_HI), "hi");
    cp_w64(p, cp_obj(CPO_FOBJ), cp_mt(CPM_OBJECT));
    uint64_t o = cp_obj(CPO_A);
    cp_w64(p, o, cp_mt(CPM_NODE));
    cp_w64(p, o + 8, cp_obj(CPO_O2));
    cp_w64(p, o + 16, 0x42);
    cp_w64(p, o + 24, cp_obj(CPO_S3));
    o = cp_obj(CPO_O2);
    cp_w64(p, o, cp_mt(CPM_OBJARR));
    cp_w32(p, o + 8, 3);
    cp_w64(p, o + 16, cp_obj(CPO_B));
    cp_w64(p, o + 32, cp_obj(CPO_HI));
    cp_w64(p, H + CPH_FREE, cp_mt(CPM_FREE));
    cp_w32(p, H + CPH_FREE + 8, 8);
    o = cp_obj(CPO_B);
    cp_w64(p, o, cp_mt(CPM_NODE));
    cp_w64(p, o + 8, cp_obj(CPO_A));
    cp_w64(p, o + 16, 0x43);
    o = cp_obj(CPO_KV);
    cp_w64(p, o, cp_mt(CPM_KVARR));
    cp_w32(p, o + 8, 2);
    cp_w64(p, o + 16, cp_obj(CPO_B));
    cp_w64(p, o + 24, 7);
    cp_w64(p, o + 32, cp_obj(CPO_O6));
    cp_w64(p, o + 40, 8);
    cp_w64(p, cp_obj(CPO_O6), cp_mt(CPM_OBJECT));
    cp_string(p, cp_obj(CPO_S3), "abc");
    cp_w64(p, cp_obj(CPO_FIN), cp_mt(CPM_FIN));
    /* The allocation context and the minimum object after its limit: not objects. */
    memset(cp_at(p, H + CPH_CTX_PTR), 0xAB, CPH_CTX_LIMIT + 24 - CPH_CTX_PTR);
    cp_w64(p, cp_obj(CPO_Q), cp_mt(CPM_NODE));
    o = cp_obj(CPO_TS);
    cp_w64(p, o, cp_mt(CPM_OBJARR));
    cp_w32(p, o + 8, 1);
    cp_w64(p, o + 16, cp_obj(CPO_S3));
    cp_w64(p, cp_obj(CPO_X), cp_mt(CPM_OBJECT));
    cp_w64(p, cp_obj(CPO_P), cp_mt(CPM_OBJECT));
    o = cp_obj(CPO_BYTES);
    cp_w64(p, o, cp_mt(CPM_BYTES));
    cp_w32(p, o + 8, 300);
    memset(cp_at(p, o + 16), 0x5A, 300);

    /* S: stack words: a small number, P + 8 (interior), an address past the heap, A. */
    cp_w64(p, CP_S_ADDR, 0x1234);
    cp_w64(p, CP_S_ADDR + 8, cp_obj(CPO_P) + 8);
    cp_w64(p, CP_S_ADDR + 16, H + 0x5000);
    cp_w64(p, CP_S_ADDR + 24, cp_obj(CPO_A));
    return 0;
}

#ifdef HEAPDIFF_TARGET_H
/* A target over p's buffer (borrowed): ranges in address order, the buffer bytes
 * [gap_off, gap_off + gap_len) not captured; one module (the runtime) and one thread. */
typedef struct cp_target {
    hd_target t;
    hd_range r[2 * CP_NRANGES];
    hd_module mod;
    hd_thread th;
} cp_target;

static inline void cp_target_make(cp_target *c, const cp_proc *p, size_t gap_off, size_t gap_len)
{
    static const int order[CP_NRANGES] = {CP_G, CP_HS, CP_H, CP_S, CP_RT};
    memset(c, 0, sizeof *c);
    c->t.path = "synthetic.core";
    c->t.container = HD_FMT_ELFCORE;
    c->t.os = HD_OS_LINUX;
    c->t.arch = HD_ARCH_X64;
    c->t.pointer_size = 8;
    c->t.full_memory = 1;
    c->t.pid = 4242;
    c->t.file.data = p->buf;
    c->t.file.size = p->len;
    c->t.ranges = c->r;
    size_t gap_end = gap_off + gap_len;
    for (int k = 0; k < CP_NRANGES; k++) {
        int i = order[k];
        size_t lo = p->off[i], hi = lo + p->size[i], a_hi = hi, b_lo = hi;
        if (gap_len && gap_end > lo && gap_off < hi) {
            /* [lo, gap_off) and [gap_end, hi), whichever are not empty. */
            a_hi = gap_off > lo ? gap_off : lo;
            b_lo = gap_end < hi ? gap_end : hi;
        }
        if (a_hi > lo) c->r[c->t.n_ranges++] = (hd_range){p->addr[i], a_hi - lo, lo, a_hi - lo};
        if (hi > b_lo)
            c->r[c->t.n_ranges++] =
                (hd_range){p->addr[i] + (b_lo - lo), hi - b_lo, b_lo, hi - b_lo};
    }
    c->mod.base = CP_RT_ADDR;
    c->mod.size = CP_RT_SIZE;
    c->mod.path = CP_RUNTIME_PATH;
    c->mod.kind = HD_MOD_ELF;
    c->t.modules = &c->mod;
    c->t.n_modules = 1;
    c->th.tid = 7;
    c->th.sp = c->th.stack_lo = CP_S_ADDR;
    c->th.stack_hi = CP_S_ADDR + CP_S_SIZE;
    c->t.threads = &c->th;
    c->t.n_threads = 1;
}
#endif

#endif
