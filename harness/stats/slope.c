/* slope.c - the Theil-Sen slope and its distribution-free confidence interval.
 *
 * The slope is the median of the slopes of all pairs of points; its interval
 * comes from ranks in the sorted pair slopes (Sen 1968, as tabled by
 * Hollander & Wolfe), so neither assumes normal noise and a few wild points
 * cannot move either.  Everything here is pure: scratch memory is malloc'd
 * and freed inside each call.
 */
#include "stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BINS_MAX 600   /* longer series are reduced to this many bin medians */

static const drip_slope nan_slope = {NAN, NAN, NAN, 0};

/* ---- the inverse normal CDF ------------------------------------------------ */

/* Phi^-1(p): Acklam's rational approximation (relative error 1.15e-9), then
 * one Halley step against erfc, which brings it to near double precision.
 * Returns -inf at 0, +inf at 1, NaN outside [0, 1].  Cannot fail otherwise. */
double drip_normal_quantile(double p)
{
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    const double p_low = 0.02425;
    double q, r, x;

    if (!(p >= 0 && p <= 1))
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;

    if (p < p_low) {                       /* lower tail */
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - p_low) {           /* central region */
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {                               /* upper tail */
        q = sqrt(-2 * log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }

    /* Halley refinement: e is the CDF error at x, u = e / pdf(x). */
    double e = 0.5 * erfc(-x / M_SQRT2) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    if (isfinite(u))
        x = x - u / (1 + x * u / 2);
    return x;
}

/* ---- order statistics -------------------------------------------------------
 * The fit needs only four order statistics of the pair slopes (the median's
 * one or two middle values and the interval's two ends), so it selects them
 * instead of sorting: quickselect with a median-of-three pivot, insertion
 * sort for short runs and heapsort once partitioning has gone on too long,
 * so the worst case stays O(N log N) and the usual case is O(N).  (A qsort
 * of the pair slopes was most of the cost of a fit.)  Callers never pass NaN.
 */

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double t = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > t; j--)
            v[j] = v[j - 1];
        v[j] = t;
    }
}

static void sift_down(double *v, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && v[child + 1] > v[child])
            child++;
        if (!(v[child] > v[root]))
            return;
        swap_d(&v[root], &v[child]);
    }
}

static void heap_sort(double *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end-- > 1;) {
        swap_d(&v[0], &v[end]);
        sift_down(v, 0, end);
    }
}

/* Rearrange v[0..n-1] (k < n) so that v[k] holds what a full sort would put
 * there, with nothing greater before it and nothing smaller after it. */
static void select_nth(double *v, size_t n, size_t k)
{
    int depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;                                        /* 2 * log2(n) rounds */

    while (n > 16) {
        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        double *a = v, *m = v + n / 2, *z = v + n - 1;    /* median of three */
        if (*m < *a) swap_d(m, a);
        if (*z < *m) swap_d(z, m);
        if (*m < *a) swap_d(m, a);
        double pivot = *m;

        size_t i = 0, j = n - 1;                           /* Hoare partition */
        for (;;) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i >= j)
                break;
            swap_d(&v[i++], &v[j--]);
        }
        /* Now v[0..j] <= pivot <= v[j+1..n-1] and 0 <= j < n-1 (the pivot
         * sits before the last element), so both sides shrink. */
        size_t left = j + 1;
        if (k < left) {
            n = left;
        } else {
            v += left;
            k -= left;
            n -= left;
        }
    }
    insertion_sort(v, n);
}

/* Place the order statistics of ranks r[0] <= r[1] <= ... (all < n) in v.
 * Going from the highest rank down, each step works on the prefix the one
 * before left below its rank: exactly the smallest values, in some order. */
static void select_ranks(double *v, size_t n, const size_t *r, size_t nr)
{
    for (size_t i = nr; i-- > 0;) {
        if (i + 1 < nr && r[i] == r[i + 1])
            continue;                                      /* already in place */
        select_nth(v, n, r[i]);
        n = r[i];
    }
}

/* See stats.h. */
double drip_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    size_t r[2] = {(n - 1) / 2, n / 2};
    select_ranks(v, n, r, 2);
    return (v[r[0]] + v[r[1]]) / 2;
}

/* See stats.h.  The residuals live in one scratch array, freed here. */
double drip_line_intercept(const double *x, const double *y, size_t n, double slope)
{
    if (isnan(slope))
        return NAN;
    double *r = malloc((n + 1) * sizeof *r);
    if (!r)
        return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i]))
            r[m++] = y[i] - slope * x[i];
    double icept = drip_median(r, m);
    free(r);
    return icept;
}

