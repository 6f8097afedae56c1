/* heapdiff — PerfView / dotnet-gcdump .gcdump files (formats/gcdump.md). */
#ifndef HEAPDIFF_GCDUMP_H
#define HEAPDIFF_GCDUMP_H

#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/graph.h"

/* True when data starts with the FastSerialization signature. */
int hd_gcdump_sniff(const uint8_t *data, uint64_t size);

/* Reads a whole .gcdump held in memory. `name` is used in error messages only. On failure the
 * graph is freed and err names the byte offset and what was expected there. */
int hd_gcdump_read(const char *name, const uint8_t *data, uint64_t size, hd_graph *g,
                   hd_error *err);

/* Writes g as a .gcdump (GCHeapDump version 10, 4-byte labels, dotnet-gcdump's conventions,
 * CreationTool "heapdiff"), never sampled. Writes path.tmp.XXXXXX, then renames: no partial
 * output file is left behind on failure. */
int hd_gcdump_write(const hd_graph *g, const char *path, hd_error *err);

#endif
