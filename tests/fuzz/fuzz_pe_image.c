/* libFuzzer target: PE (and ELF) images in dump memory and the on-disk fallback, on arbitrary
 * bytes (src/target/pe_image.c, image_file.c, elf_image.c).
 *
 * Input: 4 bytes of control, then an image as the loader maps it. The image is served at a
 * fixed base through a target whose ranges leave out the page range the control bytes name
 * (so "not captured" paths run), and the same bytes are also written to a file that is opened
 * as the module's file on disk (so the file parsers, identity checks and the combined reads
 * run). Whatever the input, every call must return HD_OK or HD_EINPUT with a one-line message;
 * a crash, a sanitizer report, a leak, a hang or another status is a finding.
 * Seeds: a mingw DLL mapped at its RVAs (tests/target/pe_image_mkdump.py does the mapping),
 * ELF shared objects from /usr/lib. Run: build-fuzz/fuzz_pe_image -max_total_time=600 CORPUS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapdiff/target.h"
#include "target/elf_image.h"
#include "target/image_file.h"
#include "target/pe_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const hd_error *err)
{
    if (rc == HD_OK) return;
    if (rc != HD_EINPUT ||
        (err && (err->code != HD_EINPUT || !err->msg[0] || strchr(err->msg, '\n'))))
        abort();
}

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    const uint64_t base = 0x7ff600000000ull;
    uint32_t gap_lo = (uint32_t)(data[0] | data[1] << 8) * 0x100u;
    uint32_t gap_len = (uint32_t)data[2] * 0x100u;
    uint8_t flags = data[3];
    data += 4, size -= 4;

    hd_range r[2];
    hd_target t;
    memset(&t, 0, sizeof t);
    t.file.data = data;
    t.file.size = size;
    t.ranges = r;
    if (gap_len && gap_lo < size) {
        uint64_t hi = (uint64_t)gap_lo + gap_len < size ? gap_lo + gap_len : size;
        r[0] = (hd_range){base, gap_lo, 0, gap_lo};
        r[1] = (hd_range){base + hi, size - hi, hi, size - hi};
        t.n_ranges = 0;
        if (gap_lo) t.ranges[t.n_ranges++] = r[0];
        if (size > hi) t.ranges[t.n_ranges++] = r[1];
    } else {
        r[0] = (hd_range){base, size, 0, size};
        t.n_ranges = size ? 1 : 0;
    }

    static const char *const names[] = {"DotNetRuntimeContractDescriptor", "g_dacTable", "malloc",
                                        "a", ""};
    hd_error err;
    uint64_t a;
    int nc;
    char fw[256];
    hd_pe_image im;
    hd_pe_version v;
    hd_image_src s = {&t, NULL, base};
    hd_error_clear(&err);
    check(hd_pe_image_open_src(&s, &im, &nc, &err), &err);
    for (int i = 0; i < 5; i++) {
        hd_error_clear(&err);
        check(hd_pe_image_export_src(&s, names[i], &a, fw, &nc, &err), &err);
        hd_error_clear(&err);
        check(hd_elf_image_symbol(&t, base, names[i], &a, &nc, &err), &err);
    }
    hd_error_clear(&err);
    check(hd_pe_image_version_src(&s, &v, &nc, &err), &err);

    /* The same bytes as the module's file on disk (every other input, to keep the pace). */
    if (flags & 1) {
        if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_pe_image.%d", (int)getpid());
        FILE *fp = fopen(path, "wb");
        if (!fp) return 0;
        fwrite(data, 1, size, fp);
        fclose(fp);
        hd_module m;
        memset(&m, 0, sizeof m);
        m.base = base;
        m.path = path;
        if (flags & 2) { /* identity from the record, else from dump memory */
            m.size = size;
            m.timestamp = size >= 0x90 ? (uint32_t)(data[0x88] | data[0x89] << 8) : 0;
            m.build_id_len = (uint8_t)(flags >> 3);
            memcpy(m.build_id, data, size < 32 ? size : 32);
        }
        hd_image_file f;
        hd_error_clear(&err);
        int rc = hd_image_file_open(flags & 4 ? NULL : &t, &m, NULL, &f, &err);
        check(rc, &err);
        if (!rc) {
            uint8_t buf[64];
            uint64_t got;
            hd_image_file_read(&f, 0, buf, sizeof buf, &got);
            hd_image_file_read(&f, size / 2, buf, sizeof buf, &got);
            s.f = &f;
            for (int i = 0; i < 5; i++) {
                hd_error_clear(&err);
                check(hd_pe_image_export_src(&s, names[i], &a, fw, &nc, &err), &err);
                hd_error_clear(&err);
                check(hd_elf_image_symbol_src(&s, names[i], &a, &nc, &err), &err);
            }
            hd_error_clear(&err);
            check(hd_pe_image_version_src(&s, &v, &nc, &err), &err);
            hd_image_file_close(&f);
        }
        unlink(path);
    }
    return 0;
}
