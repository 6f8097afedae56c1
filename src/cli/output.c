/* Report output: never a partial file. -o FILE is written to FILE.XXXXXX in the same
 * directory and renamed over FILE only when everything was written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/alloc.h"

int cli_out_open(cli_out *out, const char *path, hd_error *err)
{
    memset(out, 0, sizeof *out);
    if (!path || !strcmp(path, "-")) {
        out->f = stdout;
        return HD_OK;
    }
    size_t n = strlen(path);
    out->tmp_path = hd_alloc(n + 8, 1, "file name", err);
    if (!out->tmp_path) return err->code;
    memcpy(out->tmp_path, path, n);
    memcpy(out->tmp_path + n, ".XXXXXX", 8);
    int fd = mkstemp(out->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(out->tmp_path);
        out->tmp_path = NULL;
        return hd_error_set(err, HD_EINTERNAL, "%s: cannot create: %s", path, strerror(e));
    }
    out->f = fdopen(fd, "w");
    if (!out->f) {
        int e = errno;
        close(fd);
        unlink(out->tmp_path);
        free(out->tmp_path);
        out->tmp_path = NULL;
        return hd_error_set(err, HD_EINTERNAL, "%s: cannot open: %s", path, strerror(e));
    }
    out->final_path = path;
    return HD_OK;
}

int cli_out_commit(cli_out *out, hd_error *err)
{
    if (!out->tmp_path) {
        if (fflush(out->f) != 0 || ferror(out->f))
            return hd_error_set(err, HD_EINTERNAL, "cannot write to standard output: %s",
                                strerror(errno));
        return HD_OK;
    }
    int bad = ferror(out->f);
    if (fclose(out->f) != 0) bad = 1;
    out->f = NULL;
    if (bad || rename(out->tmp_path, out->final_path) != 0) {
        int e = errno;
        unlink(out->tmp_path);
        free(out->tmp_path);
        out->tmp_path = NULL;
        return hd_error_set(err, HD_EINTERNAL, "%s: cannot write: %s", out->final_path,
                            strerror(e));
    }
    free(out->tmp_path);
    out->tmp_path = NULL;
    return HD_OK;
}

void cli_out_abort(cli_out *out)
{
    if (out->tmp_path) {
        if (out->f) fclose(out->f);
        unlink(out->tmp_path);
        free(out->tmp_path);
    }
    memset(out, 0, sizeof *out);
}
