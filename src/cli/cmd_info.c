/* heapdiff info FILE: what is inside an input, and whether heapdiff can analyse its managed heap.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "heapdiff/clr.h"
#include "report/format.h"

static const char *const kind_names[] = {"unknown", "pe", "elf", "macho"};

/* The managed heap as the walker found it (or why it could not). */
typedef struct heap_result {
    int ok;
    hd_clr_heap_info info;
    hd_error err;
} heap_result;

static const char *heap_verdict(const hd_target *t, const hd_module *rt, const heap_result *hr)
{
    if (!rt)
        return "no .NET runtime module in this dump: it is not a .NET process, or the dump lists "
               "no modules";
    if (hr->ok) return "analysable (heapdiff stat / diff)";
    return hr->err.msg;
}

static void walk_heap(const hd_target *t, const hd_module *rt, heap_result *hr)
{
    memset(hr, 0, sizeof *hr);
    hd_error_clear(&hr->err);
    if (!rt) return;
    hd_graph g;
    hd_graph_init(&g);
    hr->ok = hd_clr_graph(t, &g, &hr->info, &hr->err) == HD_OK;
    hd_graph_free(&g);
}

static json_t *heap_json(const heap_result *hr)
{
    if (!hr->ok) return json_null();
    const hd_clr_heap_info *i = &hr->info;
    json_t *roots = json_object();
    for (int k = 0; k < HD_CLR_ROOT_KINDS; k++)
        json_object_set_new(roots, hd_clr_root_kind_name(k), json_integer((json_int_t)i->roots[k]));
    return json_pack(
        "{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:o}", "runtime",
        i->runtime, "gc", i->server ? "server" : "workstation", "regions", i->regions, "heaps",
        (json_int_t)i->n_heaps, "segments", (json_int_t)i->n_segments, "objects",
        (json_int_t)i->objects, "bytes", (json_int_t)i->bytes, "free_objects",
        (json_int_t)i->free_objects, "free_bytes", (json_int_t)i->free_bytes, "unparsable_objects",
        (json_int_t)i->corrupt, "unparsable_bytes", (json_int_t)i->corrupt_bytes,
        "dangling_references", (json_int_t)i->dangling, "method_tables",
        (json_int_t)i->n_method_tables, "unnamed_types", (json_int_t)i->unnamed_types, "roots",
        roots, "dependent_handles", (json_int_t)i->dependent_handles, "finalizable",
        (json_int_t)i->finalizable, "layout",
        json_string(i->layout_from_descriptor ? "contract descriptor" : "built-in table"));
}

static void heap_text(FILE *out, const heap_result *hr)
{
    if (!hr->ok) return;
    const hd_clr_heap_info *i = &hr->info;
    char a[32], b[32], c[32], d[32], e[32];
    fprintf(out, "GC: %s, %s, %u heap%s, %u segments; layouts from the %s\n",
            i->server ? "server" : "workstation", i->regions ? "regions" : "segments", i->n_heaps,
            i->n_heaps == 1 ? "" : "s", i->n_segments,
            i->layout_from_descriptor ? "runtime's contract descriptor" : "built-in .NET 10 table");
    fprintf(out, "objects: %s (%s), free: %s objects (%s), types: %s\n",
            hd_group_digits(a, i->objects), hd_human_bytes(b, i->bytes),
            hd_group_digits(c, i->free_objects), hd_human_bytes(d, i->free_bytes),
            hd_group_digits(e, i->n_method_tables));
    fprintf(out, "roots:");
    const char *sep = " ";
    for (int k = 0; k < HD_CLR_ROOT_KINDS; k++) {
        if (!i->roots[k]) continue;
        fprintf(out, "%s%s %s", sep, hd_group_digits(a, i->roots[k]), hd_clr_root_kind_name(k));
        sep = ", ";
    }
    fprintf(out, "%s\n", *sep == ' ' ? " none" : "");
    if (i->roots[5])
        fprintf(out, "note: stack roots are conservative (every stack word that points into an "
                     "object); precise stack roots need GC info decoding\n");
    if (i->corrupt)
        fprintf(out, "warning: %s objects could not be parsed (%s skipped)\n",
                hd_group_digits(a, i->corrupt), hd_human_bytes(b, i->corrupt_bytes));
    if (i->unnamed_types)
        fprintf(out,
                "warning: %s types could not be named (their module's metadata is not in "
                "the dump)\n",
                hd_group_digits(a, i->unnamed_types));
    if (*i->notes) fprintf(out, "notes: %s\n", i->notes);
}

