/* FastSerialization reader primitives (gcdump-format.md §2). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcdump/fastser.h"
#include "util/alloc.h"
#include "util/endian.h"

#define FS_SIGNATURE "!FastSerialization.1"
#define FS_MAX_TYPES 4096 /* a .gcdump uses 7 type names; bounded so lookups stay cheap */

void fs_init(fs_reader *r, const char *file, const uint8_t *data, uint64_t size, hd_error *err)
{
    memset(r, 0, sizeof *r);
    r->file = file;
    r->data = data;
    r->size = size;
    r->end = size;
    r->err = err;
}

void fs_free(fs_reader *r)
{
    free(r->types);
    free(r->fwd);
    free(r->scratch);
    r->types = NULL;
    r->fwd = NULL;
    r->scratch = NULL;
}

static int vfail(fs_reader *r, uint64_t at, const char *fmt, va_list ap)
{
    if (!r->failed) {
        char msg[768];
        vsnprintf(msg, sizeof msg, fmt, ap);
        hd_error_at(r->err, r->file, at, "%s", msg);
    }
    r->failed = 1;
    return HD_EINPUT;
}

int fs_fail(fs_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, r->pos, fmt, ap);
    va_end(ap);
    return HD_EINPUT;
}

int fs_fail_at(fs_reader *r, uint64_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, at, fmt, ap);
    va_end(ap);
    return HD_EINPUT;
}

int fs_need(fs_reader *r, uint64_t n, const char *what)
{
    if (r->failed) return HD_EINPUT;
    if (n > r->end - r->pos)
        return fs_fail(r, "expected %s (%llu bytes) but only %llu bytes remain before the trailer",
                       what, (unsigned long long)n, (unsigned long long)(r->end - r->pos));
    return HD_OK;
}

int fs_skip(fs_reader *r, uint64_t n, const char *what)
{
    if (fs_need(r, n, what)) return HD_EINPUT;
    r->pos += n;
    return HD_OK;
}

int fs_u8(fs_reader *r, uint8_t *v, const char *what)
{
    if (fs_need(r, 1, what)) return HD_EINPUT;
    *v = r->data[r->pos++];
    return HD_OK;
}

int fs_i32(fs_reader *r, int32_t *v, const char *what)
{
    if (fs_need(r, 4, what)) return HD_EINPUT;
    *v = (int32_t)hd_le32(r->data + r->pos);
    r->pos += 4;
    return HD_OK;
}

int fs_i64(fs_reader *r, int64_t *v, const char *what)
{
    if (fs_need(r, 8, what)) return HD_EINPUT;
    uint64_t lo = hd_le32(r->data + r->pos), hi = hd_le32(r->data + r->pos + 4);
    *v = (int64_t)(lo | hi << 32);
    r->pos += 8;
    return HD_OK;
}

int fs_f32(fs_reader *r, float *v, const char *what)
{
    int32_t bits;
    if (fs_i32(r, &bits, what)) return HD_EINPUT;
    memcpy(v, &bits, sizeof *v);
    return HD_OK;
}

int fs_count(fs_reader *r, int32_t *v, uint64_t min_record, const char *what)
{
    uint64_t at = r->pos;
    if (fs_i32(r, v, what)) return HD_EINPUT;
    if (*v < 0) return fs_fail_at(r, at, "%s is negative (%d)", what, *v);
    if (min_record && (uint64_t)*v > (r->end - r->pos) / min_record)
        return fs_fail_at(r, at,
                          "%s of %d needs at least %llu bytes but only %llu remain; the count is "
                          "corrupt or the file is truncated",
                          what, *v, (unsigned long long)*v * min_record,
                          (unsigned long long)(r->end - r->pos));
    return HD_OK;
}

static void put_utf8(char *out, uint64_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | cp >> 6);
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | cp >> 12);
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | cp >> 18);
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

