/* Test driver for tests/target/minidump.sh: opens a dump with hd_target_open and prints what
 * the checks need that `heapdiff info` does not show.
 *   minidump_probe FILE              "range ADDR SIZE FILE_SIZE" per range (hex), then
 *                                    "captured N"
 *   minidump_probe FILE ADDR LEN...  "read ADDR GOT HEX" per pair (hex address, decimal len)
 * Exit 2 (message on stderr) when the dump does not open. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "heapdiff/target.h"

int main(int argc, char **argv)
{
    hd_target t;
    hd_error err;
    hd_error_clear(&err);
    if (argc < 2 || argc % 2) {
        fprintf(stderr, "usage: minidump_probe FILE [ADDR LEN]...\n");
        return 1;
    }
    if (hd_target_open(&t, argv[1], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    if (argc == 2) {
        for (uint64_t i = 0; i < t.n_ranges; i++)
            printf("range %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", t.ranges[i].addr,
                   t.ranges[i].size, t.ranges[i].file_size);
        printf("captured %" PRIu64 "\n", t.bytes_captured);
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        uint64_t addr = strtoull(argv[i], NULL, 16), len = strtoull(argv[i + 1], NULL, 10), got;
        if (len > 4096) len = 4096;
        unsigned char buf[4096];
        hd_target_read(&t, addr, buf, len, &got);
        printf("read %" PRIx64 " %" PRIu64 " ", addr, got);
        for (uint64_t k = 0; k < got; k++) printf("%02x", buf[k]);
        printf("\n");
    }
    hd_target_close(&t);
    return 0;
}
