/* Internal helpers shared by the report renderers. */
#ifndef HD_REPORT_FORMAT_H
#define HD_REPORT_FORMAT_H

#include <stdint.h>

#include "heapdiff/report.h"

/* "1,234,567"; buf holds 32 bytes. */
const char *hd_group_digits(char *buf, uint64_t v);
const char *hd_group_signed(char *buf, int64_t v);
const char *hd_diff_status_name(int status);
/* Whether the row at this rank survives --top. */
int hd_row_visible(uint64_t index, const hd_report_opts *o);

/* Which rows a report shows: --min-bytes filters, then --top cuts. idx[] gets the kept row
 * indexes; returns how many. */
uint32_t hd_select_stat_rows(const hd_stats *s, const hd_report_opts *o, uint32_t *idx);
uint32_t hd_select_diff_rows(const hd_diff *d, const hd_report_opts *o, uint32_t *idx);

static inline int64_t hd_delta(uint64_t before, uint64_t after)
{
    return (int64_t)(after - before);
}

#endif
