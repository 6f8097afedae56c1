/* Linux ELF core reader: being written (issue #3). */
#include "heapdiff/target.h"

int hd_elfcore_read(hd_target *t, hd_error *err)
{
    return hd_error_at(err, t->path, 0, "reading ELF core files is not implemented yet");
}
