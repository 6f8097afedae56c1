/* heapdiff — rendering statistics and diffs as text, JSON (formats/report.schema.json) or CSV. */
#ifndef HEAPDIFF_REPORT_H
#define HEAPDIFF_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "heapdiff/analysis.h"
#include "heapdiff/error.h"
#include "heapdiff/graph.h"

enum hd_out_format { HD_OUT_TEXT = 0, HD_OUT_JSON, HD_OUT_CSV };

typedef struct hd_report_opts {
    int format;         /* enum hd_out_format */
    uint64_t top;       /* rows to show; 0 = all */
    uint64_t min_bytes; /* stat: hide rows whose retained and unreachable bytes are both below;
                           diff: rows whose |delta retained| and |delta shallow| are both below */
    int by_module;
    int raw_names;      /* rows keep writers' size-bucket suffixes */
    int color;          /* text only: ANSI colours */
    int width;          /* text only: terminal width, 0 = 100 */
    int64_t max_growth; /* diff: --max-growth limit, -1 when not given */
} hd_report_opts;

/* One input as the report describes it. */
typedef struct hd_report_input {
    const char *path;
    const hd_graph *graph;
} hd_report_input;

int hd_report_stat(FILE *out, const hd_report_input *in, const hd_stats *s, const hd_report_opts *o,
                   hd_error *err);
int hd_report_diff(FILE *out, const hd_report_input in[2], const hd_diff *d,
                   const hd_report_opts *o, hd_error *err);

/* "1.5 MiB" style; buf must hold 32 bytes. */
const char *hd_human_bytes(char *buf, uint64_t bytes);
const char *hd_human_signed(char *buf, int64_t bytes);

#endif
