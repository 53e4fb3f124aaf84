/* classify.c - what kind of leak a scenario shows, in one line.
 *
 * The counters and valgrind each see part of a leak.  The counters see
 * growth over thousands of iterations (heap, tasks, fds, connections,
 * timers) and tell growing from bounded; valgrind tells lost memory from
 * memory still reachable, and its two runs (N and 2N iterations, compared
 * before teardown) tell a per-iteration loss from a one-off.  The classes,
 * highest priority first:
 *
 *   handle leak       fds or conns grow (counters)
 *   blocked tasks     tasks or threads grow (counters)
 *   lost memory       definitely or indirectly lost grows from N to 2N
 *                     (valgrind), however slowly: a one-off loss adds nothing
 *   reachable growth  the heap grows (counters; or valgrind's reachable bytes
 *                     when the heap is not measured), lost memory does not and
 *                     valgrind's reachable bytes do
 *   heap growth       the heap grows and there is no valgrind pass to say how,
 *                     or the pass saw nothing grow (its 2N iterations ended
 *                     before the counters' growth started: the why says so)
 *   unaccounted RSS growth  rss grows while the heap does not (mmap,
 *                     fragmentation, allocator caches)
 *   bounded           a metric grew, then stopped (counters)
 *   none              nothing grows
 *
 * Pure: reads r's fits and valgrind section, writes r's classification.
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static drip_verdict verdict(const drip_result *r, int m)
{
    return r->metrics[m].measured ? r->metrics[m].fit.verdict : DRIP_VERDICT_UNKNOWN;
}

/* Append "name +slope verdict" for each metric in ms[] whose verdict is v. */
static void list_metrics(strbuf *sb, const drip_result *r, const int *ms, size_t n,
                         drip_verdict v)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (verdict(r, ms[i]) != v)
            continue;
        char slope[64];
        sb_appendf(sb, "%s%s %s %s", first ? "" : ", ", drip_metrics[ms[i]].name,
                   drip_metric_fmt_slope(ms[i], r->metrics[ms[i]].fit.all.slope, slope,
                                         sizeof slope),
                   drip_verdict_name(v));
        first = false;
    }
}

static bool any(const drip_result *r, const int *ms, size_t n, drip_verdict v)
{
    for (size_t i = 0; i < n; i++)
        if (verdict(r, ms[i]) == v)
            return true;
    return false;
}

#define N(a) (sizeof(a) / sizeof *(a))

/* Where a late growth the counters saw starts: the latest late start
 * (drip_result_late_start) of the metrics in ms[], NaN when none starts late. */
static double growth_start(const drip_result *r, const int *ms, size_t n)
{
    double at = NAN;
    for (size_t i = 0; i < n; i++) {
        double c = drip_result_late_start(r, ms[i]);
        if (isnan(at) || c > at)
            at = c;
    }
    return at;
}

/* The why of a heap that grows where valgrind saw nothing grow: say so,
 * and say why when its runs ended before the growth started. */
static void saw_nothing(strbuf *why, const drip_result *r, const int *ms, size_t n)
{
    const drip_valgrind_result *v = &r->valgrind;
    double at = growth_start(r, ms, n);
    if (isfinite(at) && at >= (double)v->growth.iterations)
        sb_appendf(why, "; valgrind saw no growth: its runs (%llu and %llu iterations) ended "
                   "before the growth started at iteration %.0f, so lost or reachable is not "
                   "known (valgrind: { iterations: %.0f } covers it)",
                   (unsigned long long)v->iterations, (unsigned long long)v->growth.iterations,
                   at, at);
    else
        sb_appendf(why, "; valgrind saw neither lost nor reachable memory grow from %llu to "
                   "%llu iterations, so lost or reachable is not known",
                   (unsigned long long)v->iterations, (unsigned long long)v->growth.iterations);
}

