/* fault.h - deterministic fault decisions.
 *
 * Whether a fault point fires is a pure function of (seed, point, iteration,
 * k), where k counts how many times the point was already asked within the
 * same iteration.  Iterations are numbered globally, not per thread, so the
 * decisions are the same whatever the thread count and scheduling.  For the
 * same reason the scheduled forms (every N-th iteration, the n-th ask) count
 * within an iteration, never across the whole run.
 */
#ifndef DRIP_FAULT_H
#define DRIP_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stable 64-bit hash of a fault point's name (FNV-1a, then mixed). */
uint64_t drip_fault_point_hash(const char *point);

/* A uniform number in [0, 1) derived from the four inputs. */
double drip_fault_uniform(uint64_t seed, uint64_t point_hash, uint64_t iteration, uint64_t k);

/* Does the fault fire?  rate 0 never fires, rate 1 always does. */
bool drip_fault_decide(uint64_t seed, uint64_t point_hash, uint64_t iteration, uint64_t k,
                       double rate);

/* Does a scheduled fault (`every` / `nth`) fire on ask k (0-based) of
 * iteration i (0-based)?  Only in iterations with (i + 1) % every == 0
 * (every 0: in every iteration), and there only on the asks listed in nth
 * (1-based, sorted ascending, nnth entries; nnth 0: the first ask).  The
 * seed plays no part: a schedule is the same for every seed.  Pure; never
 * fails. */
bool drip_fault_decide_schedule(uint64_t iteration, uint64_t k, uint64_t every,
                                const uint64_t *nth, size_t nnth);

#endif /* DRIP_FAULT_H */