int fs_string(fs_reader *r, int *is_null, uint64_t *len, const char *what)
{
    uint64_t at = r->pos;
    int32_t n;
    *is_null = 0;
    *len = 0;
    if (fs_i32(r, &n, what)) return HD_EINPUT;
    if (n == -1) {
        *is_null = 1;
        if (hd_grow((void **)&r->scratch, &r->scratch_cap, 1, 1, "string", r->err))
            return r->failed = 1, HD_EINTERNAL;
        r->scratch[0] = '\0';
        return HD_OK;
    }
    if (n < 0) return fs_fail_at(r, at, "%s: string length %d is negative", what, n);
    /* Each UTF-16 unit takes at least one byte: bounds the allocation by the file's size. */
    if ((uint64_t)n > r->end - r->pos)
        return fs_fail_at(r, at, "%s: string of %d characters runs past the end of the data", what,
                          n);
    if (hd_grow((void **)&r->scratch, &r->scratch_cap, (uint64_t)n * 3 + 1, 1, "string", r->err))
        return r->failed = 1, HD_EINTERNAL;
    uint64_t out = 0;
    uint32_t pending_high = 0; /* a high surrogate waiting for its low half */
    for (int32_t i = 0; i < n; i++) {
        /* The writer encodes each UTF-16 unit on its own in 1-3 bytes; the reader decides the
         * length from the lead byte alone (MemoryStreamReader.ReadString). */
        uint8_t b, b2, b3;
        uint32_t c;
        if (fs_u8(r, &b, what)) return HD_EINPUT;
        if (b < 0x80) {
            c = b;
        } else if (b < 0xE0) {
            if (fs_u8(r, &b2, what)) return HD_EINPUT;
            c = (uint32_t)(b & 0x1F) << 6 | (b2 & 0x3F);
        } else {
            if (fs_u8(r, &b2, what) || fs_u8(r, &b3, what)) return HD_EINPUT;
            c = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(b2 & 0x3F) << 6 | (b3 & 0x3F);
        }
        if (pending_high) {
            if (c >= 0xDC00 && c <= 0xDFFF) {
                put_utf8(r->scratch, &out,
                         0x10000 + ((pending_high - 0xD800) << 10) + (c - 0xDC00));
                pending_high = 0;
                continue;
            }
            put_utf8(r->scratch, &out, 0xFFFD);
            pending_high = 0;
        }
        if (c >= 0xD800 && c <= 0xDBFF)
            pending_high = c;
        else if ((c >= 0xDC00 && c <= 0xDFFF) || c == 0)
            put_utf8(r->scratch, &out, 0xFFFD); /* lone low surrogate; NUL would cut C strings */
        else
            put_utf8(r->scratch, &out, c);
    }
    if (pending_high) put_utf8(r->scratch, &out, 0xFFFD);
    r->scratch[out] = '\0';
    *len = out;
    return HD_OK;
}

int fs_open(fs_reader *r)
{
    static const char sig[] = FS_SIGNATURE;
    const uint64_t siglen = sizeof sig - 1;
    if (r->size < 4 + siglen || hd_le32(r->data) != siglen || memcmp(r->data + 4, sig, siglen) != 0)
        return fs_fail_at(r, 0, "expected the FastSerialization signature \"%s\"", sig);
    /* End of stream (§2.7): ... 06 | i32 count, u32 label[count] | u32 table | u32 trailer. */
    uint64_t min_size = 4 + siglen + 1 + 4 + 4 + 4;
    if (r->size < min_size)
        return fs_fail_at(r, r->size,
                          "file ends after %llu bytes; expected at least %llu "
                          "(objects, forward-reference table, trailer); the file is truncated",
                          (unsigned long long)r->size, (unsigned long long)min_size);
    uint64_t trailer = hd_le32(r->data + r->size - 4);
    if (trailer != r->size - 8)
        return fs_fail_at(r, r->size - 4,
                          "expected the suffix label to point at the trailer at offset %llu, "
                          "found %llu; the file is truncated or has trailing bytes",
                          (unsigned long long)(r->size - 8), (unsigned long long)trailer);
    uint64_t table = hd_le32(r->data + trailer);
    if (table < 4 + siglen + 1 || table + 4 > trailer)
        return fs_fail_at(r, trailer, "trailer points at offset %llu, outside the file's data",
                          (unsigned long long)table);
    uint32_t count = hd_le32(r->data + table);
    if ((uint64_t)count * 4 != trailer - table - 4)
        return fs_fail_at(r, table,
                          "forward-reference table claims %u entries but %llu bytes lie between "
                          "it and the trailer",
                          count, (unsigned long long)(trailer - table - 4));
    if (r->data[table - 1] != FS_END)
        return fs_fail_at(r, table - 1, "expected the end-of-objects marker (0x06), found 0x%02x",
                          r->data[table - 1]);
    r->fwd = hd_alloc(count, sizeof *r->fwd, "forward references", r->err);
    if (!r->fwd) return r->failed = 1, HD_EINTERNAL;
    r->n_fwd = count;
    for (uint32_t i = 0; i < count; i++) {
        r->fwd[i] = hd_le32(r->data + table + 4 + 4ull * i);
        if (r->fwd[i] >= table)
            return fs_fail_at(r, table + 4 + 4ull * i,
                              "forward reference %u points at offset %u, past the objects", i,
                              r->fwd[i]);
    }
    r->end = table - 1; /* reads of objects stop before the final marker */
    r->pos = 4 + siglen;
    return HD_OK;
}

static const fs_type *find_type(fs_reader *r, uint32_t label)
{
    for (uint64_t i = 0; i < r->n_types; i++)
        if (r->types[i].label == label) return &r->types[i];
    return NULL;
}

