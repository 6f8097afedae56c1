/* Test helper: what the runtime's contract descriptor says about a dump, and the free-object
 * MethodTable it leads to, as "key value" lines for tests/dotnet/dumps.sh. */
#include <inttypes.h>
#include <stdio.h>

#include "heapdiff/heapdiff.h"
#include "util/endian.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: clrprobe DUMP\n");
        return 1;
    }
    hd_target t;
    hd_error err;
    hd_error_clear(&err);
    if (hd_target_open(&t, argv[1], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    hd_clr_runtime rt;
    if (hd_clr_locate(&t, &rt, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        hd_target_close(&t);
        return 2;
    }
    uint64_t flags_off, base_off, mtsize, g, mt = 0;
    if (!rt.json || hd_clr_field(&rt, "MethodTable", "MTFlags", &flags_off) ||
        hd_clr_field(&rt, "MethodTable", "BaseSize", &base_off) ||
        hd_clr_global(&rt, "FreeObjectMethodTable", &g)) {
        printf("descriptor none %s\n", rt.why);
        hd_clr_runtime_free(&rt);
        hd_target_close(&t);
        return 0;
    }
    printf("field MethodTable.MTFlags %" PRIu64 "\n", flags_off);
    printf("field MethodTable.BaseSize %" PRIu64 "\n", base_off);
    if (!hd_clr_type_size(&rt, "MethodTable", &mtsize))
        printf("size MethodTable %" PRIu64 "\n", mtsize);
    /* A pointer global holds the address of the runtime variable (g_pFreeObjectMethodTable). */
    uint8_t buf[8];
    if (hd_target_read(&t, g, buf, 8, NULL) == HD_OK) mt = hd_le64(buf);
    uint8_t f[4], b[4];
    if (mt && hd_target_read(&t, mt + flags_off, f, 4, NULL) == HD_OK &&
        hd_target_read(&t, mt + base_off, b, 4, NULL) == HD_OK)
        printf("freemt 0x%" PRIx64 " flags 0x%08x basesize %u\n", mt, hd_le32(f), hd_le32(b));
    else
        printf("freemt unreadable 0x%" PRIx64 "\n", g);
    hd_clr_runtime_free(&rt);
    hd_target_close(&t);
    return 0;
}
