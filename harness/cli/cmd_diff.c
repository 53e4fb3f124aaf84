/* cmd_diff.c - `drip diff BASE NEW`: compare two runs' results.json and
 * exit 1 on a regression, so CI can gate on "no new growth since main". */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compare/compare.h"
#include "report/read.h"
#include "util/util.h"

static const char diff_usage[] =
    "usage: drip diff [options] BASE NEW\n"
    "\n"
    "Compare two runs scenario by scenario (matched by name): status, and per\n"
    "metric the slope with both confidence intervals and the verdict.  BASE and\n"
    "NEW are results.json files or report directories holding one.\n"
    "\n"
    "A regression is a status that got worse (pass < fail < error), a metric\n"
    "that went from flat or bounded to growing, or a slope whose new interval\n"
    "lies entirely above the base's by more than the tolerance, on a metric\n"
    "growing in the new run (flat <-> bounded is never a regression by itself):\n"
    "  new.low - base.high > max(absolute, relative * |base slope|)\n"
    "Defaults: relative 10%, absolute the metric's resolution / 1000 per\n"
    "iteration (0.064 B/iter heap_bytes, 1 KiB/iter rss, 0.001 per iteration\n"
    "for counts; 0.001 for a workload's own metrics, matched by name).\n"
    "Scenarios, and a workload's own metrics, in one run only are listed, not\n"
    "a regression.\n"
    "\n"
    "      --tolerance SPEC   N (absolute, every metric, its unit per iteration),\n"
    "                         N% (relative), METRIC=N or METRIC=N% (one of Drip's;\n"
    "                         repeatable)\n"
    "      --fail-on-removed  also exit 1 when a scenario of BASE is missing from NEW\n"
    "                         (a partial run, a lost shard, a renamed scenario)\n"
    "      --json FILE        also write the comparison as JSON (- for stdout)\n"
    "  -v, --verbose          show every metric, not only those that changed\n"
    "      --color, --no-color  force or disable colored output (default: on a TTY)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 no regression, 1 a regression (or, with --fail-on-removed,\n"
    "a scenario removed), 2 bad command line or a file that cannot be read.\n";

/* With --fail-on-removed: name the scenarios of the base the new run lacks,
 * after the table.  Returns true when there are any. */
static bool print_removed(const drip_comparison *c, FILE *out)
{
    if (!c->removed)
        return false;
    fprintf(out, "removed: %zu scenario%s of the base not in the new run (--fail-on-removed):",
            c->removed, c->removed == 1 ? "" : "s");
    for (size_t i = 0; i < c->count; i++)
        if (c->scenarios[i].presence == DRIP_CMP_REMOVED)
            fprintf(out, " %s", c->scenarios[i].name);
    fputc('\n', out);
    return true;
}

/* Write the JSON to path ("-": stdout).  0, or -1 after printing why. */
static int write_json(const drip_comparison *c, const drip_cmp_tolerance *t, const char *path,
                      const char *base, const char *nw)
{
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f) {
        drip_cli_error("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = drip_comparison_json(c, t, base, nw, f);
    if (!to_stdout && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        drip_cli_error("cannot write %s", path);
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tolerance", required_argument, NULL, 't'},
        {"json", required_argument, NULL, 'j'},
        {"fail-on-removed", no_argument, NULL, 'R'},
        {"verbose", no_argument, NULL, 'v'},
        DRIP_COLOR_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    drip_cmp_tolerance tol;
    drip_run_results base = {0}, nw = {0};
    drip_comparison cmp = {0};
    const char *json_path = NULL;
    bool verbose = false, fail_on_removed = false;
    int color = -1, rc = DRIP_EXIT_USAGE, opt;
    char *err = NULL;

    drip_cmp_tolerance_default(&tol);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (drip_cmp_tolerance_parse(&tol, optarg, &err) != 0) {
                drip_cli_error("%s", err);
                goto cleanup;
            }
            break;
        case 'j': json_path = optarg; break;
        case 'R': fail_on_removed = true; break;
        case 'v': verbose = true; break;
        default:
            if ((rc = drip_cli_shared_option(opt, &color, diff_usage)) >= 0)
                goto cleanup;
            rc = DRIP_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        drip_cli_error("diff needs two reports, BASE and NEW (got %d)", argc - optind);
        fputs(diff_usage, stderr);
        goto cleanup;
    }
    if (color < 0)
        color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    const char *base_path = argv[optind], *new_path = argv[optind + 1];
    if (drip_results_read(base_path, &base, NULL, &err) != 0 ||
        drip_results_read(new_path, &nw, NULL, &err) != 0) {
        drip_cli_error("%s", err);
        goto cleanup;
    }

    bool regressed = drip_compare(&base, &nw, &tol, &cmp);
    if (json_path && write_json(&cmp, &tol, json_path, base_path, new_path) != 0)
        goto cleanup;
    /* with --json -, the table would corrupt the JSON: it goes to stderr */
    FILE *table = json_path && strcmp(json_path, "-") == 0 ? stderr : stdout;
    drip_comparison_print(&cmp, base_path, new_path, verbose, color && table == stdout, table);
    bool removed = fail_on_removed && print_removed(&cmp, table);
    rc = regressed || removed ? DRIP_EXIT_FAILED : DRIP_EXIT_OK;

cleanup:
    free(err);
    drip_comparison_free(&cmp);
    drip_run_results_free(&base);
    drip_run_results_free(&nw);
    return rc;
}
