/* The heapdiff command line: option parsing and the commands, all thin users of libheapdiff. */
#ifndef HD_CLI_H
#define HD_CLI_H

#include <stdio.h>

#include "heapdiff/heapdiff.h"

typedef struct cli_opts {
    hd_report_opts report;
    const char *output; /* -o FILE, NULL = stdout */
    const char *to;     /* convert --to FORMAT, NULL = from the output's extension */
    int quiet;
    int color_mode; /* 0 auto, 1 always, -1 never */
    const char **files;
    int n_files;
} cli_opts;

/* Parses argv after the command word. Returns HD_OK, or HD_EUSAGE with the message printed.
 * *exit_now is set for --help/--version (already handled). */
int cli_parse(int argc, char **argv, const char *command, cli_opts *o, int *exit_now);
void cli_usage(FILE *out);

/* Output: stdout, or a temporary file renamed over -o FILE on success. */
typedef struct cli_out {
    FILE *f;
    char *tmp_path;
    const char *final_path;
} cli_out;
int cli_out_open(cli_out *out, const char *path, hd_error *err);
int cli_out_commit(cli_out *out, hd_error *err);
void cli_out_abort(cli_out *out);

/* Loads and analyses one input. */
typedef struct cli_snapshot {
    const char *path;
    hd_graph graph;
    hd_dom dom;
    hd_stats stats;
} cli_snapshot;
int cli_snapshot_load(cli_snapshot *s, const char *path, const cli_opts *o, hd_error *err);
void cli_snapshot_free(cli_snapshot *s);

int cmd_stat(const cli_opts *o, hd_error *err);
int cmd_diff(const cli_opts *o, hd_error *err);
int cmd_info(const cli_opts *o, hd_error *err);
int cmd_convert(const cli_opts *o, hd_error *err);

#endif