static int read_type_ref(fs_reader *r, fs_type *type, const char *what)
{
    uint64_t at = r->pos;
    uint8_t t;
    if (fs_u8(r, &t, what)) return HD_EINPUT;
    if (t == FS_OBJREF) {
        int32_t label;
        if (fs_i32(r, &label, what)) return HD_EINPUT;
        const fs_type *found = find_type(r, (uint32_t)label);
        if (!found)
            return fs_fail_at(r, at,
                              "%s: reference to a type descriptor at offset %u, where none "
                              "was read",
                              what, (uint32_t)label);
        *type = *found;
        return HD_OK;
    }
    if (t != FS_BEGIN && t != FS_BEGIN_PRIVATE)
        return fs_fail_at(r, at, "%s: expected a type descriptor (tag 0x04 or 0x02), found 0x%02x",
                          what, t);
    uint8_t tt;
    if (fs_u8(r, &tt, what)) return HD_EINPUT;
    if (tt != FS_NULL)
        return fs_fail_at(r, at + 1,
                          "%s: expected 0x01 (the type of a type descriptor), found "
                          "0x%02x",
                          what, tt);
    fs_type ty = {.label = (uint32_t)at};
    int is_null;
    uint64_t len;
    if (fs_i32(r, &ty.version, "type version") ||
        fs_i32(r, &ty.min_reader, "type minimum reader version") ||
        fs_string(r, &is_null, &len, "type name"))
        return HD_EINPUT;
    if (is_null) return fs_fail_at(r, at, "%s: type descriptor has no name", what);
    snprintf(ty.name, sizeof ty.name, "%s", r->scratch);
    if (fs_end_object(r, "type descriptor")) return HD_EINPUT;
    if (r->n_types >= FS_MAX_TYPES)
        return fs_fail_at(r, at, "more than %d type descriptors", FS_MAX_TYPES);
    if (hd_grow((void **)&r->types, &r->cap_types, r->n_types + 1, sizeof *r->types, "types",
                r->err))
        return r->failed = 1, HD_EINTERNAL;
    r->types[r->n_types] = ty;
    r->n_types++;
    *type = ty;
    return HD_OK;
}

int fs_object(fs_reader *r, int *kind, fs_type *type, const char *what)
{
    uint64_t at = r->pos;
    uint8_t t;
    memset(type, 0, sizeof *type);
    if (fs_u8(r, &t, what)) return HD_EINPUT;
    switch (t) {
    case FS_NULL:
        *kind = FS_NULL;
        return HD_OK;
    case FS_OBJREF: {
        int32_t label;
        if (fs_i32(r, &label, what)) return HD_EINPUT;
        if ((uint32_t)label >= at)
            return fs_fail_at(r, at, "%s: reference to an object at offset %u, not before it", what,
                              (uint32_t)label);
        *kind = FS_OBJREF;
        return HD_OK;
    }
    case FS_BEGIN:
    case FS_BEGIN_PRIVATE:
        *kind = FS_BEGIN;
        return read_type_ref(r, type, what);
    default:
        return fs_fail_at(r, at, "%s: expected an object (tag 0x01, 0x02 or 0x04), found 0x%02x",
                          what, t);
    }
}

int fs_end_object(fs_reader *r, const char *what)
{
    for (;;) {
        uint64_t at = r->pos;
        uint8_t t;
        int32_t v;
        int is_null;
        uint64_t len;
        if (fs_u8(r, &t, what)) return HD_EINPUT;
        switch (t) {
        case FS_END:
            return HD_OK;
        case FS_BYTE:
            fs_skip(r, 1, "tagged byte");
            break;
        case FS_INT16:
            fs_skip(r, 2, "tagged int16");
            break;
        case FS_INT32:
            fs_skip(r, 4, "tagged int32");
            break;
        case FS_INT64:
            fs_skip(r, 8, "tagged int64");
            break;
        case FS_STRING:
            fs_string(r, &is_null, &len, "tagged string");
            break;
        case FS_NULL:
        case FS_BEGIN:
        case FS_BEGIN_PRIVATE:
            break;
        case FS_OBJREF:
        case FS_FWDREF:
        case FS_FWDDEF:
            fs_skip(r, 4, "reference");
            break;
        case FS_SKIP_REGION:
            if (!fs_i32(r, &v, "skip region")) fs_goto_forward(r, v, "skip region");
            break;
        case FS_BLOB:
            if (!fs_count(r, &v, 1, "blob size")) fs_skip(r, (uint64_t)v, "blob");
            break;
        default:
            return fs_fail_at(r, at,
                              "expected the end of %s (tag 0x06) or a tagged field, found "
                              "0x%02x",
                              what, t);
        }
        if (r->failed) return HD_EINPUT;
    }
}

int fs_try_tag(fs_reader *r, uint8_t tag)
{
    if (r->failed || r->pos >= r->end || r->data[r->pos] != tag) return 0;
    r->pos++;
    return 1;
}

int fs_goto_forward(fs_reader *r, int32_t idx, const char *what)
{
    if (idx < 0 || (uint32_t)idx >= r->n_fwd)
        return fs_fail(r, "%s: forward reference %d, but the table has %u entries", what, idx,
                       r->n_fwd);
    uint64_t target = r->fwd[idx];
    if (target < r->pos || target > r->end)
        return fs_fail(r, "%s: forward reference %d points at offset %llu, outside [%llu, %llu]",
                       what, idx, (unsigned long long)target, (unsigned long long)r->pos,
                       (unsigned long long)r->end);
    r->pos = target;
    return HD_OK;
}
