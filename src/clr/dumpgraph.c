/* A dump's .NET heap as an hd_graph: runtime → layouts → GC heap → roots → object walk →
 * type names. The graph has the shape the .gcdump reader produces, so every analysis and
 * report works the same on both: objects (nodes 0 .. n-1, address order), then the root
 * "[.NET Roots]" and one pseudo node per root category ("[strong handles]", ...) holding the
 * root edges. Weak handles are weak edges from the root: recorded, never retaining. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clr/heapwalk.h"
#include "clr/names.h"
#include "heapdiff/clr.h"
#include "util/alloc.h"

/* Pseudo-node names per root kind (graph/typekind.c classifies them). */
static const char *const category_name[HD_CR_COUNT] = {
    [HD_CR_STRONG] = "[strong handles]",
    [HD_CR_PINNED] = "[pinning handles]",
    [HD_CR_ASYNC_PINNED] = "[async pinning handles]",
    [HD_CR_REFCOUNTED] = "[ref-counted handles]",
    [HD_CR_SIZEDREF] = "[sized-ref handles]",
    [HD_CR_STACK_CONSERVATIVE] = "[local vars (conservative)]",
    [HD_CR_THREAD_STATIC] = "[thread static vars]",
    [HD_CR_FINALIZER] = "[finalizer queue (f-reachable)]",
    [HD_CR_FROZEN] = "[frozen objects]",
    [HD_CR_STATIC] = "[static vars]",
    [HD_CR_WEAK] = "[weak handles]",
};

static const char *const kind_name[HD_CR_COUNT] = {
    [HD_CR_STRONG] = "strong handle",
    [HD_CR_PINNED] = "pinned handle",
    [HD_CR_ASYNC_PINNED] = "async-pinned handle",
    [HD_CR_REFCOUNTED] = "ref-counted handle",
    [HD_CR_SIZEDREF] = "sized-ref handle",
    [HD_CR_STACK_CONSERVATIVE] = "stack (conservative)",
    [HD_CR_THREAD_STATIC] = "thread static",
    [HD_CR_FINALIZER] = "finalizer queue",
    [HD_CR_FROZEN] = "frozen object",
    [HD_CR_STATIC] = "static",
    [HD_CR_WEAK] = "weak handle",
};

#define FULL_DUMP_ADVICE                                                                           \
    "take a full dump: 'createdump --full PID' or 'dotnet-dump collect --type Full -p PID' "       \
    "(Linux), 'procdump -ma PID' (Windows)"

_Static_assert(HD_CR_COUNT == HD_CLR_ROOT_KINDS, "root kinds");

const char *hd_clr_root_kind_name(int k)
{
    return k >= 0 && k < HD_CR_COUNT ? kind_name[k] : "?";
}

static int cmp_root(const void *a, const void *b)
{
    const hd_clr_root *x = a, *y = b;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    return x->obj < y->obj ? -1 : x->obj > y->obj;
}

static int cmp_dep(const void *a, const void *b)
{
    const hd_clr_dep *x = a, *y = b;
    return x->primary < y->primary ? -1 : x->primary > y->primary;
}

void hd_clr_heap_free(hd_clr_heap *h)
{
    hd_clr_runtime_free(&h->rt);
    free(h->statics);
    free(h->segs);
    free(h->ctx);
    free(h->roots);
    free(h->deps);
    free(h->fq);
    free(h->threads);
}

static void walk_free(hd_walk *w)
{
    hd_mtcache_free(&w->mts);
    free(w->bucket_off);
    free(w->seg_first);
    free(w->buckets);
}

/* Names every MethodTable met and turns g->type from MethodTable indexes into type ids. */
static int name_types(hd_walk *w, hd_names *nm, hd_clr_heap_info *info, hd_error *err)
{
    hd_graph *g = w->g;
    char buf[2048];
    for (uint32_t i = 0; i < w->mts.n; i++) {
        hd_mt *m = &w->mts.mts[i];
        if (!m->valid || !m->count) continue;
        const char *module;
        hd_names_mt(nm, m->addr, buf, sizeof buf, &module);
        if (!strncmp(buf, "UNKNOWN_TYPE", 12)) info->unnamed_types++;
        if (hd_typetab_intern(&g->types, buf, strlen(buf), module, module ? strlen(module) : 0,
                              &m->type, err))
            return err->code;
        /* The MethodTable knows the kind better than the name does. */
        hd_type_info *ti = &g->types.types[m->type];
        ti->root = HD_ROOT_NONE;
        ti->kind = m->kind == HD_MT_STRING  ? HD_KIND_STRING
                   : m->kind == HD_MT_ARRAY ? HD_KIND_ARRAY
                                            : HD_KIND_OBJECT;
    }
    if (nm->from_file)
        hd_clr_heap_note(w->h,
                         "the metadata of %u modules was read from their files on this machine "
                         "(the dump lacks those pages)",
                         nm->from_file);
    for (uint32_t n = 0; n < w->n_objects; n++) g->type[n] = w->mts.mts[g->type[n]].type;
    return HD_OK;
}

