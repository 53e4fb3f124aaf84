/* cmd_merge.c - `drip merge -o DIR REPORT...`: the reports of the shards of
 * a split run (drip run --shard K/N) combined into one report directory, as
 * if one run had run them all: results.json and junit.xml written again
 * with the totals recomputed, the CSVs written from the samples read, and
 * every other regular file (workers' logs, valgrind XML) copied without
 * following links (merge_copy.c). */
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

typedef struct input {
    const char      *path;        /* as given */
    char            *dir;         /* its report directory */
    drip_run_results run;
} input;

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

/* A path inside in->dir now lives in out: "IN/x.xml" -> "OUT/x.xml". */
static void move_path(char **path, const char *in_dir, const char *out)
{
    size_t n = strlen(in_dir);
    if (*path && strncmp(*path, in_dir, n) == 0 && (*path)[n] == '/') {
        const char *rest = *path + n;
        while (*rest == '/')
            rest++;
        char *moved = xasprintf("%s/%s", out, rest);
        free(*path);
        *path = moved;
    }
}

/* In a reason, "(worker output: IN/x.log)" becomes "(worker output: OUT/x.log)":
 * the log was copied. */
static void move_log_path(char **text, const char *in_dir, const char *out)
{
    char *needle = xasprintf("worker output: %s/", in_dir);
    char *at = *text ? strstr(*text, needle) : NULL;
    if (at) {
        const char *rest = at + strlen(needle);
        while (*rest == '/')
            rest++;
        char *moved = xasprintf("%.*sworker output: %s/%s", (int)(at - *text), *text, out, rest);
        free(*text);
        *text = moved;
    }
    free(needle);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const drip_result *)a)->name, ((const drip_result *)b)->name);
}

/* The shards of one split: same N, each K once.  Prints what is wrong and
 * returns -1 (refused), or 0 and sets *missing to how many of 1..N are
 * absent (warned about, and listed in out: missing_shards, missing_of). */
static int check_shards(const input *in, size_t n, unsigned *missing, drip_run_results *out)
{
    unsigned count = 0;
    const input *first = NULL;
    *missing = 0;
    for (size_t i = 0; i < n; i++) {
        const drip_run_results *r = &in[i].run;
        if (!r->shard_count)
            continue;
        if (!first) {
            first = &in[i];
            count = r->shard_count;
        } else if (r->shard_count != count) {
            drip_cli_error("%s is shard %u/%u but %s is of a split in %u: not one split run",
                           in[i].path, r->shard_index, r->shard_count, first->path, count);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (in[j].run.shard_count && in[j].run.shard_index == r->shard_index) {
                drip_cli_error("%s and %s are both shard %u/%u", in[j].path, in[i].path,
                               r->shard_index, count);
                return -1;
            }
    }
    if (!count)
        return 0;
    for (unsigned k = 1; k <= count; k++) {
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = in[i].run.shard_count && in[i].run.shard_index == k;
        if (!seen) {
            out->missing_shards = xrealloc(out->missing_shards,
                                           (*missing + 1) * sizeof *out->missing_shards);
            out->missing_shards[(*missing)++] = k;
        }
    }
    out->nmissing_shards = *missing;
    out->missing_of = *missing ? count : 0;
    if (*missing) {
        char text[256];
        fprintf(stderr, "drip: warning: %s: the merged report covers %u of %u shards\n",
                drip_run_results_missing(out, text, sizeof text), count - *missing, count);
    }
    return 0;
}

/* No scenario name twice across the inputs.  0, or -1 after printing it. */
static int check_names(const input *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < in[i].run.count; a++)
            for (size_t j = 0; j <= i; j++)
                for (size_t b = 0; b < (j == i ? a : in[j].run.count); b++)
                    if (strcmp(in[i].run.scenarios[a].name, in[j].run.scenarios[b].name) == 0) {
                        drip_cli_error("scenario '%s' is in %s and in %s: refusing to merge "
                                       "(were these shards of one split?)",
                                       in[i].run.scenarios[a].name, in[j].path, in[i].path);
                        return -1;
                    }
    return 0;
}

