/* stats.h - slopes, verdicts and expectations over plain arrays.
 *
 * Pure functions: no I/O, no globals, no allocation visible to the caller
 * (scratch memory is malloc'd and freed inside).  Every verdict Drip prints
 * can be reproduced by calling these on the samples in the CSV report.
 *
 * The rule (docs/STATISTICS.md explains it at length):
 *   1. Drop the first `warmup` fraction of samples; the rest is the window.
 *   2. Fit Theil-Sen slopes with confidence intervals over the window's
 *      second half (`tail`, its interval widened for autocorrelated noise:
 *      drip_theil_sen_autocorr) and over the whole window twice: `plain`,
 *      and `all`, widened by the larger autocorrelation factor of the two
 *      halves, each around its own line (the halves' residuals are noise;
 *      the whole window's may hold the shape of a curve, such as a leak
 *      that starts late, which is no noise).
 *   3. growth = all.slope * (x_last - x_first) of the window, and
 *      tail_growth likewise over the tail; noise = 1.4826 * MAD of the
 *      tail's residuals around its fitted line.
 *   4. verdict:
 *        growing  if plain.low > 0 and growth >= resolution (it rose), and
 *                 all.low > 0, tail.low > 0 and tail_growth >=
 *                 DRIP_NOISE_FACTOR * noise (it is still rising, beyond
 *                 what wandering noise explains)
 *        bounded  if it rose but is not still rising (a cache filling to
 *                 its cap, a one-off step)
 *        flat     otherwise (no significant growth, or a falling curve)
 *        unknown  when the window has fewer than DRIP_MIN_FIT_SAMPLES points
 */
#ifndef DRIP_STATS_H
#define DRIP_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define DRIP_MIN_FIT_SAMPLES 4      /* per fitted segment */
#define DRIP_CONFIDENCE      0.999  /* of the slope intervals used for verdicts */
#define DRIP_NOISE_FACTOR    4.0    /* growth must exceed this many noise sigmas */

typedef enum drip_verdict {
    DRIP_VERDICT_UNKNOWN = 0,
    DRIP_VERDICT_FLAT,
    DRIP_VERDICT_BOUNDED,
    DRIP_VERDICT_GROWING,
} drip_verdict;

/* "unknown", "flat", "bounded", "growing". */
const char *drip_verdict_name(drip_verdict v);
/* Parse "flat" | "bounded" | "growing"; 0 on success, -1 otherwise. */
int drip_verdict_parse(const char *s, drip_verdict *out);

typedef struct drip_slope {
    double slope;        /* median of pairwise slopes (Theil-Sen) */
    double low, high;    /* confidence interval of the slope */
    size_t n;            /* points used */
} drip_slope;

/* The median of v[0..n) (the mean of the two middle values when n is
 * even); reorders v.  NaN when n is 0.  The one median of the module:
 * every fit, bin and residual goes through it. */
double drip_median(double *v, size_t n);

/* The intercept of the line of slope `slope` through the finite points of
 * (x, y): the median of y - slope * x (the Theil-Sen intercept).  NaN when
 * slope is NaN, no point is finite or scratch memory runs out. */
double drip_line_intercept(const double *x, const double *y, size_t n, double slope);

/* Theil-Sen estimate of dy/dx over n points with the distribution-free
 * confidence interval of Sen (1968) at `confidence` (e.g. 0.95).  Points with
 * equal x are skipped as pairs.  Long series are reduced to at most 600
 * evenly spaced bin medians first, so the cost stays O(600^2).
 * Returns 0, or -1 when fewer than 2 usable points (then *out is NaN-filled). */
int drip_theil_sen(const double *x, const double *y, size_t n, double confidence,
                   drip_slope *out);

/* The same, with the interval widened for noise that is correlated from one
 * sample to the next (Hamed & Rao 1998): the lag autocorrelations of the
 * detrended ranks, where significant at 95%, inflate the variance of the
 * rank statistic.  Points must be in x order.  For independent noise the
 * factor is usually 1 (a lag passes the significance test by chance now
 * and then, widening the interval a little). */
int drip_theil_sen_autocorr(const double *x, const double *y, size_t n, double confidence,
                            drip_slope *out);

/* The Hamed-Rao variance factor (>= 1) of a series around the line of
 * slope `slope`, and a fit whose interval is widened by a given factor
 * (used to judge a whole window with the factor its tail shows). */
