/* profile.h - allocation-site profiling in the worker (see profile.c). */
#ifndef DRIP_PROFILE_H
#define DRIP_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario/scenario.h"

/* Start sampling the workload's allocations (mode and rate as in the
 * scenario's `profile:`; rate is ignored for precise).  false when off or
 * when the counting allocator is not active (nothing is profiled then). */
bool drip_profiler_start(drip_profile_mode mode, uint64_t rate);

/* The early snapshot, at a quiescent point when the warm-up ends (no
 * iteration in progress); iteration is the count done.  Only the first
 * call counts.  Allocates with the calling thread's counting off. */
void drip_profiler_early(uint64_t iteration);

/* The late snapshot after the last iteration (threads joined, before
 * teardown): stop profiling, name the stacks and send `profile` and `psite`
 * lines to fd.  A no-op when profiling is off. */
void drip_profiler_finish(uint64_t iteration, int fd);

#endif /* DRIP_PROFILE_H */
