/* heapdiff benchmarks (make bench). Prints figures and ratios; never fails on timing (exit 0
 * unless something is broken: a generator, writer or reader error).
 *
 *  1. analysis: hd_dominators + hd_stats_compute on a generated heap of --nodes nodes (~4 edges
 *     a node), throughput and memory (graph and analysis apart); then on a pure linked list of
 *     --chain nodes (the worst case for dominator-tree depth).
 *  2. .gcdump reading: a generated heap of --gcdump-nodes nodes written with hd_gcdump_write,
 *     read back with hd_load (best of 3), MB/s; the whole CLI (`heapdiff stat`) on that file;
 *     every real fixture in --fixtures (skipped when absent).
 *  3. peers (optional, --devtools DIR = node_modules/chrome-devtools-mcp): Chrome DevTools' own
 *     heap-snapshot worker in Node on the same generated graph written as a .heapsnapshot,
 *     against `heapdiff stat` on its .gcdump.
 *
 * Budgets from the issue: dominators + retained >= 5M nodes/s; .gcdump read >= 100 MB/s;
 * memory <= 40 B/node + 5 B/edge (see the memory section for what is counted). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "heapdiff/heapdiff.h"
#include "heapgen.h"

/* ---- measuring ---------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), -1 if unavailable. */
static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* The process's peak RSS over the whole run: VmHWM is reset per phase (and getrusage's
 * maxrss with it), so the peaks seen are kept here. */
static long g_peak_kb;

static void note_peak(void)
{
    long h = status_kb("VmHWM");
    if (h > g_peak_kb) g_peak_kb = h;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0): the peak of one phase can then be read. */
static int reset_hwm(void)
{
    note_peak();
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0) return 0;
    int ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