static json_t *hex(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%" PRIx64, v);
    return json_string(b);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *descriptor_json(const hd_clr_runtime *c)
{
    if (!c->json) return json_null();
    return json_pack("{s:o,s:b,s:I,s:i,s:I,s:I,s:s}", "address", hex(c->descriptor_addr),
                     "from_file", c->from_file, "json_bytes", (json_int_t)c->json_len, "version",
                     c->contract_version, "types", (json_int_t)c->n_types, "globals",
                     (json_int_t)c->n_globals, "contracts", c->contracts);
}

static json_t *target_json(const char *path, const hd_target *t, const hd_clr_runtime *clr,
                           const heap_result *hr)
{
    const hd_module *rt = clr->module;
    uint64_t described = 0;
    for (uint64_t i = 0; i < t->n_ranges; i++) described += t->ranges[i].size;
    json_t *threads = json_array(), *modules = json_array();
    for (uint32_t i = 0; i < t->n_threads; i++) {
        const hd_thread *th = &t->threads[i];
        json_t *o = json_pack("{s:I}", "tid", (json_int_t)th->tid);
        json_object_set_new(
            o, "stack",
            th->stack_hi > th->stack_lo
                ? json_pack("{s:o,s:o}", "start", hex(th->stack_lo), "end", hex(th->stack_hi))
                : json_null());
        json_object_set_new(o, "ip", th->has_regs ? hex(th->ip) : json_null());
        json_object_set_new(o, "sp", th->has_regs ? hex(th->sp) : json_null());
        json_object_set_new(o, "fp", th->has_regs ? hex(th->fp) : json_null());
        json_object_set_new(o, "name", str_or_null(th->name));
        json_array_append_new(threads, o);
    }
    for (uint32_t i = 0; i < t->n_modules; i++) {
        const hd_module *m = &t->modules[i];
        json_t *o =
            json_pack("{s:o,s:I,s:s,s:s}", "base", hex(m->base), "size", (json_int_t)m->size,
                      "path", m->path, "kind", kind_names[m->kind < 4 ? m->kind : 0]);
        char v[32];
        hd_module_version(m, v);
        json_object_set_new(o, "version", str_or_null(v));
        json_object_set_new(o, "timestamp",
                            m->timestamp ? json_integer(m->timestamp) : json_null());
        char id[65] = "";
        for (unsigned k = 0; k < m->build_id_len && k < 32; k++)
            snprintf(id + 2 * k, 3, "%02x", m->build_id[k]);
        json_object_set_new(o, "build_id", str_or_null(id));
        json_object_set_new(
            o, "pdb",
            m->pdb_name ? json_pack("{s:s,s:I}", "name", m->pdb_name, "age", (json_int_t)m->pdb_age)
                        : json_null());
        json_array_append_new(modules, o);
    }
    json_t *runtime = json_null();
    if (rt)
        runtime = json_pack("{s:s,s:s,s:o,s:o,s:o}", "module", rt->path, "flavor", clr->flavor,
                            "version", str_or_null(clr->version), "contract_descriptor",
                            descriptor_json(clr), "note", str_or_null(clr->why));
    char flags[24];
    snprintf(flags, sizeof flags, "0x%" PRIx64, t->minidump_flags);
    json_t *dump =
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "flags",
                  t->container == HD_FMT_MINIDUMP ? json_string(flags) : json_null(), "full_memory",
                  t->full_memory < 0 ? json_null() : json_boolean(t->full_memory), "time",
                  t->time ? json_integer(t->time) : json_null(), "pid",
                  t->pid ? json_integer(t->pid) : json_null(), "exe", str_or_null(t->exe));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:{s:I,s:I,s:I,s:o,s:I},s:o,s:o,s:o,"
                     "s:{s:b,s:s,s:o}}",
                     "heapdiff", HEAPDIFF_VERSION, "command", "info", "file", path, "format",
                     hd_format_name(t->container), "os", hd_os_name(t->os), "arch",
                     hd_arch_name(t->arch), "pointer_size", (int)t->pointer_size, "os_version",
                     t->os_version, "dump", dump, "memory", "ranges", (json_int_t)t->n_ranges,
                     "captured", (json_int_t)t->bytes_captured, "described", (json_int_t)described,
                     "reserved",
                     t->bytes_reserved ? json_integer((json_int_t)t->bytes_reserved) : json_null(),
                     "cut", (json_int_t)t->bytes_cut, "threads", threads, "modules", modules,
                     "runtime", runtime, "managed_heap", "analysis_possible", hr->ok, "reason",
                     heap_verdict(t, rt, hr), "heap", heap_json(hr));
}

