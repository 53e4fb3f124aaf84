/* cmd_merge.c - `drip merge -o DIR REPORT...`: the reports of the shards of
 * a split run (drip run --shard K/N) combined into one report directory, as
 * if one run had run them all: results.json and junit.xml written again
 * with the totals recomputed, the CSVs written from the samples read, and
 * every other file (workers' logs, valgrind XML) copied. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report/read.h"
#include "report/report.h"
#include "results/merge.h"
#include "util/util.h"

static const char merge_usage[] =
    "usage: drip merge -o DIR [options] REPORT...\n"
    "\n"
    "Combine reports (report directories, or their results.json) into one\n"
    "report directory: typically the shards of one split run, `drip run\n"
    "--shard K/N` for K = 1..N.  Scenarios are sorted by name; the totals,\n"
    "junit.xml and the CSVs are written again, logs and valgrind files copied.\n"
    "A scenario name in two reports, or two reports of the same shard, or\n"
    "shards of different splits (other N), is refused.  Missing shards (K of\n"
    "N absent) are warned about and make the merged run incomplete.\n"
    "\n"
    "  -o, --report-dir DIR   write the merged report here (must be new or empty)\n"
    "      --color, --no-color  force or disable colored output (default: on a TTY)\n"
    "  -q, --quiet            print only failures and the summary\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 the merged run passed (every scenario passed, no shard\n"
    "missing), 1 a scenario failed or errored, a shard is missing or an input\n"
    "run was incomplete, 2 bad command line or a report that cannot be read\n"
    "or merged (nothing written).\n";

/* Is dir missing or empty?  (A merge never mixes with an older report.) */
static bool dir_is_new(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)))
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

typedef struct merge_cmd {
    const char       *out_dir;     /* -o, trailing slashes dropped (owned: trimmed) */
    char             *trimmed;
    int               color;       /* -1: on a TTY */
    bool              quiet;
    drip_merge_input *in;          /* the reports, each dir malloc'd */
    size_t            n;
    drip_run_results  merged;
} merge_cmd;

/* The command line into c.  Returns -1 to go on, or an exit status (after
 * printing the usage, or the error). */
static int parse_options(merge_cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"report-dir", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        DRIP_COLOR_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const char *out_dir = NULL;
    int opt, status;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        if (opt == 'o')
            out_dir = optarg;
        else if (opt == 'q')
            c->quiet = true;
        else if ((status = drip_cli_shared_option(opt, &c->color, merge_usage)) >= 0)
            return status;
    }
    if (!out_dir || optind >= argc) {
        drip_cli_error(!out_dir ? "merge needs -o DIR" : "no reports given");
        fputs(merge_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    if (c->color < 0)
        c->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    c->out_dir = c->trimmed = xstrdup(out_dir);
    for (size_t len = strlen(c->trimmed); len > 1 && c->trimmed[len - 1] == '/'; len--)
        c->trimmed[len - 1] = '\0';        /* "merged/" is "merged": paths inside read well */
    if (!dir_is_new(c->out_dir)) {
        drip_cli_error("%s exists and is not empty: merge into a new directory", c->out_dir);
        return DRIP_EXIT_USAGE;
    }
    return -1;
}

/* Read the reports paths[0..n) into c->in.  0, or -1 after printing why. */
static int read_inputs(merge_cmd *c, char **paths, size_t n)
{
    size_t nosamples;
    char *err = NULL;
    c->in = xcalloc(n, sizeof *c->in);
    for (c->n = 0; c->n < n; c->n++) {
        drip_merge_input *in = &c->in[c->n];
        in->path = paths[c->n];
        in->dir = drip_results_dir_of(in->path, NULL);
        if (drip_results_read(in->path, &in->run, &nosamples, &err) != 0) {
            drip_cli_error("%s", err);
            free(err);
            c->n++;                       /* its dir is freed with the others */
            return -1;
        }
        if (nosamples)
            fprintf(stderr, "drip: warning: %s: %zu scenario%s without a CSV: no samples in "
                    "the merged report\n", in->path, nosamples, nosamples == 1 ? "" : "s");
    }
    return 0;
}

/* Check the reports and combine them into c->merged.  0, or -1 after
 * printing why they cannot be merged. */
static int combine(merge_cmd *c)
{
    unsigned count, missing;
    char *absent = NULL, *err = NULL;
    bool versions_differ;
    if (drip_merge_check_names(c->in, c->n, &err) != 0 ||
        drip_merge_check_shards(c->in, c->n, &count, &missing, &absent, &err) != 0) {
        drip_cli_error("%s", err);
        free(err);
        return -1;
    }
    free(absent);
    drip_merge_combine(c->in, c->n, c->out_dir, missing, DRIP_VERSION, &c->merged,
                       &versions_differ);
    drip_merge_note_missing(c->in, c->n, count, &c->merged);
    if (missing) {
        char text[256];
        fprintf(stderr, "drip: warning: %s: the merged report covers %u of %u shards\n",
                drip_run_results_missing(&c->merged, text, sizeof text), count - missing,
                count);
    }
    if (versions_differ)
        fprintf(stderr, "drip: warning: the reports come from different drip versions\n");
    return 0;
}

/* Write the merged report and copy the reports' other files; print it.
 * Returns the exit status. */
static int write_merged(merge_cmd *c)
{
    char *err = NULL;
    int out_fd = drip_report_dir_open(c->out_dir, &err);
    if (out_fd < 0 || drip_report_write_dir(&c->merged, out_fd, c->out_dir, &err) != 0) {
        drip_cli_error("%s", err);
        free(err);
        if (out_fd >= 0)
            close(out_fd);
        return DRIP_EXIT_FAILED;
    }
    for (size_t i = 0; i < c->n; i++)
        if (drip__merge_copy_rest(c->in[i].path, c->in[i].dir, out_fd, c->out_dir) != 0) {
            close(out_fd);
            return DRIP_EXIT_FAILED;
        }
    close(out_fd);
    if (!c->quiet)
        for (size_t i = 0; i < c->merged.count; i++)
            drip_report_terminal_line(&c->merged.scenarios[i], stdout, c->color);
    printf("%smerged %zu report%s\n", c->quiet ? "" : "\n", c->n, c->n == 1 ? "" : "s");
    drip_report_terminal_summary(&c->merged, c->out_dir, stdout, c->color);
    drip_run_counts counts = drip_run_results_count(&c->merged);
    return counts.fail || counts.error || !c->merged.complete ? DRIP_EXIT_FAILED : DRIP_EXIT_OK;
}

int cmd_merge(int argc, char **argv)
{
    merge_cmd c = {.color = -1};
    int rc = parse_options(&c, argc, argv);
    if (rc >= 0)
        goto cleanup;
    rc = DRIP_EXIT_USAGE;
    if (read_inputs(&c, argv + optind, (size_t)(argc - optind)) != 0 || combine(&c) != 0)
        goto cleanup;
    rc = write_merged(&c);
cleanup:
    for (size_t i = 0; i < c.n; i++) {
        drip_run_results_free(&c.in[i].run);
        free((char *)c.in[i].dir);
    }
    free(c.in);
    free(c.trimmed);
    drip_run_results_free(&c.merged);
    return rc;
}