/* Which root categories get a pseudo node: kinds with at least one candidate root. */
static uint32_t needed_categories(const hd_clr_heap *h, int need[HD_CR_COUNT])
{
    uint32_t n = 0;
    memset(need, 0, sizeof(int) * HD_CR_COUNT);
    for (uint64_t i = 0; i < h->n_roots; i++) need[h->roots[i].kind] = 1;
    for (uint32_t s = 0; s < h->n_segs; s++)
        if (h->segs[s].flags & HD_SEG_FROZEN) need[HD_CR_FROZEN] = 1;
    need[HD_CR_WEAK] = 0;
    need[HD_CR_STATIC] = 0; /* statics get their own nodes (add_roots) */
    for (int k = 0; k < HD_CR_COUNT; k++) n += (uint32_t)need[k];
    return n;
}

/* Root node and categories after the objects; their edges after the objects' edges. */
static int add_roots(hd_walk *w, uint32_t root, hd_names *nm, hd_clr_heap_info *info, hd_error *err)
{
    hd_clr_heap *h = w->h;
    hd_graph *g = w->g;
    uint32_t cat_node[HD_CR_COUNT];
    uint32_t next = root + 1;
    int need[HD_CR_COUNT];
    needed_categories(h, need);
    for (int k = 0; k < HD_CR_COUNT; k++) {
        cat_node[k] = HD_NODE_NONE;
        if (!need[k]) continue;
        cat_node[k] = next++;
        uint32_t type;
        if (hd_typetab_intern(&g->types, category_name[k], strlen(category_name[k]), NULL, 0, &type,
                              err))
            return err->code;
        g->type[cat_node[k]] = type;
    }
    /* "[static vars]" and one node per class with statics ("[static vars of C]"). */
    uint32_t statics_node = HD_NODE_NONE;
    char name[2048];
    for (uint64_t i = 0; i < h->n_statics; i++) {
        hd_clr_static *c = &h->statics[i];
        if (c->node == HD_NODE_NONE) continue;
        if (statics_node == HD_NODE_NONE) {
            statics_node = next++;
            uint32_t type;
            if (hd_typetab_intern(&g->types, "[static vars]", 13, NULL, 0, &type, err))
                return err->code;
            g->type[statics_node] = type;
        }
        c->node = next++;
        const char *module;
        memcpy(name, "[static vars of ", 16);
        hd_names_mt(nm, c->mt, name + 16, sizeof name - 18, &module);
        size_t n = strlen(name);
        name[n] = ']';
        name[n + 1] = '\0';
        uint32_t type;
        if (hd_typetab_intern(&g->types, name, n + 1, module, module ? strlen(module) : 0, &type,
                              err))
            return err->code;
        g->type[c->node] = type;
    }
    uint32_t rtype;
    if (hd_typetab_intern(&g->types, "[.NET Roots]", 12, NULL, 0, &rtype, err)) return err->code;
    g->type[root] = rtype;
    g->root = root;

    uint64_t e = w->n_edges;
    /* Root → categories. */
    g->first[root] = e;
    for (int k = 0; k < HD_CR_COUNT; k++)
        if (cat_node[k] != HD_NODE_NONE) g->target[e++] = cat_node[k];
    if (statics_node != HD_NODE_NONE) g->target[e++] = statics_node;
    /* Each category → its objects (sorted by kind, then address: duplicates dropped). */
    if (h->n_roots) qsort(h->roots, h->n_roots, sizeof *h->roots, cmp_root); /* NULL when 0 */
    uint64_t r = 0;
    for (int k = 0; k < HD_CR_COUNT; k++) {
        if (cat_node[k] == HD_NODE_NONE) {
            while (r < h->n_roots && h->roots[r].kind == (uint32_t)k) {
                if (k == HD_CR_WEAK) {
                    hd_node t = hd_walk_node_at(w, h->roots[r].obj, 0);
                    if (t != HD_NODE_NONE) {
                        if (hd_graph_add_weak(g, root, t, err)) return err->code;
                        info->roots[k]++;
                    }
                }
                r++;
            }
            continue;
        }
        g->first[cat_node[k]] = e;
        hd_node last = HD_NODE_NONE;
        for (; r < h->n_roots && h->roots[r].kind == (uint32_t)k; r++) {
            hd_node t = hd_walk_node_at(w, h->roots[r].obj, k == HD_CR_STACK_CONSERVATIVE);
            if (t == HD_NODE_NONE || t == last) continue;
            /* Interior stack pointers can map two words to one object out of order. */
            if (k == HD_CR_STACK_CONSERVATIVE && e > g->first[cat_node[k]] && g->target[e - 1] == t)
                continue;
            if (e >= w->edge_cap) return hd_error_set(err, HD_EINTERNAL, "root edges overflow");
            g->target[e++] = t;
            last = t;
            info->roots[k]++;
        }
        if (k == HD_CR_FROZEN)
            for (uint32_t s = 0; s < h->n_segs; s++)
                if (h->segs[s].flags & HD_SEG_FROZEN)
                    for (uint32_t n = w->seg_first[s]; n < w->seg_first[s + 1]; n++) {
                        if (e >= w->edge_cap)
                            return hd_error_set(err, HD_EINTERNAL, "root edges overflow");
                        g->target[e++] = n;
                        info->roots[k]++;
                    }
    }
    /* Statics: the category → classes → each class's non-null slots. */
    if (statics_node != HD_NODE_NONE) {
        g->first[statics_node] = e;
        for (uint64_t i = 0; i < h->n_statics; i++)
            if (h->statics[i].node != HD_NODE_NONE) g->target[e++] = h->statics[i].node;
        for (uint64_t i = 0; i < h->n_statics; i++) {
            const hd_clr_static *c = &h->statics[i];
            if (c->node == HD_NODE_NONE) continue;
            g->first[c->node] = e;
            for (uint32_t j = 0; j < c->n_slots; j++) {
                uint64_t v;
                if (hd_clr_read_ptr(h, c->gc_statics + 8ull * j, &v) || !v) continue;
                hd_node t = hd_walk_node_at(w, v, 0);
                if (t == HD_NODE_NONE) continue;
                if (e >= w->edge_cap) return hd_error_set(err, HD_EINTERNAL, "root edges overflow");
                g->target[e++] = t;
                info->roots[HD_CR_STATIC]++;
            }
        }
    }
    g->first[g->n_nodes] = e;
    g->n_edges = e;
    if (next != g->n_nodes) return hd_error_set(err, HD_EINTERNAL, "root categories miscounted");
    return HD_OK;
}

