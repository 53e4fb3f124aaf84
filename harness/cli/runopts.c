/* runopts.c - what `drip run`, `drip sweep`, `drip exercise` and
 * `drip worker` share: the run options (--seed, --threads, --iterations,
 * --duration, --profile), the signals that stop a run, and the report
 * folder. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
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
