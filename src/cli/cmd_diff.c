/* heapdiff [diff] BEFORE AFTER */
#include <stdio.h>

#include "cli/cli.h"

int cmd_diff(const cli_opts *o, hd_error *err)
{
    if (o->n_files != 2) {
        fprintf(stderr,
                "heapdiff: diff takes two files, BEFORE and AFTER (got %d)%s\n"
                "Try 'heapdiff --help' for more information.\n",
                o->n_files,
                o->n_files > 2 ? "; trends over three or more snapshots are not supported yet"
                               : "");
        return HD_EUSAGE;
    }
    cli_snapshot s[2];
    cli_out out = {0};
    int rc = cli_snapshot_load(&s[0], o->files[0], o, err);
    if (!rc)
        rc = cli_snapshot_load(&s[1], o->files[1], o, err);
    else
        hd_graph_init(&s[1].graph), s[1].dom = (hd_dom){0}, s[1].stats = (hd_stats){0};
    hd_diff d = {0};
    if (!rc) rc = hd_diff_compute(&s[0].stats, &s[1].stats, &d, err);
    if (!rc) rc = cli_out_open(&out, o->output, err);
    if (!rc) {
        hd_report_input in[2] = {{s[0].path, &s[0].graph}, {s[1].path, &s[1].graph}};
        rc = hd_report_diff(out.f, in, &d, &o->report, err);
        rc = rc ? rc : cli_out_commit(&out, err);
    }
    if (rc) cli_out_abort(&out);
    if (!rc && o->report.max_growth >= 0) {
        int64_t growth = (int64_t)(s[1].stats.totals.shallow - s[0].stats.totals.shallow);
        if (growth > o->report.max_growth) {
            char a[32], b[32];
            fprintf(stderr, "heapdiff: reachable bytes grew by %s, more than --max-growth %s\n",
                    hd_human_signed(a, growth), hd_human_bytes(b, (uint64_t)o->report.max_growth));
            rc = HD_ETHRESHOLD;
        }
    }
    hd_diff_free(&d);
    cli_snapshot_free(&s[0]);
    cli_snapshot_free(&s[1]);
    return rc;
}
