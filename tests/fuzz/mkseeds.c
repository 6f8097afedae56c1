/* Writes small crafted .gcdump seeds (one per feature the fixtures lack) into a directory, for
 * the fuzz corpus: `mkseeds DIR`. Uses the test builder, so it needs nothing from src/. */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
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
