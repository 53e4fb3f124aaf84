/* program_sample.c - an external workload's program measured (its
 * preload counters, /proc/PID, its published metrics), stopped and
 * released (program.h). */
#define _GNU_SOURCE
#include "program.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drive/drive.h"
#include "preload_shm.h"
#include "procfs/procfs.h"
#include "scrape/expvar.h"
#include "scrape/goroutines.h"
#include "util/util.h"

#define SCRAPE_TIMEOUT_NS (5ULL * 1000000000ULL)
#define GOROUTINE_STACKS  3          /* parked stacks listed, most goroutines first: */
#define GOROUTINE_FRAMES  5          /* ... those of 2 or more, their first frames */

bool drip__program_alive(drip__program *p)
{
    if (!p->proc.pid)
        return false;
    drip_proc_poll(&p->proc, NULL, 0, 0, 0);          /* drain, reap; no wait */
    return !drip_proc_reap(&p->proc);
}

const char *drip__program_exit_text(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "SIG%s (%s)", sigabbrev_np(WTERMSIG(status)),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
    return buf;
}

/* Does the map give metric m? */
static bool mapped(const drip_external_spec *spec, int m)
{
    for (size_t k = 0; k < spec->metrics.nmap; k++)
        if (spec->metrics.map[k].metric == m)
            return true;
    return false;
}

void drip__program_custom(const drip_external_spec *spec, drip_result *r)
{
    for (size_t i = 0; spec && i < spec->metrics.nmap; i++) {
        const drip_metric_source *src = &spec->metrics.map[i];
        if (!drip_metric_is_custom(src->metric))
            continue;
        int m = drip_result_custom_add(r, src->name, src->unit, false);   /* map order: same slots */
        if (m >= 0 && src->resolution > 0)
            r->custom[m - DRIP_M_COUNT].resolution = src->resolution;
    }
}

void drip__program_measured(const drip__program *p, drip_result *r)
{
    drip__program_custom(p->spec, r);
    for (int m = DRIP_M_COUNT; m < drip_result_nmetrics(r); m++)
        r->metrics[m].measured = true;
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        bool heap = m == DRIP_M_HEAP_BYTES || m == DRIP_M_HEAP_OBJECTS || m == DRIP_M_ALLOCS;
        r->metrics[m].measured = drip_external_measures(p->spec, m) &&
                                 (!heap || p->heap_measured || mapped(p->spec, m));
    }
}

/* The published page's values for every map entry into s: a Drip metric
 * into its column, a custom one into its slot.  -1 with *why. */
static int scrape(drip__program *p, drip_sample *s, char **why)
{
    const drip_metrics_spec *m = &p->spec->metrics;
    char *body = NULL, *err = NULL;
    size_t len = 0;
    int rc = -1;
    drip_prom_doc doc = {0};
    drip_expvar_doc *ev = NULL;
    if (drip_drive_http_get(p->metrics_url, SCRAPE_TIMEOUT_NS, DRIP_PROM_MAX_BYTES, &body, &len,
                      &err) < 0)
        goto cleanup;
    if (m->kind == DRIP_SCRAPE_PROMETHEUS ? drip_prom_parse(body, len, &doc, &err) < 0
                                          : !(ev = drip_expvar_parse(body, len, &err)))
        goto cleanup;
    for (size_t i = 0; i < m->nmap; i++) {
        double v;
        int got = m->kind == DRIP_SCRAPE_PROMETHEUS
                      ? drip_prom_lookup(&doc, &p->sels[i], &v, &err)
                      : drip_expvar_lookup(ev, m->map[i].source, &v, &err);
        if (got < 0) {
            char *e2 = xasprintf("%s (%s): %s", m->map[i].name, m->map[i].source, err);
            free(err);
            err = e2;
            goto cleanup;
        }
        s->v[DRIP_COL_METRIC(m->map[i].metric)] = v;     /* custom: the result's slot */
    }
    rc = 0;
cleanup:
    if (rc < 0) {
        *why = xasprintf("cannot read the program's metrics at %s: %s", p->metrics_url, err);
        free(err);
    }
    drip_prom_doc_free(&doc);
    drip_expvar_free(ev);
    free(body);
    return rc;
}

int drip__program_sample(drip__program *p, uint64_t it, double t, drip_sample *s, char **why)
{
    for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
        s->v[c] = 0;
    s->v[DRIP_COL_ITER] = (double)it;
    s->v[DRIP_COL_TIME] = t;
    drip_preload_counts pc;
    if (p->heap_measured && drip_preload_shm_read(p->shm, DRIP_SHM_SIZE, &pc) == 0) {
        s->v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = (double)pc.live_bytes;
        s->v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = (double)pc.live_objects;
        s->v[DRIP_COL_METRIC(DRIP_M_ALLOCS)] = (double)pc.allocs;
    }
    pid_t pid = p->proc.pid;
    s->v[DRIP_COL_METRIC(DRIP_M_RSS)] = (double)drip_procfs_rss_bytes(pid);
    s->v[DRIP_COL_METRIC(DRIP_M_THREADS)] = (double)drip_procfs_threads(pid);
    s->v[DRIP_COL_METRIC(DRIP_M_FDS)] = (double)drip_procfs_fds(pid);
    if (p->metrics_url && scrape(p, s, why) < 0)
        return -1;
    return 0;
}

