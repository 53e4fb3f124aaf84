/* alloc_sample.c - when the profiler samples an allocation and what a
 * sample stands for (alloc_sample.h): the per-thread generators and their
 * seeds, exponential intervals, and the weights.  No libm: a malloc
 * replacement cannot count on it being loaded, and these need little.
 * Depends on the core's thread state (alloc_core.h) alone.
 */
#define _GNU_SOURCE
#include "alloc_core.h"
#include "alloc_sample.h"

#define t_self drip__alloc_t_self

/* The seed of the sampling generators, its generation (a thread whose
 * generator is of an older one seeds it again) and how many threads have
 * seeded theirs in this generation. */
static _Atomic uint64_t g_seed;
static _Atomic uint64_t g_seed_gen = 1;       /* t_seed_gen starts at 0: seed first */
static _Atomic uint64_t g_seeded_threads;

/* This thread's generator (xorshift64*) and its generation. */
static ALLOC_TLS uint64_t t_rng;
static ALLOC_TLS uint64_t t_seed_gen;

void drip__alloc_sample_seed(uint64_t seed)
{
    atomic_store(&g_seed, seed);
    atomic_store(&g_seeded_threads, 0);
    atomic_fetch_add(&g_seed_gen, 1);
}

/* A uniform double in (0, 1] from the thread's generator, seeded on the
 * thread's first draw from (seed, the thread's number): the n-th thread
 * to draw since the seed was set gets the n-th stream, whatever memory its
 * thread-locals reuse. */
static double drip__alloc_thread_uniform(void)
{
    uint64_t gen = atomic_load_explicit(&g_seed_gen, memory_order_acquire);
    if (ALLOC_UNLIKELY(t_seed_gen != gen)) {
        uint64_t n = atomic_fetch_add_explicit(&g_seeded_threads, 1, memory_order_relaxed);
        uint64_t seed = atomic_load_explicit(&g_seed, memory_order_relaxed);
        t_rng = drip__alloc_mix(seed ^ drip__alloc_mix(n)) | 1;   /* never 0 */
        t_seed_gen = gen;
    }
    uint64_t x = t_rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_rng = x;
    return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53 + 0x1.0p-53;
}

/* -ln(u) for u in (0, 1]: ln(m * 2^e) = ln(m) + e ln 2 with a short series
 * for ln(m), m in [1, 2).  Good to ~1e-7, plenty for sampling intervals. */
static double drip__alloc_neg_log(double u)
{
    int e = 0;
    while (u < 1.0) {
        u *= 2.0;
        e--;
    }
    double t = (u - 1.0) / (u + 1.0), t2 = t * t;      /* ln(u) = 2 atanh(t) */
    double series = t * (2.0 + t2 * (2.0 / 3 + t2 * (2.0 / 5 + t2 * (2.0 / 7 + t2 * (2.0 / 9 +
                    t2 * (2.0 / 11 + t2 * (2.0 / 13)))))));
    return -(series + e * 0.69314718055994530942);
}

/* e^-x for x >= 0: x = n ln2 + r, e^-r by its series. */
static double drip__alloc_exp_neg(double x)
{
    if (x > 700)
        return 0;
    int n = (int)(x / 0.69314718055994530942);
    double r = x - n * 0.69314718055994530942, term = 1, sum = 1;
    for (int i = 1; i < 18; i++) {
        term *= -r / i;
        sum += term;
    }
    while (n-- > 0)
        sum *= 0.5;
    return sum;
}

/* The next interval for this thread: exponential with mean rate bytes. */
static int64_t drip__alloc_sample_interval(uint64_t rate)
{
    double x = drip__alloc_neg_log(drip__alloc_thread_uniform()) * (double)rate;
    return x > (double)ALLOC_SAMPLE_NEVER ? ALLOC_SAMPLE_NEVER : (int64_t)x;
}

/* Sampled when the count goes below zero, as if each allocation took its
 * size off an exponential interval; a new thread's (or one whose counting
 * just came on) first interval is drawn now. */
bool drip__alloc_sample_due(uint64_t rate)
{
    if (!rate) {
        t_self.sample_left = ALLOC_SAMPLE_NEVER;
        return false;
    }
    if (rate == 1) {
        t_self.sample_left = 0;          /* ask again on the next allocation */
        return true;
    }
    if (!t_self.sample_drawn) {
        t_self.sample_drawn = 1;
        t_self.sample_left += drip__alloc_sample_interval(rate);
        if (t_self.sample_left >= 0)
            return false;
    } else if (t_self.sample_left == 0) {
        return false;                    /* used up exactly: the next byte is sampled */
    }
    t_self.sample_left = drip__alloc_sample_interval(rate);
    return true;
}

void drip__alloc_sample_weight_slow(size_t size, uint64_t rate, int64_t *objects,
                                    int64_t *bytes)
{
    double p = 1.0 - drip__alloc_exp_neg((double)size / (double)rate);
    double w = p > 0 ? 1.0 / p : 1.0;
    *objects = (int64_t)(w * (double)ALLOC_WEIGHT_ONE + 0.5);
    *bytes = (int64_t)(w * (double)size * (double)ALLOC_WEIGHT_ONE + 0.5);
}
