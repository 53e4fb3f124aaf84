/* program_vg.c - the valgrind pass of an external workload: its program
 * run again under memcheck (program.h, drip__program_valgrind; vgpass.c
 * parses and judges what memcheck wrote).
 *
 * The program is prepared as for drip run but without the preload
 * (valgrind owns malloc), its command put after valgrind's, started, waited
 * for until ready, driven for the pass's units in chunks (looking whether it
 * is still alive between them), then sent its stop signal: memcheck makes
 * its leak search at the program's exit and writes the XML.  Its output
 * (the program's and valgrind's) goes to NAME.valgrind.log; the run's own
 * NAME.program.log is left as the run wrote it.  No sample is taken.
 */
#define _GNU_SOURCE
#include "program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "drive/drive.h"
#include "drive/ready.h"
#include "util/util.h"

#define VG_CHUNK 32                       /* units between two looks at the program */

/* Put vg_argv before p's command (p owns the result). */
static void prefix_argv(drip__program *p, char *const *vg_argv)
{
    size_t nv = 0, n = 0;
    while (vg_argv[nv])
        nv++;
    while (p->argv[n])
        n++;
    char **argv = xcalloc(nv + n + 1, sizeof *argv);
    for (size_t i = 0; i < nv; i++)
        argv[i] = xstrdup(vg_argv[i]);
    memcpy(argv + nv, p->argv, n * sizeof *argv);       /* the strings move */
    free(p->argv);
    p->argv = argv;
}

/* Drive p for n units before deadline_ns.  0, or -1 with *why (malloc'd)
 * when the driver cannot be set up or the program ended meanwhile. */
static int drive(const drip_runner_opts *o, drip__program *p, uint64_t n, uint64_t deadline_ns,
                 char **why)
{
    drip_drive_opts d = {.spec = &p->spec->drive, .vars = p->vars, .cwd = p->spec->cwd,
                         .envp = p->drive_envp, .log_fd = p->log_fd, .stop = o->interrupted};
    drip_drive_counts c = {0};
    char *err = NULL, ex[96];
    drip_driver *dr = drip_driver_new(&d, &err);
    int rc = -1;
    if (!dr) {
        *why = xasprintf("cannot set up the driver: %s", err);
        goto cleanup;
    }
    for (uint64_t it = 0; it < n && drip_now_ns() < deadline_ns;) {
        uint64_t k = n - it < VG_CHUNK ? n - it : VG_CHUNK;
        int got = drip_driver_run(dr, it, k, deadline_ns, &c, &err);
        it += k;
        if (!drip__program_alive(p)) {
            *why = xasprintf("the program under valgrind ended at unit %llu of %llu: %s",
                             (unsigned long long)it, (unsigned long long)n,
                             drip__program_exit_text(p->proc.status, ex, sizeof ex));
            goto cleanup;
        }
        if (got < 0) {
            *why = xasprintf("driving the program under valgrind: %s", err);
            goto cleanup;
        }
        if (got != DRIP_DRIVE_DONE)
            break;                                   /* the deadline or an interrupt */
    }
    rc = 0;
cleanup:
    free(err);
    drip_driver_free(dr);
    return rc;
}

/* Send the stop signal and wait for the program (memcheck's leak search
 * and XML) until deadline_ns, then end it and all it started.  *timed_out
 * when it had to be killed.  Returns its wait status. */
static int stop(drip__program *p, uint64_t deadline_ns, bool *timed_out)
{
    if (drip__program_alive(p)) {
        drip_proc_signal(&p->proc, p->spec->stop_signal);
        while (!drip_proc_reap(&p->proc) && drip_now_ns() < deadline_ns)
            drip_proc_poll(&p->proc, NULL, 0, deadline_ns, 100);
        *timed_out = !p->proc.exited;
    }
    drip_proc_end(&p->proc);
    p->proc.pid = 0;
    return p->proc.status;
}

int drip__program_valgrind(const drip_runner_opts *o, const drip_scenario *sc,
                           char *const *vg_argv, int xml_fd, uint64_t iterations,
                           uint64_t deadline_ns, int *status, bool *timed_out, bool *started,
                           char **why)
{
    drip_external_spec spec = *sc->external;          /* shallow: only the preload differs */
    drip_scenario vsc = *sc;
    drip_run_spec run = sc->run;
    drip__program p;
    char ex[96];
    int rc = -1;
    spec.preload = false;
    vsc.external = &spec;
    drip_runner_apply_overrides(o, &run);
    *status = 0;
    *timed_out = *started = false;
    if (drip__program_prepare(o, &vsc, run.seed, ".valgrind.log", &p, why) < 0)
        goto cleanup;
    prefix_argv(&p, vg_argv);
    p.xml_fd = xml_fd;
    int ready = drip__program_start(&p, deadline_ns, why);
    if (ready < 0)
        goto cleanup;                                 /* valgrind could not be started */
    *started = true;
    if (ready == DRIP_READY_EXITED)
        *why = xasprintf("the program under valgrind exited before it was ready: %s",
                         drip__program_exit_text(p.proc.status, ex, sizeof ex));
    else if (ready != DRIP_READY_OK)
        *why = xasprintf("the program under valgrind was not ready within the pass's "
                         "%.0f s", (double)(deadline_ns - p.proc.started_ns) / 1e9);
    else if (drive(o, &p, iterations, deadline_ns, why) == 0)
        rc = 0;
    *status = stop(&p, deadline_ns, timed_out);
    if (*timed_out && rc < 0) {                       /* the timeout is the story */
        free(*why);
        *why = NULL;
        rc = 0;
    }
cleanup:
    drip__program_release(&p);
    return rc;
}