static void target_text(FILE *out, const char *path, const hd_target *t, const hd_clr_runtime *clr,
                        const heap_result *hr)
{
    char a[32], b[32], c[32];
    const hd_module *rt = clr->module;
    fprintf(out, "%s: %s, %s %s (%u-bit)%s%s\n", path,
            t->container == HD_FMT_MINIDUMP ? "Windows-format minidump" : "ELF core",
            hd_os_name(t->os), hd_arch_name(t->arch), t->pointer_size * 8,
            *t->os_version ? ", OS " : "", t->os_version);
    if (t->exe || t->pid) fprintf(out, "process: %s, pid %u\n", t->exe ? t->exe : "?", t->pid);
    if (t->time) {
        time_t tt = (time_t)t->time;
        struct tm tm;
        char when[64];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&tt, &tm));
        fprintf(out, "captured: %s\n", when);
    }
    if (t->container == HD_FMT_MINIDUMP)
        fprintf(out, "dump flags: 0x%" PRIx64 "%s\n", t->minidump_flags,
                t->minidump_flags & 2 ? " (full memory)" : "");
    fprintf(out, "memory: %s captured in %s ranges", hd_human_bytes(a, t->bytes_captured),
            hd_group_digits(b, t->n_ranges));
    if (t->bytes_reserved) fprintf(out, " of %s described", hd_human_bytes(c, t->bytes_reserved));
    fprintf(out, "; %s%s%s\n",
            t->full_memory > 0    ? "full memory"
            : t->full_memory == 0 ? "partial (not a full dump)"
                                  : "completeness unknown",
            t->bytes_cut ? "; the file is truncated: missing " : "",
            t->bytes_cut ? hd_human_bytes(c, t->bytes_cut) : "");
    fprintf(out, "threads: %u, modules: %u\n", t->n_threads, t->n_modules);
    if (rt) {
        fprintf(out, ".NET runtime: %s %s (%s)\n", clr->flavor,
                *clr->version ? clr->version : "(version unknown)", rt->path);
        if (clr->json)
            fprintf(out,
                    "contract descriptor: 0x%" PRIx64 "%s, version %d, %u types, %u globals; "
                    "contracts: %s\n",
                    clr->descriptor_addr, clr->from_file ? " (read with the module file)" : "",
                    clr->contract_version, clr->n_types, clr->n_globals, clr->contracts);
        else if (clr->why[0])
            fprintf(out, "contract descriptor: none: %s\n", clr->why);
    }
    fprintf(out, "managed heap: %s\n", heap_verdict(t, rt, hr));
    heap_text(out, hr);
    fprintf(out, "\n%18s %12s  %-7s %-16s %s\n", "base", "size", "kind", "version", "module");
    for (uint32_t i = 0; i < t->n_modules; i++) {
        const hd_module *m = &t->modules[i];
        char v[32];
        hd_module_version(m, v);
        fprintf(out, "0x%016" PRIx64 " %12s  %-7s %-16s %s%s\n", m->base,
                hd_human_bytes(a, m->size), kind_names[m->kind < 4 ? m->kind : 0], v, m->path,
                m == rt ? "   <- .NET runtime" : "");
    }
}

