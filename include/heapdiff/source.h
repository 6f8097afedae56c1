/* heapdiff — opening an input: recognise it by content and read it into a graph. */
#ifndef HEAPDIFF_SOURCE_H
#define HEAPDIFF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/graph.h"

enum hd_input_format {
    HD_FMT_UNKNOWN = 0,
    HD_FMT_GCDUMP,
    HD_FMT_HGRAPH,
    HD_FMT_MINIDUMP,
    HD_FMT_ELFCORE,
};

/* A read-only view of an input file (mmap'd; never modified). */
typedef struct hd_file {
    const char *path; /* as given by the user, for messages */
    const uint8_t *data;
    uint64_t size;
    void *map_base;
    size_t map_len;
} hd_file;

int hd_file_open(hd_file *f, const char *path, hd_error *err);
void hd_file_close(hd_file *f);

enum hd_input_format hd_sniff(const uint8_t *data, uint64_t size);
const char *hd_format_name(enum hd_input_format f);

/* Opens path, recognises the format and reads the graph. */
int hd_load(const char *path, hd_graph *g, hd_error *err);

/* hd_load, and when the input is an .hgraph carrying a current cached analysis, that analysis
 * in *d (*have_dom = 1; free with hd_dom_free); otherwise *have_dom = 0. */
struct hd_dom;
int hd_load_cached(const char *path, hd_graph *g, struct hd_dom *d, int *have_dom, hd_error *err);

#endif
