/* stats_fixtures.h - what the statistics suites share: a seeded
 * splitmix64 with one stream per test family, the sample grid of the
 * verdict tests, and assertions on fits.  Header-only (static inline). */
#ifndef DRIP_TEST_STATS_FIXTURES_H
#define DRIP_TEST_STATS_FIXTURES_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "stats/stats.h"

typedef struct rng {
    uint64_t s;
} rng;

static inline void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    r->s = seed ^ (stream * 0xd1342543de82ef95ULL);
}

static inline uint64_t rng_next(rng *r)   /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline double rng_unit(rng *r)     /* [0, 1) */
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static inline double rng_pm(rng *r, double a)   /* uniform in [-a, a) */
{
    return a * (2 * rng_unit(r) - 1);
}

static inline double rng_gauss(rng *r)    /* standard normal, Box-Muller */
{
    double u = 1 - rng_unit(r);    /* (0, 1]: log is finite */
    return sqrt(-2 * log(u)) * cos(2 * M_PI * rng_unit(r));
}

/* Streams, one per test family. */
enum { S_OUTLIER = 1, S_NOISY, S_FLAT_U, S_FLAT_G, S_FLAT_I, S_LEAK, S_FAULT,
       S_SAT, S_KNEE, S_STEP, S_FALL, S_WARM, S_RES, S_CACHE_LEAK, S_LONG,
       /* appended, so that the streams above keep their numbers */
       S_TTL, S_AR, S_WALK, S_AUTOCORR, S_NOISE, S_FAULT_NOISY, S_LATE, S_LATE_STEP,
       S_CHURN };

#define NS 200          /* samples in the verdict tests */
#define EVERY 100.0     /* iterations between samples: x = 100, 200, ... 20000 */

static inline void x_every(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = EVERY * (double)(i + 1);
}

static inline drip_fit fit(const double *x, const double *y, size_t n, double warmup,
                    double resolution)
{
    drip_fit f;
    drip_fit_series(x, y, n, warmup, resolution, &f);
    return f;
}

#define ck_assert_near(a, b, tol) \
    ck_assert_msg(fabs((a) - (b)) <= (tol), "%s = %.12g, expected %.12g +- %g", \
                  #a, (double)(a), (double)(b), (double)(tol))

static inline void assert_nan_slope(const drip_slope *s)
{
    ck_assert(isnan(s->slope));
    ck_assert(isnan(s->low));
    ck_assert(isnan(s->high));
}

/* AR(1) noise e[i] = phi * e[i-1] + u[i], u uniform in [-a, a), around the
 * line y = slope * x: noise that wanders, correlated from sample to sample. */
static inline void ar_line(rng *r, const double *x, double *y, size_t n, double slope,
                    double phi, double a)
{
    double e = 0;
    for (size_t i = 0; i < n; i++) {
        e = phi * e + rng_pm(r, a);
        y[i] = slope * x[i] + e;
    }
}

#endif /* DRIP_TEST_STATS_FIXTURES_H */
