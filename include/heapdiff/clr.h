/* heapdiff — the .NET runtime inside a dump: which runtime module, which version, and its
 * self-describing cDAC contract descriptor (.NET 9+), the layouts the heap walker reads. */
#ifndef HEAPDIFF_CLR_H
#define HEAPDIFF_CLR_H

#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/target.h"

typedef struct hd_clr_runtime {
    const hd_module *module; /* libcoreclr.so / coreclr.dll / libcoreclr.dylib / clr.dll */
    const char *flavor;      /* "coreclr" or "netfx" */
    char version[64];        /* file version, else the shared-framework folder; "" unknown */

    /* DotNetRuntimeContractDescriptor: 0 when the runtime exports none (before .NET 9) or the
     * dump and the module file lack its pages; `why` then says which. */
    uint64_t descriptor_addr;
    int from_file; /* some bytes came from the module file on disk (identity checked) */
    char *json;    /* the descriptor's JSON (NUL-terminated), or NULL */
    uint32_t json_len;
    uint64_t *pointer_data; /* the descriptor's auxiliary pointer values */
    uint32_t n_pointer_data;
    uint32_t pointer_size;
    int contract_version; /* the JSON's "version" */
    uint32_t n_types, n_globals, n_contracts;
    char contracts[512]; /* "GC 1, Loader 1, ..." */
    void *doc;           /* the parsed JSON (Jansson), for the accessors below */
    char why[1200];
    uint64_t dac_table_addr; /* the g_dacTable export (variable addresses for the DAC), or 0 */
} hd_clr_runtime;

/* Finds the runtime module of a dump and reads what it says about itself. HD_OK when a runtime
 * module exists (even if its descriptor cannot be read: see `why`), HD_EINPUT when the dump
 * has no .NET runtime module. */
int hd_clr_locate(const hd_target *t, hd_clr_runtime *rt, hd_error *err);
void hd_clr_runtime_free(hd_clr_runtime *rt);

/* Parses rt->json (rt->json_len bytes; rt->pointer_data set) and fills the summary fields.
 * hd_clr_locate calls it; exposed for tests. HD_OK, or HD_EINPUT with rt->why set. */
int hd_clr_parse(hd_clr_runtime *rt);

/* Accessors over the descriptor ("types": {"MethodTable": {"!": size, "BaseSize": 4 or
 * [4, "uint32"]}}, "globals": {"X": value | [value, "type"] | [n] | [[n], "type"]}; values are
 * JSON numbers or decimal / 0x-hex strings; [n] is indirect: pointer_data[n]). HD_OK and the
 * value, or HD_EINPUT when absent or malformed. A global that holds the address of a runtime
 * variable is returned as that address: dereferencing it is the caller's business. */
int hd_clr_type_size(const hd_clr_runtime *rt, const char *type, uint64_t *size);
int hd_clr_field(const hd_clr_runtime *rt, const char *type, const char *field, uint64_t *offset);
int hd_clr_global(const hd_clr_runtime *rt, const char *name, uint64_t *value);

/* --- The heap walk (clr/dumpgraph.c) --- */

#define HD_CLR_ROOT_KINDS 11

/* What the walk found, for `heapdiff info` and the reports. */
typedef struct hd_clr_heap_info {
    char runtime[64];           /* "10.0.12" */
    int layout_from_descriptor; /* 1: offsets from the dump's descriptor; 0: built-in table */
    int server, regions;
    uint32_t n_heaps, n_segments, n_method_tables;
    uint64_t objects, bytes; /* objects in the graph and their total size */
    uint64_t free_objects, free_bytes;
    uint64_t corrupt, corrupt_bytes;   /* places that did not parse, bytes skipped */
    uint64_t dangling;                 /* references to non-objects (dropped) */
    uint64_t unnamed_types;            /* MethodTables whose metadata could not be read */
    uint64_t roots[HD_CLR_ROOT_KINDS]; /* root edges per kind (hd_clr_root_kind_name) */
    uint64_t dependent_handles, finalizable;
    char notes[1024]; /* what could not be read, "" when everything could */
} hd_clr_heap_info;

/* Walks the .NET heap of a dump into g (objects, references, typed roots; weak handles as
 * weak edges). HD_OK, or HD_EINPUT naming what is missing (no runtime, no heap memory, an
 * unsupported runtime version). info may be NULL. */
int hd_clr_graph(const hd_target *t, hd_graph *g, hd_clr_heap_info *info, hd_error *err);

/* The name of root kind k of hd_clr_heap_info.roots ("strong handle", ...). */
const char *hd_clr_root_kind_name(int k);

#endif
