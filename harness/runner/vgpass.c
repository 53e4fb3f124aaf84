/* vgpass.c - the valgrind pass: the scenario's worker again, under memcheck.
 *
 * `drip run --valgrind`, or a scenario's `valgrind:` section, runs the
 * worker a second time under valgrind --tool=memcheck --leak-check=full
 * --show-leak-kinds=all --xml=yes, with the pass's own (smaller) iteration
 * count.  Valgrind owns malloc there, so the counting allocator is off and
 * the samples of that run are not used.  The XML is parsed
 * (harness/valgrind/vgxml.c) into the result's valgrind section and the
 * section's limits are checked; memory errors fail the scenario unless
 * `errors: { max: N }` allows them.  Valgrind is an external program: when
 * it cannot be started, the checks are reported skipped, never passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"
#include "util/util.h"
#include "valgrind/vgxml.h"

#define VG_DEFAULT_ITERATIONS 200
#define VG_SLOWDOWN 50            /* the pass may take this many times the run's timeout */

/* "fn (file:line)" of the first frame with a function, or NULL. */
static char *describe_stack(const drip_vg_stack *st)
{
    for (size_t i = 0; i < st->nframes; i++) {
        const drip_vg_frame *f = &st->frames[i];
        if (!f->fn || strncmp(f->fn, "malloc", 6) == 0 || strncmp(f->fn, "calloc", 6) == 0 ||
            strncmp(f->fn, "realloc", 7) == 0)
            continue;
        if (f->file)
            return xasprintf("%s (%s:%d)", f->fn, f->file, f->line);
        return xasprintf("%s (%s)", f->fn, f->obj ? f->obj : "?");
    }
    return NULL;
}

/* Start valgrind on `drip worker` for sc; returns the child's pid, or -1. */
static pid_t start(const drip_runner_opts *o, const drip_scenario *sc, const char *xml,
                   uint64_t iterations)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    drip__child_setup(xasprintf("%s/%s.valgrind.log", o->log_dir, sc->name), -1);
    char buf[128], xmlopt[4096];
    snprintf(xmlopt, sizeof xmlopt, "--xml-file=%s", xml);
    const char *argv[32];
    int a = 0;
    argv[a++] = "valgrind";
    argv[a++] = "--tool=memcheck";
    argv[a++] = "--leak-check=full";
    argv[a++] = "--show-leak-kinds=all";
    argv[a++] = "--xml=yes";
    argv[a++] = xmlopt;
    argv[a++] = "--child-silent-after-fork=yes";
    argv[a++] = "--fair-sched=yes";          /* no starved threads in runtime workloads */
    argv[a++] = o->self_exe;
    drip__worker_args(o, sc, 0, iterations, argv, &a, buf);   /* the worker's lines: /dev/null */
    execvp("valgrind", (char *const *)argv);
    _exit(errno == ENOENT ? 127 : 126);
}

/* Wait for pid until deadline_ns; kill its group when it passes.  Returns
 * the wait status, with *timed_out set when it had to be killed. */
