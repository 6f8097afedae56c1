/* The .heapsnapshot writer: not implemented yet (issue #5). */
#include "heapdiff/heapsnapshot.h"

int hd_heapsnapshot_write(const hd_graph *g, const char *path, hd_error *err)
{
    (void)g;
    return hd_error_set(err, HD_EINPUT, "%s: writing .heapsnapshot files is not implemented yet",
                        path);
}
