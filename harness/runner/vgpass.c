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
 * An external workload's program (issue 15) is run under memcheck the same
 * way by program_vg.c: started, driven, stopped with its stop signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "program.h"
#include "runner.h"
#include "util/util.h"
#include "worker/protocol.h"
#include "valgrind/supp.h"
#include "valgrind/vgmark.h"
#include "valgrind/vgxml.h"

#define VG_DEFAULT_ITERATIONS 200
#define VG_SLOWDOWN 50            /* the pass may take this many times the run's timeout */

static bool is_alloc_fn(const char *fn)
{
    static const char *const fns[] = {"malloc", "calloc", "realloc", "reallocarray",
                                      "memalign", "posix_memalign", "aligned_alloc", "strdup",
                                      "strndup", "operator new"};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        if (strncmp(fn, fns[i], strlen(fns[i])) == 0)
            return true;
    return false;
}

static void append_frame(strbuf *sb, const drip_vg_frame *f)
{
    if (f->file)
        sb_appendf(sb, "%s (%s:%d)", f->fn, f->file, f->line);
    else
        sb_appendf(sb, "%s (%s)", f->fn, f->obj ? f->obj : "?");
}

static bool in_runtime(const drip_vg_frame *f)
{
    return f->obj && strstr(f->obj, "libdrip_rt");
}

/* "fn (file:line)" of the first frame with a function past the allocator's
 * own; with `caller`, followed by " <- " and the first frame after it that
 * is outside Drip's runtime (the workload code that called into it), when
 * there is one.  NULL when there is no frame to name.  Caller frees. */
static char *describe_frames(const drip_vg_stack *st, bool caller)
{
    strbuf sb = {0};
    size_t i = 0;
    while (i < st->nframes && (!st->frames[i].fn || is_alloc_fn(st->frames[i].fn)))
        i++;
    if (i == st->nframes)
        return NULL;
    append_frame(&sb, &st->frames[i]);
    if (caller) {
        size_t j = i + 1;
        if (in_runtime(&st->frames[i]))
            while (j < st->nframes && (!st->frames[j].fn || in_runtime(&st->frames[j])))
                j++;
        if (j < st->nframes && st->frames[j].fn) {
            sb_append(&sb, j == i + 1 ? " <- " : " <- ... <- ");
            append_frame(&sb, &st->frames[j]);
        }
    }
    return sb_take(&sb);
}

static char *describe_stack(const drip_vg_stack *st)
{
    return describe_frames(st, false);
}

/* valgrind and its options for sc into argv (room for 12 +
 * nsuppressions), from *a on; the strings it makes go to owned (room for
 * 1 + nsuppressions), from *nowned on.  `supp` is the runtime's
 * suppression file (NULL: none).  Cannot fail. */
static void vg_options(const drip_scenario *sc, const char *supp, const char **argv, int *a,
                       char **owned, int *nowned)
{
    argv[(*a)++] = "valgrind";
    argv[(*a)++] = "--tool=memcheck";
    argv[(*a)++] = "--leak-check=full";
    argv[(*a)++] = "--show-leak-kinds=all";
    argv[(*a)++] = "--xml=yes";
    argv[(*a)++] = "--xml-fd=4";             /* created under the report directory's fd */
    argv[(*a)++] = "--child-silent-after-fork=yes";
    argv[(*a)++] = "--fair-sched=yes";       /* no starved threads in runtime workloads */
    if (supp)
        argv[(*a)++] = owned[(*nowned)++] = xasprintf("--suppressions=%s", supp);
    for (size_t i = 0; i < sc->valgrind.nsuppressions; i++)
        argv[(*a)++] = owned[(*nowned)++] = xasprintf("--suppressions=%s",
                                                      sc->valgrind.suppressions[i]);
}

/* Start valgrind on `drip worker` for sc, its XML to xml_fd and its
 * output to log_fd.  `supp` is the runtime's suppression file (NULL:
 * none).  Returns 0, or -1 with *why malloc'd. */
