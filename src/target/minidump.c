/* Windows minidump reader: being written (issue #3). */
#include "heapdiff/target.h"

int hd_minidump_read(hd_target *t, hd_error *err)
{
    return hd_error_at(err, t->path, 0, "reading minidumps is not implemented yet");
}
