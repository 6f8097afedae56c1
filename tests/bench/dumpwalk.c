/* dumpwalk: the dump walker's benchmark driver (tests/bench/dumpbench.sh runs it).
 *
 *   build/bench/dumpwalk DUMP [--runs N]
 *
 * Times hd_target_open + hd_clr_graph (runtime locator, GC heap, roots, the three-pass object
 * walk, type names: everything that turns a dump into an hd_graph) N times (default 3) and
 * prints one "KEY value" line per figure for the script to format:
 *   objects, edges, types     of the graph built
 *   open_s, graph_s           hd_target_open, hd_clr_graph (best run: the page cache is warm)
 *   first_s                   open + graph of the first run
 *   anon_peak, anon_end       anonymous memory (bytes) over the process's anonymous memory
 *                             before the first open: peak sampled every 2 ms from
 *                             /proc/self/status RssAnon by a thread, and after the walk with
 *                             the graph still held
 *   file_end, hwm             RssFile after the walk, VmHWM (bytes)
 *   graph_bytes               what the graph's arrays hold (nodes, edge slots, type table)
 *
 * Why anonymous memory: the dump is mmap'd read-only; every page the walk touches is a
 * file-backed page in RSS that the kernel can drop at any time and that another process
 * mapping the same file shares. What the walker itself costs is the anonymous memory it
 * allocates (graph, address index, caches). VmHWM (file + anonymous) is printed too. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heapdiff/clr.h"
#include "heapdiff/graph.h"
#include "heapdiff/target.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A /proc/self/status field in bytes (the file gives kB), 0 when absent. */
static uint64_t status_bytes(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    size_t kl = strlen(key);
    uint64_t v = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtoull(line + kl + 1, NULL, 10) * 1024;
            break;
        }
    fclose(f);
    return v;
}

static atomic_uint_fast64_t anon_max;
static atomic_int sampling = 1;

static void *sampler(void *arg)
{
    (void)arg;
    while (atomic_load(&sampling)) {
        uint64_t a = status_bytes("RssAnon");
        uint64_t m = atomic_load(&anon_max);
        while (a > m && !atomic_compare_exchange_weak(&anon_max, &m, a)) {
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            fprintf(stderr, "usage: dumpwalk DUMP [--runs N]\n");
            return 1;
        }
    }
    if (!path || runs < 1) {
        fprintf(stderr, "usage: dumpwalk DUMP [--runs N]\n");
        return 1;
    }
    uint64_t anon0 = status_bytes("RssAnon");
    atomic_store(&anon_max, anon0);
    pthread_t th;
    int have_sampler = pthread_create(&th, NULL, sampler, NULL) == 0;

    double best_open = 1e30, best_graph = 1e30, first = 0;
    uint64_t objects = 0, edges = 0, types = 0, anon_end = 0, file_end = 0, graph_bytes = 0;
    for (int r = 0; r < runs; r++) {
        hd_target t;
        hd_error err;
        hd_error_clear(&err);
        double t0 = now();
        if (hd_target_open(&t, path, &err)) {
            fprintf(stderr, "dumpwalk: %s\n", err.msg);
            return 2;
        }
        double t1 = now();
        hd_graph g;
        hd_graph_init(&g);
        hd_clr_heap_info info;
        if (hd_clr_graph(&t, &g, &info, &err)) {
            fprintf(stderr, "dumpwalk: %s\n", err.msg);
            return 2;
        }
        double t2 = now();
        if (!r) {
            first = t2 - t0;
            anon_end = status_bytes("RssAnon");
            file_end = status_bytes("RssFile");
        }
        if (t1 - t0 < best_open) best_open = t1 - t0;
        if (t2 - t1 < best_graph) best_graph = t2 - t1;
        objects = info.objects;
        edges = g.n_edges;
        types = g.types.count;
        /* Edge slots as allocated: the walk sizes the array from the references it counted. */
        graph_bytes = (uint64_t)g.n_nodes * (sizeof *g.type + sizeof *g.size + sizeof *g.addr) +
                      ((uint64_t)g.n_nodes + 1) * sizeof *g.first +
                      (uint64_t)g.cap_big * sizeof *g.big + g.n_edges * sizeof *g.target +
                      (uint64_t)g.types.cap * sizeof *g.types.types + g.types.strings_cap +
                      (uint64_t)g.types.n_slots * sizeof *g.types.slots;
        hd_graph_free(&g);
        hd_target_close(&t);
    }
    atomic_store(&sampling, 0);
    if (have_sampler) pthread_join(th, NULL);
    uint64_t peak = atomic_load(&anon_max);
    printf("objects %" PRIu64 "\nedges %" PRIu64 "\ntypes %" PRIu64 "\n", objects, edges, types);
    printf("open_s %.4f\ngraph_s %.4f\nfirst_s %.4f\nruns %d\n", best_open, best_graph, first,
           runs);
    printf("anon_peak %" PRIu64 "\nanon_end %" PRIu64 "\nfile_end %" PRIu64 "\nhwm %" PRIu64
           "\ngraph_bytes %" PRIu64 "\nsampled %d\n",
           peak - anon0, anon_end > anon0 ? anon_end - anon0 : 0, file_end, status_bytes("VmHWM"),
           graph_bytes, have_sampler);
    return 0;
}
