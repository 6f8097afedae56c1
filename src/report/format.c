/* Number formatting for human-readable reports. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "heapdiff/report.h"
#include "report/format.h"

const char *hd_human_bytes(char *buf, uint64_t bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, 32, "%" PRIu64 " B", bytes);
        return buf;
    }
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    snprintf(buf, 32, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

/* "+" or "-" and the magnitude in fmt's style ("0" gets no sign). */
static const char *with_sign(char *buf, int64_t v, const char *(*fmt)(char *, uint64_t))
{
    char tmp[32];
    fmt(tmp, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    snprintf(buf, 32, "%s%.30s", v < 0 ? "-" : v > 0 ? "+" : "", tmp);
    return buf;
}

const char *hd_human_signed(char *buf, int64_t bytes)
{
    return with_sign(buf, bytes, hd_human_bytes);
}

const char *hd_group_digits(char *buf, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *hd_group_signed(char *buf, int64_t v)
{
    return with_sign(buf, v, hd_group_digits);
}

const char *hd_diff_status_name(int status)
{
    switch (status) {
    case HD_DIFF_GREW:
        return "grew";
    case HD_DIFF_SHRANK:
        return "shrank";
    case HD_DIFF_NEW:
        return "new";
    case HD_DIFF_GONE:
        return "gone";
    default:
        return "same";
    }
}

int hd_row_visible(uint64_t index, const hd_report_opts *o)
{
    return !o->top || index < o->top;
}