/* Move every input's scenarios into *out and combine the run fields. */
static void combine(input *in, size_t n, const char *out_dir, unsigned missing,
                    drip_run_results *out)
{
    bool same_seed = true, same_version = true;
    out->complete = missing == 0;
    out->duration_s = 0;
    for (size_t i = 0; i < n; i++) {
        drip_run_results *r = &in[i].run;
        same_seed = same_seed && r->seed_set && r->seed == in[0].run.seed;
        same_version = same_version && strcmp(r->drip_version, in[0].run.drip_version) == 0;
        out->complete = out->complete && r->complete;
        out->duration_s += r->duration_s == r->duration_s ? r->duration_s : 0;   /* NaN: 0 */
        out->planned += r->planned;
        if (r->started_at && (!out->started_at || strcmp(r->started_at, out->started_at) < 0)) {
            free(out->started_at);
            out->started_at = xstrdup(r->started_at);
        }
        for (size_t k = 0; k < r->count; k++) {
            drip_result *d = drip_run_results_add(out);
            *d = r->scenarios[k];                  /* moved: the input gives it up below */
            move_path(&d->valgrind.xml_file, in[i].dir, out_dir);
            move_path(&d->valgrind.growth.xml_file, in[i].dir, out_dir);
            move_log_path(&d->reason, in[i].dir, out_dir);
        }
        r->count = 0;
    }
    if (missing)
        out->planned = 0;                          /* the missing shards' share is unknown */
    out->seed_set = same_seed;
    out->seed = same_seed ? in[0].run.seed : 0;
    if (!same_version)
        fprintf(stderr, "drip: warning: the reports come from different drip versions\n");
    out->drip_version = xstrdup(same_version ? in[0].run.drip_version : DRIP_VERSION);
    if (out->count)
        qsort(out->scenarios, out->count, sizeof *out->scenarios, by_name);
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"report-dir", required_argument, NULL, 'o'},
        {"color", no_argument, NULL, 'C'},
        {"no-color", no_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_dir = NULL;
    input *in = NULL;
    size_t n = 0, nosamples;
    int color = -1, rc = DRIP_EXIT_USAGE, opt, out_fd = -1;
    bool quiet = false;
    unsigned missing = 0;
    char *err = NULL, *trimmed = NULL;
    drip_run_results merged = {0};

    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': out_dir = optarg; break;
        case 'C': color = 1; break;
        case 'c': color = 0; break;
        case 'q': quiet = true; break;
        case 'h': fputs(merge_usage, stdout); rc = DRIP_EXIT_OK; goto cleanup;
        default: fputs(merge_usage, stderr); goto cleanup;
        }
    }
    if (!out_dir || optind >= argc) {
        drip_cli_error(!out_dir ? "merge needs -o DIR" : "no reports given");
        fputs(merge_usage, stderr);
        goto cleanup;
    }
    if (color < 0)
        color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    out_dir = trimmed = xstrdup(out_dir);
    for (size_t len = strlen(trimmed); len > 1 && trimmed[len - 1] == '/'; len--)
        trimmed[len - 1] = '\0';           /* "merged/" is "merged": paths inside read well */
    if (!dir_is_new(out_dir)) {
        drip_cli_error("%s exists and is not empty: merge into a new directory", out_dir);
        goto cleanup;
    }

    n = (size_t)(argc - optind);
    in = xcalloc(n, sizeof *in);
    for (size_t i = 0; i < n; i++) {
        in[i].path = argv[optind + i];
        in[i].dir = drip_results_dir_of(in[i].path, NULL);
        if (drip_results_read(in[i].path, &in[i].run, &nosamples, &err) != 0) {
            drip_cli_error("%s", err);
            goto cleanup;
        }
        if (nosamples)
            fprintf(stderr, "drip: warning: %s: %zu scenario%s without a CSV: no samples in "
                    "the merged report\n", in[i].path, nosamples, nosamples == 1 ? "" : "s");
    }
    if (check_names(in, n) != 0 || check_shards(in, n, &missing, &merged) != 0)
        goto cleanup;

    combine(in, n, out_dir, missing, &merged);
    if ((out_fd = drip_report_dir_open(out_dir, &err)) < 0 ||
        drip_report_write_dir(&merged, out_fd, out_dir, &err) != 0) {
        drip_cli_error("%s", err);
        rc = DRIP_EXIT_FAILED;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if (drip__merge_copy_rest(in[i].path, in[i].dir, out_fd, out_dir) != 0) {
            rc = DRIP_EXIT_FAILED;
            goto cleanup;
        }
    if (!quiet)
        for (size_t i = 0; i < merged.count; i++)
            drip_report_terminal_line(&merged.scenarios[i], stdout, color);
    printf("%smerged %zu report%s\n", quiet ? "" : "\n", n, n == 1 ? "" : "s");
    drip_report_terminal_summary(&merged, out_dir, stdout, color);
    drip_run_counts counts = drip_run_results_count(&merged);
    rc = counts.fail || counts.error || !merged.complete ? DRIP_EXIT_FAILED : DRIP_EXIT_OK;

cleanup:
    for (size_t i = 0; in && i < n; i++) {
        drip_run_results_free(&in[i].run);
        free(in[i].dir);
    }
    free(in);
    free(err);
    free(trimmed);
    if (out_fd >= 0)
        close(out_fd);
    drip_run_results_free(&merged);
    return rc;
}
