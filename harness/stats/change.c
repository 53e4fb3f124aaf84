/* change.c - growth that starts late, and growth under churn.
 *
 * The whole-window fit (fit.c) asks whether the window rose and whether its
 * second half still rises.  Two shapes fool it:
 *
 *  - a leak that starts late (after a cache fills, after a timeout first
 *    fires): most of the window is flat, so the median pair slope is ~0 and
 *    the halves' shapes widen the intervals.  drip_change_point finds where
 *    the growth starts (the split of the window into two lines that fit it
 *    best) and drip_late_growth tests the segment after it on its own;
 *  - a leak under heavy retained churn: the live bytes swing far above the
 *    leak's floor, and the noise threshold (4 noise sigmas over the tail)
 *    is not met although the slope is right.  The low envelope of the
 *    series (the minimum of each run of DRIP_FLOOR_RUN samples) rises by
 *    the leak alone with much less spread: drip_floor_growth tests it.
 *
 * Pure: scratch memory is malloc'd and freed inside; when it runs out the
 * tests answer "no" (the whole-window verdict stands).
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_BINS 40   /* the change point is searched over this many bin medians */

/* See stats.h.  1.4826 times the median absolute deviation of the finite
 * points' residuals around the line of slope `slope` (its intercept the
 * median residual).  NaN when no point is finite or memory runs out. */
double drip_residual_noise(const double *x, const double *y, size_t n, double slope)
{
    double *r = malloc((n + 1) * sizeof *r);
    size_t m = 0;
    double noise = NAN;
    if (!r)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i]))
            r[m++] = y[i] - slope * x[i];
    if (m > 0) {
        double icept = drip_median(r, m);
        for (size_t i = 0; i < m; i++)
            r[i] = fabs(r[i] - icept);
        noise = 1.4826 * drip_median(r, m);
    }
    free(r);
    return noise;
}

/* The sum of absolute residuals of points [lo, hi) around their own
 * Theil-Sen line (intercept: the median residual).  +inf when the segment
 * cannot be fitted or memory runs out. */
static double line_cost(const double *x, const double *y, size_t lo, size_t hi)
{
    drip_slope s;
    if (drip_theil_sen(x + lo, y + lo, hi - lo, 0.5, &s) != 0)
        return INFINITY;
    double *r = malloc((hi - lo) * sizeof *r);
    if (!r)
        return INFINITY;
    size_t m = 0;
    for (size_t i = lo; i < hi; i++)
        if (isfinite(x[i]) && isfinite(y[i]))
            r[m++] = y[i] - s.slope * x[i];
    double icept = drip_median(r, m), cost = 0;
    for (size_t i = 0; i < m; i++)
        cost += fabs(r[i] - icept);
    free(r);
    return cost;
}

/* The split index in [lo, hi) (points before it on one line, from it on
 * another) with the smallest total cost, keeping >= min_before points
 * before it and >= min_after from it on.  0 when no split is possible. */
static size_t best_split(const double *x, const double *y, size_t n, size_t lo, size_t hi,
                         size_t min_before, size_t min_after)
{
    size_t best = 0;
    double best_cost = INFINITY;
    for (size_t c = lo; c < hi; c++) {
        if (c < min_before || n - c < min_after)
            continue;
        double cost = line_cost(x, y, 0, c) + line_cost(x, y, c, n);
        if (cost < best_cost) {
            best_cost = cost;
            best = c;
        }
    }
    return best;
}

/* See stats.h.  The search runs on SEARCH_BINS bin medians of the points
 * (each bin a run of consecutive points: (median x, median y)), then is
 * refined on the points themselves around the best bin boundary. */
size_t drip_change_point(const double *x, const double *y, size_t n, size_t min_before,
                         size_t min_after)
{
    if (min_before < DRIP_MIN_FIT_SAMPLES)
        min_before = DRIP_MIN_FIT_SAMPLES;
    if (min_after < DRIP_MIN_FIT_SAMPLES)
        min_after = DRIP_MIN_FIT_SAMPLES;
    if (n < min_before + min_after)
        return 0;
    size_t nb = n < 2 * SEARCH_BINS ? n : SEARCH_BINS;
    double *bx = malloc(nb * sizeof *bx), *by = malloc(nb * sizeof *by);
    double *tmp = malloc((n / nb + 2) * sizeof *tmp);
    size_t c = 0;
    if (!bx || !by || !tmp)
        goto cleanup;
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * n / nb, hi = (b + 1) * n / nb, k = hi - lo;
        memcpy(tmp, x + lo, k * sizeof *tmp);
        bx[b] = drip_median(tmp, k);
        memcpy(tmp, y + lo, k * sizeof *tmp);
        by[b] = drip_median(tmp, k);
    }
    /* bin b starts at point b * n / nb: whole bins on either side */
    size_t cb = best_split(bx, by, nb, 0, nb, (min_before * nb + n - 1) / n,
                           (min_after * nb + n - 1) / n);
    if (cb == 0)
        goto cleanup;
    size_t around = n / nb + 1, at = cb * n / nb;
    size_t lo = at > around ? at - around : 0, hi = at + around + 1 < n ? at + around + 1 : n;
    c = best_split(x, y, n, lo, hi, min_before, min_after);
