/* Option parsing shared by the commands (getopt_long, git/jq-style messages). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_usage(FILE *out)
{
    fputs(
        "usage: heapdiff BEFORE AFTER [options]     what grew between two snapshots\n"
        "       heapdiff diff BEFORE AFTER [options]\n"
        "       heapdiff stat FILE [options]            per-type counts, shallow and retained "
        "bytes\n"
        "       heapdiff info FILE [--format text|json]  what a snapshot or dump holds\n"
        "       heapdiff convert FILE -o OUT [--to gcdump|heapsnapshot|hgraph]\n"
        "                                               write FILE's heap graph in another format\n"
        "\n"
        "Inputs are recognised by content: process dumps of .NET 8, 9 and 10 x64 processes\n"
        "(Linux ELF cores from createdump or gcore, full-memory minidumps), PerfView /\n"
        "dotnet-gcdump .gcdump files, heapdiff's .hgraph files, and any of them inside .zip\n"
        ".gz .xz .bz2 .zst .7z .tar (ARCHIVE:MEMBER picks one).\n"
        "\n"
        "options:\n"
        "  --format text|json|csv   output format (default text)\n"
        "  -o, --output FILE        write the report to FILE (atomically) instead of stdout\n"
        "  --top N                  show the N largest rows (0 = all; default 25 in text,\n"
        "                           all in JSON and CSV)\n"
        "  --min-bytes N            hide rows under N bytes (stat: retained and unreachable;\n"
        "                           diff: |delta retained| and |delta shallow|)\n"
        "  --by-module              keep same-named types from different modules apart\n"
        "  --raw-names              keep the size buckets snapshot writers append to type\n"
        "                           names (\"System.Byte[] (Bytes > 10K)\"); by default one\n"
        "                           type is one row\n"
        "  --max-growth BYTES       diff: exit 3 when reachable bytes grew by more than BYTES\n"
        "  --to FORMAT              convert: gcdump, heapsnapshot or hgraph (default: from\n"
        "                           the output's extension)\n"
        "  --color=auto|always|never  ANSI colours in text output (NO_COLOR is honoured)\n"
        "  -q, --quiet              no warnings on stderr\n"
        "  -h, --help               this text;  --version  the version\n"
        "\n"
        "Sizes accept K, M, G suffixes (powers of 1024), e.g. --max-growth 10M.\n"
        "Exit status: 0 ok, 1 usage, 2 bad or unsupported input, 3 --max-growth exceeded,\n"
        "4 internal or output error.\n",
        out);
}

/* "123", "10K", "1.5MiB" -> bytes. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s)) return -1;
    double v = strtod(s, &end);
    if (errno || v < 0) return -1;
    double mul = 1;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K':
            mul = 1024.0;
            break;
        case 'M':
            mul = 1024.0 * 1024;
            break;
        case 'G':
            mul = 1024.0 * 1024 * 1024;
            break;
        case 'T':
            mul = 1024.0 * 1024 * 1024 * 1024;
            break;
        case 'B':
            mul = 1;
            end--;
            break;
        default:
            return -1;
        }
        end++;
        if (*end && strcasecmp(end, "B") && strcasecmp(end, "iB")) return -1;
    }
    v *= mul;
    if (v >= 9.2e18) return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s)) return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "heapdiff: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'heapdiff --help' for more information.\n");
    return HD_EUSAGE;
}

int cli_parse(int argc, char **argv, const char *command, cli_opts *o, int *exit_now)
{
    enum {
        OPT_FORMAT = 256,
        OPT_TOP,
        OPT_MIN,
        OPT_BYMOD,
        OPT_RAW,
        OPT_MAXG,
        OPT_COLOR,
        OPT_VERSION,
        OPT_TO
    };
    static const struct option longs[] = {
        {"format", required_argument, 0, OPT_FORMAT},
        {"output", required_argument, 0, 'o'},
        {"top", required_argument, 0, OPT_TOP},
        {"min-bytes", required_argument, 0, OPT_MIN},
        {"by-module", no_argument, 0, OPT_BYMOD},
        {"max-growth", required_argument, 0, OPT_MAXG},
        {"raw-names", no_argument, 0, OPT_RAW},
        {"color", optional_argument, 0, OPT_COLOR},
        {"colour", optional_argument, 0, OPT_COLOR},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, OPT_VERSION},
        {"to", required_argument, 0, OPT_TO},
        {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    int top_given = 0;
    o->report.max_growth = -1;
    *exit_now = 0;
    opterr = 0;
    optind = 1;
    int c;
    uint64_t v;
    /* "+" would stop at the first file; we allow options after files, like git. */
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (!strcmp(optarg, "text"))
                o->report.format = HD_OUT_TEXT;
            else if (!strcmp(optarg, "json"))
                o->report.format = HD_OUT_JSON;
            else if (!strcmp(optarg, "csv"))
                o->report.format = HD_OUT_CSV;
            else
                return usage_error("unknown --format '%s' (expected text, json or csv)", optarg);
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_TOP:
            if (parse_count(optarg, &o->report.top))
                return usage_error("--top expects a number of rows, got '%s'", optarg);
            top_given = 1;
            break;
        case OPT_MIN:
            if (parse_size(optarg, &o->report.min_bytes))
                return usage_error("--min-bytes expects a size such as 4096 or 10M, got '%s'",
                                   optarg);
            break;
        case OPT_BYMOD:
            o->report.by_module = 1;
            break;
        case OPT_RAW:
            o->report.raw_names = 1;
            break;
        case OPT_MAXG:
            if (parse_size(optarg, &v))
                return usage_error("--max-growth expects a size such as 1048576 or 10M, got '%s'",
                                   optarg);
            o->report.max_growth = (int64_t)v;
            break;
        case OPT_COLOR:
            if (!optarg || !strcmp(optarg, "always"))
                o->color_mode = 1;
            else if (!strcmp(optarg, "never"))
                o->color_mode = -1;
            else if (!strcmp(optarg, "auto"))
                o->color_mode = 0;
            else
                return usage_error("--color expects auto, always or never, got '%s'", optarg);
            break;
        case 'q':
            o->quiet = 1;
            break;
        case OPT_TO:
            if (strcmp(optarg, "gcdump") && strcmp(optarg, "heapsnapshot") &&
                strcmp(optarg, "hgraph"))
                return usage_error("--to expects gcdump, heapsnapshot or hgraph, got '%s'", optarg);
            if (strcmp(command, "convert") != 0)
                return usage_error("--to applies to 'convert', not to '%s'", command);
            o->to = optarg;
            break;
        case 'h':
            cli_usage(stdout);
            *exit_now = 1;
            return HD_OK;
        case OPT_VERSION:
            printf("heapdiff %s\n", HEAPDIFF_VERSION);
            *exit_now = 1;
            return HD_OK;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    /* A terminal shows the largest rows; scripts get everything unless they ask otherwise. */
    if (!top_given) o->report.top = o->report.format == HD_OUT_TEXT ? 25 : 0;
    o->files = (const char **)argv + optind;
    o->n_files = argc - optind;
    if (o->report.max_growth >= 0 && strcmp(command, "diff") != 0)
        return usage_error("--max-growth applies to diffs, not to '%s'", command);

    int tty = !o->output && isatty(STDOUT_FILENO);
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    o->report.color = o->color_mode > 0 || (o->color_mode == 0 && tty && !(no_color && *no_color) &&
                                            !(term && !strcmp(term, "dumb")));
    if (o->report.format != HD_OUT_TEXT) o->report.color = 0;
    if (tty) {
        struct winsize ws;
        const char *cols = getenv("COLUMNS");
        if (cols && atoi(cols) > 0)
            o->report.width = atoi(cols);
        else if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
            o->report.width = ws.ws_col;
    }
    return HD_OK;
}