void drip_classify(drip_result *r)
{
    static const int handles[] = {DRIP_M_FDS, DRIP_M_CONNS};
    static const int tasks[] = {DRIP_M_TASKS, DRIP_M_THREADS};
    static const int heap[] = {DRIP_M_HEAP_BYTES, DRIP_M_HEAP_OBJECTS, DRIP_M_TIMERS};
    static const int gauges[] = {DRIP_M_HEAP_BYTES, DRIP_M_HEAP_OBJECTS, DRIP_M_TASKS,
                                 DRIP_M_THREADS, DRIP_M_FDS, DRIP_M_CONNS, DRIP_M_TIMERS};
    const drip_valgrind_result *v = &r->valgrind;
    const drip_vg_growth *g = &v->growth;
    bool vg = v->ran && !v->skipped && !v->problem && g->ran && !g->problem;
    bool heap_measured = r->metrics[DRIP_M_HEAP_BYTES].measured;
    strbuf why = {0};

    free(r->class_why);
    free(r->class_basis);
    r->class_why = r->class_basis = NULL;
    r->leak_class = DRIP_CLASS_UNKNOWN;
    if (!any(r, gauges, N(gauges), DRIP_VERDICT_FLAT) &&
        !any(r, gauges, N(gauges), DRIP_VERDICT_BOUNDED) &&
        !any(r, gauges, N(gauges), DRIP_VERDICT_GROWING) && !vg)
        return;                                  /* no verdict at all: nothing to go on */

    char a[48], b[48];
    double lost = g->per_iteration[0] + g->per_iteration[1];
    double reach = g->per_iteration[2] + g->per_iteration[3];
    const char *where = g->at_exit ? "at exit" : "before teardown";
    if (any(r, handles, N(handles), DRIP_VERDICT_GROWING)) {
        r->leak_class = DRIP_CLASS_HANDLE;
        list_metrics(&why, r, handles, N(handles), DRIP_VERDICT_GROWING);
        sb_append(&why, ": handles are opened and not closed");
    } else if (any(r, tasks, N(tasks), DRIP_VERDICT_GROWING)) {
        r->leak_class = DRIP_CLASS_BLOCKED;
        list_metrics(&why, r, tasks, N(tasks), DRIP_VERDICT_GROWING);
        sb_append(&why, ": tasks stay blocked, their memory reachable from their stacks");
    } else if (vg && (g->per_iteration[0] > 0 || g->per_iteration[1] > 0)) {
        r->leak_class = DRIP_CLASS_LOST;
        sb_appendf(&why, "definitely and indirectly lost grow %s/iter from %llu to %llu "
                   "iterations (valgrind, %s)", drip_fmt_bytes(lost, a, sizeof a),
                   (unsigned long long)v->iterations, (unsigned long long)g->iterations, where);
        if (g->top_lost)
            sb_appendf(&why, ", allocated at %s", g->top_lost);
    } else if (any(r, heap, N(heap), DRIP_VERDICT_GROWING) ||
               (!heap_measured && vg && (g->growing[2] || g->growing[3]))) {
        bool reach_grew = g->per_iteration[2] > 0 || g->per_iteration[3] > 0;
        r->leak_class = vg && reach_grew ? DRIP_CLASS_REACHABLE : DRIP_CLASS_HEAP_GROWTH;
        list_metrics(&why, r, heap, N(heap), DRIP_VERDICT_GROWING);
        if (vg && reach_grew) {
            sb_appendf(&why, "%slost memory does not grow; reachable grows %s/iter "
                       "(valgrind, %s)", why.len ? "; " : "", drip_fmt_bytes(reach, a, sizeof a),
                       where);
            if (g->top_reachable)
                sb_appendf(&why, ", allocated at %s", g->top_reachable);
        } else if (vg) {
            saw_nothing(&why, r, heap, N(heap));
        } else {
            sb_append(&why, ": lost or still reachable? a valgrind pass (--valgrind) tells");
        }
    } else if (verdict(r, DRIP_M_RSS) == DRIP_VERDICT_GROWING) {
        r->leak_class = DRIP_CLASS_RSS;      /* and the heap does not grow */
        int rss[] = {DRIP_M_RSS};
        list_metrics(&why, r, rss, 1, DRIP_VERDICT_GROWING);
        sb_append(&why, " while the heap does not: memory the heap counters do not see "
                  "(mmap, fragmentation, allocator caches, thread stacks)");
    } else if (any(r, gauges, N(gauges), DRIP_VERDICT_BOUNDED)) {
        r->leak_class = DRIP_CLASS_BOUNDED;
        list_metrics(&why, r, gauges, N(gauges), DRIP_VERDICT_BOUNDED);
        sb_append(&why, ": grew, then stopped");
    } else {
        r->leak_class = DRIP_CLASS_NONE;
        sb_append(&why, "nothing grows");
        if (vg)
            sb_appendf(&why, "; valgrind: lost %s/iter, reachable %s/iter from %llu to %llu "
                       "iterations", drip_fmt_bytes(lost, a, sizeof a),
                       drip_fmt_bytes(reach, b, sizeof b), (unsigned long long)v->iterations,
                       (unsigned long long)g->iterations);
    }
    if (v->ran && !vg)
        sb_appendf(&why, " (valgrind pass %s)", v->skipped ? "skipped" : "broken: not used");
    r->class_why = sb_take(&why);
    r->class_basis = xstrdup(vg ? "counters and valgrind" : "counters");
}