static int wait_until(pid_t pid, uint64_t deadline_ns, bool *timed_out)
{
    int status = 0;
    *timed_out = false;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (drip_now_ns() >= deadline_ns) {
            *timed_out = true;
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec tick = {0, 20 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    kill(-pid, SIGKILL);
    return status;
}

/* Copy the parsed report into the result and check the limits. */
static void judge_valgrind(const drip_vg_report *rep, drip_valgrind_result *v)
{
    for (int k = 0; k < 4; k++) {
        v->bytes[k] = rep->bytes[k];
        v->blocks[k] = rep->blocks[k];
    }
    v->errors = rep->error_count;
    if (rep->nerrors) {
        char *where = describe_stack(&rep->errors[0].stack);
        v->first_error = xasprintf("%s: %s%s%s", rep->errors[0].kind, rep->errors[0].what,
                                   where ? " at " : "", where ? where : "");
        free(where);
    }
    const drip_vg_leak *top = NULL;
    if (drip_vg_top_leaks(rep, VG_DEFINITELY, &top, 1) == 1)
        v->top_leak = describe_stack(&top->stack);
    for (int c = 0; c < DRIP_VG_CHECKS; c++) {
        v->actual[c] = c == DRIP_VGC_ERRORS ? v->errors : v->bytes[c];
        v->ok[c] = !v->checked[c] || v->actual[c] <= v->limit[c];
    }
}

/* Fold the pass's outcome into the scenario's status and reason. */
static void apply(drip_result *r, const drip_valgrind_result *v)
{
    if (v->skipped) {
        drip_result_add_warning(r, "valgrind checks skipped, not passed: %s", v->skipped);
        return;
    }
    strbuf sb = {0};
    if (v->problem) {
        sb_appendf(&sb, "valgrind pass: %s", v->problem);
    } else {
        for (int c = 0; c < DRIP_VG_CHECKS; c++) {
            if (v->ok[c])
                continue;
            char a[32], l[32];
            if (c == DRIP_VGC_ERRORS)
                sb_appendf(&sb, "%svalgrind: %llu memory error%s > max %llu%s%s",
                           sb.len ? "; " : "", (unsigned long long)v->actual[c],
                           v->actual[c] == 1 ? "" : "s", (unsigned long long)v->limit[c],
                           v->first_error ? ", first: " : "", v->first_error ? v->first_error : "");
            else
                sb_appendf(&sb, "%svalgrind: %s %s > max %s%s%s", sb.len ? "; " : "",
                           drip_vg_check_names[c],
                           drip_fmt_bytes((double)v->actual[c], a, sizeof a),
                           drip_fmt_bytes((double)v->limit[c], l, sizeof l),
                           c == DRIP_VGC_DEFINITELY && v->top_leak ? ", biggest at " : "",
                           c == DRIP_VGC_DEFINITELY && v->top_leak ? v->top_leak : "");
        }
    }
    if (!sb.len)
        return;
    if (r->status == DRIP_STATUS_PASS || (v->problem && r->status == DRIP_STATUS_FAIL))
        r->status = v->problem ? DRIP_STATUS_ERROR : DRIP_STATUS_FAIL;
    char *reason = r->reason ? xasprintf("%s; %s", r->reason, sb.buf) : xstrdup(sb.buf);
    free(r->reason);
    r->reason = reason;
    sb_free(&sb);
}

void drip_runner_valgrind(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    drip_valgrind_result *v = &r->valgrind;
    v->ran = true;
    v->iterations = sc->valgrind.iterations ? sc->valgrind.iterations : VG_DEFAULT_ITERATIONS;
    for (int c = 0; c < DRIP_VG_CHECKS; c++) {
        /* memory errors fail by default; leak kinds only when limited */
        v->checked[c] = sc->valgrind.has_max[c] || c == DRIP_VGC_ERRORS;
        v->limit[c] = sc->valgrind.has_max[c] ? sc->valgrind.max[c] : 0;
    }
    if (o->iterations && o->iterations < v->iterations)
        v->iterations = o->iterations;
    if (!o->log_dir) {
        v->skipped = xstrdup("no report directory for valgrind's XML");
        apply(r, v);
        return;
    }
    v->xml_file = xasprintf("%s/%s.valgrind.xml", o->log_dir, sc->name);
    drip_vg_report rep;
    memset(&rep, 0, sizeof rep);

    pid_t pid = start(o, sc, v->xml_file, v->iterations);
    if (pid < 0) {
        v->skipped = xasprintf("cannot fork: %s", strerror(errno));
        goto out;
    }
    setpgid(pid, pid);
    bool timed_out;
    uint64_t budget = sc->run.timeout_ns * VG_SLOWDOWN;
    int status = wait_until(pid, drip_now_ns() + budget, &timed_out);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        v->skipped = xstrdup("valgrind is not installed (Debian: apt-get install valgrind)");
        goto out;
    }
    if (drip_vg_parse_file(v->xml_file, &rep) < 0) {
        v->problem = xasprintf("%s", rep.problem ? rep.problem : "unreadable XML");
        goto out;
    }
    v->complete = rep.complete && !timed_out;
    if (timed_out)
        v->problem = xstrdup("timed out; the XML covers the run up to the kill");
    else if (!rep.complete)
        v->problem = xstrdup(rep.problem ? rep.problem : "the XML ends early");
    judge_valgrind(&rep, v);
out:
    drip_vg_report_free(&rep);
    apply(r, v);
}
