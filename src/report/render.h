/* The renderers behind hd_report_stat / hd_report_diff, one per output format. */
#ifndef HD_REPORT_RENDER_H
#define HD_REPORT_RENDER_H

#include <stdio.h>

#include "heapdiff/report.h"

int hd_render_stat_text(FILE *out, const hd_report_input *in, const hd_stats *s,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx,
                        hd_error *err);
int hd_render_stat_json(FILE *out, const hd_report_input *in, const hd_stats *s,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx,
                        hd_error *err);
int hd_render_stat_csv(FILE *out, const hd_report_input *in, const hd_stats *s,
                       const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err);
int hd_render_diff_text(FILE *out, const hd_report_input in[2], const hd_diff *d,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx,
                        hd_error *err);
int hd_render_diff_json(FILE *out, const hd_report_input in[2], const hd_diff *d,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx,
                        hd_error *err);
int hd_render_diff_csv(FILE *out, const hd_report_input in[2], const hd_diff *d,
                       const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err);

#endif