static int info_snapshot(FILE *out, const char *path, enum hd_input_format fmt, const cli_opts *o,
                         hd_error *err)
{
    hd_graph g;
    if (hd_load(path, &g, err)) return err->code;
    uint64_t total = hd_graph_total_size(&g);
    const hd_graph_meta *m = &g.meta;
    int rc = HD_OK;
    if (o->report.format == HD_OUT_JSON) {
        json_t *doc =
            json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:I,s:I,s:I,s:I,s:b,s:f}", "heapdiff",
                      HEAPDIFF_VERSION, "command", "info", "file", path, "format", m->format,
                      "pointer_size", (int)m->pointer_size, "creation_tool",
                      str_or_null(m->creation_tool), "nodes", (json_int_t)g.n_nodes, "edges",
                      (json_int_t)g.n_edges, "types", (json_int_t)g.types.count, "total_size",
                      (json_int_t)total, "sampled", m->type_multiplier != NULL, "count_multiplier",
                      m->type_multiplier ? (double)m->avg_count_multiplier : 1.0);
        json_object_set_new(doc, "gcdump_version", json_integer(m->gcdump_version));
        json_object_set_new(doc, "process", str_or_null(m->process_name));
        json_object_set_new(doc, "machine", str_or_null(m->machine_name));
        if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', out) == EOF)
            rc = hd_error_set(err, HD_EINTERNAL, "cannot write the report");
        json_decref(doc);
    } else {
        char a[32], b[32], c[32], d[32];
        if (fmt == HD_FMT_HGRAPH)
            fprintf(out, "%s: .hgraph (heapdiff's graph format)%s%s, %u-bit\n", path,
                    m->creation_tool ? " from " : "", m->creation_tool ? m->creation_tool : "",
                    m->pointer_size * 8);
        else
            fprintf(out, "%s: .gcdump (GCHeapDump version %d)%s%s, %u-bit\n", path,
                    m->gcdump_version, m->creation_tool ? " by " : "",
                    m->creation_tool ? m->creation_tool : "", m->pointer_size * 8);
        if (m->process_name || m->machine_name)
            fprintf(out, "process: %s on %s\n", m->process_name ? m->process_name : "?",
                    m->machine_name ? m->machine_name : "?");
        fprintf(out, "graph: %s nodes, %s references, %s types, %s\n",
                hd_group_digits(a, g.n_nodes), hd_group_digits(b, g.n_edges),
                hd_group_digits(c, g.types.count), hd_human_bytes(d, total));
        fprintf(out, "sampled: %s\n",
                m->type_multiplier ? "yes (counts and sizes are scaled)"
                                   : "no (every object is in the file)");
        fprintf(out, "managed heap: analysable (heapdiff stat / diff)\n");
    }
    hd_graph_free(&g);
    return rc;
}

int cmd_info(const cli_opts *o, hd_error *err)
{
    if (o->n_files != 1) {
        fprintf(stderr,
                "heapdiff: info takes exactly one file (got %d)\n"
                "Try 'heapdiff --help' for more information.\n",
                o->n_files);
        return HD_EUSAGE;
    }
    const char *path = o->files[0];
    cli_out out = {0};
    hd_file f;
    if (hd_file_open(&f, path, err)) return err->code;
    enum hd_input_format fmt = hd_sniff(f.data, f.size);
    hd_file_close(&f);
    int rc = cli_out_open(&out, o->output, err);
    if (rc) return rc;
    if (fmt == HD_FMT_MINIDUMP || fmt == HD_FMT_ELFCORE) {
        hd_target t;
        rc = hd_target_open(&t, path, err);
        hd_clr_runtime clr = {0};
        if (!rc) {
            hd_error cerr;
            hd_error_clear(&cerr);
            rc = hd_clr_locate(&t, &clr, &cerr); /* no runtime module: not an error here */
            if (rc == HD_EINPUT)
                rc = HD_OK;
            else if (rc)
                hd_error_set(err, rc, "%s", cerr.msg);
        }
        heap_result *hr = rc ? NULL : malloc(sizeof *hr);
        if (!rc && !hr) rc = hd_error_oom(err, "heap summary", sizeof *hr);
        if (!rc) walk_heap(&t, clr.module, hr);
        if (!rc) {
            if (o->report.format == HD_OUT_JSON) {
                json_t *doc = target_json(path, &t, &clr, hr);
                if (!doc || json_dumpf(doc, out.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
                    fputc('\n', out.f) == EOF)
                    rc = hd_error_set(err, HD_EINTERNAL, "cannot write the report");
                json_decref(doc);
            } else {
                target_text(out.f, path, &t, &clr, hr);
            }
        }
        free(hr);
        if (t.file.data) {
            hd_clr_runtime_free(&clr);
            hd_target_close(&t);
        }
    } else {
        rc = info_snapshot(out.f, path, fmt, o, err);
    }
    rc = rc ? rc : cli_out_commit(&out, err);
    if (rc) cli_out_abort(&out);
    return rc;
}
