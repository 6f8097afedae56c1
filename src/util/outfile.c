/* Output files written whole or not at all (outfile.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/outfile.h"

/* The mode open(2) with 0666 gives a new file under the current umask (mkstemp makes 0600). */
static mode_t new_file_mode(void)
{
    mode_t mask = umask(022);
    umask(mask);
    return 0666 & ~mask;
}

int hd_outfile_open(hd_outfile *o, const char *path, int as_stream, hd_error *err)
{
    static const char suffix[] = ".tmp.XXXXXX";
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->path = path;
    size_t n = strlen(path);
    o->tmp = malloc(n + sizeof suffix);
    if (!o->tmp) return hd_error_oom(err, "file name", n + sizeof suffix);
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, suffix, sizeof suffix);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int rc = hd_error_set(err, HD_EINTERNAL, "%s: cannot create %s: %s", path, o->tmp,
                              strerror(errno));
        free(o->tmp);
        o->tmp = NULL; /* nothing to remove */
        return rc;
    }
    if (fchmod(o->fd, new_file_mode()) != 0) {
        int rc = hd_error_set(err, HD_EINTERNAL, "%s: chmod: %s", o->tmp, strerror(errno));
        hd_outfile_abort(o);
        return rc;
    }
    if (as_stream) {
        o->f = fdopen(o->fd, "wb");
        if (!o->f) {
            int rc = hd_error_set(err, HD_EINTERNAL, "%s: %s", o->tmp, strerror(errno));
            hd_outfile_abort(o);
            return rc;
        }
        o->fd = -1; /* owned by the stream now */
    }
    return HD_OK;
}

int hd_outfile_commit(hd_outfile *o, hd_error *err)
{
    int bad = 0, e = 0;
    if (o->f) {
        if (fflush(o->f) != 0 || ferror(o->f)) bad = 1, e = errno;
        if (fclose(o->f) != 0 && !bad) bad = 1, e = errno;
        o->f = NULL;
    }
    if (o->fd >= 0) {
        if (close(o->fd) != 0 && !bad) bad = 1, e = errno;
        o->fd = -1;
    }
    if (bad) {
        int rc =
            hd_error_set(err, HD_EINTERNAL, "%s: write failed: %s", o->tmp, strerror(e ? e : EIO));
        hd_outfile_abort(o);
        return rc;
    }
    if (rename(o->tmp, o->path) != 0) {
        int rc = hd_error_set(err, HD_EINTERNAL, "%s: cannot rename %s to it: %s", o->path, o->tmp,
                              strerror(errno));
        hd_outfile_abort(o);
        return rc;
    }
    free(o->tmp);
    o->tmp = NULL;
    return HD_OK;
}

void hd_outfile_abort(hd_outfile *o)
{
    if (o->f) fclose(o->f);
    if (o->fd >= 0) close(o->fd);
    o->f = NULL;
    o->fd = -1;
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
}
