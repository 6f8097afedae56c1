/* heapdiff convert IN -o OUT [--to gcdump|heapsnapshot|hgraph]: any input heapdiff reads,
 * written in one of the formats other tools (or heapdiff, faster) read. The format is --to's,
 * else OUT's extension. Each writer writes a temporary file and renames it. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "heapdiff/heapsnapshot.h"
#include "heapdiff/hgraph.h"

static const char *const formats[] = {"gcdump", "heapsnapshot", "hgraph", NULL};

/* "gcdump" for "x.gcdump", NULL when the extension names no format we write. */
static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return NULL;
    for (int i = 0; formats[i]; i++)
        if (!strcasecmp(dot + 1, formats[i])) return formats[i];
    return NULL;
}

int cmd_convert(const cli_opts *o, hd_error *err)
{
    if (o->n_files != 1 || !o->output || !strcmp(o->output, "-")) {
        fprintf(stderr, "heapdiff: convert takes one input and -o OUTPUT (a file)\n"
                        "Try 'heapdiff --help' for more information.\n");
        return HD_EUSAGE;
    }
    const char *to = o->to ? o->to : format_of(o->output);
    if (!to) {
        fprintf(stderr,
                "heapdiff: cannot tell the output format from '%s': name it .gcdump, "
                ".heapsnapshot or .hgraph, or give --to\n",
                o->output);
        return HD_EUSAGE;
    }
    hd_graph g;
    hd_graph_init(&g);
    int rc = hd_load(o->files[0], &g, err);
    if (!rc) {
        if (!strcmp(to, "gcdump"))
            rc = hd_gcdump_write(&g, o->output, err);
        else if (!strcmp(to, "heapsnapshot"))
            rc = hd_heapsnapshot_write(&g, o->output, err);
        else { /* with the analysis, so that reading it back skips the dominator pass */
            hd_dom d;
            rc = hd_dominators(&g, &d, err);
            if (!rc) rc = hd_hgraph_write_cached(&g, &d, o->output, err);
            hd_dom_free(&d);
        }
    }
    hd_graph_free(&g);
    return rc;
}
