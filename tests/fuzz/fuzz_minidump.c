/* libFuzzer target: the minidump reader on arbitrary bytes, over an in-memory hd_target whose
 * file view points at the input (no temporary file), then hd_target_finish and reads at the
 * addresses the dump itself names (range edges, thread stacks and registers, module bases).
 *
 * Whatever the input, the reader must return HD_OK or HD_EINPUT with a one-line message naming
 * the byte offset; anything else (a crash, a sanitizer report, a leak, a hang, a huge
 * allocation, another status) is a finding. Accepted targets must keep target.c's invariants:
 * sorted non-overlapping ranges whose captured bytes lie inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(const hd_target *t, uint64_t addr)
{
    uint8_t buf[64];
    uint64_t got = 0;
    hd_target_read(t, addr, buf, sizeof buf, &got);
    if (got > sizeof buf) abort();
    const uint8_t *p = hd_target_ptr(t, addr, 8);
    if (p && (p < t->file.data || p + 8 > t->file.data + t->file.size)) abort();
    (void)hd_target_module_at(t, addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hd_target t;
    hd_error err;
    memset(&t, 0, sizeof t);
    hd_error_clear(&err);
    t.path = "fuzz.dmp";
    t.full_memory = -1;
    t.file.path = t.path;
    t.file.data = data;
    t.file.size = size;
    int rc = hd_minidump_read(&t, &err);
    if (!rc) rc = hd_target_finish(&t, &err);
    if (rc != HD_OK) {
        if (rc != HD_EINPUT || err.code != HD_EINPUT || !strstr(err.msg, "offset") ||
            strchr(err.msg, '\n'))
            abort();
    } else {
        uint64_t captured = 0;
        for (uint64_t i = 0; i < t.n_ranges; i++) {
            const hd_range *r = &t.ranges[i];
            if (i && r->addr < t.ranges[i - 1].addr + t.ranges[i - 1].size) abort();
            if (r->file_size > r->size) abort();
            if (r->file_size && (r->offset > size || r->file_size > size - r->offset)) abort();
            captured += r->file_size;
            probe(&t, r->addr);
            probe(&t, r->addr + r->size - 1);
        }
        if (captured != t.bytes_captured) abort();
        for (uint32_t i = 0; i < t.n_threads; i++) {
            probe(&t, t.threads[i].stack_lo);
            probe(&t, t.threads[i].sp);
            if (t.threads[i].name) (void)strlen(t.threads[i].name);
        }
        for (uint32_t i = 0; i < t.n_modules; i++) {
            probe(&t, t.modules[i].base);
            (void)strlen(t.modules[i].path);
            if (t.modules[i].build_id_len > sizeof t.modules[i].build_id) abort();
        }
        if (t.exe) (void)strlen(t.exe);
    }
    /* The file view is the fuzzer's buffer: detach it before closing. */
    t.file.data = NULL;
    t.file.size = 0;
    hd_target_close(&t);
    return 0;
}
