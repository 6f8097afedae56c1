/* heapdiff — .hgraph, heapdiff's own compact graph format (formats/hgraph.md). */
#ifndef HEAPDIFF_HGRAPH_H
#define HEAPDIFF_HGRAPH_H

#include <stdint.h>
#include <stdio.h>

#include "heapdiff/analysis.h"
#include "heapdiff/error.h"
#include "heapdiff/graph.h"

/* True when data starts with the .hgraph signature. */
int hd_hgraph_sniff(const uint8_t *data, uint64_t size);

/* Reads a whole .hgraph held in memory. `name` is used in error messages only. Every offset,
 * length, checksum and index is checked; the graph owns copies of the arrays (the caller may
 * unmap data afterwards). */
int hd_hgraph_read(const char *name, const uint8_t *data, uint64_t size, hd_graph *g,
                   hd_error *err);

/* hd_hgraph_read, plus the cached analysis: when the file carries one made for exactly this
 * graph (same graph section checksums, same analysis version), *have_dom is set to 1 and d is
 * filled as hd_dominators would fill it (free with hd_dom_free); otherwise *have_dom is 0 and d
 * is zeroed. d may be NULL (then the cache is still validated but not returned). */
int hd_hgraph_read_cached(const char *name, const uint8_t *data, uint64_t size, hd_graph *g,
                          hd_dom *d, int *have_dom, hd_error *err);

/* Writes g as an .hgraph (temporary file + rename: never a partial file). */
int hd_hgraph_write(const hd_graph *g, const char *path, hd_error *err);

/* Writes g and, when d is not NULL, its analysis (hd_dominators(g)) as the cache. */
int hd_hgraph_write_cached(const hd_graph *g, const hd_dom *d, const char *path, hd_error *err);

/* Writes to an open stream (a pipe, open_memstream); `name` is used in messages only. The
 * stream is not closed; the caller checks fflush/fclose for late I/O errors. */
int hd_hgraph_write_stream(const hd_graph *g, const hd_dom *d, FILE *f, const char *name,
                           hd_error *err);

#endif