static int start(const drip_runner_opts *o, const drip_scenario *sc, int xml_fd, int log_fd,
                 uint64_t iterations, const char *supp, drip_proc *p, char **why)
{
    char buf[160];
    const char **argv = xcalloc(38 + sc->valgrind.nsuppressions, sizeof *argv);
    char **owned = xcalloc(4 + sc->valgrind.nsuppressions, sizeof *owned);
    int a = 0, nowned = 0;
    vg_options(sc, supp, argv, &a, owned, &nowned);
    argv[a++] = o->self_exe;
    drip__worker_args(o, sc, 0, iterations, false, argv, &a, buf);   /* lines: /dev/null */
    int text_fd = drip__scenario_text_fd(sc, why);            /* -1: none, -2: failed */
    drip_proc_spec spec = {.path = "valgrind", .argv = (char *const *)argv, .log_fd = log_fd,
                           .pass_from = {-1, xml_fd, text_fd},
                           .pass_to = {DRIP_WORKER_FD, 4, DRIP_WORKER_TEXT_FD},
                           .npass = 3};           /* the worker's lines go nowhere */
    int rc = text_fd == -2 ? -1 : drip_proc_start(p, &spec, why);
    if (text_fd >= 0)
        close(text_fd);
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    return rc;
}

/* Follow p until it exits or deadline_ns passes (then it is killed, and
 * *timed_out set); end it and everything it started.  Returns its wait
 * status. */
static int wait_until(const drip_runner_opts *o, drip_proc *p, uint64_t deadline_ns,
                      bool *timed_out)
{
    *timed_out = false;
    while (!drip_proc_reap(p)) {
        if (drip_now_ns() >= deadline_ns || (o->interrupted && *o->interrupted >= 2)) {
            *timed_out = true;
            break;
        }
        drip_proc_poll(p, NULL, 0, deadline_ns, 100);
    }
    drip_proc_end(p);
    return p->status;
}

/* Write the runtime's suppressions (supp.h) to LOG_DIR/drip-runtime.supp
 * and return that path (caller frees); NULL, with a warning on r, when it
 * cannot be written: the pass then runs without them. */
static char *runtime_suppressions(const drip_runner_opts *o, drip_result *r)
{
    char *path = xasprintf("%s/drip-runtime.supp", o->log_dir);
    int fd = drip_create_at(o->report_fd, "drip-runtime.supp");
    bool ok = fd >= 0 &&
              drip_write_all(fd, drip_vg_runtime_supp, drip_vg_runtime_supp_len) == 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok) {
        drip_result_add_warning(r, "cannot write %s (%s): the valgrind pass runs without the "
                                "runtime's suppressions", path, strerror(e));
        free(path);
        return NULL;
    }
    return path;
}

/* ---- one run under valgrind -------------------------------------------------- */

/* Run the worker (or sc's program: program_vg.c) under valgrind at
 * `iterations`, its XML to xml_fd, until deadline_ns.  0 with *status (its
 * wait status) and *timed_out; -1 with *why (malloc'd) when valgrind could
 * not be started (*started false) or the program's run went wrong
 * (*started true). */
static int run_vg(const drip_runner_opts *o, const drip_scenario *sc, uint64_t iterations,
                  int xml_fd, const char *supp, uint64_t deadline_ns, int *status,
                  bool *timed_out, bool *started, char **why)
{
    *status = 0;
    *timed_out = *started = false;
    if (sc->external) {
        const char **argv = xcalloc(12 + sc->valgrind.nsuppressions, sizeof *argv);
        char **owned = xcalloc(2 + sc->valgrind.nsuppressions, sizeof *owned);
        int a = 0, nowned = 0;
        vg_options(sc, supp, argv, &a, owned, &nowned);
        int rc = drip__program_valgrind(o, sc, (char *const *)argv, xml_fd, iterations,
                                        deadline_ns, status, timed_out, started, why);
        for (int i = 0; i < nowned; i++)
            free(owned[i]);
        free(owned);
        free(argv);
        return rc;
    }
    drip_proc proc;
    int log_fd = drip__open_log(o, sc->name, ".valgrind.log");
    int rc = start(o, sc, xml_fd, log_fd, iterations, supp, &proc, why);
    if (rc == 0) {
        *started = true;
        *status = wait_until(o, &proc, deadline_ns, timed_out);
    }
    if (log_fd >= 0)
        close(log_fd);
    return rc;
}

/* What went wrong with a run under valgrind that ended with wait status
 * `status` (malloc'd), or NULL.  A program killed by its own stop signal
 * (one it does not handle) ended as it should; so did one that exited,
 * whatever its status, once told to stop. */
