/* Test helper: prints the type names src/clr/metadata.c reads from an assembly, in the format of
 * MdOracle/ (System.Reflection.Metadata), for tests/dotnet/metadata.sh to compare:
 *
 *   module<TAB>NAME, assembly<TAB>NAME, then rid<TAB>FULLNAME for every TypeDef row and
 *   typeref<TAB>rid<TAB>FULLNAME for every TypeRef row.
 *
 *   mdnames FILE             the assembly file as it is on disk (file layout)
 *   mdnames --mapped FILE    the file laid out as the loader maps it (each section at its RVA),
 *                            the layout found by hd_md_pe_layout (must say "mapped")
 *   mdnames --list DUMP      every module mapping of a dump whose metadata opens:
 *                            BASE<TAB>flat|mapped<TAB>TYPEDEFS<TAB>PATH
 *   mdnames --dump DUMP BASE the names of the image mapped at BASE in the dump */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clr/metadata.h"
#include "heapdiff/heapdiff.h"
#include "util/endian.h"

static void print_names(const hd_md *md)
{
    char buf[4096];
    printf("module\t%s\n", hd_md_module_name(md, buf, sizeof buf) >= 0 ? buf : "?");
    printf("assembly\t%s\n", hd_md_assembly_name(md, buf, sizeof buf) >= 0 ? buf : "?");
    for (uint32_t r = 1; r <= hd_md_typedef_count(md); r++)
        printf("%u\t%s\n", r, hd_md_typedef_name(md, r, buf, sizeof buf) >= 0 ? buf : "?");
    for (uint32_t r = 1; r <= hd_md_typeref_count(md); r++)
        printf("typeref\t%u\t%s\n", r, hd_md_typeref_name(md, r, buf, sizeof buf) >= 0 ? buf : "?");
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = n > 0 ? malloc((size_t)n) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = p ? (size_t)n : 0;
    return p;
}

/* The file's bytes placed as the loader places them: headers, then each section's raw data at
 * its RVA (this helper trusts its input: real assemblies from the SDK). */
static uint8_t *map_like_loader(const uint8_t *f, size_t len, size_t *out)
{
    uint32_t lfanew = hd_le32(f + 0x3c), nsec = hd_le16(f + lfanew + 6);
    uint32_t optsz = hd_le16(f + lfanew + 20), opt = lfanew + 24;
    uint32_t soi = hd_le32(f + opt + 56), soh = hd_le32(f + opt + 60);
    uint8_t *m = calloc(1, soi);
    if (!m) return NULL;
    memcpy(m, f, soh < len ? soh : len);
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *s = f + opt + optsz + 40 * i;
        uint32_t va = hd_le32(s + 12), raw = hd_le32(s + 16), off = hd_le32(s + 20);
        uint32_t vs = hd_le32(s + 8), n = raw < vs || !vs ? raw : vs;
        if (off + (uint64_t)n <= len && va + (uint64_t)n <= soi) memcpy(m + va, f + off, n);
    }
    *out = soi;
    return m;
}

int main(int argc, char **argv)
{
    hd_error err;
    hd_error_clear(&err);
    hd_md md;
    if (argc == 3 && !strcmp(argv[1], "--list")) {
        hd_target t;
        if (hd_target_open(&t, argv[2], &err)) return fprintf(stderr, "%s\n", err.msg), 2;
        for (uint32_t i = 0; i < t.n_modules; i++) {
            const hd_module *m = &t.modules[i];
            hd_error_clear(&err);
            if (hd_md_open_target(&md, &t, m->base, 0, &err)) continue;
            printf("0x%" PRIx64 "\t%s\t%u\t%s\n", m->base, md.mapped ? "mapped" : "flat",
                   hd_md_typedef_count(&md), m->path);
            hd_md_close(&md);
        }
        hd_target_close(&t);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "--dump")) {
        hd_target t;
        if (hd_target_open(&t, argv[2], &err)) return fprintf(stderr, "%s\n", err.msg), 2;
        int rc = hd_md_open_target(&md, &t, strtoull(argv[3], NULL, 0), 0, &err);
        if (rc == HD_OK) {
            print_names(&md);
            hd_md_close(&md);
        } else {
            fprintf(stderr, "%s\n", err.msg);
        }
        hd_target_close(&t);
        return rc ? 2 : 0;
    }
    int mapped = argc == 3 && !strcmp(argv[1], "--mapped");
    if (argc != 2 && !mapped) {
        fprintf(stderr, "usage: mdnames [--mapped] FILE | --list DUMP | --dump DUMP BASE\n");
        return 1;
    }
    size_t len = 0, mlen = 0;
    uint8_t *f = slurp(argv[argc - 1], &len), *img = f;
    if (!f) return fprintf(stderr, "cannot read %s\n", argv[argc - 1]), 2;
    if (mapped) {
        img = map_like_loader(f, len, &mlen);
        if (!img) return 4;
        len = mlen;
    }
    int layout = hd_md_pe_layout(img, len);
    if (layout != mapped) {
        fprintf(stderr, "hd_md_pe_layout says %d, expected %d\n", layout, mapped);
        return 3;
    }
    int rc = hd_md_open(&md, img, len, 1, -1, &err);
    if (rc == HD_OK) {
        print_names(&md);
        hd_md_close(&md);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
    if (img != f) free(img);
    free(f);
    return rc ? 2 : 0;
}
