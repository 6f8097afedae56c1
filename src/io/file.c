/* Input files are mapped read-only: nothing is copied, nothing is ever written back. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heapdiff/source.h"

int hd_file_open(hd_file *f, const char *path, hd_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
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

void hd_file_close(hd_file *f)
{
    if (f->map_base) munmap(f->map_base, f->map_len);
    memset(f, 0, sizeof *f);
}
