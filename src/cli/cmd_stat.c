/* heapdiff stat FILE */
#include <stdio.h>

#include "cli/cli.h"

int cmd_stat(const cli_opts *o, hd_error *err)
{
    if (o->n_files != 1) {
        fprintf(stderr,
                "heapdiff: stat takes exactly one file (got %d)\n"
                "Try 'heapdiff --help' for more information.\n",
                o->n_files);
        return HD_EUSAGE;
    }
    cli_snapshot s;
    cli_out out = {0};
    int rc = cli_snapshot_load(&s, o->files[0], o, err);
    if (!rc) rc = cli_out_open(&out, o->output, err);
    if (!rc) {
        hd_report_input in = {s.path, &s.graph};
        rc = hd_report_stat(out.f, &in, &s.stats, &o->report, err);
        rc = rc ? rc : cli_out_commit(&out, err);
    }
    if (rc) cli_out_abort(&out);
    cli_snapshot_free(&s);
    return rc;
}
