/* sampler.h - read every metric of this process into a drip_sample.
 *
 * Reads the allocator counters and /proc/self without allocating, so it can
 * run on any thread at any time (the worker calls it with counting off).
 */
#ifndef DRIP_SAMPLER_H
#define DRIP_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "results/results.h"

/* Is metric m measurable in this process? (heap metrics need the counting
 * allocator.) */
bool drip_sampler_has(int metric);

/* Fill s with iteration `iter`, seconds since t0_ns and every metric. */
void drip_sampler_take(drip_sample *s, uint64_t iter, uint64_t t0_ns);

#endif /* DRIP_SAMPLER_H */
