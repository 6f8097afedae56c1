/* Test driver for tests/target/pe_image.sh: heapdiff's view of one module image in a dump,
 * through src/target/pe_image.c, elf_image.c and image_file.c.
 *
 *   pe_image_probe DUMP MODULE CMD [ARG] [FALLBACK]
 *     MODULE    the module whose path ends with this text
 *     CMD       headers | export NAME | version | elfsym NAME
 *     FALLBACK  absent or "-": dump memory only; "path": also the module's own file (its path
 *               in the dump); anything else: a directory holding a file of the module's name
 *
 * Prints one line per answer; "missing ..." when a needed page is not captured, "error: ..."
 * (exit 1) for other failures, "nofile: ..." (exit 3) when the file is absent or refused (not the
 * module's). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"
#include "target/elf_image.h"
#include "target/image_file.h"
#include "target/pe_image.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s DUMP MODULE CMD [ARG] [FALLBACK]\n", argv[0]);
        return 2;
    }
    hd_target t;
    hd_error err;
    hd_error_clear(&err);
    if (hd_target_open(&t, argv[1], &err)) {
        printf("error: %s\n", err.msg);
        return 1;
    }
    const hd_module *m = NULL;
    size_t sl = strlen(argv[2]);
    for (uint32_t i = 0; i < t.n_modules && !m; i++) {
        size_t pl = strlen(t.modules[i].path);
        if (pl >= sl && !strcmp(t.modules[i].path + pl - sl, argv[2])) m = &t.modules[i];
    }
    if (!m) {
        printf("error: no module ending with %s\n", argv[2]);
        return 1;
    }
    const char *cmd = argv[3], *arg = argc > 4 ? argv[4] : "";
    const char *fb = argc > 5 ? argv[5] : "-";
    hd_image_file f;
    hd_image_src s = {&t, NULL, m->base};
    if (strcmp(fb, "-")) {
        if (hd_image_file_open(&t, m, strcmp(fb, "path") ? fb : NULL, &f, &err)) {
            printf("nofile: %s\n", err.msg);
            hd_target_close(&t);
            return 3;
        }
        s.f = &f;
    }
    int rc = 0, nc = 0;
    uint64_t addr = 0;
    if (!strcmp(cmd, "headers")) {
        hd_pe_image im;
        rc = hd_pe_image_open_src(&s, &im, &nc, &err);
        if (!rc) {
            printf("base 0x%" PRIx64 " magic 0x%x machine 0x%x timestamp 0x%08x size_of_image "
                   "0x%x size_of_headers 0x%x checksum 0x%x image_base 0x%" PRIx64
                   " sections %u export 0x%x 0x%x resource 0x%x 0x%x\n",
                   im.base, im.magic, im.machine, im.timestamp, im.size_of_image,
                   im.size_of_headers, im.checksum, im.image_base, im.n_sections, im.dir[0].rva,
                   im.dir[0].size, im.dir[2].rva, im.dir[2].size);
            for (uint32_t i = 0; i < im.n_sections; i++)
                printf("section %s 0x%x 0x%x\n", im.sec[i].name, im.sec[i].vaddr, im.sec[i].vsize);
        }
    } else if (!strcmp(cmd, "export")) {
        char fw[256];
        rc = hd_pe_image_export_src(&s, arg, &addr, fw, &nc, &err);
        if (!rc)
            printf("export %s 0x%" PRIx64 "\n", arg, addr);
        else if (fw[0]) {
            printf("forwarded %s %s\n", arg, fw);
            rc = 0;
        }
    } else if (!strcmp(cmd, "version")) {
        hd_pe_version v;
        rc = hd_pe_image_version_src(&s, &v, &nc, &err);
        if (!rc)
            printf("version %u.%u.%u.%u product %u.%u.%u.%u os 0x%x type %u\n", v.file[0],
                   v.file[1], v.file[2], v.file[3], v.product[0], v.product[1], v.product[2],
                   v.product[3], v.os, v.type);
    } else if (!strcmp(cmd, "elfsym")) {
        rc = hd_elf_image_symbol_src(&s, arg, &addr, &nc, &err);
        if (!rc) printf("elfsym %s 0x%" PRIx64 "\n", arg, addr);
    } else {
        printf("error: unknown command %s\n", cmd);
        rc = 1;
    }
    if (rc) printf("%s: %s\n", nc ? "missing" : "error", err.msg);
    if (s.f) hd_image_file_close(&f);
    hd_target_close(&t);
    return rc ? 1 : 0;
}
