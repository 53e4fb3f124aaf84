/* preload_profile.h - private to libdrip_preload.so: the allocation-site
 * profile of a preloaded program (preload_profile.c), started by
 * preload.c's constructor. */
#ifndef DRIP_ALLOC_PRELOAD_PROFILE_H
#define DRIP_ALLOC_PRELOAD_PROFILE_H

#include <stdint.h>

/* When the environment asks for it (DRIP_PRELOAD_PROFILE=PREFIX,
 * DRIP_PRELOAD_PROFILE_RATE=R) and the counters are in the shared file:
 * sample the program's allocations at a mean of R bytes, seeded from
 * seed, and start the helper thread that writes snapshots on request.
 * Call once, from the constructor.  Never fails as a function (a profile
 * that cannot start is simply not written). */
void drip__alloc_preload_profile_start(uint64_t seed);

#endif /* DRIP_ALLOC_PRELOAD_PROFILE_H */