cleanup:
    free(bx);
    free(by);
    free(tmp);
    return c;
}

/* The value at `at` of the line of slope `slope` through the points (its
 * intercept the median residual).  NaN when no point is finite or memory
 * runs out. */
static double seg_level_at(const double *x, const double *y, size_t n, double slope, double at)
{
    return drip_line_intercept(x, y, n, slope) + slope * at;
}

/* See stats.h.  The segment [c, n) grows on its own when its corrected
 * Theil-Sen interval and its second half's are above 0 (it rises and still
 * rises at the end: a fill that stopped does not), its rise is at least
 * `resolution`, and both the rise and the height of its fitted end above
 * the highest value before c are at least DRIP_NOISE_FACTOR times the
 * largest of: the noise of either side around its own line, and the
 * spread of the values before c around their median.  So wandering noise
 * that happens to climb at the end rarely passes. */
bool drip_segment_grows(const double *x, const double *y, size_t n, size_t c,
                        double resolution, drip_slope *seg)
{
    drip_slope pre, half;
    size_t h = c + (n - c) / 2;
    *seg = (drip_slope){NAN, NAN, NAN, 0};
    if (c < DRIP_MIN_FIT_SAMPLES || n - h < DRIP_MIN_FIT_SAMPLES ||
        drip_theil_sen_autocorr(x + c, y + c, n - c, DRIP_CONFIDENCE, seg) != 0 ||
        drip_theil_sen_autocorr(x + h, y + h, n - h, DRIP_CONFIDENCE, &half) != 0 ||
        drip_theil_sen(x, y, c, DRIP_CONFIDENCE, &pre) != 0)
        return false;
    double rise = seg->slope * (x[n - 1] - x[c]);
    double noise = drip_residual_noise(x + c, y + c, n - c, seg->slope);
    double noise_pre = drip_residual_noise(x, y, c, pre.slope);
    if (noise_pre > noise)
        noise = noise_pre;
    /* ... and the spread of the values before c around their median: a
     * level that wanders (a random walk) has a wide one, a flat metric
     * with noise about its noise. */
    double spread = drip_residual_noise(x, y, c, 0);
    if (spread > noise)
        noise = spread;
    double need = isfinite(noise) ? DRIP_NOISE_FACTOR * noise : 0;
    /* A leak leaves the range the metric had before it started; wandering
     * noise that climbs at the end mostly comes back to where it has been. */
    double top = -INFINITY;
    for (size_t i = 0; i < c; i++)
        if (isfinite(y[i]) && y[i] > top)
            top = y[i];
    double end = seg_level_at(x + c, y + c, n - c, seg->slope, x[n - 1]);
    return seg->low > 0 && half.low > 0 && rise >= resolution && rise >= need &&
           end - top >= need;
}

/* See stats.h.  The floor: each run of DRIP_FLOOR_RUN consecutive points
 * (the last run may be shorter) becomes its lowest finite point.  It grows
 * when its plain Theil-Sen interval is above 0 and its rise over the span
 * of the points is at least DRIP_NOISE_FACTOR times its own noise.  (The
 * caller asks this of the tail only, and only once the tail's own interval
 * is above 0.)  Asking the floor's second half to rise as well would keep
 * a knee at 60% of the window bounded more often (0.6% growing without it)
 * but miss the churn leak of tests/plugins/churn.c in 4% to 50% of runs. */
bool drip_floor_grows(const double *x, const double *y, size_t n)
{
    size_t nf = 0;
    double *fx = malloc((n / DRIP_FLOOR_RUN + 1) * sizeof *fx);
    double *fy = malloc((n / DRIP_FLOOR_RUN + 1) * sizeof *fy);
    bool grows = false;
    if (!fx || !fy)
        goto cleanup;
    for (size_t lo = 0; lo < n; lo += DRIP_FLOOR_RUN) {
        size_t lowest = n;
        for (size_t i = lo; i < n && i < lo + DRIP_FLOOR_RUN; i++)
            if (isfinite(x[i]) && isfinite(y[i]) && (lowest == n || y[i] < y[lowest]))
                lowest = i;
        if (lowest < n) {
            fx[nf] = x[lowest];
            fy[nf++] = y[lowest];
        }
    }
    drip_slope f;
    if (nf < 2 * DRIP_MIN_FIT_SAMPLES || drip_theil_sen(fx, fy, nf, DRIP_CONFIDENCE, &f) != 0)
        goto cleanup;
    double rise = f.slope * (x[n - 1] - x[0]);
    double noise = drip_residual_noise(fx, fy, nf, f.slope);
    grows = f.low > 0 && isfinite(noise) && rise >= DRIP_NOISE_FACTOR * noise;
cleanup:
    free(fx);
    free(fy);
    return grows;
}
