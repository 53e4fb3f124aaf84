/* runopts.c - what the commands share: --color, --no-color and --help, the
 * flags-only commands' parsing, and for `drip run`, `drip sweep`, `drip
 * exercise` and `drip worker` the run options (--seed, --threads,
 * --iterations, --duration, --profile), the signals that stop a run, and
 * the report folder. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "util/util.h"

/* ---- options ------------------------------------------------------------------ */

/* See cli.h. */
int drip_cli_shared_option(int opt, int *color, const char *usage)
{
    switch (opt) {
    case 'C': *color = 1; return -1;
    case 'c': *color = 0; return -1;
    case 'h': fputs(usage, stdout); return DRIP_EXIT_OK;
    default: fputs(usage, stderr); return DRIP_EXIT_USAGE;
    }
}

/* See cli.h.  The table is built on the stack: nothing to free. */
int drip_cli_flags(int argc, char **argv, const drip_cli_flag *flags, const char *usage,
                   const char *bad_usage)
{
    enum { MAX_FLAGS = 8, FLAG_BASE = 0x200 };
    struct option longopts[MAX_FLAGS + 2] = {{0}};
    size_t n = 0;
    for (; flags && flags[n].name && n < MAX_FLAGS; n++)
        longopts[n] = (struct option){flags[n].name, no_argument, NULL, FLAG_BASE + (int)n};
    longopts[n] = (struct option)DRIP_HELP_LONGOPT;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt >= FLAG_BASE && opt < FLAG_BASE + (int)n)
            *flags[opt - FLAG_BASE].value = true;
        else
            return drip_cli_shared_option(opt, NULL, opt == 'h' ? usage : bad_usage);
    }
    return -1;
}

/* See cli.h. */
int drip_cli_next_option(int argc, char **argv, const char *shortopts,
                         const struct option *longopts, drip_runner_opts *o)
{
    int opt;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int taken = drip_cli_run_option(opt, optarg, o);
        if (taken < 0)
            return DRIP_OPT_BAD_VALUE;
        if (!taken)
            return opt;
    }
    return -1;
}

int drip_cli_run_option(int opt, const char *arg, drip_runner_opts *o)
{
    unsigned long long v;
    switch (opt) {
    case DRIP_OPT_SEED:
        if (!drip_cli_parse_u64("--seed", arg, 0, DRIP_SEED_MAX, &v))
            return -1;
        o->seed_set = true;
        o->seed = v;
        return 1;
    case DRIP_OPT_THREADS:
        if (!drip_cli_parse_u64("--threads", arg, 1, 256, &v))
            return -1;
        o->threads = (uint32_t)v;
        return 1;
    case DRIP_OPT_ITERATIONS:
        if (!drip_cli_parse_u64("--iterations", arg, 1, 1000000000000ULL, &v))
            return -1;
        o->iterations = v;
        return 1;
    case DRIP_OPT_DURATION: {
        uint64_t ns;
        if (drip_parse_duration(arg, &ns) < 0 || ns < DRIP_DURATION_MIN_NS ||
            ns > DRIP_DURATION_MAX_NS) {
            drip_cli_error("--duration must be a duration from 1s to 8760h, such as 30s, 10m or "
                           "2h, not '%s'", arg);
            return -1;
        }
        o->duration_ns = ns;
        return 1;
    }
    case DRIP_OPT_PROFILE:
        return drip_cli_parse_profile(arg, &o->profile) ? 1 : -1;
    default:
        return 0;
    }
}

/* ---- signals ------------------------------------------------------------------ */

volatile sig_atomic_t drip_cli_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    drip_cli_interrupted = drip_cli_interrupted ? 2 : 1;
}

void drip_cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a closed stdout (`drip run ... | head -1`) ends the printing, not
     * the run: writes fail with EPIPE and the report is still written */
    signal(SIGPIPE, SIG_IGN);
}

/* ---- the report folder ---------------------------------------------------------- */

/* Make reports/KIND-YYYYmmdd-HHMMSS, or with -2, -3... the first that did
 * not exist: mkdir is the test, so two runs started in the same second
 * never share one.  Returns it malloc'd, or NULL with errno set. */
static char *make_default_dir(const char *kind)
{
    char stamp[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    if (mkdir("reports", 0755) < 0 && errno != EEXIST)
        return NULL;
    for (int i = 1; i < 10000; i++) {
        char *dir = i == 1 ? xasprintf("reports/%s-%s", kind, stamp)
                           : xasprintf("reports/%s-%s-%d", kind, stamp, i);
        if (mkdir(dir, 0755) == 0)
            return dir;
        int e = errno;
        free(dir);
        if (e != EEXIST) {
            errno = e;
            return NULL;
        }
    }
    errno = EEXIST;
    return NULL;
}

int drip_cli_open_report_dir(char **dir, const char *kind, bool *made_default)
{
    *made_default = false;
    if (!*dir) {
        *dir = make_default_dir(kind);
        if (!*dir) {
            drip_cli_error("cannot create a report directory under reports/: %s",
                           strerror(errno));
            return -1;
        }
        *made_default = true;
    }
    char *err = NULL;
    int fd = drip_report_dir_open(*dir, &err);
    if (fd >= 0 && drip_report_dir_check(fd, *dir, &err) < 0) {   /* now, not at the end */
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        drip_cli_error("%s", err);
        free(err);
    }
    return fd;
}

void drip_cli_link_latest(const char *dir)
{
    /* reports/latest is a convenience: failing to update it is harmless;
     * made beside and renamed over, so it is never missing for a moment */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "reports/.latest-%d", (int)getpid());
    if (symlink(dir + strlen("reports/"), tmp) == 0 && rename(tmp, "reports/latest") < 0)
        unlink(tmp);
}
