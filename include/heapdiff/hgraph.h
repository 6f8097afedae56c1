/* heapdiff — .hgraph, heapdiff's own compact graph format (formats/hgraph.md). */
#ifndef HEAPDIFF_HGRAPH_H
#define HEAPDIFF_HGRAPH_H

#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/graph.h"

/* True when data starts with the .hgraph signature. */
int hd_hgraph_sniff(const uint8_t *data, uint64_t size);

/* Reads a whole .hgraph held in memory. `name` is used in error messages only. */
int hd_hgraph_read(const char *name, const uint8_t *data, uint64_t size, hd_graph *g,
                   hd_error *err);

/* Writes g as an .hgraph (temporary file + rename: never a partial file). */
int hd_hgraph_write(const hd_graph *g, const char *path, hd_error *err);

#endif