/* Reduce the m points in (x, y) to BINS_MAX bins of consecutive points, in
 * place: bin b covers indices [b*m/BINS_MAX, (b+1)*m/BINS_MAX), and becomes
 * (median x, median y) of its points.  `tmp` holds at least m/BINS_MAX + 1
 * doubles.  Bins are written in order, never ahead of the points they read.
 * Returns the new point count (BINS_MAX). */
static size_t reduce_to_bins(double *x, double *y, size_t m, double *tmp)
{
    for (size_t b = 0; b < BINS_MAX; b++) {
        size_t lo = b * m / BINS_MAX, hi = (b + 1) * m / BINS_MAX;
        size_t k = hi - lo;                /* >= 1 since m > BINS_MAX */

        memcpy(tmp, x + lo, k * sizeof *tmp);
        double bx = drip_median(tmp, k);
        memcpy(tmp, y + lo, k * sizeof *tmp);
        double by = drip_median(tmp, k);
        x[b] = bx;                         /* b <= lo: nothing unread is overwritten */
        y[b] = by;
    }
    return BINS_MAX;
}

/* ---- autocorrelation ------------------------------------------------------------ */

typedef struct ranked { double v; size_t i; } ranked;

static int cmp_ranked(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return x < y ? -1 : x > y;
}

/* The Hamed & Rao (1998) variance correction n/n* for a trend test on a
 * series whose noise is correlated from one sample to the next (a cache
 * whose size wanders, a TTL window): the lag-k autocorrelations of the ranks
 * of the detrended values, where significant at 95%, inflate the variance
 * of the rank statistic by
 *     1 + 2 / (m(m-1)(m-2)) * sum_k (m-k)(m-k-1)(m-k-2) rho_k.
 * Points must be in x order.  Returns the factor (>= 1), or 1 when the
 * series is too short or memory runs out (no correction). */
static double autocorr_factor(const double *x, const double *y, size_t m, double slope)
{
    if (m < 8)
        return 1;
    ranked *rk = malloc(m * sizeof *rk);
    double *rank = malloc(m * sizeof *rank);
    double factor = 1;
    if (!rk || !rank)
        goto cleanup;
    for (size_t i = 0; i < m; i++)
        rk[i] = (ranked){y[i] - slope * x[i], i};
    qsort(rk, m, sizeof *rk, cmp_ranked);
    for (size_t i = 0; i < m;) {           /* average ranks for ties */
        size_t j = i;
        while (j + 1 < m && rk[j + 1].v == rk[i].v)
            j++;
        for (size_t k = i; k <= j; k++)
            rank[rk[k].i] = (double)(i + j) / 2 + 1;
        i = j + 1;
    }
    double mean = ((double)m + 1) / 2, denom = 0;
    for (size_t i = 0; i < m; i++)
        denom += (rank[i] - mean) * (rank[i] - mean);
    if (denom <= 0)
        goto cleanup;
    double md = (double)m, bound = 1.959963985 / sqrt(md), sum = 0;
    for (size_t k = 1; k + 2 < m; k++) {
        double c = 0;
        for (size_t i = 0; i + k < m; i++)
            c += (rank[i] - mean) * (rank[i + k] - mean);
        double rho = c / denom;
        if (fabs(rho) > bound) {
            double mk = (double)(m - k);
            sum += mk * (mk - 1) * (mk - 2) * rho;
        }
    }
    factor = 1 + 2 / (md * (md - 1) * (md - 2)) * sum;
    if (!(factor > 1))
        factor = 1;
cleanup:
    free(rk);
    free(rank);
    return factor;
}

/* ---- Theil-Sen ---------------------------------------------------------------- */

/* See stats.h.  Details beyond the header:
 *  - points whose x or y is not finite are dropped first, and pairs whose
 *    slope is not finite are skipped like pairs with equal x;
 *  - out->n is the number of finite points given (counted before binning);
 *  - the interval: with m points fitted (m <= 600 after binning), N usable
 *    pair slopes s[0] <= ... <= s[N-1] and z = Phi^-1((1 + confidence) / 2),
 *    C = z * sqrt(m(m-1)(2m+5)/18 * f) (no correction for ties), f being
 *    the Hamed-Rao autocorrelation factor (autocorr_factor, 1 for
 *    independent noise), and
 *        low  = s[floor((N - C) / 2)]    high = s[ceil((N + C) / 2)]
 *    with 0-based ranks clamped to [0, N-1], low's rank to at most
 *    floor((N-1)/2) and high's to at least floor(N/2), so that
 *    low <= slope <= high always holds.  Skipped pairs make N smaller but
 *    not C, which only widens the interval;
 *  - confidence outside [0, 1] (or NaN) is taken as 1: the widest interval.
 * Returns -1 with *out NaN-filled (n = 0) when there is no usable pair or
 * scratch memory cannot be had. */
