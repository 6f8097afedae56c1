/* libFuzzer target: reader -> dominators -> stats -> every report (text, JSON, CSV; stat and a
 * diff of the snapshot with itself), as the CLI would print them for a hostile file. Type names
 * come straight from the input, so this is where odd names (control characters, quotes,
 * commas, invalid UTF-16, very long names) meet the renderers. The JSON must parse. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/heapdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(int stat, const hd_report_input *in, const hd_stats *s, const hd_diff *d,
                   int format, int by_module)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return;
    hd_report_opts o;
    memset(&o, 0, sizeof o);
    o.format = format;
    o.top = 0;
    o.by_module = by_module;
    o.width = 80;
    o.max_growth = stat ? -1 : 0;
    hd_error err;
    hd_error_clear(&err);
    int rc = stat ? hd_report_stat(f, in, s, &o, &err) : hd_report_diff(f, in, d, &o, &err);
    fclose(f);
    if (rc != HD_OK && rc != HD_ETHRESHOLD)
        abort(); /* rendering an accepted snapshot must not fail */
    if (format == HD_OUT_JSON) {
        json_error_t jerr;
        json_t *j = json_loadb(buf, len, 0, &jerr);
        if (!j) abort(); /* invalid JSON */
        json_decref(j);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hd_graph g;
    hd_error err;
    hd_graph_init(&g);
    hd_error_clear(&err);
    if (hd_gcdump_read("fuzz.gcdump", data, size, &g, &err) != HD_OK) return 0;
    hd_dom d;
    memset(&d, 0, sizeof d);
    if (hd_dominators(&g, &d, &err) != HD_OK) abort();
    hd_report_input in[2] = {{"before.gcdump", &g}, {"after.gcdump", &g}};
    for (int by_module = 0; by_module < 2; by_module++) {
        hd_stats s;
        memset(&s, 0, sizeof s);
        if (hd_stats_compute(&g, &d, by_module, &s, &err) != HD_OK) abort();
        for (int fmt = HD_OUT_TEXT; fmt <= HD_OUT_CSV; fmt++)
            render(1, in, &s, NULL, fmt, by_module);
        hd_diff df;
        memset(&df, 0, sizeof df);
        if (hd_diff_compute(&s, &s, &df, &err) != HD_OK) abort();
        for (int fmt = HD_OUT_TEXT; fmt <= HD_OUT_CSV; fmt++)
            render(0, in, NULL, &df, fmt, by_module);
        hd_diff_free(&df);
        hd_stats_free(&s);
    }
    hd_dom_free(&d);
    hd_graph_free(&g);
    return 0;
}
