/* alloc_sample.h - private to src/alloc: when the profiler samples and
 * what a sample stands for (alloc_sample.c), for alloc_track.c.
 *
 * Poisson sampling by bytes, as Go's MemProfileRate: each counting thread
 * counts down the bytes it allocates (the core does, alloc_core.h); when
 * the count runs out the allocation is sampled and a new interval is drawn
 * from an exponential distribution with mean `rate` bytes, so a block of
 * size s is sampled with probability 1 - exp(-s / rate) and stands for the
 * inverse of that.  rate 1 samples every allocation ("precise").  Each
 * thread draws from its own generator, seeded from (the profile's seed,
 * the order in which threads first draw).  libc only; never allocates.
 */
#ifndef DRIP_ALLOC_SAMPLE_H
#define DRIP_ALLOC_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc_core.h"             /* ALLOC_WEIGHT_ONE: the weights' fixed point */

/* splitmix64's finaliser: a bijective mix of 64 bits (for seeding; also
 * the preloaded library's fault decisions). */
static inline uint64_t drip__alloc_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Seed every thread's generator anew (drip_alloc_profile_seed). */
void drip__alloc_sample_seed(uint64_t seed) __attribute__((visibility("hidden")));

/* The calling thread's count-down ran out (the core took this
 * allocation's size off it): true when this allocation is to be sampled
 * at mean interval rate; re-arms the count-down either way (rate 0: never
 * again until counting comes back on). */
bool drip__alloc_sample_due(uint64_t rate) __attribute__((visibility("hidden")));

/* What one sampled block of size bytes stands for at this rate, in
 * ALLOC_WEIGHT_ONE units: *objects blocks and *bytes bytes (1 and size at
 * rate 1).  The same size and rate always give the same numbers, so a
 * block's weights can be computed again when it is freed. */
void drip__alloc_sample_weight_slow(size_t size, uint64_t rate, int64_t *objects,
                                    int64_t *bytes) __attribute__((visibility("hidden")));

static inline void drip__alloc_sample_weight(size_t size, uint64_t rate, int64_t *objects,
                                             int64_t *bytes)
{
    if (rate <= 1) {                     /* precise: every block stands for itself */
        *objects = ALLOC_WEIGHT_ONE;
        *bytes = (int64_t)size * ALLOC_WEIGHT_ONE;
        return;
    }
    drip__alloc_sample_weight_slow(size, rate, objects, bytes);
}

#endif /* DRIP_ALLOC_SAMPLE_H */
