/* sim_verdicts.c - the simulations behind docs/STATISTICS.md's tables.
 *
 *     sim_verdicts [RUNS [SERIES]]
 *
 * Fits RUNS synthetic series of each kind (default 5000) with
 * drip_fit_series (200 samples at x = 100, 200, ... 20,000, warmup 0.2,
 * resolution 64 unless the series says otherwise) and prints the verdicts
 * counted: one line per series, "name runs flat bounded growing growing%".
 * SERIES, if given, runs only the series whose name contains it.  Seeds are
 * 1..RUNS on a stream of each series' own, so the numbers are reproducible:
 * run it before and after a change to the rule and compare.  Not a test (it
 * asserts nothing); ctest runs it with a few runs so that it keeps building. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_fixtures.h"

typedef struct sim {
    const char *name;
    void (*gen)(rng *r, const double *x, double *y, int i);
    double warmup, resolution;
} sim;

/* ---- wandering noise: must not come out growing ---------------------------- */

static void ttl(rng *r, const double *x, double *y, int i)
{
    enum { TTL = 2000 };
    static unsigned char miss[TTL];
    int live = 0;
    (void)x;
    (void)i;
    memset(miss, 0, sizeof miss);
    for (int it = 0; it < NS * (int)EVERY; it++) {
        int slot = it % TTL;
        live -= miss[slot];
        miss[slot] = rng_unit(r) < 0.25;
        live += miss[slot];
        if ((it + 1) % (int)EVERY == 0)
            y[it / (int)EVERY] = 352.0 * live;
    }
}

static void ar09u(rng *r, const double *x, double *y, int i)
{
    (void)i;
    ar_line(r, x, y, NS, 0, 0.9, 1000);
}

static void ar09g(rng *r, const double *x, double *y, int i)
{
    double e = 0;
    (void)x;
    (void)i;
    for (int k = 0; k < NS; k++) {
        e = 0.9 * e + 1000 * rng_gauss(r);
        y[k] = 1e5 + e;
    }
}

static void ar095u(rng *r, const double *x, double *y, int i)
{
    (void)i;
    ar_line(r, x, y, NS, 0, 0.95, 1000);
}

static void walk(rng *r, const double *x, double *y, int i)
{
    double v = 1e6;
    (void)x;
    (void)i;
    for (int k = 0; k < NS; k++) {
        v += 1000 * rng_gauss(r);
        y[k] = v;
    }
}

/* ---- bounded shapes and independent noise: must not come out growing ------ */

static void flat_u(rng *r, const double *x, double *y, int i)
{
    (void)x;
    (void)i;
    for (int k = 0; k < NS; k++)
        y[k] = 1000 + rng_pm(r, 500);
}

static void fill_exp(rng *r, const double *x, double *y, int i)   /* warmup 0 */
{
    (void)i;
    for (int k = 0; k < NS; k++)
        y[k] = 100000 * (1 - exp(-x[k] / 2000)) + rng_pm(r, 2000);
}

/* Linear fill of 1,000 B per sample, flat from the knee at `at` of the window. */
static void knee_at(rng *r, const double *x, double *y, double at)
{
    int knee = 40 + (int)(at * 160);
    for (int k = 0; k < NS; k++)
        y[k] = 1000.0 * (k < knee ? k : knee) + rng_pm(r, 5000);
    (void)x;
}

static void knee30(rng *r, const double *x, double *y, int i) { (void)i; knee_at(r, x, y, 0.3); }
static void knee60(rng *r, const double *x, double *y, int i) { (void)i; knee_at(r, x, y, 0.6); }
static void knee70(rng *r, const double *x, double *y, int i) { (void)i; knee_at(r, x, y, 0.7); }

static void step_mid(rng *r, const double *x, double *y, int i)
{
    (void)x;
    (void)i;
    for (int k = 0; k < NS; k++)
        y[k] = (k >= 120 ? 50000 : 0) + rng_pm(r, 2000);
}

/* ---- leaks: must come out growing ------------------------------------------- */

/* 64 B/iter from `at` of the iterations on, exact (a counted heap), or under
 * +-2000 B of noise. */
static void late(rng *r, const double *x, double *y, double at, double noise)
{
    double start = at * NS * EVERY;
    for (int k = 0; k < NS; k++)
        y[k] = 4096 + (x[k] > start ? 64 * (x[k] - start) : 0) +
               (noise > 0 ? rng_pm(r, noise) : 0);
}

static void late60(rng *r, const double *x, double *y, int i) { (void)i; late(r, x, y, 0.6, 0); }
static void late70(rng *r, const double *x, double *y, int i) { (void)i; late(r, x, y, 0.7, 0); }
static void late80(rng *r, const double *x, double *y, int i) { (void)i; late(r, x, y, 0.8, 0); }
static void late80n(rng *r, const double *x, double *y, int i) { (void)i; late(r, x, y, 0.8, 2000); }

/* tests/plugins/churn.c's heap: 48 B/iter leaked under a batch of blocks of
 * uniform [0, 40 KiB) (one per iteration) freed all at once when a 1-in-8
 * fault fires: about 140 KiB retained, spread like an exponential. */
static void churn(rng *r, const double *x, double *y, int i)
{
    double batch = 0;
    (void)x;
    (void)i;
    for (int it = 0; it < NS * (int)EVERY; it++) {
        batch += (double)(rng_next(r) % 1024) * 40;
        if (rng_unit(r) < 0.125)
            batch = 0;
        if ((it + 1) % (int)EVERY == 0)
            y[it / (int)EVERY] = 48.0 * (it + 1) + batch;
    }
}

static const sim sims[] = {
    {"ttl-cache", ttl, 0.2, 64},
    {"ar0.9-uniform", ar09u, 0.2, 64},
    {"ar0.9-gauss", ar09g, 0.2, 64},
    {"ar0.95-uniform", ar095u, 0.2, 64},
    {"random-walk", walk, 0.2, 64},
    {"flat-uniform", flat_u, 0.2, 64},
    {"bounded-fill-exp", fill_exp, 0, 64},
    {"bounded-knee30", knee30, 0.2, 64},
    {"bounded-knee60", knee60, 0.2, 64},
    {"bounded-knee70", knee70, 0.2, 64},
    {"bounded-step-mid", step_mid, 0.2, 64},
    {"leak-from60", late60, 0.2, 64},
    {"leak-from70", late70, 0.2, 64},
    {"leak-from80", late80, 0.2, 64},
    {"leak-from80-noisy", late80n, 0.2, 64},
    {"leak-churn", churn, 0.2, 64},
};

int main(int argc, char **argv)
{
    long runs = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
    const char *only = argc > 2 ? argv[2] : NULL;
    double x[NS], y[NS];
    x_every(x, NS);
    printf("%-20s %6s %6s %7s %7s %8s\n", "series", "runs", "flat", "bounded", "growing",
           "growing%");
    for (size_t s = 0; s < sizeof sims / sizeof *sims; s++) {
        if (only && !strstr(sims[s].name, only))
            continue;
        long c[4] = {0, 0, 0, 0};
        for (long seed = 1; seed <= runs; seed++) {
            rng r;
            rng_seed(&r, (uint64_t)seed, 1000 + s);
            sims[s].gen(&r, x, y, (int)seed);
            drip_fit f;
            drip_fit_series(x, y, NS, sims[s].warmup, sims[s].resolution, &f);
            c[f.verdict]++;
        }
        printf("%-20s %6ld %6ld %7ld %7ld %7.2f%%\n", sims[s].name, runs, c[1], c[2], c[3],
               100.0 * (double)c[3] / (double)runs);
    }
    return 0;
}
