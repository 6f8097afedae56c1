/* Writes small crafted .gcdump seeds (one per feature the fixtures lack) into a directory, for
 * the fuzz corpus: `mkseeds DIR`; `mkseeds --clrwalk DIR` and `mkseeds --descriptor DIR` write
 * the seeds of fuzz_clrwalk and fuzz_descriptor (the synthetic .NET process of
 * clrproc_builder.h). Uses the test builders, so it needs nothing from src/. */
#include <stdio.h>
#include <string.h>

#include "clrproc_builder.h"
#include "gcdump_builder.h"

static int write_seed(const char *dir, const char *name, const gb_spec *s)
{
    gbuf b;
    gb_layout L;
    gb_init(&b);
    gb_gcdump(&b, s, &L);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.gcdump", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(b.p, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) perror(path);
    gb_free(&b);
    return ok ? 0 : 1;
}

static int write_bytes(const char *dir, const char *name, const void *head, size_t head_len,
                       const void *body, size_t body_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok =
        f && fwrite(head, 1, head_len, f) == head_len && fwrite(body, 1, body_len, f) == body_len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) perror(path);
    return ok ? 0 : 1;
}

/* fuzz_clrwalk: 4 control bytes, then the image's first CP_FUZZ_SPAN bytes. */
static int clrwalk_seeds(const char *dir)
{
    cp_proc p;
    int bad = 0;
    static const struct {
        const char *name;
        uint8_t ctl[4];
        int edit;
    } seeds[] = {
        {"clr-default", {0, 0, 0, 0}, 0},
        {"clr-gap-gen2", {(CP_G_SIZE + 0x180) / 8 & 0xFF, (CP_G_SIZE + 0x180) / 8 >> 8, 8, 0}, 0},
        {"clr-builtin-layout", {0, 0, 0, 2}, 0},
        {"clr-corrupt-node", {0, 0, 0, 0}, 1},
        {"clr-cycle", {0, 0, 0, 0}, 2},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        if (cp_build(&p, NULL, 0, NULL, 0)) return 1;
        if (seeds[i].edit == 1) cp_w64(&p, cp_obj(CPO_B), 0xdeadbeef0ull);
        if (seeds[i].edit == 2) cp_w64(&p, cp_seg(CPS_GEN2) + 48, cp_seg(CPS_FROZEN));
        bad |= write_bytes(dir, seeds[i].name, seeds[i].ctl, 4, p.buf, CP_FUZZ_SPAN);
        free(p.buf);
    }
    return bad;
}

