/* Test helper: prints N bytes of a dump's memory at an address as hex, through the target API
 * (hd_target_read), or "MISSING k" when only k bytes were captured. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "heapdiff/heapdiff.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: readmem DUMP ADDRESS COUNT\n");
        return 1;
    }
    hd_target t;
    hd_error err;
    hd_error_clear(&err);
    if (hd_target_open(&t, argv[1], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    uint64_t addr = strtoull(argv[2], NULL, 0), n = strtoull(argv[3], NULL, 0), got = 0;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return 4;
    if (hd_target_read(&t, addr, buf, n, &got) != HD_OK) {
        printf("MISSING %" PRIu64 "\n", got);
    } else {
        for (uint64_t i = 0; i < n; i++) printf("%02x", buf[i]);
        printf("\n");
    }
    free(buf);
    hd_target_close(&t);
    return 0;
}
