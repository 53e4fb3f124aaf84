/* external.c - the external workload's model: defaults, names, release.
 *
 * What is true of a program's spec however it was made; the YAML reading
 * is in yaml_external.c.
 */
#include "external.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

drip_external_spec *drip_external_spec_new(void)
{
    drip_external_spec *spec = xcalloc(1, sizeof *spec);

    spec->preload = true;
    spec->stop_signal = SIGTERM;
    spec->stop_grace_ns = 5ULL * 1000000000ULL;
    spec->drive.concurrency = 1;
    spec->drive.timeout_ns = 10ULL * 1000000000ULL;
    spec->drive.method = xstrdup("GET");
    return spec;
}

static void free_argv(char **argv, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(argv[i]);
    free(argv);
}

void drip_external_spec_free(drip_external_spec *spec)
{
    if (!spec)
        return;
    free_argv(spec->command, spec->ncommand);
    for (size_t i = 0; i < spec->nenv; i++) {
        free(spec->env[i].name);
        free(spec->env[i].value);
    }
    free(spec->env);
    free(spec->cwd);
    free(spec->ready.tcp);
    free(spec->ready.log);
    free(spec->drive.url);
    free(spec->drive.method);
    free_argv(spec->drive.command, spec->drive.ncommand);
    free(spec->metrics.url);
    for (size_t i = 0; i < spec->metrics.nmap; i++) {
        free(spec->metrics.map[i].name);
        free(spec->metrics.map[i].source);
        free(spec->metrics.map[i].unit);
    }
    free(spec->metrics.map);
    free(spec);
}

/* ---- stop signals ------------------------------------------------------------ */

static const struct { int sig; const char *name; } stop_signals[] = {
    {SIGTERM, "TERM"}, {SIGINT, "INT"}, {SIGHUP, "HUP"}, {SIGQUIT, "QUIT"},
    {SIGKILL, "KILL"}, {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"},
};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

const char *drip_stop_signal_name(int sig)
{
    for (size_t i = 0; i < NSTOP; i++)
        if (stop_signals[i].sig == sig)
            return stop_signals[i].name;
    return NULL;
}

int drip_stop_signal_parse(const char *s)
{
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < NSTOP; i++)
        if (strcmp(stop_signals[i].name, s) == 0)
            return stop_signals[i].sig;
    return 0;
}

/* ---- metrics ------------------------------------------------------------------ */

const char *drip_external_metric_name(const drip_external_spec *spec, int m)
{
    if (m >= 0 && m < DRIP_M_COUNT)
        return drip_metrics[m].name;
    if (!spec || !drip_metric_is_custom(m))
        return NULL;
    for (size_t i = 0; i < spec->metrics.nmap; i++)
        if (spec->metrics.map[i].metric == m)
            return spec->metrics.map[i].name;
    return NULL;
}

bool drip_external_measures(const drip_external_spec *spec, int m)
{
    for (size_t i = 0; i < spec->metrics.nmap; i++)
        if (spec->metrics.map[i].metric == m)
            return true;
    switch (m) {
    case DRIP_M_RSS:
    case DRIP_M_THREADS:
    case DRIP_M_FDS:
        return true;
    case DRIP_M_HEAP_BYTES:
    case DRIP_M_HEAP_OBJECTS:
    case DRIP_M_ALLOCS:
        return spec->preload;
    default:
        return false;
    }
}