double drip_autocorr_factor(const double *x, const double *y, size_t n, double slope);
int drip_theil_sen_scaled(const double *x, const double *y, size_t n, double confidence,
                          double factor, drip_slope *out);

/* The standard normal quantile Phi^-1(p), accurate to ~1e-15; the two-sided
 * z of a confidence c is drip_normal_quantile((1 + c) / 2).  -inf at 0, +inf
 * at 1, NaN outside [0, 1].  Cannot fail. */
double drip_normal_quantile(double p);

typedef struct drip_fit {
    drip_slope   all;          /* over the window */
    drip_slope   tail;         /* over the window's second half */
    double       growth;       /* all.slope * window span in x */
    double       noise;        /* robust sd of the tail's residuals around its fit */
    size_t       window_start; /* index of the first sample in the window */
    drip_verdict verdict;
    /* Where the growth starts, for a growing metric (NaN otherwise): the x
     * of the first sample of the segment that grows (the window's first
     * sample when the whole window grows), and the fit from there to the
     * end (corrected interval; NaN-filled when not growing). */
    double       change_at;
    drip_slope   change;
} drip_fit;

/* ---- change.c: late growth and growth under churn ---- */

#define DRIP_FLOOR_RUN 4            /* samples per point of the floor (low envelope) */

/* 1.4826 x the median absolute deviation of the finite points' residuals
 * around the line of slope `slope`: a robust sd.  NaN when none is finite. */
double drip_residual_noise(const double *x, const double *y, size_t n, double slope);

/* The index c (c >= min_before, n - c >= min_after; both at least
 * DRIP_MIN_FIT_SAMPLES) where the points are best described by one line
 * before c and another from c on (least absolute residuals around each
 * side's Theil-Sen line), searched on 40 bin medians and refined on the
 * points.  0 when n is too short.  Points in x order. */
size_t drip_change_point(const double *x, const double *y, size_t n, size_t min_before,
                         size_t min_after);

/* Does the segment [c, n) grow on its own (rises, still rises in its second
 * half, by at least `resolution`, and rises and ends above everything
 * before c by DRIP_NOISE_FACTOR noise sigmas: the larger noise of either
 * side around its line, or the spread before c around its median)?
 * *seg receives the segment's corrected fit. */
bool drip_segment_grows(const double *x, const double *y, size_t n, size_t c,
                        double resolution, drip_slope *seg);

/* Does the low envelope of the points (the lowest of each DRIP_FLOOR_RUN)
 * rise significantly and by DRIP_NOISE_FACTOR of its own noise sigmas? */
bool drip_floor_grows(const double *x, const double *y, size_t n);

/* The slope `max_slope` checks: all.slope, or the slope from change_at on
 * when that is larger (a late leak must not pass a limit because the
 * window is mostly flat).  NaN when not judged. */
double drip_fit_max_rate(const drip_fit *fit);

/* Fit and classify one metric's series (x = iteration, y = value).
 * `warmup` in [0, 1) is the fraction of samples left out; `resolution` the
 * smallest growth over the window that counts.  Always fills *out; returns 0,
 * or -1 when the window is too short (verdict unknown, slopes NaN). */
int drip_fit_series(const double *x, const double *y, size_t n, double warmup,
                    double resolution, drip_fit *out);

typedef enum drip_rule {
    DRIP_RULE_MAX_SLOPE,      /* fit.all.slope <= limit */
    DRIP_RULE_MIN_SLOPE,      /* fit.all.slope >= limit */
    DRIP_RULE_VERDICT,        /* flat: flat; bounded: flat or bounded; growing: growing */
    DRIP_RULE_MAX_AFTER_TEARDOWN, /* the value measured after teardown <= limit (checked
                                     by the runner's judge: not a property of the fit) */
} drip_rule;

/* "max_slope", "min_slope", "verdict", "max_after_teardown". */
const char *drip_rule_name(drip_rule r);

/* Check one expectation against a fit.  *actual receives the slope for the
 * slope rules and the verdict (as a number) for DRIP_RULE_VERDICT.  An
 * unknown verdict or NaN slope never satisfies a rule. */
bool drip_expect_check(drip_rule rule, double limit, drip_verdict want,
                       const drip_fit *fit, double *actual);

#endif /* DRIP_STATS_H */
