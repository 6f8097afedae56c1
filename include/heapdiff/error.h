/* heapdiff — error reporting shared by every stage.
 *
 * Every failing call fills an hd_error: a process exit code (the CLI's contract, see DESIGN.md)
 * and one line of text naming the file, the byte offset and what was expected there. */
#ifndef HEAPDIFF_ERROR_H
#define HEAPDIFF_ERROR_H

#include <stdint.h>

enum hd_status {
    HD_OK = 0,
    HD_EUSAGE = 1,     /* bad command line */
    HD_EINPUT = 2,     /* bad, truncated or unsupported input */
    HD_ETHRESHOLD = 3, /* --max-growth exceeded (not an error of the library) */
    HD_EINTERNAL = 4,  /* out of memory, I/O error writing output, internal limit */
};

typedef struct hd_error {
    int code;       /* enum hd_status; HD_OK when nothing failed */
    char msg[1024]; /* one line, no trailing newline */
} hd_error;

void hd_error_clear(hd_error *err);

/* Sets err (if no error is recorded yet: the first failure is the one worth reporting) and
 * returns code, so callers can write `return hd_error_set(err, HD_EINPUT, ...)`. */
int hd_error_set(hd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "FILE: offset N (0xN): " prefix helper for input errors. */
int hd_error_at(hd_error *err, const char *file, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Out-of-memory with the size that failed. */
int hd_error_oom(hd_error *err, const char *what, uint64_t bytes);

#endif
