/* heapdiff — Chrome DevTools .heapsnapshot files (formats/heapsnapshot.md). */
#ifndef HEAPDIFF_HEAPSNAPSHOT_H
#define HEAPDIFF_HEAPSNAPSHOT_H

#include "heapdiff/error.h"
#include "heapdiff/graph.h"

/* Writes g as a .heapsnapshot the DevTools Memory panel opens (streamed: never one JSON
 * document in memory). Writes a temporary file beside path and renames it: no partial output
 * file is left behind on failure. */
int hd_heapsnapshot_write(const hd_graph *g, const char *path, hd_error *err);

#endif
