/* Error recording: the first failure wins, later ones (usually consequences) are ignored. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heapdiff/error.h"

void hd_error_clear(hd_error *err)
{
    if (!err) return;
    err->code = HD_OK;
    err->msg[0] = '\0';
}

static int vset(hd_error *err, int code, const char *prefix, const char *fmt, va_list ap)
{
    if (!err || err->code != HD_OK) return code;
    err->code = code;
    size_t n = 0;
    if (prefix) {
        n = strlen(prefix);
        if (n >= sizeof err->msg) n = sizeof err->msg - 1;
        memcpy(err->msg, prefix, n);
        err->msg[n] = '\0';
    }
    vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
    /* Messages are one line of plain text: a newline or an escape sequence inside (from a file
     * name or a hostile type name) would break scripts or drive the terminal. */
    for (char *p = err->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F) *p = '?';
    return code;
}

int hd_error_set(hd_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int hd_error_at(hd_error *err, const char *file, uint64_t offset, const char *fmt, ...)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: offset %llu (0x%llx): ", file ? file : "(input)",
             (unsigned long long)offset, (unsigned long long)offset);
    va_list ap;
    va_start(ap, fmt);
    vset(err, HD_EINPUT, prefix, fmt, ap);
    va_end(ap);
    return HD_EINPUT;
}

int hd_error_oom(hd_error *err, const char *what, uint64_t bytes)
{
    return hd_error_set(err, HD_EINTERNAL, "out of memory allocating %llu bytes for %s",
                        (unsigned long long)bytes, what);
}