int hd_clr_graph(const hd_target *t, hd_graph *g, hd_clr_heap_info *info_out, hd_error *err)
{
    hd_clr_heap_info info_local, *info = info_out ? info_out : &info_local;
    memset(info, 0, sizeof *info);
    hd_clr_heap *h = calloc(1, sizeof *h);
    if (!h) return hd_error_oom(err, "heap", sizeof *h);
    h->t = t;
    hd_walk w;
    memset(&w, 0, sizeof w);
    hd_mtcache_init(&w.mts);
    int rc;
    if ((rc = hd_clr_locate(t, &h->rt, err))) goto out;
    snprintf(info->runtime, sizeof info->runtime, "%s", h->rt.version);
    if (strcmp(h->rt.flavor, "coreclr") != 0) {
        rc = hd_error_set(err, HD_EINPUT,
                          "%s: this is a .NET Framework process (%s): walking its heap is not "
                          "supported yet (supported: .NET 10 x64 on Linux)",
                          t->path, h->rt.module->path);
        goto out;
    }
    if (t->bytes_cut) {
        rc = hd_error_set(err, HD_EINPUT,
                          "%s: the file is truncated: its headers describe %llu bytes of process "
                          "memory past its end; copy or extract the dump again",
                          t->path, (unsigned long long)t->bytes_cut);
        goto out;
    }
    if (t->full_memory == 0) {
        rc = hd_error_set(err, HD_EINPUT,
                          "%s: this dump does not hold the managed heap (.NET %s; "
                          "a mini or triage dump): %s",
                          t->path, *h->rt.version ? h->rt.version : "runtime", FULL_DUMP_ADVICE);
        goto out;
    }
    if ((rc = hd_clr_layout_init(h, err)) || (rc = hd_clr_find_heap(h, err)) ||
        (rc = hd_clr_find_roots(h, err)) || (rc = hd_clr_find_statics(h, err))) {
        /* Missing memory is what dumps without the heap look like. */
        if (strstr(err->msg, "not in the dump")) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, "; %s", FULL_DUMP_ADVICE);
        }
        goto out;
    }
    if (h->n_deps) qsort(h->deps, h->n_deps, sizeof *h->deps, cmp_dep); /* NULL when 0 */

    /* Pseudo nodes: the root and one per root kind; edges: root → categories + roots. */
    uint64_t frozen_bound = 0;
    w.h = h;
    w.g = g;
    w.err = err;
    int need[HD_CR_COUNT];
    uint32_t n_pseudo = 1 + needed_categories(h, need);
    /* Frozen objects become root edges: bound them by the frozen segments' sizes. */
    for (uint32_t s = 0; s < h->n_segs; s++)
        if (h->segs[s].flags & HD_SEG_FROZEN)
            frozen_bound +=
                (h->segs[s].end - h->segs[s].mem) / (2 * h->L.ptr + h->L.obj_header) + 1;
    /* Classes whose statics hold at least one reference into the heap: a pseudo node each,
     * under one "[static vars]" node. */
    uint64_t static_edges = 0;
    uint32_t static_classes = 0;
    for (uint64_t i = 0; i < h->n_statics; i++) {
        hd_clr_static *c = &h->statics[i];
        uint64_t refs = 0, v;
        for (uint32_t j = 0; j < c->n_slots; j++)
            if (!hd_clr_read_ptr(h, c->gc_statics + 8ull * j, &v) && v && hd_clr_in_heap(h, v))
                refs++;
        c->node = refs ? 0 : HD_NODE_NONE; /* numbered in add_roots */
        static_classes += refs != 0;
        static_edges += refs + 1;
    }
    if (static_classes) n_pseudo += 1 + static_classes;
    if ((rc = hd_walk_objects(
             &w, n_pseudo, h->n_roots + HD_CR_COUNT + frozen_bound + h->n_deps + static_edges + 1)))
        goto out;
    uint32_t root = w.n_objects;
    hd_names nm;
    hd_names_init(&nm, h);
    rc = name_types(&w, &nm, info, err);
    if (!rc) rc = add_roots(&w, root, &nm, info, err);
    hd_names_free(&nm);
    if (rc) goto out;

    snprintf(g->meta.format, sizeof g->meta.format, "%s",
             t->container == HD_FMT_MINIDUMP ? "minidump" : "elfcore");
    g->meta.pointer_size = h->L.ptr;
    g->meta.process_id = (int32_t)t->pid;
    if (t->exe) g->meta.process_name = hd_strndup(t->exe, strlen(t->exe), err);
    char tool[96];
    snprintf(tool, sizeof tool, "heapdiff dump walker (.NET %s)", h->rt.version);
    g->meta.creation_tool = hd_strndup(tool, strlen(tool), err);

    g->meta.conservative_stack_roots = info->roots[HD_CR_STACK_CONSERVATIVE];
    info->layout_from_descriptor = h->L.from_descriptor;
    info->server = h->server;
    info->regions = h->regions;
    info->n_heaps = h->n_heaps;
    info->n_segments = h->n_segs;
    info->n_method_tables = 0;
    for (uint32_t i = 0; i < w.mts.n; i++)
        info->n_method_tables += w.mts.mts[i].valid && w.mts.mts[i].count;
    info->objects = w.n_objects;
    for (uint32_t n = 0; n < w.n_objects; n++) info->bytes += hd_node_size(g, n);
    info->free_objects = w.stats.free_objects;
    info->free_bytes = w.stats.free_bytes;
    info->corrupt = w.stats.corrupt;
    info->corrupt_bytes = w.stats.corrupt_bytes;
    info->dangling = w.stats.dangling;
    info->dependent_handles = h->n_deps;
    info->finalizable = h->n_finalizable;
    if (w.stats.corrupt)
        hd_clr_heap_note(h, "%llu objects could not be parsed (%llu bytes skipped)",
                         (unsigned long long)w.stats.corrupt,
                         (unsigned long long)w.stats.corrupt_bytes);
    snprintf(info->notes, sizeof info->notes, "%s", h->notes);
    rc = HD_OK;
out:
    walk_free(&w);
    hd_clr_heap_free(h);
    free(h);
    return rc;
}
