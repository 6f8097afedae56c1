/* heapdiff: what grew between two .NET heap snapshots, how much it keeps alive, who holds it. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char *const planned[] = {"top", "path", NULL};

int main(int argc, char **argv)
{
    const char *command = "diff";
    int skip = 1;
    if (argc >= 2) {
        if (!strcmp(argv[1], "stat") || !strcmp(argv[1], "diff") || !strcmp(argv[1], "info") ||
            !strcmp(argv[1], "convert")) {
            command = argv[1];
            skip = 2;
        } else {
            for (int i = 0; planned[i]; i++)
                if (!strcmp(argv[1], planned[i])) {
                    fprintf(stderr,
                            "heapdiff: '%s' is not available in this version yet; 'stat', "
                            "'diff', 'info' and 'convert' are\n",
                            argv[1]);
                    return HD_EUSAGE;
                }
        }
    }
    if (argc < 2) {
        cli_usage(stderr);
        return HD_EUSAGE;
    }
    cli_opts o;
    int exit_now;
    /* getopt sees the command's arguments with argv[0] kept as the program name. */
    char **args = argv + skip - 1;
    char *saved = args[0];
    args[0] = argv[0];
    int rc = cli_parse(argc - skip + 1, args, command, &o, &exit_now);
    args[0] = saved;
    if (rc || exit_now) return rc;
    hd_error err;
    hd_error_clear(&err);
    rc = !strcmp(command, "stat")      ? cmd_stat(&o, &err)
         : !strcmp(command, "info")    ? cmd_info(&o, &err)
         : !strcmp(command, "convert") ? cmd_convert(&o, &err)
                                       : cmd_diff(&o, &err);
    if (rc && rc != HD_ETHRESHOLD && rc != HD_EUSAGE) {
        fprintf(stderr, "heapdiff: %s\n", err.msg[0] ? err.msg : "failed");
        return err.code ? err.code : rc;
    }
    return rc;
}