/* Does the preload's file say the program counted into it? */
bool drip__program_preload_took(const drip__program *p)
{
    drip_preload_counts pc;
    return p->shm && drip_preload_shm_read(p->shm, DRIP_SHM_SIZE, &pc) == 0 &&
           pc.owner_pid == p->proc.pid;
}

/* "http://HOST:PORT" of url (malloc'd), or NULL. */
static char *origin(const char *url)
{
    const char *host = strstr(url, "://");
    if (!host)
        return NULL;
    const char *slash = strchr(host + 3, '/');
    return slash ? xstrndup(url, (size_t)(slash - url)) : xstrdup(url);
}

void drip__program_goroutines(drip__program *p, drip_result *r)
{
    if (!p->spec->metrics.goroutine_profile || !p->metrics_url)
        return;
    char *base = origin(p->metrics_url), *url = NULL, *body = NULL, *err = NULL;
    size_t len = 0, n = 0;
    drip_goroutine_stack *st = NULL;
    if (!base)
        return;
    url = xasprintf("%s/debug/pprof/goroutine?debug=1", base);
    if (drip_drive_http_get(url, SCRAPE_TIMEOUT_NS, DRIP_PROM_MAX_BYTES, &body, &len, &err) < 0 ||
        drip_goroutines_parse(body, len, GOROUTINE_FRAMES, &st, &n, &err) < 0) {
        drip_result_add_warning(r, "goroutine profile: cannot read %s: %s", url,
                                err ? err : "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n && i < GOROUTINE_STACKS && st[i].count > 1; i++)
        drip_result_add_warning(r, "goroutines parked: %llu at %s", (unsigned long long)st[i].count,
                                *st[i].frames ? st[i].frames : "(no frame)");
cleanup:
    drip_goroutines_free(st, n);
    free(err);
    free(body);
    free(url);
    free(base);
}

bool drip__program_counts(const drip__program *p, uint64_t *allocs, uint64_t *fired)
{
    drip_preload_counts pc;
    if (!p->heap_measured || drip_preload_shm_read(p->shm, DRIP_SHM_SIZE, &pc) < 0)
        return false;
    *allocs = pc.allocs;
    *fired = pc.faults_fired;
    return true;
}

bool drip__program_stop(drip__program *p)
{
    bool clean = true;
    if (drip__program_alive(p)) {
        drip_proc_signal(&p->proc, p->spec->stop_signal);
        uint64_t until = drip_now_ns() + p->spec->stop_grace_ns;
        while (!drip_proc_reap(&p->proc) && drip_now_ns() < until)
            drip_proc_poll(&p->proc, NULL, 0, until, 50);
        clean = p->proc.exited;
    }
    drip_proc_end(&p->proc);                          /* it and all it started */
    p->exit_status = p->proc.status;
    p->proc.pid = 0;                                  /* ended: never signalled again */
    return clean;
}

void drip__program_release(drip__program *p)
{
    if (p->proc.pid)
        drip_proc_end(&p->proc);
    p->proc.pid = 0;
    if (p->shm)
        munmap(p->shm, DRIP_SHM_SIZE);
    if (p->shm_path)
        unlink(p->shm_path);
    if (p->log_fd >= 0)
        close(p->log_fd);
    for (size_t i = 0; p->argv && p->argv[i]; i++)
        free(p->argv[i]);
    for (size_t i = 0; p->envp && p->envp[i]; i++)
        free(p->envp[i]);
    for (size_t i = 0; p->drive_envp && p->drive_envp[i]; i++)
        free(p->drive_envp[i]);
    for (size_t i = 0; p->sels && i < p->spec->metrics.nmap; i++)
        drip_prom_selector_free(&p->sels[i]);
    free(p->sels);
    free(p->argv);
    free(p->envp);
    free(p->drive_envp);
    free(p->shm_path);
    free(p->metrics_url);
    free(p->log_path);
    free(p->bin);
    free(p->go_bin);
    free(p->prof_prefix);
    drip__psnap_free(&p->early);
    drip__psnap_free(&p->late);
    for (size_t i = 0; i < p->nmaps; i++)
        free(p->maps[i]);
    free(p->maps);
    free(p->bias);
    memset(p, 0, sizeof *p);
    p->log_fd = -1;
    p->xml_fd = -1;
}
