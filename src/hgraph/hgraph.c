/* The .hgraph reader and writer: not implemented yet (issue #5). */
#include <string.h>

#include "heapdiff/hgraph.h"

int hd_hgraph_sniff(const uint8_t *data, uint64_t size)
{
    return size >= 8 && memcmp(data, "HGRAPH", 6) == 0;
}

int hd_hgraph_read(const char *name, const uint8_t *data, uint64_t size, hd_graph *g, hd_error *err)
{
    (void)data;
    (void)size;
    (void)g;
    return hd_error_at(err, name, 0, "reading .hgraph files is not implemented yet");
}

int hd_hgraph_write(const hd_graph *g, const char *path, hd_error *err)
{
    (void)g;
    return hd_error_set(err, HD_EINPUT, "%s: writing .hgraph files is not implemented yet", path);
}
