/* Output files written whole or not at all (DESIGN.md: "no partial output files"): the bytes
 * go to PATH.tmp.XXXXXX beside PATH (same directory, so the final rename is atomic), created
 * with the mode open(2) would give a new file, and renamed over PATH only on commit; anything
 * else removes the temporary file. */
#ifndef HD_UTIL_OUTFILE_H
#define HD_UTIL_OUTFILE_H

#include <stdio.h>

#include "heapdiff/error.h"

typedef struct hd_outfile {
    const char *path; /* the final name */
    char *tmp;        /* the temporary file's name */
    int fd;           /* -1 once closed or handed to f */
    FILE *f;          /* when opened as a stream */
} hd_outfile;

/* Creates the temporary file; as_stream: also a FILE* in o->f ("wb"). */
int hd_outfile_open(hd_outfile *o, const char *path, int as_stream, hd_error *err);
/* Closes (flushing the stream) and renames the file into place. On failure the temporary
 * file is removed and err says why. */
int hd_outfile_commit(hd_outfile *o, hd_error *err);
/* Closes and removes the temporary file (safe after a failed open or commit, and twice). */
void hd_outfile_abort(hd_outfile *o);

#endif
