/* Archive and compressed inputs through libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/archive.h"
#include "util/alloc.h"

#define SNIFF_BYTES 512 /* enough for every signature hd_sniff looks at */
#define MAX_LISTED 8

int hd_archive_sniff(const uint8_t *d, uint64_t n)
{
    return (n >= 2 && d[0] == 0x1F && d[1] == 0x8B) || /* gzip */
           (n >= 3 && !memcmp(d, "BZh", 3)) ||         /* bzip2 */
           (n >= 6 && !memcmp(d,
                              "\xFD"
                              "7zXZ\0",
                              6)) ||                          /* xz */
           (n >= 4 && !memcmp(d, "\x28\xB5\x2F\xFD", 4)) ||   /* zstd */
           (n >= 4 && !memcmp(d, "\x04\x22\x4D\x18", 4)) ||   /* lz4 */
           (n >= 4 && !memcmp(d, "PK\x03\x04", 4)) ||         /* zip */
           (n >= 6 && !memcmp(d, "7z\xBC\xAF\x27\x1C", 6)) || /* 7z */
           (n >= 262 && !memcmp(d + 257, "ustar", 5));        /* tar */
}

static int archive_fail(hd_error *err, const char *path, struct archive *a, const char *what)
{
    const char *why = a ? archive_error_string(a) : NULL;
    int64_t at = a ? archive_filter_bytes(a, -1) : 0; /* compressed bytes consumed so far */
    return hd_error_at(err, path, at > 0 ? (uint64_t)at : 0, "%s%s%s", what, why ? ": " : "",
                       why ? why : "");
}

/* A reader over the archive in memory, or NULL with err set (libarchive's reason included). */
static struct archive *open_archive(const char *path, const uint8_t *data, uint64_t size,
                                    hd_error *err)
{
    struct archive *a = archive_read_new();
    if (!a) {
        hd_error_oom(err, "archive reader", 0);
        return NULL;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    archive_read_support_format_raw(a); /* a bare .gz/.xz/.zst of one file */
    if (archive_read_open_memory(a, data, (size_t)size) != ARCHIVE_OK) {
        archive_fail(err, path, a, "cannot read the archive");
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Reads up to SNIFF_BYTES of the current entry into buf; returns the count or -1. */
static ssize_t read_head(struct archive *a, uint8_t *buf)
{
    ssize_t got = 0;
    while (got < SNIFF_BYTES) {
        ssize_t n = archive_read_data(a, buf + got, (size_t)(SNIFF_BYTES - got));
        if (n < 0) return -1;
        if (n == 0) break;
        got += n;
    }
    return got;
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Streams the rest of the current entry after `head` into a temporary file and maps it. */
static int extract_entry(hd_file *f, struct archive *a, const uint8_t *head, size_t head_len,
                         const char *name, hd_error *err)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/heapdiff-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return hd_error_set(err, HD_EINTERNAL, "%s: cannot create a temporary file in %s: %s",
                            f->path, dir && *dir ? dir : "/tmp", strerror(errno));
    unlink(tmpl); /* gone from the file system already: nothing to clean up on any exit path */
    int tty = isatty(STDERR_FILENO);
    uint64_t total = head_len, next_report = 256u << 20;
    int rc = HD_OK;
    if (write_all(fd, head, head_len)) goto io_error;
    static uint8_t buf[1 << 16];
    for (;;) {
        ssize_t n = archive_read_data(a, buf, sizeof buf);
        if (n < 0) {
            rc = archive_fail(err, f->path, a, "cannot decompress the archive");
            goto out;
        }
        if (n == 0) break;
        if (write_all(fd, buf, (size_t)n)) goto io_error;
        total += (uint64_t)n;
        if (tty && total >= next_report) {
            fprintf(stderr, "\rheapdiff: extracting %s: %llu MiB", name,
                    (unsigned long long)(total >> 20));
            next_report += 256u << 20;
        }
    }
    if (tty && next_report > (256u << 20)) fprintf(stderr, "\n");
    if (total == 0) {
        rc = hd_error_at(err, f->path, 0, "archive member %s is empty", name);
        goto out;
    }
    void *p = mmap(NULL, (size_t)total, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        rc = hd_error_set(err, HD_EINTERNAL, "%s: cannot map the extracted %s: %s", f->path, name,
                          strerror(errno));
        goto out;
    }
    f->map_base = p;
    f->map_len = (size_t)total;
    f->data = p;
    f->size = total;
    goto out;
io_error:
    rc = hd_error_set(err, HD_EINTERNAL, "%s: cannot write the extracted %s to %s: %s", f->path,
                      name, dir && *dir ? dir : "/tmp", strerror(errno));
out:
    close(fd);
    return rc;
}

int hd_archive_extract(hd_file *f, const uint8_t *data, uint64_t size, const char *member,
                       hd_error *err)
{
    /* Pass 1: find the entries that are snapshots (by content) or the named member. */
    struct archive *a = open_archive(f->path, data, size, err);
    if (!a) return err->code;
    uint8_t head[SNIFF_BYTES];
    char listed[MAX_LISTED][256];
    int n_found = 0, rc = HD_OK;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (!name) name = "data";
        if (archive_entry_filetype(e) != 0 && archive_entry_filetype(e) != AE_IFREG) continue;
        if (member && strcmp(member, name) != 0) continue;
        ssize_t got = read_head(a, head);
        if (got < 0) {
            rc = archive_fail(err, f->path, a, "cannot decompress the archive");
            break;
        }
        if (!member && hd_sniff(head, (uint64_t)got) == HD_FMT_UNKNOWN) continue;
        if (n_found < MAX_LISTED) snprintf(listed[n_found], sizeof listed[0], "%s", name);
        n_found++;
    }
    if (!rc && r != ARCHIVE_EOF) rc = archive_fail(err, f->path, a, "cannot read the archive");
    archive_read_free(a);
    if (rc) return rc;
    if (n_found == 0)
        return member ? hd_error_at(err, f->path, 0, "the archive has no member named %s", member)
                      : hd_error_at(err, f->path, 0,
                                    "the archive holds no heap snapshot or dump (looked for "
                                    ".gcdump, minidump and ELF core contents)");
    if (n_found > 1 && !member) {
        char names[MAX_LISTED * 260] = "";
        for (int i = 0; i < n_found && i < MAX_LISTED; i++) {
            strcat(names, i ? ", " : "");
            strcat(names, listed[i]);
        }
        return hd_error_at(err, f->path, 0,
                           "the archive holds %d snapshots (%s%s); pick one as %s:MEMBER", n_found,
                           names, n_found > MAX_LISTED ? ", ..." : "", f->path);
    }
    /* Pass 2: stream the chosen entry to a temporary file. */
    a = open_archive(f->path, data, size, err);
    if (!a) return err->code;
    rc = HD_EINPUT;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (!name) name = "data";
        if (strcmp(name, listed[0]) != 0) continue;
        ssize_t got = read_head(a, head);
        if (got < 0) {
            rc = archive_fail(err, f->path, a, "cannot decompress the archive");
            break;
        }
        rc = extract_entry(f, a, head, (size_t)got, name, err);
        break;
    }
    if (rc == HD_EINPUT && err->code == HD_OK)
        rc = archive_fail(err, f->path, a, "cannot read the archive");
    archive_read_free(a);
    return rc;
}
