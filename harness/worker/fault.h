/* fault.h - deterministic fault decisions.
 *
 * Whether a fault point fires is a pure function of (seed, point, iteration,
 * k), where k counts how many times the point was already asked within the
 * same iteration.  Iterations are numbered globally, not per thread, so the
 * decisions are the same whatever the thread count and scheduling.
 */
#ifndef DRIP_FAULT_H
#define DRIP_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* A stable 64-bit hash of a fault point's name (FNV-1a, then mixed). */
uint64_t drip_fault_point_hash(const char *point);

/* A uniform number in [0, 1) derived from the four inputs. */
double drip_fault_uniform(uint64_t seed, uint64_t point_hash, uint64_t iteration, uint64_t k);

/* Does the fault fire?  rate 0 never fires, rate 1 always does. */
bool drip_fault_decide(uint64_t seed, uint64_t point_hash, uint64_t iteration, uint64_t k,
                       double rate);

#endif /* DRIP_FAULT_H */
