/* Input files are mapped read-only: nothing is copied, nothing is ever written back. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heapdiff/source.h"
#include "io/archive.h"
#include "util/alloc.h"

static int map_file(hd_file *f, const char *path, hd_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return hd_error_set(err, HD_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return hd_error_set(err, HD_EINPUT, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return hd_error_set(err, HD_EINPUT, "%s: not a regular file", path);
    }
    f->size = (uint64_t)st.st_size;
    if (f->size == 0) {
        close(fd);
        static const uint8_t empty[1];
        f->data = empty;
        return HD_OK;
    }
    if (f->size > SIZE_MAX) {
        close(fd);
        return hd_error_set(err, HD_EINPUT, "%s: file too large to map", path);
    }
    void *p = mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return hd_error_set(err, HD_EINPUT, "%s: cannot map: %s", path, strerror(e));
    f->map_base = p;
    f->map_len = (size_t)f->size;
    f->data = p;
    return HD_OK;
}

/* Opens path; an archive or compressed file is unpacked transparently, and "ARCHIVE:MEMBER"
 * (when no file of that exact name exists) picks a member. */
int hd_file_open(hd_file *f, const char *path, hd_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    char *archive = NULL;
    const char *member = NULL, *colon = strrchr(path, ':');
    struct stat st;
    if (colon && colon != path && colon[1] && stat(path, &st) != 0 && errno == ENOENT) {
        archive = hd_strndup(path, (size_t)(colon - path), err);
        if (!archive) return err->code;
        member = colon + 1;
    }
    int rc = map_file(f, archive ? archive : path, err);
    free(archive);
    if (rc) return rc;
    f->path = path;
    int packed = hd_archive_sniff(f->data, f->size);
    if (member && !packed) {
        hd_file_close(f);
        return hd_error_at(err, path, 0, "not an archive, so it has no member %s", member);
    }
    if (!packed) return HD_OK;
    /* The snapshot replaces the archive's mapping. */
    void *abase = f->map_base;
    size_t alen = f->map_len;
    const uint8_t *adata = f->data;
    uint64_t asize = f->size;
    f->map_base = NULL;
    f->map_len = 0;
    rc = hd_archive_extract(f, adata, asize, member, err);
    munmap(abase, alen);
    if (rc) hd_file_close(f);
    return rc;
}

void hd_file_close(hd_file *f)
{
    if (f->map_base) munmap(f->map_base, f->map_len);
    memset(f, 0, sizeof *f);
}
