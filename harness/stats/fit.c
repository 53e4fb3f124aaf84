/* fit.c - from one metric's series to a verdict.
 *
 * The rule is the one written in stats.h and explained in docs/STATISTICS.md:
 * drop the warmup; "it rose" when the window's plain Theil-Sen interval is
 * above zero by more than the metric's resolution; "it is still rising"
 * when the tail's interval (corrected for autocorrelated noise) and the
 * window's (corrected by the same factor) are above zero and the tail rose
 * by several noise sigmas.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[] = {
    [DRIP_VERDICT_UNKNOWN] = "unknown",
    [DRIP_VERDICT_FLAT]    = "flat",
    [DRIP_VERDICT_BOUNDED] = "bounded",
    [DRIP_VERDICT_GROWING] = "growing",
};

/* See stats.h.  A value outside the enum is named "unknown".  Cannot fail. */
const char *drip_verdict_name(drip_verdict v)
{
    if ((unsigned)v < sizeof verdict_names / sizeof verdict_names[0])
        return verdict_names[v];
    return "unknown";
}

/* See stats.h.  "unknown" is not accepted: an expectation cannot ask for it.
 * Case-sensitive; *out is untouched on failure (and s == NULL fails). */
int drip_verdict_parse(const char *s, drip_verdict *out)
{
    if (!s || !out)
        return -1;
    for (int v = DRIP_VERDICT_FLAT; v <= DRIP_VERDICT_GROWING; v++) {
        if (strcmp(s, verdict_names[v]) == 0) {
            *out = (drip_verdict)v;
            return 0;
        }
    }
    return -1;
}

/* The fit that stands for "no judgement": NaN slopes, unknown verdict. */
static void fit_unknown(drip_fit *out, size_t window_start)
{
    out->all = (drip_slope){NAN, NAN, NAN, 0};
    out->tail = out->all;
    out->growth = NAN;
    out->noise = NAN;
    out->window_start = window_start;
    out->change_at = NAN;
    out->change = out->all;
    out->verdict = DRIP_VERDICT_UNKNOWN;
}

/* The window (x, y, n points) after the whole-window verdict: look for
 * the point where growth starts.  A window that is not growing as a whole
 * is growing from there when the segment after it grows on its own (a leak
 * that starts late, drip_segment_grows); a growing window starts growing
 * there when the part before it does not rise (else at its first sample).
 * Sets out->change_at and out->change for a growing metric.  Cannot fail
 * (scratch memory running out leaves the verdict as it was). */
static void locate_growth(const double *x, const double *y, size_t n, double resolution,
                          drip_fit *out)
{
    /* A start in the window's first 3/8 is the whole-window rule's to see
     * (its tail is the second half); the segment keeps >= 1/8 of the window. */
    size_t min_after = n / 8 > 2 * DRIP_MIN_FIT_SAMPLES ? n / 8 : 2 * DRIP_MIN_FIT_SAMPLES;
    size_t c = drip_change_point(x, y, n, 3 * n / 8, min_after);
    drip_slope seg, pre;
    bool grows = c > 0 && drip_segment_grows(x, y, n, c, resolution, &seg);

    if (out->verdict != DRIP_VERDICT_GROWING) {
        if (!grows)
            return;
        out->verdict = DRIP_VERDICT_GROWING;   /* a late leak */
    } else if (!grows || drip_theil_sen(x, y, c, DRIP_CONFIDENCE, &pre) != 0 || pre.low > 0) {
        out->change_at = x[0];                 /* the whole window grows */
        out->change = out->all;
        return;
    }
    out->change_at = x[c];
    out->change = seg;
}

/* See stats.h.  Indexing: the window is [floor(warmup * n), n), the tail is
 * [window_start + wn/2, n) with wn the window's length.  A negative or NaN
 * warmup counts as 0; warmup >= 1 leaves an empty window.  Besides a window
 * or tail shorter than DRIP_MIN_FIT_SAMPLES, the result is also unknown (and
 * -1 returned) when either has fewer than DRIP_MIN_FIT_SAMPLES finite
 * points, no two points with different x, or scratch memory runs out.
 * A NaN resolution is taken as 0. */
int drip_fit_series(const double *x, const double *y, size_t n, double warmup,
                    double resolution, drip_fit *out)
{
    size_t ws = 0;

    if (warmup >= 1)
        ws = n;
    else if (warmup > 0)
        ws = (size_t)floor(warmup * (double)n);
    if (ws > n)                            /* rounding cannot, but be sure */
        ws = n;
    fit_unknown(out, ws);

    size_t wn = n - ws;
    size_t ts = ws + wn / 2;
    size_t tn = n - ts;
    if (!x || !y || wn < DRIP_MIN_FIT_SAMPLES || tn < DRIP_MIN_FIT_SAMPLES)
        return -1;

    drip_slope all, plain, tail, head;
    if (drip_theil_sen_autocorr(x + ts, y + ts, tn, DRIP_CONFIDENCE, &tail) != 0 ||
        drip_theil_sen(x + ws, y + ws, ts - ws, DRIP_CONFIDENCE, &head) != 0 ||
        drip_theil_sen(x + ws, y + ws, wn, DRIP_CONFIDENCE, &plain) != 0)
        return -1;
    /* How much the noise wanders, from each half around its own line. */
    double f_tail = drip_autocorr_factor(x + ts, y + ts, tn, tail.slope);
    double f_head = drip_autocorr_factor(x + ws, y + ws, ts - ws, head.slope);
    if (drip_theil_sen_scaled(x + ws, y + ws, wn, DRIP_CONFIDENCE,
                              f_tail > f_head ? f_tail : f_head, &all) != 0 ||
        all.n < DRIP_MIN_FIT_SAMPLES || tail.n < DRIP_MIN_FIT_SAMPLES)
        return -1;

    if (isnan(resolution))
        resolution = 0;
    out->all = all;
    out->tail = tail;
    out->growth = all.slope * (x[n - 1] - x[ws]);
    out->noise = drip_residual_noise(x + ts, y + ts, tn, tail.slope);

    /* Growing needs the tail's own rise to clear the noise as well: a
     * wandering series (noise correlated from sample to sample) can fool the
     * interval, but rarely rises by several times its own spread.  Under
     * heavy churn the spread is the churn's, not the leak's: the floor of
     * the tail (its low envelope) may clear its own, smaller, spread. */
    double tail_growth = tail.slope * (x[n - 1] - x[ts]);
    double need = isfinite(out->noise) ? DRIP_NOISE_FACTOR * out->noise : 0;
    /* "Rose" uses the plain interval: the residuals of a curve that rose and
     * levelled off are autocorrelated by its shape, and the correction would
     * hide the rise.  "Still rising" uses the corrected ones. */
    bool rising = plain.low > 0 && out->growth >= resolution;
    if (rising && all.low > 0 && tail.low > 0 &&
        (tail_growth >= need || drip_floor_grows(x + ts, y + ts, tn)))
        out->verdict = DRIP_VERDICT_GROWING;
    else if (rising)
        out->verdict = DRIP_VERDICT_BOUNDED;   /* rose, then stopped */
    else
        out->verdict = DRIP_VERDICT_FLAT;      /* no significant rise, or a fall */
    locate_growth(x + ws, y + ws, wn, resolution, out);
    return 0;
}

/* See stats.h.  Cannot fail. */
double drip_fit_max_rate(const drip_fit *fit)
{
    double r = fit->all.slope;
    if (fit->verdict == DRIP_VERDICT_GROWING && fit->change.slope > r)
        r = fit->change.slope;
    return r;
}
