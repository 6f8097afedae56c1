/* heapdiff tests — a scratch directory for tests that write files. */
#ifndef HEAPDIFF_TEST_TMPDIR_H
#define HEAPDIFF_TEST_TMPDIR_H

#include <stddef.h>

/* Creates $TMPDIR/heapdiff-TAG.XXXXXX (or under /tmp) in dir; 0 or -1. */
int tt_tmpdir_make(char *dir, size_t cap, const char *tag);
/* Removes dir with the files (and empty subdirectories) directly in it. */
void tt_tmpdir_remove(const char *dir);

#endif
