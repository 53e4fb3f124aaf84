/* profile.h - allocation-site profiling in the worker (see profile.c). */
#ifndef DRIP_PROFILE_H
#define DRIP_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario/scenario.h"

/* Start sampling the workload's allocations as the scenario's `profile:`
 * says (rate 0: chosen by drip_profiler_choose; the spec's skip list is
 * borrowed until drip_profiler_finish).  code is an address in the
 * workload's code (its iterate): a site's user frame is in the same
 * object.  false when off or when the counting allocator is not active
 * (nothing is profiled then). */
bool drip_profiler_start(const drip_profile_spec *spec, const void *code);

/* No rate given: once `done` iterations (at least 20, and 1 % of planned,
 * the iterations the run is expected to make in all) have run at rate 1,
 * choose the rate from what they allocated.  true when it chose now.  Call
 * at a quiescent point; allocates with the calling thread's counting off. */
bool drip_profiler_choose(uint64_t done, double planned);

/* The early snapshot, at a quiescent point when the warm-up ends (no
 * iteration in progress); iteration is the count done.  Only the first
 * call counts.  Allocates with the calling thread's counting off. */
void drip_profiler_early(uint64_t iteration);

/* The late snapshot after the last iteration (threads joined, before
 * teardown), or when the run ends early (partial: the heap ceiling, where
 * iterations may still run, or a stop asked): stop profiling, name the
 * stacks and send `profile` and `psite` lines to fd.  A no-op when
 * profiling is off or already finished. */
void drip_profiler_finish(uint64_t iteration, int fd, bool partial);

#endif /* DRIP_PROFILE_H */
