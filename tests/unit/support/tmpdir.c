/* heapdiff tests — a scratch directory for tests that write files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/tmpdir.h"

int tt_tmpdir_make(char *dir, size_t cap, const char *tag)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, cap, "%s/heapdiff-%s.XXXXXX", base ? base : "/tmp", tag);
    return mkdtemp(dir) ? 0 : -1;
}

void tt_tmpdir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        char p[4096];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
                if (unlink(p) != 0) rmdir(p);
            }
        closedir(d);
    }
    rmdir(dir);
}
