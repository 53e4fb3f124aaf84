/* pace.h - epoch sizes for a timed run (run.duration).
 *
 * A timed run does not know how many iterations it will make, so it cannot
 * fix sample_every in advance.  Instead the thread that takes an epoch's
 * sample sizes the next epoch from the rate the last one ran at, so that
 * an epoch lasts about duration / DRIP_DURATION_SAMPLES.  The first epoch
 * is one iteration, and an epoch is at most twice the one before: the run
 * starts with a short calibration ramp (1, 2, 4, ... iterations; a few
 * samples that fall in the warm-up), and a noisy first reading can never
 * make an epoch overshoot.  Only the epoch boundaries depend on time:
 * faults still follow (seed, point, iteration), and samples stay
 * quiescent.
 */
#ifndef DRIP_PACE_H
#define DRIP_PACE_H

#include <stdint.h>

/* The size of the next epoch: prev iterations took elapsed_ns (sample to
 * sample); aim for target_ns.  At least 1, at most 2 * prev (and at most
 * DRIP_PACE_MAX); 2 * prev when elapsed_ns is 0.  Pure; cannot fail. */
uint64_t drip_pace_next(uint64_t prev, uint64_t elapsed_ns, uint64_t target_ns);

/* The target length of the next epoch of a run of duration_ns, elapsed_ns
 * into it, with `samples` taken so far: the time left shared by the
 * samples still to take for DRIP_DURATION_SAMPLES in all, so a run that
 * slows down catches up; duration_ns / DRIP_DURATION_SAMPLES once they are
 * all taken.  At least 1 ns.  Pure; cannot fail. */
uint64_t drip_pace_target(uint64_t duration_ns, uint64_t elapsed_ns, uint64_t samples);

#define DRIP_PACE_MAX 1000000000000ULL     /* run.iterations' own maximum */

#endif /* DRIP_PACE_H */