/* fuzz_descriptor: pointer count, pointer data, JSON. */
static int descriptor_seeds(const char *dir)
{
    uint8_t head[1 + 8 * CP_N_PTRS];
    uint64_t ptrs[CP_N_PTRS];
    cp_default_ptrs(ptrs);
    head[0] = CP_N_PTRS;
    for (uint32_t i = 0; i < CP_N_PTRS; i++)
        for (int b = 0; b < 8; b++) head[1 + 8 * i + b] = (uint8_t)(ptrs[i] >> 8 * b);
    int bad = write_bytes(dir, "desc-default", head, sizeof head, cp_json, sizeof cp_json - 1);
    /* Values as strings, a direct global, fields as [offset, "type"]. */
    static const char alt[] =
        "{\"version\":\"0x0\",\"types\":{\"MethodTable\":{\"!\":\"0x40\",\"MTFlags\":[0,"
        "\"uint32\"],\"BaseSize\":\"4\",\"MTFlags2\":8,\"EEClassOrCanonMT\":[\"0x28\","
        "\"pointer\"],\"Module\":24,\"ParentMethodTable\":16,\"PerInstInfo\":48},"
        "\"EEClass\":{\"MethodTable\":16},\"ArrayClass\":{\"Rank\":72},\"Module\":{"
        "\"PEAssembly\":216,\"Base\":224,\"Path\":200,\"DynamicMetadata\":840},"
        "\"PEAssembly\":{\"PEImage\":8},\"PEImage\":{\"LoadedImageLayout\":128},"
        "\"PEImageLayout\":{\"Base\":8,\"Size\":16,\"Flags\":20},\"GenericsDictInfo\":{"
        "\"NumDicts\":4,\"NumTypeArgs\":6},\"ParamTypeDesc\":{\"TypeArg\":16},\"Thread\":"
        "{\"RuntimeThreadLocals\":32,\"LinkNext\":112,\"OSId\":296,\"ThreadLocalDataPtr\":"
        "568},\"RuntimeThreadLocals\":{\"AllocContext\":0},\"EEAllocContext\":{"
        "\"GCAllocationContext\":8},\"GCAllocContext\":{\"Pointer\":0,\"Limit\":8},"
        "\"ThreadStore\":{\"FirstThreadLink\":88},\"ThreadLocalData\":{"
        "\"NonCollectibleTlsArrayData\":8}},\"globals\":{\"ObjectToMethodTableUnmask\":7,"
        "\"ObjectHeaderSize\":[8,\"uint64\"],\"AppDomain\":[1],\"ThreadStore\":[[3]],"
        "\"FinalizerThread\":[[4],\"pointer\"],\"GCThread\":[\"5\"],"
        "\"FreeObjectMethodTable\":[[9],\"pointer\"],\"ObjectMethodTable\":[[10],"
        "\"pointer\"],\"StringMethodTable\":\"0x7f0000000e60\"},\"contracts\":{\"GC\":"
        "\"c1\"}}";
    bad |= write_bytes(dir, "desc-variants", head, sizeof head, alt, sizeof alt - 1);
    head[0] = 0;
    bad |= write_bytes(dir, "desc-no-pointers", head, 1, cp_json, sizeof cp_json - 1);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--clrwalk")) return clrwalk_seeds(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "--descriptor")) return descriptor_seeds(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds [--clrwalk | --descriptor] DIR\n");
        return 1;
    }
    const char *dir = argv[1];
    int bad = 0;
    gb_spec s = gb_default();
    bad |= write_seed(dir, "default", &s);

    s = gb_default();
    s.version = 9;
    s.is64 = 0;
    s.tool_mode = GB_TOOL_NULL;
    bad |= write_seed(dir, "v9-32bit", &s);

    for (int v = 4; v <= 7; v++) {
        char name[32];
        s = gb_default();
        s.version = v;
        s.min_reader = 0;
        s.n_segments = 2;
        s.collection_log = "log";
        s.process = "p";
        snprintf(name, sizeof name, "legacy-v%d", v);
        bad |= write_seed(dir, name, &s);
    }

    s = gb_default();
    s.graph_min_reader = 1;
    s.n_types = 7;
    s.types[6] = (gb_type){NULL, 16, NULL};
    s.nodes[4].type = 6;
    s.n_deferred = s.n_types;
    for (int i = 0; i < s.n_types; i++) s.deferred[i] = (gb_deferred){0, -1, NULL};
    s.deferred[6] = (gb_deferred){0x1234, 0, "[]"};
    s.deferred[5] = (gb_deferred){0x99, 0, NULL};
    s.interop = GB_INTEROP_CONTENT;
    bad |= write_seed(dir, "deferred-interop", &s);

    s = gb_default();
    s.avg_count = 2.0f;
    s.avg_size = 3.0f;
    s.n_mult = s.n_types;
    for (int i = 0; i < s.n_types; i++) s.mult[i] = 1.0f + (float)i;
    s.dotnet_heap_info = 1;
    s.n_segments = 2;
    s.seg_version = 0;
    s.js_heap_info = 1;
    bad |= write_seed(dir, "sampled-segments-v0", &s);

    s = gb_default();
    s.dotnet_heap_info = 1;
    s.n_segments = 3;
    s.seg_version = 1;
    s.extra = GB_EXTRA_GRAPH | GB_EXTRA_HEAPDUMP | GB_EXTRA_SKIP;
    s.interop = GB_INTEROP_EMPTY;
    bad |= write_seed(dir, "segments-v1-extra", &s);

    s = gb_default();
    s.types[3].name = "Caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    s.nodes[4] = (gb_node){.type = 4, .undefined = 1};
    s.interop = GB_INTEROP_ABSENT;
    s.tool_mode = GB_TOOL_ABSENT;
    bad |= write_seed(dir, "utf8-undefined", &s);

    /* A wider graph: cycles, far deltas, a big explicit size. */
    s = gb_default();
    s.n_nodes = GB_MAX_NODES;
    for (int i = 5; i < GB_MAX_NODES; i++) {
        s.nodes[i] = (gb_node){.type = 3 + i % 2, .addr = 0x10000u + 64u * (uint64_t)i};
        s.nodes[i].n_children = 3;
        s.nodes[i].children[0] = (i * 7) % GB_MAX_NODES;
        s.nodes[i].children[1] = i - 1;
        s.nodes[i].children[2] = GB_MAX_NODES - 1 - i;
    }
    s.nodes[4].n_children = 1;
    s.nodes[4].children[0] = 5;
    s.nodes[9].has_size = 1;
    s.nodes[9].size = 0x7FFFFFFF;
    bad |= write_seed(dir, "wide", &s);
    return bad;
}
