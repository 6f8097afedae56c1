/* libFuzzer target: the cDAC contract descriptor (src/clr/runtime.c: hd_clr_parse and the
 * type / field / global accessors) and what the heap walk does with the offsets it gives
 * (src/clr/layout.c and every reader of hd_clr_layout).
 *
 * Input: one byte n (pointer data count, at most CP_MAX_PTRS), n little-endian 8-byte pointer
 * values, then the JSON. It is parsed on its own (every name the walker asks for is looked up,
 * and the built-in table is compared with it), then put in the synthetic .NET 10 process of
 * tests/fuzz/clrproc_builder.h as its DotNetRuntimeContractDescriptor and the heap is walked.
 * Every call must return HD_OK or HD_EINPUT (the walk's message one line, naming the dump); a
 * crash, a sanitizer report, a leak or a hang is a finding. Seeds: `mkseeds --descriptor DIR`
 * (the JSON the walker's tests use, and variants: hex-string values, direct and indirect
 * globals, fields as [offset, "type"] pairs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clr/walk.h"
#include "heapdiff/clr.h"
#include "heapdiff/graph.h"
#include "heapdiff/target.h"

#include "clrproc_builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const type_names[] = {"MethodTable",
                                         "EEClass",
                                         "ArrayClass",
                                         "Module",
                                         "PEAssembly",
                                         "PEImage",
                                         "PEImageLayout",
                                         "Thread",
                                         "ThreadStore",
                                         "GenericsDictInfo",
                                         "ParamTypeDesc",
                                         "GCAllocContext",
                                         "EEAllocContext",
                                         "RuntimeThreadLocals",
                                         "ThreadLocalData",
                                         "",
                                         "!"};
static const char *const field_names[] = {
    "!",       "MTFlags", "BaseSize",        "EEClassOrCanonMT", "MethodTable", "Rank", "LinkNext",
    "Pointer", "Limit",   "FirstThreadLink", "PEImage",          "Base",        "Size", "NumDicts",
    "TypeArg", "",        "nonexistent"};
static const char *const global_names[] = {"AppDomain",
                                           "ThreadStore",
                                           "FinalizerThread",
                                           "GCThread",
                                           "FreeObjectMethodTable",
                                           "ObjectMethodTable",
                                           "StringMethodTable",
                                           "ObjectToMethodTableUnmask",
                                           "ObjectHeaderSize",
                                           "OperatingSystem",
                                           "SystemDomain",
                                           ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint32_t n = data[0];
    if (n > CP_MAX_PTRS || size < 1 + 8ull * n) return 0;
    uint64_t ptrs[CP_MAX_PTRS];
    for (uint32_t i = 0; i < n; i++) {
        ptrs[i] = 0;
        for (int b = 0; b < 8; b++) ptrs[i] |= (uint64_t)data[1 + 8 * i + b] << 8 * b;
    }
    const char *json = (const char *)data + 1 + 8 * n;
    size_t json_len = size - 1 - 8 * n;

    /* On its own. */
    hd_clr_runtime rt;
    memset(&rt, 0, sizeof rt);
    rt.json = malloc(json_len + 1);
    rt.pointer_data = malloc(sizeof *ptrs * (n ? n : 1));
    if (!rt.json || !rt.pointer_data) abort();
    memcpy(rt.json, json, json_len);
    rt.json[json_len] = '\0';
    rt.json_len = (uint32_t)json_len;
    memcpy(rt.pointer_data, ptrs, sizeof *ptrs * n);
    rt.n_pointer_data = n;
    int rc = hd_clr_parse(&rt);
    if (rc != HD_OK && rc != HD_EINPUT) abort();
    if (rc == HD_EINPUT && !rt.why[0]) abort();
    uint64_t v;
    for (size_t t = 0; t < sizeof type_names / sizeof *type_names; t++) {
        hd_clr_type_size(&rt, type_names[t], &v);
        for (size_t f = 0; f < sizeof field_names / sizeof *field_names; f++)
            hd_clr_field(&rt, type_names[t], field_names[f], &v);
    }
    for (size_t i = 0; i < sizeof global_names / sizeof *global_names; i++)
        hd_clr_global(&rt, global_names[i], &v);
    char diff[512];
    hd_clr_layout_check_table(&rt, diff, sizeof diff);
    hd_clr_runtime_free(&rt);

    /* In a process. */
    cp_proc p;
    if (cp_build(&p, json, json_len, ptrs, n)) return 0;
    cp_target c;
    cp_target_make(&c, &p, 0, 0);
    hd_graph g;
    hd_graph_init(&g);
    hd_error err;
    hd_error_clear(&err);
    rc = hd_clr_graph(&c.t, &g, NULL, &err);
    if (rc != HD_OK && (rc != HD_EINPUT || err.code != HD_EINPUT ||
                        !strstr(err.msg, "synthetic.core") || strchr(err.msg, '\n')))
        abort();
    hd_graph_free(&g);
    free(p.buf);
    return 0;
}
