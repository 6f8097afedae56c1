/* libFuzzer target: the ELF core reader on arbitrary bytes, then reads through the target
 * API (ranges, threads' stacks, module headers and an exported-symbol lookup in each module).
 *
 * Whatever the input, the reader must return HD_OK or HD_EINPUT with a one-line message naming
 * the byte offset; anything else (a crash, a sanitizer report, a leak, a hang, a huge
 * allocation, another status) is a finding. Build and run: tests/fuzz/README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"
#include "target/elf_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hd_target t;
    hd_error err;
    memset(&t, 0, sizeof t);
    hd_error_clear(&err);
    t.path = "fuzz.core";
    t.full_memory = -1;
    t.file.data = data;
    t.file.size = size;
    t.container = HD_FMT_ELFCORE;
    int rc = hd_elfcore_read(&t, &err);
    if (!rc) rc = hd_target_finish(&t, &err);
    if (rc != HD_OK) {
        if (rc != HD_EINPUT || err.code != HD_EINPUT || !strstr(err.msg, "offset") ||
            strchr(err.msg, '\n'))
            abort();
    } else {
        uint8_t buf[64];
        for (uint64_t i = 0; i < t.n_ranges && i < 16; i++) {
            const hd_range *r = &t.ranges[i];
            if (i && r->addr < t.ranges[i - 1].addr + t.ranges[i - 1].size) abort();
            hd_target_read(&t, r->addr, buf, sizeof buf, NULL);
            hd_target_read(&t, r->addr + r->size - 8, buf, 16, NULL);
        }
        for (uint32_t i = 0; i < t.n_threads; i++)
            hd_target_read(&t, t.threads[i].sp, buf, 8, NULL);
        for (uint32_t i = 0; i < t.n_modules && i < 8; i++) {
            uint64_t a;
            hd_error e2;
            hd_error_clear(&e2);
            hd_elf_image_symbol(&t, t.modules[i].base, "malloc", &a, NULL, &e2);
        }
    }
    /* The file is the caller's: hd_target_close would unmap it. */
    t.file.data = NULL;
    t.file.size = 0;
    t.file.map_base = NULL;
    t.file.map_len = 0;
    hd_target_close(&t);
    return 0;
}