static char *run_problem(const drip_scenario *sc, uint64_t iterations, uint64_t budget,
                         bool timed_out, int status, const drip_vg_report *rep)
{
    char from[48] = "valgrind.timeout";      /* where the budget came from */
    const char *who = sc->external ? "the program" : "the worker";
    if (!sc->valgrind.timeout_ns)
        snprintf(from, sizeof from, "%d x run.timeout", VG_SLOWDOWN);
    if (timed_out)
        return xasprintf("timed out: valgrind had not finished %llu iterations within "
                         "%.0f s (%s) and was killed; its XML is cut off%s",
                         (unsigned long long)iterations, (double)budget / 1e9, from,
                         rep->complete ? "" : " and covers the run up to the kill");
    if (WIFSIGNALED(status) &&
        !(sc->external && WTERMSIG(status) == sc->external->stop_signal))
        return xasprintf("%s under valgrind died of SIG%s before finishing its "
                         "%llu iterations; the XML covers the run up to there", who,
                         sigabbrev_np(WTERMSIG(status)), (unsigned long long)iterations);
    if (!sc->external && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return xasprintf("the worker under valgrind exited with status %d before finishing",
                         WEXITSTATUS(status));
    if (!rep->complete)
        return xstrdup(rep->problem ? rep->problem : "the XML ends early");
    return NULL;
}

/* Run the worker (or the program) under valgrind at `iterations`, writing
 * `xml`, and parse it into *rep (always initialised; the caller frees it).
 * Returns 0 when the XML is whole; otherwise sets *skipped (valgrind could
 * not run: the checks are skipped) or *problem (the run or its XML is
 * broken: an error), both malloc'd. */
static int run_once(const drip_runner_opts *o, const drip_scenario *sc, uint64_t iterations,
                    const char *xml_name, const char *supp, drip_vg_report *rep, char **skipped,
                    char **problem)
{
    memset(rep, 0, sizeof *rep);
    char *why = NULL;
    int xml_fd = drip_create_at(o->report_fd, xml_name);
    if (xml_fd < 0) {
        *problem = xasprintf("cannot create %s/%s: %s", o->log_dir, xml_name, strerror(errno));
        return -1;
    }
    uint64_t budget = sc->valgrind.timeout_ns ? sc->valgrind.timeout_ns
                                              : sc->run.timeout_ns * VG_SLOWDOWN;
    int status;
    bool timed_out, started;
    int rc = run_vg(o, sc, iterations, xml_fd, supp, drip_now_ns() + budget, &status,
                    &timed_out, &started, &why);
    close(xml_fd);
    if (rc < 0 && !started) {
        *skipped = strstr(why, strerror(ENOENT))
            ? xstrdup("valgrind is not installed (Debian: apt-get install valgrind)") : why;
        if (*skipped != why)
            free(why);
        return -1;
    }
    char *xml = xasprintf("%s/%s", o->log_dir, xml_name);
    int parsed = drip_vg_parse_file(xml, rep);
    free(xml);
    if (why)                                  /* the program's run went wrong */
        *problem = why;
    else if (parsed < 0)
        *problem = xasprintf("%s", rep->problem ? rep->problem : "unreadable XML");
    else
        *problem = run_problem(sc, iterations, budget, timed_out, status, rep);
    return *problem ? -1 : 0;
}

/* The search valgrind made at exit: the last one, unless the last is the
 * worker's search before teardown (then the one at exit found nothing). */
static long exit_search(const drip_vg_report *rep)
{
    long last = (long)rep->nsearches - 1;
    if (last >= 0 && rep->searches[last].label &&
        strcmp(rep->searches[last].label, DRIP_VG_BEFORE_TEARDOWN) == 0)
        return -1;
    return last;
}

static void copy_search(const drip_vg_report *rep, long s, uint64_t bytes[4], uint64_t blocks[4])
{
    for (int k = 0; k < 4; k++) {
        bytes[k] = s >= 0 ? rep->searches[s].bytes[k] : 0;
        blocks[k] = s >= 0 ? rep->searches[s].blocks[k] : 0;
    }
}

/* Copy the N run's totals and errors into the result. */
static void take_totals(const drip_vg_report *rep, drip_valgrind_result *v)
{
    long at_exit = exit_search(rep);
    long before = drip_vg_find_search(rep, DRIP_VG_BEFORE_TEARDOWN);
    copy_search(rep, at_exit, v->bytes, v->blocks);
    v->has_before = before >= 0;
    copy_search(rep, before, v->before_bytes, v->before_blocks);
    v->errors = rep->error_count;
    if (rep->nerrors) {
        char *where = describe_stack(&rep->errors[0].stack);
        v->first_error = xasprintf("%s: %s%s%s", rep->errors[0].kind, rep->errors[0].what,
                                   where ? " at " : "", where ? where : "");
        free(where);
    }
    const drip_vg_leak *top = NULL;
    if (at_exit >= 0 && drip_vg_top_leaks_in(rep, (size_t)at_exit, VG_DEFINITELY, &top, 1) == 1)
        v->top_leak = describe_stack(&top->stack);
}

/* ---- growth between N and 2N ------------------------------------------------- */

static bool same_stack(const drip_vg_stack *a, const drip_vg_stack *b)
{
    if (a->nframes != b->nframes)
        return false;
    for (size_t i = 0; i < a->nframes; i++) {
        const drip_vg_frame *x = &a->frames[i], *y = &b->frames[i];
        if ((x->fn || y->fn) && (!x->fn || !y->fn || strcmp(x->fn, y->fn) != 0))
            return false;
        if (x->line != y->line || (!x->fn && x->ip != y->ip))
            return false;
    }
    return true;
}

/* The site of the record of kind k (or k2) in search s2 of rep2 that grew
 * most since the record with the same stack in search s1 of rep1; NULL when
 * none grew.  Caller frees. */
static char *most_grown(const drip_vg_report *rep1, long s1, const drip_vg_report *rep2,
                        long s2, drip_vg_kind k, drip_vg_kind k2)
{
    const drip_vg_leak *best = NULL;
    uint64_t best_growth = 0;
    for (size_t i = 0; s2 >= 0 && i < rep2->nleaks; i++) {
        const drip_vg_leak *l = &rep2->leaks[i];
        if (l->search != (size_t)s2 || (l->kind != k && l->kind != k2))
            continue;
        uint64_t before = 0;
        for (size_t j = 0; s1 >= 0 && j < rep1->nleaks; j++) {
            const drip_vg_leak *m = &rep1->leaks[j];
            if (m->search == (size_t)s1 && m->kind == l->kind && same_stack(&m->stack, &l->stack)) {
                before = m->bytes + m->indirect_bytes;
                break;
            }
        }
        uint64_t now = l->bytes + l->indirect_bytes;
        if (now > before && now - before > best_growth) {
            best_growth = now - before;
            best = l;
        }
    }
    return best ? describe_frames(&best->stack, true) : NULL;
}

/* Compare the N run (rep1) with the 2N run (rep2): the search before
 * teardown when both have it, else the one at exit. */
static void measure_growth(const drip_vg_report *rep1, const drip_vg_report *rep2,
                           drip_valgrind_result *v)
{
    drip_vg_growth *g = &v->growth;
    long b1 = drip_vg_find_search(rep1, DRIP_VG_BEFORE_TEARDOWN);
    long b2 = drip_vg_find_search(rep2, DRIP_VG_BEFORE_TEARDOWN);
    long s1 = b1, s2 = b2;
    if (b1 < 0 || b2 < 0) {
        g->at_exit = true;
        s1 = exit_search(rep1);
        s2 = exit_search(rep2);
    }
    uint64_t n1[4], n2[4], blocks[4];
    copy_search(rep1, s1, n1, blocks);
    copy_search(rep2, s2, n2, blocks);
    double n = (double)(g->iterations - v->iterations);
    for (int k = 0; k < 4; k++) {
        g->bytes[k] = n2[k];
        g->per_iteration[k] = ((double)n2[k] - (double)n1[k]) / n;
        g->growing[k] = g->per_iteration[k] >= DRIP_VG_GROWTH_MIN;
    }
    g->top_lost = most_grown(rep1, s1, rep2, s2, VG_DEFINITELY, VG_INDIRECTLY);
    g->top_reachable = most_grown(rep1, s1, rep2, s2, VG_REACHABLE, VG_POSSIBLY);
    g->ran = true;
    if (rep2->error_count > v->errors) {          /* the longer run found more */
        v->errors = rep2->error_count;
        if (!v->first_error && rep2->nerrors) {
            char *where = describe_stack(&rep2->errors[0].stack);
            v->first_error = xasprintf("%s: %s%s%s", rep2->errors[0].kind, rep2->errors[0].what,
                                       where ? " at " : "", where ? where : "");
            free(where);
        }
    }
}

/* ---- judging -------------------------------------------------------------------- */

/* Check the limits against the N run's totals at exit (errors: either run). */
static void judge_valgrind(drip_valgrind_result *v)
{
    for (int c = 0; c < DRIP_VG_CHECKS; c++) {
        v->actual[c] = c == DRIP_VGC_ERRORS ? v->errors : v->bytes[c];
        v->ok[c] = !v->checked[c] || v->actual[c] <= v->limit[c];
    }
}

/* Fold the pass's outcome into the scenario's status and reason. */
static void apply(drip_result *r, const drip_valgrind_result *v)
{
    if (v->skipped) {
        /* Asked for and not done: the scenario cannot pass on checks that
         * never ran, whatever its counters say. */
        drip_result_add_warning(r, "valgrind checks skipped, not passed: %s", v->skipped);
        char *reason = r->reason
            ? xasprintf("%s; valgrind checks skipped, not passed: %s", r->reason, v->skipped)
            : xasprintf("valgrind checks skipped, not passed: %s", v->skipped);
        free(r->reason);
        r->reason = reason;
        r->status = DRIP_STATUS_ERROR;
        return;
    }
    strbuf sb = {0};
    if (v->problem)
        sb_appendf(&sb, "valgrind pass: %s", v->problem);
    else if (v->growth.problem)
        sb_appendf(&sb, "valgrind pass at %llu iterations (growth): %s",
                   (unsigned long long)v->growth.iterations, v->growth.problem);
    if (!v->problem) {
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
    bool broken = v->problem || v->growth.problem;
    if (r->status == DRIP_STATUS_PASS || (broken && r->status == DRIP_STATUS_FAIL))
        r->status = broken ? DRIP_STATUS_ERROR : DRIP_STATUS_FAIL;
    char *reason = r->reason ? xasprintf("%s; %s", r->reason, sb.buf) : xstrdup(sb.buf);
    free(r->reason);
    r->reason = reason;
    sb_free(&sb);
}

/* A growth the counters saw start late (change_at after the window's first
 * sample) would be missed by runs of the default length: start N there, so
 * that the runs' difference (N to 2N) lies inside the growth.  Leaves *n
 * alone otherwise.  Cannot fail. */
static void cover_late_growth(const drip_result *r, uint64_t *n)
{
    for (int m = 0; m < DRIP_M_COUNT; m++) {
        double at = drip_result_late_start(r, m);
        if (at > (double)*n)                   /* NaN compares false */
            *n = (uint64_t)ceil(at);
    }
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
    if (!sc->valgrind.iterations)
        cover_late_growth(r, &v->iterations);
    if (o->iterations && o->iterations < v->iterations)
        v->iterations = o->iterations;
    if (!o->log_dir || o->report_fd < 0) {
        v->skipped = xstrdup("no report directory for valgrind's XML");
        apply(r, v);
        return;
    }
    char *xml1 = drip__file_name(o, sc->name, ".valgrind.xml");
    char *xml2 = drip__file_name(o, sc->name, ".valgrind-2n.xml");
    v->xml_file = xasprintf("%s/%s", o->log_dir, xml1);
    drip_vg_report rep1, rep2;
    memset(&rep2, 0, sizeof rep2);
    char *supp = runtime_suppressions(o, r);
    int rc = run_once(o, sc, v->iterations, xml1, supp, &rep1, &v->skipped, &v->problem);
    if (v->skipped)
        goto out;
    v->complete = rc == 0;
    take_totals(&rep1, v);            /* a cut-off file: what came before the cut */
    if (rc == 0) {                    /* growth: the same at twice the iterations */
        drip_vg_growth *g = &v->growth;
        char *skipped = NULL;
        g->iterations = 2 * v->iterations;
        g->xml_file = xasprintf("%s/%s", o->log_dir, xml2);
        if (run_once(o, sc, g->iterations, xml2, supp, &rep2, &skipped, &g->problem) == 0)
            measure_growth(&rep1, &rep2, v);
        else if (skipped)
            g->problem = skipped;
    }
    judge_valgrind(v);
out:
    drip_vg_report_free(&rep1);
    drip_vg_report_free(&rep2);
    free(supp);
    free(xml1);
    free(xml2);
    apply(r, v);
}
