/* libFuzzer target: the archive path (libarchive unpacking to a temporary file, then the
 * content sniffing of what came out) on arbitrary bytes. Whatever the input, the result must be
 * HD_OK or a one-line HD_EINPUT naming an offset (HD_EINTERNAL only for a full disk), and no
 * temporary file may stay behind (they are unlinked as soon as they exist). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "heapdiff/heapdiff.h"
#include "io/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!hd_archive_sniff(data, size)) return 0;
    hd_file f;
    memset(&f, 0, sizeof f);
    f.path = "fuzz.archive";
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_archive_extract(&f, data, size, NULL, &err);
    if (rc != HD_OK) {
        if (rc != HD_EINPUT || !strstr(err.msg, "offset") || strchr(err.msg, '\n')) abort();
        return 0;
    }
    /* What was extracted is a snapshot by content; reading it must not crash either. */
    if (hd_sniff(f.data, f.size) == HD_FMT_GCDUMP) {
        hd_graph g;
        hd_error e2;
        hd_error_clear(&e2);
        if (hd_gcdump_read("fuzz.gcdump", f.data, f.size, &g, &e2) == HD_OK) hd_graph_free(&g);
    }
    hd_file_close(&f);
    return 0;
}