/* The fit behind the three public variants: `factor` > 0 widens the
 * interval's variance by that factor; factor < 0 estimates it from this
 * series' own residuals (autocorr_factor). */
static int theil_sen(const double *x, const double *y, size_t n, double confidence,
                     double factor, drip_slope *out)
{
    double *px = NULL, *py = NULL, *s = NULL;
    size_t m = 0, npairs = 0, used;
    int rc = -1;

    *out = nan_slope;
    if (n < 2 || !x || !y || n > SIZE_MAX / sizeof *px)
        return -1;

    px = malloc(n * sizeof *px);
    py = malloc(n * sizeof *py);
    if (!px || !py)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(x[i]) && isfinite(y[i])) {
            px[m] = x[i];
            py[m] = y[i];
            m++;
        }
    }
    used = m;
    if (m < 2)
        goto cleanup;

    if (m > BINS_MAX) {
        double *tmp = malloc((m / BINS_MAX + 1) * sizeof *tmp);
        if (!tmp)
            goto cleanup;
        m = reduce_to_bins(px, py, m, tmp);
        free(tmp);
    }

    s = malloc(m * (m - 1) / 2 * sizeof *s);
    if (!s)
        goto cleanup;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = i + 1; j < m; j++) {
            double dx = px[j] - px[i];
            if (dx == 0)
                continue;
            double v = (py[j] - py[i]) / dx;
            if (isfinite(v))               /* overflow is as useless as dx == 0 */
                s[npairs++] = v;
        }
    }
    if (npairs == 0)
        goto cleanup;

    if (!(confidence >= 0 && confidence <= 1))
        confidence = 1;
    size_t mid[2] = {(npairs - 1) / 2, npairs / 2};
    select_ranks(s, npairs, mid, 2);
    double slope = (s[mid[0]] + s[mid[1]]) / 2;

    double z = drip_normal_quantile((1 + confidence) / 2);
    double md = (double)m;
    double f = factor < 0 ? autocorr_factor(px, py, m, slope) : factor;
    double cc = z * sqrt(md * (md - 1) * (2 * md + 5) / 18 * f);
    double last = (double)(npairs - 1);
    double rlo = floor(((double)npairs - cc) / 2);
    double rhi = ceil(((double)npairs + cc) / 2);
    double lo_max = (double)((npairs - 1) / 2), hi_min = (double)(npairs / 2);

    if (!(rlo >= 0))                       /* also catches NaN and -inf */
        rlo = 0;
    if (rlo > lo_max)
        rlo = lo_max;
    if (!(rhi <= last))
        rhi = last;
    if (rhi < hi_min)
        rhi = hi_min;

    size_t r[4] = {(size_t)rlo, (npairs - 1) / 2, npairs / 2, (size_t)rhi};
    select_ranks(s, npairs, r, 4);
    out->slope = slope;
    out->low = s[r[0]];
    out->high = s[r[3]];
    out->n = used;
    rc = 0;

cleanup:
    free(px);
    free(py);
    free(s);
    return rc;
}

int drip_theil_sen(const double *x, const double *y, size_t n, double confidence,
                   drip_slope *out)
{
    return theil_sen(x, y, n, confidence, 1, out);
}

int drip_theil_sen_autocorr(const double *x, const double *y, size_t n, double confidence,
                            drip_slope *out)
{
    return theil_sen(x, y, n, confidence, -1, out);
}

int drip_theil_sen_scaled(const double *x, const double *y, size_t n, double confidence,
                          double factor, drip_slope *out)
{
    return theil_sen(x, y, n, confidence, factor >= 1 ? factor : 1, out);
}

double drip_autocorr_factor(const double *x, const double *y, size_t n, double slope)
{
    double *px = malloc((n + 1) * sizeof *px), *py = malloc((n + 1) * sizeof *py);
    size_t m = 0;
    double f = 1;
    if (px && py) {
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i]) && isfinite(y[i])) {
                px[m] = x[i];
                py[m] = y[i];
                m++;
            }
        f = autocorr_factor(px, py, m, slope);
    }
    free(px);
    free(py);
    return f;
}
