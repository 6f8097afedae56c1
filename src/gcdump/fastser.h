/* FastSerialization (PerfView's container format) primitives for the .gcdump reader.
 * gcdump-format.md §2. Every read is bounds-checked; a failure records the offset and what was
 * expected in r->err and returns non-zero, and every later read fails too, so callers may
 * chain reads and check once. */
#ifndef HD_GCDUMP_FASTSER_H
#define HD_GCDUMP_FASTSER_H

#include <stdint.h>

#include "heapdiff/error.h"

enum fs_tag {
    FS_NULL = 1,
    FS_OBJREF = 2,
    FS_FWDREF = 3,
    FS_BEGIN = 4,
    FS_BEGIN_PRIVATE = 5,
    FS_END = 6,
    FS_FWDDEF = 7,
    FS_BYTE = 8,
    FS_INT16 = 9,
    FS_INT32 = 10,
    FS_INT64 = 11,
    FS_SKIP_REGION = 12,
    FS_STRING = 13,
    FS_BLOB = 14,
};

/* A type descriptor (SerializationType) met in the stream, remembered by the offset of its
 * BeginObject byte so later ObjectReferences to it resolve. */
typedef struct fs_type {
    uint32_t label;
    int32_t version, min_reader;
    char name[64]; /* the names a .gcdump uses are short; longer ones are truncated (unknown) */
} fs_type;

typedef struct fs_reader {
    const char *file;
    const uint8_t *data;
    uint64_t size, pos;
    hd_error *err;
    int failed;
    fs_type *types;
    uint64_t n_types, cap_types;
    uint32_t *fwd; /* forward-reference table from the trailer */
    uint32_t n_fwd;
    uint64_t end;  /* offset of the final EndObject marker (start of the trailer area) */
    char *scratch; /* decoded UTF-8 of the last string read */
    uint64_t scratch_cap;
} fs_reader;

void fs_init(fs_reader *r, const char *file, const uint8_t *data, uint64_t size, hd_error *err);
void fs_free(fs_reader *r);

/* Records an input error at the current position (or at `at`). Returns HD_EINPUT. */
int fs_fail(fs_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fs_fail_at(fs_reader *r, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int fs_need(fs_reader *r, uint64_t n, const char *what);
int fs_u8(fs_reader *r, uint8_t *v, const char *what);
int fs_i32(fs_reader *r, int32_t *v, const char *what);
int fs_i64(fs_reader *r, int64_t *v, const char *what);
int fs_f32(fs_reader *r, float *v, const char *what);
int fs_skip(fs_reader *r, uint64_t n, const char *what);
/* A count of records of at least `min_record` bytes each: must be >= 0 and fit in what remains. */
int fs_count(fs_reader *r, int32_t *v, uint64_t min_record, const char *what);

/* Reads a string (UTF-16 code units, each 1-3 bytes) as UTF-8 into r->scratch. *is_null is set
 * for the null string (length -1). *len gets the UTF-8 length. */
int fs_string(fs_reader *r, int *is_null, uint64_t *len, const char *what);

/* Reads the signature and locates the trailer: suffix label -> trailer -> forward-reference
 * table, which must end the file exactly (this is what detects a truncated file). */
int fs_open(fs_reader *r);

/* An object reference: sets *kind to FS_NULL, FS_OBJREF (already read earlier; nothing follows)
 * or FS_BEGIN (its type descriptor has been copied into *type; its data follows). */
int fs_object(fs_reader *r, int *kind, fs_type *type, const char *what);

/* After an object's known fields: skips tagged fields added by newer writers up to and including
 * the object's EndObject (FastSerialization's FindEndTag). */
int fs_end_object(fs_reader *r, const char *what);

/* Consumes `tag` if it is the next byte; returns 1 if it was there, 0 if not (or on error). */
int fs_try_tag(fs_reader *r, uint8_t tag);

/* Moves to the target of forward reference idx, which must lie in [r->pos, r->end]. */
int fs_goto_forward(fs_reader *r, int32_t idx, const char *what);

#endif
