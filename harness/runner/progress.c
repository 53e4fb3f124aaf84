/* progress.c - what a running scenario's samples say so far, for the
 * progress line (report/progress.h).  Cheap enough for 4 calls a second:
 * the slope is fitted on at most PROGRESS_POINTS samples. */
#include <math.h>
#include <string.h>

#include "runner.h"
#include "util/util.h"

#define PROGRESS_POINTS 200      /* samples the slope so far is fitted on, at most */
#define RATE_SAMPLES    10       /* the rate is measured over the last few samples */

/* Theil-Sen slope of heap_bytes after the warm-up fraction, over at most
 * PROGRESS_POINTS evenly spaced samples of that window; NaN with fewer
 * than 2 * DRIP_MIN_FIT_SAMPLES. */
static double slope_so_far(const drip_result *r)
{
    size_t n = r->nsamples;
    size_t ws = r->warmup > 0 ? (size_t)floor(r->warmup * (double)n) : 0;
    size_t win = ws < n ? n - ws : 0;
    if (win < 2 * DRIP_MIN_FIT_SAMPLES)
        return NAN;
    size_t k = win < PROGRESS_POINTS ? win : PROGRESS_POINTS;
    double x[PROGRESS_POINTS], y[PROGRESS_POINTS];
    for (size_t i = 0; i < k; i++) {
        /* evenly spaced, first and last included */
        size_t j = ws + (k == 1 ? 0 : i * (win - 1) / (k - 1));
        x[i] = r->samples[j].v[DRIP_COL_ITER];
        y[i] = r->samples[j].v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)];
    }
    drip_slope s;
    return drip_theil_sen(x, y, k, 0.95, &s) == 0 ? s.slope : NAN;
}

void drip__progress_snapshot(const drip_result *r, const drip_run_spec *run,
                             double since_first_s, bool stopping, drip_progress *p)
{
    memset(p, 0, sizeof *p);
    p->name = r->name;
    p->planned = run->duration_ns ? 0 : run->iterations;
    p->duration_s = (double)run->duration_ns / 1e9;
    p->elapsed_s = since_first_s;
    p->rate = p->heap_bytes = p->slope = p->eta_s = NAN;
    p->stopping = stopping;

    size_t n = r->nsamples;
    if (n == 0)
        return;
    const drip_sample *last = &r->samples[n - 1];
    p->iterations = (uint64_t)last->v[DRIP_COL_ITER];
    if (r->metrics[DRIP_M_HEAP_BYTES].measured) {
        p->heap_bytes = last->v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)];
        p->slope = slope_so_far(r);
    }
    if (n >= 2) {
        const drip_sample *from = &r->samples[n > RATE_SAMPLES ? n - RATE_SAMPLES : 0];
        double its = last->v[DRIP_COL_ITER] - from->v[DRIP_COL_ITER];
        double secs = last->v[DRIP_COL_TIME] - from->v[DRIP_COL_TIME];
        if (its > 0 && secs > 0)
            p->rate = its / secs;
    }
    if (run->duration_ns) {
        double left = p->duration_s - since_first_s;
        p->eta_s = left > 0 ? left : 0;
    } else if (isfinite(p->rate) && p->rate > 0) {
        p->eta_s = (double)(p->planned > p->iterations ? p->planned - p->iterations : 0) /
                   p->rate;
    }
}
