/* Test driver for tests/target/elfcore.sh: opens a dump through the target API and prints
 * what heapdiff sees, one fact per line, in a form the script compares with gdb and
 * llvm-readelf. (Until `heapdiff info --format json` exists; built by the script.)
 *
 *   elfcore_dump CORE                 header, ranges, threads, modules
 *   elfcore_dump CORE read ADDR LEN   the bytes at ADDR (hex), or "missing N" after N bytes
 *   elfcore_dump CORE sym PATHSUFFIX NAME
 *                                     the address of NAME exported by the module whose path
 *                                     ends with PATHSUFFIX (src/target/elf_image.h) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/target.h"
#include "target/elf_image.h"

static void print_target(const hd_target *t)
{
    printf("os %s\narch %s\npointer_size %u\npid %u\nexe %s\nfull_memory %d\n", hd_os_name(t->os),
           hd_arch_name(t->arch), t->pointer_size, t->pid, t->exe ? t->exe : "", t->full_memory);
    printf("reserved %" PRIu64 "\ncaptured %" PRIu64 "\nranges %" PRIu64 "\n", t->bytes_reserved,
           t->bytes_captured, t->n_ranges);
    for (uint64_t i = 0; i < t->n_ranges; i++) {
        const hd_range *r = &t->ranges[i];
        printf("range 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", r->addr, r->size,
               r->offset, r->file_size);
    }
    for (uint32_t i = 0; i < t->n_threads; i++) {
        const hd_thread *th = &t->threads[i];
        printf("thread %u regs %d ip 0x%" PRIx64 " sp 0x%" PRIx64 " fp 0x%" PRIx64
               " stack 0x%" PRIx64 " 0x%" PRIx64 "\n",
               th->tid, th->has_regs, th->ip, th->sp, th->fp, th->stack_lo, th->stack_hi);
    }
    static const char *const kinds[] = {"unknown", "pe", "elf", "macho"};
    for (uint32_t i = 0; i < t->n_modules; i++) {
        const hd_module *m = &t->modules[i];
        char id[65] = "-";
        for (int k = 0; k < m->build_id_len; k++) sprintf(id + 2 * k, "%02x", m->build_id[k]);
        printf("module 0x%" PRIx64 " 0x%" PRIx64 " %s %s %s\n", m->base, m->size,
               kinds[m->kind & 3], id, m->path);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: elfcore_dump CORE [read ADDR LEN | sym PATHSUFFIX NAME]\n");
        return 1;
    }
    hd_target t;
    hd_error err;
    hd_error_clear(&err);
    if (hd_target_open(&t, argv[1], &err)) {
        fprintf(stderr, "elfcore_dump: %s\n", err.msg);
        return err.code;
    }
    int rc = 0;
    if (argc == 2) {
        print_target(&t);
    } else if (argc == 5 && !strcmp(argv[2], "read")) {
        uint64_t addr = strtoull(argv[3], NULL, 0), len = strtoull(argv[4], NULL, 0), got = 0;
        uint8_t *buf = malloc(len ? len : 1);
        hd_target_read(&t, addr, buf, len, &got);
        for (uint64_t i = 0; i < got; i++) printf("%02x", buf[i]);
        if (got < len) printf("%smissing %" PRIu64, got ? " " : "", got);
        printf("\n");
        free(buf);
    } else if (argc == 5 && !strcmp(argv[2], "sym")) {
        size_t sl = strlen(argv[3]);
        const hd_module *m = NULL;
        for (uint32_t i = 0; i < t.n_modules && !m; i++) {
            size_t pl = strlen(t.modules[i].path);
            if (pl >= sl && !strcmp(t.modules[i].path + pl - sl, argv[3])) m = &t.modules[i];
        }
        uint64_t addr = 0;
        int missing = 0;
        if (!m) {
            printf("no module %s\n", argv[3]);
            rc = 2;
        } else if (hd_elf_image_symbol(&t, m->base, argv[4], &addr, &missing, &err)) {
            printf("error %s%s\n", missing ? "(not captured) " : "", err.msg);
            rc = 2;
        } else {
            printf("0x%" PRIx64 "\n", addr);
        }
    } else {
        fprintf(stderr, "elfcore_dump: bad arguments\n");
        rc = 1;
    }
    hd_target_close(&t);
    return rc;
}