static double mib(double bytes)
{
    return bytes / (1024.0 * 1024.0);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Bytes the graph's arrays take (what hd_graph_alloc and the type table allocated). */
static uint64_t graph_node_bytes(const hd_graph *g)
{
    return (uint64_t)g->n_nodes * (sizeof *g->type + sizeof *g->size + sizeof *g->addr) +
           ((uint64_t)g->n_nodes + 1) * sizeof *g->first + (uint64_t)g->cap_big * sizeof *g->big;
}
static uint64_t graph_edge_bytes(const hd_graph *g)
{
    return g->n_edges * sizeof *g->target;
}
static uint64_t graph_type_bytes(const hd_graph *g)
{
    return (uint64_t)g->types.cap * sizeof *g->types.types + g->types.strings_cap +
           (uint64_t)g->types.n_slots * sizeof *g->types.slots;
}

static void die(const char *what, const hd_error *err)
{
    fprintf(stderr, "bench: %s: %s\n", what, err->msg);
    exit(1);
}

/* Runs argv with stdout to /dev/null (or stdout and stderr to `out` when given, up to cap
 * bytes); returns the exit status, wall time and the child's peak RSS. */
static int spawn_direct(char *const argv[], double *secs, long *child_maxrss_kb, char *out,
                        size_t cap)
{
    int pfd[2] = {-1, -1};
    if (out && pipe(pfd) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (out) {
            dup2(pfd[1], 1);
            dup2(pfd[1], 2);
            close(pfd[0]);
            close(pfd[1]);
        } else if (null >= 0) {
            dup2(null, 1);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    size_t len = 0;
    if (out) {
        close(pfd[1]);
        ssize_t k;
        while ((k = read(pfd[0], out + len, cap - 1 - len)) > 0) len += (size_t)k;
        out[len] = 0;
        close(pfd[0]);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) return -1;
    *secs = now_s() - t0;
    *child_maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A child's ru_maxrss starts from its parent's RSS at fork (Linux keeps the pre-exec peak),
 * so a child forked from this process while it holds a 10M-node graph would report the
 * graph. Children are therefore started by a small spawner process forked first thing in
 * main, while this process is still tiny. Protocol over two pipes: request = u32 length,
 * u8 capture flag, NUL-terminated argv strings; reply = i32 status, double seconds, long kB,
 * u32 output length, output. */
static int g_spawn_req = -1, g_spawn_rep = -1;

static int read_full(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t k = read(fd, b, n);
        if (k <= 0) return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

static int write_full(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k <= 0) return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

static void spawner_loop(int req, int rep)
{
    static char buf[65536], out[65536];
    uint32_t len;
    while (read_full(req, &len, 4) == 0 && len < sizeof buf) {
        if (read_full(req, buf, len) != 0) break;
        char *argv[64];
        int argc = 0;
        for (uint32_t i = 1; i < len && argc < 63; i += (uint32_t)strlen(buf + i) + 1)
            argv[argc++] = buf + i;
        argv[argc] = NULL;
        double secs = 0;
        long kb = 0;
        int rc = spawn_direct(argv, &secs, &kb, buf[0] ? out : NULL, sizeof out);
        uint32_t olen = buf[0] ? (uint32_t)strlen(out) : 0;
        int32_t rc32 = rc;
        if (write_full(rep, &rc32, 4) || write_full(rep, &secs, sizeof secs) ||
            write_full(rep, &kb, sizeof kb) || write_full(rep, &olen, 4) ||
            write_full(rep, out, olen))
            break;
    }
    _exit(0);
}

static void spawner_start(void)
{
    int a[2], b[2];
    if (pipe(a) != 0 || pipe(b) != 0) return;
    pid_t pid = fork();
    if (pid < 0) return;
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        spawner_loop(a[0], b[1]);
    }
    close(a[0]);
    close(b[1]);
    g_spawn_req = a[1];
    g_spawn_rep = b[0];
}

static int run_child(char *const argv[], double *secs, long *child_maxrss_kb, char *out, size_t cap)
{
    fflush(stdout);
    fflush(stderr);
    if (g_spawn_req < 0) return spawn_direct(argv, secs, child_maxrss_kb, out, cap);
    char buf[65536];
    uint32_t len = 1;
    buf[0] = out != NULL;
    for (int i = 0; argv[i]; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (len + l > sizeof buf) return -1;
        memcpy(buf + len, argv[i], l);
        len += (uint32_t)l;
    }
    int32_t rc;
    uint32_t olen;
    if (write_full(g_spawn_req, &len, 4) || write_full(g_spawn_req, buf, len) ||
        read_full(g_spawn_rep, &rc, 4) || read_full(g_spawn_rep, secs, sizeof *secs) ||
        read_full(g_spawn_rep, child_maxrss_kb, sizeof *child_maxrss_kb) ||
        read_full(g_spawn_rep, &olen, 4))
        return -1;
    char *dst = out ? out : buf;
    size_t room = out ? cap - 1 : sizeof buf;
    if (olen > room) return -1;
    if (olen && read_full(g_spawn_rep, dst, olen)) return -1;
    if (out) out[olen] = 0;
    return rc;
}

/* ---- report table -----------------------------------------------------------------------------
 */

static void row(const char *what, const char *value, const char *note)
{
    printf("  %-46s %18s  %s\n", what, value, note ? note : "");
}

static char *fmt(char *buf, const char *f, double v)
{
    snprintf(buf, 64, f, v);
    return buf;
}

/* ---- 1. analysis ---------------------------------------------------------------------------- */

typedef struct an_result {
    double dom_s, stats_s;
    long hwm_before_kb, hwm_peak_kb, rss_after_kb;
    uint64_t dom_bytes, stats_bytes;
    uint32_t reachable;
    uint64_t retained_root;
} an_result;

static void analyse(const hd_graph *g, an_result *r, int runs)
{
    hd_error err;
    r->dom_s = r->stats_s = 1e30;
    for (int k = 0; k < runs; k++) {
        hd_dom d;
        hd_stats s;
        hd_error_clear(&err);
        long rss0 = status_kb("VmRSS");
        int have_hwm = reset_hwm();
        double t0 = now_s();
        if (hd_dominators(g, &d, &err)) die("hd_dominators", &err);
        double t1 = now_s();
        if (hd_stats_compute(g, &d, 0, &s, &err)) die("hd_stats_compute", &err);
        double t2 = now_s();
        if (t1 - t0 < r->dom_s) r->dom_s = t1 - t0;
        if (t2 - t1 < r->stats_s) r->stats_s = t2 - t1;
        if (k == 0) {
            r->hwm_before_kb = rss0;
            r->hwm_peak_kb = have_hwm ? status_kb("VmHWM") : -1;
            r->rss_after_kb = status_kb("VmRSS");
            r->reachable = d.n_reachable;
            r->retained_root = d.retained[g->root];
            r->dom_bytes = (uint64_t)d.n_nodes * (sizeof *d.idom + sizeof *d.retained) +
                           (uint64_t)d.n_reachable * sizeof *d.order;
            r->stats_bytes = (uint64_t)s.n_rows * sizeof *s.rows;
        }
        hd_stats_free(&s);
        hd_dom_free(&d);
    }
}

static void report_analysis(const char *title, const hd_graph *g, const an_result *r, double gen_s,
                            long rss_graph_kb)
{
    char b[64], n1[128];
    double n = g->n_nodes, m = (double)g->n_edges;
    printf("\n%s: %u nodes, %llu edges (%.2f/node), %u types, %u reachable; generated in %.2f s\n",
           title, g->n_nodes, (unsigned long long)g->n_edges, m / n, g->types.count, r->reachable,
           gen_s);
    row("hd_dominators", fmt(b, "%.3f s", r->dom_s), NULL);
    row("hd_stats_compute (per-type retained)", fmt(b, "%.3f s", r->stats_s), NULL);
    double tput = n / (r->dom_s + r->stats_s);
    snprintf(n1, sizeof n1, "budget >= 5.0 M nodes/s: %s (%.2fx)", tput >= 5e6 ? "met" : "MISSED",
             tput / 5e6);
    row("dominators + retained throughput", fmt(b, "%.2f M nodes/s", tput / 1e6), n1);
    row("  of which dominators alone", fmt(b, "%.2f M nodes/s", n / r->dom_s / 1e6), NULL);
    row("  edges/s (dominators + stats)",
        fmt(b, "%.1f M edges/s", m / (r->dom_s + r->stats_s) / 1e6), NULL);

    uint64_t gn = graph_node_bytes(g), ge = graph_edge_bytes(g), gt = graph_type_bytes(g);
    printf("  memory (arrays as allocated; RSS from /proc/self/status):\n");
    snprintf(n1, sizeof n1, "%.1f B/node + %.1f B/edge (+%.1f MiB type table); DESIGN <= 24 + 4",
             gn / n, ge / m, mib((double)gt));
    row("graph arrays", fmt(b, "%.1f MiB", mib((double)(gn + ge + gt))), n1);
    if (rss_graph_kb > 0)
        row("process RSS holding the graph", fmt(b, "%.1f MiB", rss_graph_kb / 1024.0),
            "generator keeps nothing else");
    snprintf(n1, sizeof n1, "idom 4 + retained 8 B/node, order 4 B/reachable node; rows %.1f KiB",
             r->stats_bytes / 1024.0);
    row("analysis results kept (hd_dom + hd_stats)",
        fmt(b, "%.1f MiB", mib((double)(r->dom_bytes + r->stats_bytes))), n1);
    row("  = per node", fmt(b, "%.1f B/node", (double)(r->dom_bytes + r->stats_bytes) / n), NULL);
    if (r->hwm_peak_kb > 0 && r->hwm_before_kb > 0) {
        double peak_extra = (double)(r->hwm_peak_kb - r->hwm_before_kb) * 1024.0;
        snprintf(n1, sizeof n1, "%.1f B/node; temporaries + results, over the graph",
                 peak_extra / n);
        row("analysis peak working set (VmHWM - VmRSS)", fmt(b, "%.1f MiB", mib(peak_extra)), n1);
        double total = (double)r->hwm_peak_kb * 1024.0;
        double budget = 40.0 * n + 5.0 * m;
        snprintf(n1, sizeof n1, "budget 40 B/node + 5 B/edge = %.1f MiB: %s (%.2fx)", mib(budget),
                 total <= budget ? "met" : "MISSED", total / budget);
        row("peak RSS, graph + analysis (VmHWM)", fmt(b, "%.1f MiB", mib(total)), n1);
        double arrays = (double)(gn + ge) + peak_extra;
        snprintf(n1, sizeof n1, "= %.1f B/node + graph's %.1f B/edge", (arrays - ge) / n, ge / m);
        row("  excluding process overhead", fmt(b, "%.1f MiB", mib(arrays)), n1);
    } else {
        row("analysis peak working set", "n/a", "/proc/self/clear_refs not writable");
    }
}

/* ---- 2. reading .gcdump -------------------------------------------------------------------- */

/* Best-of wall time of hd_load(path); at least `min_runs` runs and 0.3 s in all. */
static double time_load(const char *path, int min_runs, uint32_t *nodes, uint64_t *edges)
{
    double best = 1e30, spent = 0;
    for (int k = 0; k < min_runs || (spent < 0.3 && k < 50); k++) {
        hd_graph g;
        hd_error err;
        hd_error_clear(&err);
        hd_graph_init(&g);
        double t0 = now_s();
        if (hd_load(path, &g, &err)) die(path, &err);
        double t = now_s() - t0;
        spent += t;
        if (t < best) best = t;
        *nodes = g.n_nodes;
        *edges = g.n_edges;
        hd_graph_free(&g);
    }
    return best;
}

/* Checks that the file read back is the graph written (counts, types by name, sizes, edges,
 * addresses): the benchmark must time a correct reader. */
static void check_roundtrip(const hd_graph *a, const char *path)
{
    hd_graph b;
    hd_error err;
    hd_error_clear(&err);
    hd_graph_init(&b);
    if (hd_load(path, &b, &err)) die(path, &err);
    const char *bad = NULL;
    if (a->n_nodes != b.n_nodes || a->n_edges != b.n_edges || a->root != b.root) bad = "counts";
    for (uint32_t i = 0; !bad && i < a->n_nodes; i++) {
        if (hd_node_size(a, i) != hd_node_size(&b, i) || a->addr[i] != b.addr[i] ||
            a->first[i + 1] != b.first[i + 1] ||
            strcmp(hd_type_name(a, a->type[i]), hd_type_name(&b, b.type[i])) != 0)
            bad = "a node";
    }
    for (uint64_t e = 0; !bad && e < a->n_edges; e++)
        if (a->target[e] != b.target[e]) bad = "an edge";
    if (bad) {
        fprintf(stderr, "bench: %s does not read back as written (%s differs)\n", path, bad);
        exit(1);
    }
    hd_graph_free(&b);
}

/* ---- 4. dump containers: opening huge dumps --------------------------------------------------
 * A 20 GB ELF core and a 20 GB minidump (one Memory64List range), both sparse files: opening
 * must cost the same as for a small file (mmap, the directory read, nothing else). */

static int write_sparse(const char *path, const uint8_t *head, size_t n, uint64_t total)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int bad = fwrite(head, 1, n, f) != n;
    bad |= fclose(f) != 0;
    return bad || truncate(path, (off_t)total) != 0 ? -1 : 0;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void bench_sparse(const char *tmpdir, const char *heapdiff)
{
    const uint64_t big = 20ull << 30, base = 0x100000000000ull;
    char elf[4200], mdmp[4200], b[64], note[1200];
    snprintf(elf, sizeof elf, "%s/sparse.core", tmpdir);
    snprintf(mdmp, sizeof mdmp, "%s/sparse.dmp", tmpdir);
    printf("\n4. dump containers: 20 GiB sparse files (no bytes on disk beyond the headers)\n");
    uint8_t h[4096];
    memset(h, 0, sizeof h);
    memcpy(h, "\177ELF\2\1\1", 7); /* ELF64, little-endian, current version */
    put16(h + 16, 4);              /* ET_CORE */
    put16(h + 18, 62);             /* x86-64 */
    put32(h + 20, 1);
    put64(h + 32, 64); /* e_phoff */
    put16(h + 52, 64);
    put16(h + 54, 56);
    put16(h + 56, 1);
    uint8_t *ph = h + 64;
    put32(ph, 1);        /* PT_LOAD */
    put32(ph + 4, 6);    /* RW */
    put64(ph + 8, 4096); /* p_offset */
    put64(ph + 16, base);
    put64(ph + 32, big); /* p_filesz */
    put64(ph + 40, big); /* p_memsz */
    int elf_ok = write_sparse(elf, h, sizeof h, 4096 + big) == 0;
    memset(h, 0, sizeof h);
    memcpy(h, "MDMP", 4);
    put32(h + 4, 0xA793);
    put32(h + 8, 1); /* one stream */
    put32(h + 12, 32);
    put32(h + 32, 9); /* Memory64ListStream */
    put32(h + 36, 32);
    put32(h + 40, 44);
    put64(h + 44, 1);    /* one range */
    put64(h + 52, 4096); /* BaseRva */
    put64(h + 60, base);
    put64(h + 68, big);
    int md_ok = write_sparse(mdmp, h, sizeof h, 4096 + big) == 0;
    const char *paths[2] = {elf, mdmp}, *names[2] = {"ELF core, 20 GiB", "minidump, 20 GiB"};
    int oks[2] = {elf_ok, md_ok};
    for (int k = 0; k < 2; k++) {
        if (!oks[k]) {
            row(names[k], "skipped", "cannot create a sparse file here");
            continue;
        }
        double best = 1e9;
        int good = 1;
        for (int r = 0; r < 3; r++) {
            hd_target t;
            hd_error err;
            hd_error_clear(&err);
            double t0 = now_s();
            if (hd_target_open(&t, paths[k], &err)) {
                snprintf(note, sizeof note, "open failed: %s", err.msg);
                row(names[k], "failed", note);
                good = 0;
                break;
            }
            uint8_t probe[16];
            uint64_t got;
            int rd = hd_target_read(&t, base, probe, 16, &got) ||
                     hd_target_read(&t, base + big - 16, probe, 16, &got);
            double t1 = now_s() - t0;
            hd_target_close(&t);
            if (rd) {
                row(names[k], "failed", "first or last 16 bytes not readable");
                good = 0;
                break;
            }
            if (t1 < best) best = t1;
        }
        if (!good) continue;
        snprintf(note, sizeof note,
                 "hd_target_open + a read at each end, best of 3; budget < 1 s: %s",
                 best < 1.0 ? "met" : "MISSED");
        row(names[k], fmt(b, "%.3f ms", best * 1e3), note);
        if (heapdiff) {
            double tc;
            long rk;
            char *cargv[] = {(char *)heapdiff, "info", (char *)paths[k], NULL};
            int rc = run_child(cargv, &tc, &rk, NULL, 0);
            snprintf(note, sizeof note, "whole process (heapdiff info), exit %d, peak RSS %.1f MiB",
                     rc, rk / 1024.0);
            row("  heapdiff info", fmt(b, "%.2f ms", tc * 1e3), note);
        }
    }
    unlink(elf);
    unlink(mdmp);
}

static void bench_fixtures(const char *dir)
{
    char b[64], note[160];
    DIR *d = dir ? opendir(dir) : NULL;
    printf("\nreal .gcdump fixtures (%s):\n", dir ? dir : "none given");
    if (!d) {
        row("skipped", "-", "fixture folder absent (../shared/fixtures/gcdump)");
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 64) {
        size_t l = strlen(de->d_name);
        if (l > 7 && strcmp(de->d_name + l - 7, ".gcdump") == 0) names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    double total_bytes = 0, total_s = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        uint32_t nodes;
        uint64_t edges;
        double t = time_load(path, 3, &nodes, &edges);
        double sz = (double)file_size(path);
        total_bytes += sz;
        total_s += t;
        /* the analysis on a real heap's shape too (small: it fits in the caches) */
        hd_graph g;
        hd_error err;
        hd_error_clear(&err);
        hd_graph_init(&g);
        if (hd_load(path, &g, &err)) die(path, &err);
        an_result r;
        analyse(&g, &r, 3);
        hd_graph_free(&g);
        snprintf(note, sizeof note,
                 "%.2f MB, %u nodes, %llu edges, read %.2f ms (%.1f M nodes/s); "
                 "dominators+stats %.1f M nodes/s (%u reachable)",
                 sz / 1e6, nodes, (unsigned long long)edges, t * 1e3, nodes / t / 1e6,
                 nodes / (r.dom_s + r.stats_s) / 1e6, r.reachable);
        row(names[i], fmt(b, "%.0f MB/s", sz / 1e6 / t), note);
        free(names[i]);
    }
    if (n) {
        snprintf(note, sizeof note, "budget >= 100 MB/s: %s (small files: fixed costs dominate)",
                 total_bytes / 1e6 / total_s >= 100 ? "met" : "MISSED");
        row("all fixtures together", fmt(b, "%.0f MB/s", total_bytes / 1e6 / total_s), note);
    }
}

/* ---- 3. peers ------------------------------------------------------------------------------ */

/* Writes g as a V8 .heapsnapshot (meta as V8 writes it; node 0 = the root; object nodes named
 * by type; element edges). Enough for DevTools' loader, streamed. */
static int write_heapsnapshot(const hd_graph *g, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fprintf(f,
            "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\","
            "\"edge_count\",\"trace_node_id\",\"detachedness\"],\"node_types\":[[\"hidden\","
            "\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\",\"number\","
            "\"native\",\"synthetic\",\"concatenated string\",\"sliced string\",\"symbol\","
            "\"bigint\",\"object shape\"],\"string\",\"number\",\"number\",\"number\","
            "\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
            "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\","
            "\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],"
            "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\","
            "\"script_id\",\"line\",\"column\"],\"trace_node_fields\":[\"id\","
            "\"function_info_index\",\"count\",\"size\",\"children\"],\"sample_fields\":["
            "\"timestamp_us\",\"last_assigned_id\"],\"location_fields\":[\"object_index\","
            "\"script_id\",\"line\",\"column\"]},\"node_count\":%u,\"edge_count\":%llu,"
            "\"trace_function_count\":0},\n\"nodes\":[",
            g->n_nodes, (unsigned long long)g->n_edges);
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        int pseudo = g->types.types[g->type[i]].kind == HD_KIND_PSEUDO;
        fprintf(f, "%s%d,%u,%llu,%llu,%llu,0,0", i ? ",\n" : "", pseudo ? 9 : 3, g->type[i] + 1,
                2ull * i + 1, (unsigned long long)hd_node_size(g, i),
                (unsigned long long)(g->first[i + 1] - g->first[i]));
    }
    fputs("],\n\"edges\":[", f);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint64_t e = g->first[i]; e < g->first[i + 1]; e++)
            fprintf(f, "%s1,%llu,%llu", e ? ",\n" : "", (unsigned long long)(e - g->first[i]),
                    7ull * g->target[e]);
    fputs("],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n"
          "\"locations\":[],\n\"strings\":[\"<dummy>\"",
          f);
    for (uint32_t t = 0; t < g->types.count; t++) {
        fputs(",\n\"", f);
        for (const char *s = hd_type_name(g, t); *s; s++) {
            if (*s == '"' || *s == '\\') fputc('\\', f);
            fputc(*s, f);
        }
        fputc('"', f);
    }
    fputs("]}\n", f);
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

static void bench_devtools(const char *modules, const char *node_bin, const char *heapdiff,
                           const char *tmpdir, uint32_t nodes, const char *self_dir)
{
    char b[64], note[256], snap[4096], gcd[4096], script[4096], poly[4096], out[4096];
    printf("\npeer: Chrome DevTools heap-snapshot worker (Node) on the same graph:\n");
    struct stat st;
    if (!modules || stat(modules, &st) != 0) {
        row("skipped", "-", "no chrome-devtools-mcp (npm install in tests/oracle)");
        return;
    }
    snprintf(script, sizeof script, "%.3000s/devtools_peer.mjs", self_dir);
    snprintf(poly, sizeof poly, "%.3000s/devtools_polyfill.mjs", self_dir);
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    hg_synth_opts o = {.nodes = nodes, .list_len = nodes / 5, .seed = 7};
    if (hg_synth(&g, &o, &err)) die("generator", &err);
    snprintf(snap, sizeof snap, "%.2000s/peer.heapsnapshot", tmpdir);
    snprintf(gcd, sizeof gcd, "%.2000s/peer.gcdump", tmpdir);
    if (write_heapsnapshot(&g, snap) != 0) {
        row("skipped", "-", "cannot write the .heapsnapshot");
        hd_graph_free(&g);
        return;
    }
    if (hd_gcdump_write(&g, gcd, &err)) die("hd_gcdump_write", &err);
    /* heapdiff in process on the same graph */
    an_result r;
    analyse(&g, &r, 2);
    hd_graph_free(&g);

    double t_node;
    long rss_node;
    char *argv[] = {(char *)node_bin, "--import", poly, script, (char *)modules, snap, NULL};
    int rc = run_child(argv, &t_node, &rss_node, out, sizeof out);
    double ms_load = -1, ms_agg = -1;
    const char *p = strstr(out, "load_ms=");
    if (p) ms_load = atof(p + 8);
    p = strstr(out, "aggregate_ms=");
    if (p) ms_agg = atof(p + 13);
    if (rc != 0 || ms_load < 0) {
        snprintf(note, sizeof note, "node exited %d: %.200s", rc, out);
        row("skipped", "-", note);
        goto out;
    }
    double t_hd = 1e30;
    long rss_hd = 0;
    for (int k = 0; k < 3; k++) {
        double t;
        long rss;
        char *hargv[] = {(char *)heapdiff, "stat", gcd, "--format", "json", NULL};
        if (run_child(hargv, &t, &rss, NULL, 0) != 0) {
            row("skipped", "-", "heapdiff stat failed on the peer graph");
            goto out;
        }
        if (t < t_hd) t_hd = t, rss_hd = rss;
    }
    snprintf(note, sizeof note, "%u nodes, %.1f MB .heapsnapshot vs %.1f MB .gcdump", nodes,
             file_size(snap) / 1e6, file_size(gcd) / 1e6);
    row("graph", "", note);
    snprintf(note, sizeof note,
             "load (parse+distances+dominators+retained) %.0f ms + class aggregates %.0f ms; "
             "node peak RSS %.0f MiB; %.1f s with Node start-up",
             ms_load, ms_agg, rss_node / 1024.0, t_node);
    row("DevTools worker: load + Summary", fmt(b, "%.2f s", (ms_load + ms_agg) / 1e3), note);
    snprintf(note, sizeof note,
             "whole process (read + dominators + stats + report); peak RSS %.0f MiB",
             rss_hd / 1024.0);
    row("heapdiff stat on the .gcdump (best of 3)", fmt(b, "%.2f s", t_hd), note);
    snprintf(
        note, sizeof note,
        "in-process heapdiff dominators + stats alone: %.0f ms (inputs differ: JSON vs .gcdump)",
        (r.dom_s + r.stats_s) * 1e3);
    row("ratio DevTools / heapdiff, end to end", fmt(b, "%.1fx", (ms_load + ms_agg) / 1e3 / t_hd),
        note);
out:
    unlink(snap);
    unlink(gcd);
}

/* ---- main ----------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench [--nodes N] [--list N] [--chain N] [--gcdump-nodes N] [--peer-nodes N]\n"
            "             [--heapdiff PATH] [--fixtures DIR] [--devtools DIR] [--node PATH]\n"
            "             [--tmp DIR] [--runs N] [--src DIR with devtools_peer.mjs]\n");
    exit(1);
}

int main(int argc, char **argv)
{
    uint32_t nodes = 10000000, chain = 10000000, gnodes = 2500000, pnodes = 1000000;
    int64_t list = -1;
    int runs = 2;
    const char *src_dir = "tests/bench";
    const char *heapdiff = "./heapdiff", *fixtures = NULL, *devtools = NULL, *node_bin = "node";
    const char *tmp_base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--nodes"))
            nodes = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--list"))
            list = strtoll(v, NULL, 0);
        else if (!strcmp(a, "--chain"))
            chain = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--gcdump-nodes"))
            gnodes = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--peer-nodes"))
            pnodes = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--heapdiff"))
            heapdiff = v;
        else if (!strcmp(a, "--fixtures"))
            fixtures = v;
        else if (!strcmp(a, "--devtools"))
            devtools = v;
        else if (!strcmp(a, "--node"))
            node_bin = v;
        else if (!strcmp(a, "--tmp"))
            tmp_base = v;
        else if (!strcmp(a, "--runs"))
            runs = atoi(v);
        else if (!strcmp(a, "--src"))
            src_dir = v;
        else
            usage();
    }
    if (runs < 1) runs = 1;
    spawner_start(); /* before anything big is allocated: see run_child */
    /* the Node scripts sit beside this program's sources */
    char self_dir[4096];
    if (!realpath(src_dir, self_dir)) snprintf(self_dir, sizeof self_dir, "%s", src_dir);

    char tmpdir[2048];
    snprintf(tmpdir, sizeof tmpdir, "%.1900s/heapdiff-bench.XXXXXX", tmp_base);
    if (!mkdtemp(tmpdir)) {
        perror("bench: mkdtemp");
        return 1;
    }
    double t_start = now_s();
    printf("heapdiff benchmarks (figures only; timings never fail the build)\n");
    printf("machine: %ld CPUs online, single-threaded runs; times are the best of %d runs unless "
           "said\n",
           sysconf(_SC_NPROCESSORS_ONLN), runs);

    char b[64], note[256];
    hd_error err;
    hd_error_clear(&err);

    /* 1a. analysis on a big mixed heap */
    {
        hd_graph g;
        hg_synth_opts o = {
            .nodes = nodes, .list_len = list >= 0 ? (uint32_t)list : nodes / 5, .seed = 42};
        double t0 = now_s();
        if (hg_synth(&g, &o, &err)) die("generator", &err);
        double gen_s = now_s() - t0;
        long rss = status_kb("VmRSS");
        an_result r;
        analyse(&g, &r, runs);
        char title[160];
        snprintf(title, sizeof title,
                 "1. analysis, generated heap (linked list of %u, ~3%% garbage)", o.list_len);
        report_analysis(title, &g, &r, gen_s, rss);
        hd_graph_free(&g);
    }
    /* 1b. one long chain */
    if (chain >= 3) {
        hd_graph g;
        double t0 = now_s();
        if (hg_chain(&g, chain, &err)) die("generator", &err);
        double gen_s = now_s() - t0;
        long rss = status_kb("VmRSS");
        an_result r;
        analyse(&g, &r, runs);
        char title[160];
        snprintf(title, sizeof title, "1b. analysis, one linked list %u long (dominator depth %u)",
                 chain - 2, chain - 1);
        report_analysis(title, &g, &r, gen_s, rss);
        hd_graph_free(&g);
    }

    /* 2. .gcdump write and read */
    printf("\n2. .gcdump, generated heap of %u nodes:\n", gnodes);
    char gpath[4096];
    snprintf(gpath, sizeof gpath, "%.2000s/big.gcdump", tmpdir);
    {
        hd_graph g;
        hg_synth_opts o = {.nodes = gnodes, .list_len = gnodes / 5, .seed = 43};
        if (hg_synth(&g, &o, &err)) die("generator", &err);
        double best_w = 1e30;
        for (int k = 0; k < runs; k++) {
            double t0 = now_s();
            if (hd_gcdump_write(&g, gpath, &err)) die("hd_gcdump_write", &err);
            double t = now_s() - t0;
            if (t < best_w) best_w = t;
        }
        double sz = (double)file_size(gpath);
        snprintf(note, sizeof note, "%.1f MB file, %llu edges, %.1f s", sz / 1e6,
                 (unsigned long long)g.n_edges, best_w);
        row("hd_gcdump_write", fmt(b, "%.0f MB/s", sz / 1e6 / best_w), note);
        check_roundtrip(&g, gpath);
        row("read back = written (nodes, types, sizes, edges)", "yes", NULL);
        hd_graph_free(&g);
        uint32_t rn;
        uint64_t re;
        double t = time_load(gpath, 3, &rn, &re);
        snprintf(note, sizeof note,
                 "best of 3: %.3f s, %.1f M nodes/s; budget >= 100 MB/s: %s (%.1fx)", t,
                 rn / t / 1e6, sz / 1e6 / t >= 100 ? "met" : "MISSED", sz / 1e6 / t / 100);
        row("hd_load (mmap + parse + CSR)", fmt(b, "%.0f MB/s", sz / 1e6 / t), note);

        double best = 1e30;
        long rss = 0;
        int rc = 0;
        for (int k = 0; k < 3; k++) {
            double tc;
            long rk;
            char *cargv[] = {(char *)heapdiff, "stat", gpath, NULL};
            rc = run_child(cargv, &tc, &rk, NULL, 0);
            if (rc != 0) break;
            if (tc < best) best = tc, rss = rk;
        }
        if (rc != 0) {
            snprintf(note, sizeof note, "%s exited %d", heapdiff, rc);
            row("heapdiff stat (whole CLI)", "failed", note);
        } else {
            snprintf(note, sizeof note,
                     "read + dominators + stats + text; %.1f M nodes/s, %.0f MB/s, peak RSS %.0f "
                     "MiB (%.1f B/node)",
                     gnodes / best / 1e6, sz / 1e6 / best, rss / 1024.0, rss * 1024.0 / gnodes);
            row("heapdiff stat (whole CLI, best of 3)", fmt(b, "%.2f s", best), note);
        }
    }
    bench_fixtures(fixtures);

    /* 3. peers */
    bench_devtools(devtools, node_bin, heapdiff, tmpdir, pnodes, self_dir);

    /* 4. dump containers */
    bench_sparse(tmpdir, heapdiff);

    unlink(gpath);
    rmdir(tmpdir);
    if (g_spawn_req >= 0) {
        close(g_spawn_req); /* the spawner exits on end of input */
        close(g_spawn_rep);
        while (wait(NULL) > 0) {
        }
    }
    note_peak();
    printf("\nbench process peak RSS (VmHWM over all phases): %.1f MiB; total bench time %.0f s\n",
           g_peak_kb / 1024.0, now_s() - t_start);
    return 0;
}
