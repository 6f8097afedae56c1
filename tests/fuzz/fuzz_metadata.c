/* libFuzzer target: the ECMA-335 metadata reader (src/clr/metadata.c) on arbitrary bytes.
 *
 * Each input is tried as a bare metadata blob, as a PE image in file layout, in the loader's
 * layout and in the layout hd_md_pe_layout picks, and as an image in dump memory (served by a
 * target at a fixed base: once whole, once with a page missing from its middle so the "not
 * captured" paths run). Whenever it opens, every name is asked for (the first 4096 and the last
 * rows of TypeDef and TypeRef, the module and assembly) and every column of the first and last
 * row of every table is read. Every call must return HD_OK or HD_EINPUT with a one-line
 * message (HD_EINTERNAL only for memory); a crash, a sanitizer report, a leak or a hang is a
 * finding. Seeds: any .NET assembly (make fuzz-run copies small ones of the installed runtime
 * into the temporary corpus). Run: build-fuzz/fuzz_metadata -max_total_time=600 CORPUS */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clr/metadata.h"
#include "heapdiff/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const hd_error *err)
{
    if (rc == HD_OK || rc == HD_EINTERNAL) return;
    if (rc != HD_EINPUT || err->code != HD_EINPUT || !err->msg[0] || strchr(err->msg, '\n'))
        abort();
}

static void walk(const hd_md *md)
{
    char b[1024];
    uint32_t n = hd_md_typedef_count(md), v;
    for (uint32_t r = 0; r <= n + 1; r++) {
        if (r == 4096 && n > 4200) r = n - 100;
        int len = hd_md_typedef_name(md, r, b, sizeof b);
        if (len >= 0 && (size_t)len != strlen(b)) abort();
        hd_md_typedef_flags(md, r, &v);
        hd_md_typedef_enclosing(md, r);
    }
    n = hd_md_typeref_count(md);
    for (uint32_t r = 0; r <= n + 1; r++) {
        if (r == 4096 && n > 4200) r = n - 100;
        hd_md_typeref_name(md, r, b, sizeof b);
    }
    hd_md_module_name(md, b, sizeof b);
    hd_md_assembly_name(md, b, 8); /* also the name that does not fit */
    for (uint32_t t = 0; t <= HD_MD_N_TABLES; t++)
        for (uint32_t c = 0; c <= HD_MD_MAX_COLUMNS; c++) {
            hd_md_cell(md, t, 1, c, &v);
            hd_md_cell(md, t, md->rows[t < 64 ? t : 0], c, &v);
            hd_md_string(md, v);
        }
}

static void try_mem(const uint8_t *data, size_t size, int is_pe, int layout)
{
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_md_open(&md, data, size, is_pe, layout, &err);
    check(rc, &err);
    if (rc == HD_OK) {
        walk(&md);
        hd_md_close(&md);
    }
}

static void try_target(const hd_target *t, uint64_t base, uint64_t size)
{
    hd_md md;
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_md_open_target(&md, t, base, size, &err);
    check(rc, &err);
    if (rc == HD_OK) {
        walk(&md);
        hd_md_close(&md);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_mem(data, size, 0, 0);
    try_mem(data, size, 1, -1);
    try_mem(data, size, 1, 0);
    try_mem(data, size, 1, 1);
    hd_md_pe_layout(data, size);

    const uint64_t base = 0x7f0000000000ull;
    hd_range r[2];
    hd_target t;
    memset(&t, 0, sizeof t);
    t.file.data = data;
    t.file.size = size;
    t.ranges = r;
    r[0] = (hd_range){base, size, 0, size};
    t.n_ranges = size ? 1 : 0;
    try_target(&t, base, 0);
    try_target(&t, base, size);
    /* A page missing from the middle. */
    uint64_t hole = (size / 2) & ~(uint64_t)0xfff;
    if (hole && hole + 0x1000 < size) {
        r[0] = (hd_range){base, hole, 0, hole};
        r[1] = (hd_range){base + hole + 0x1000, size - hole - 0x1000, hole + 0x1000,
                          size - hole - 0x1000};
        t.n_ranges = 2;
        try_target(&t, base, 0);
    }
    return 0;
}
