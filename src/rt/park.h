/* park.h - which tasks are parked (internal to src/rt).
 *
 * A task is parked while it waits in one of the runtime's own primitives
 * (a channel operation or select, a drip_mutex) and nobody has woken it
 * yet.  The count is exact because the waker does the accounting: a thread
 * that completes a parked task's wait (fire() in chan.c, an unlock handing
 * over a drip_mutex) calls drip__park_end for it under the primitive's
 * lock, before the sleeper has run again.  So "every live task is parked"
 * means no task can make progress until someone else acts: what
 * drip_tasks_quiesce (task.c) waits for before a sample.  Threads that are
 * not tasks (the harness's iteration threads, the timer thread) are never
 * counted.
 */
#ifndef DRIP_RT_PARK_H
#define DRIP_RT_PARK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

extern _Atomic int64_t drip__parked;      /* tasks parked with no wake pending */
extern _Thread_local bool drip__t_task;   /* this thread runs a task (task.c) */

/* The calling thread starts waiting in a runtime primitive (under that
 * primitive's lock).  Returns whether it was counted (a task); pass that to
 * drip__park_end.  Can't fail. */
static inline bool drip__park_begin(void)
{
    if (!drip__t_task)
        return false;
    atomic_fetch_add_explicit(&drip__parked, 1, memory_order_release);
    return true;
}

/* A counted wait ended: called by its waker, or by the sleeper itself on a
 * timeout; *counted is cleared so it happens once.  Can't fail. */
static inline void drip__park_end(bool *counted)
{
    if (!*counted)
        return;
    *counted = false;
    atomic_fetch_sub_explicit(&drip__parked, 1, memory_order_release);
}

#endif /* DRIP_RT_PARK_H */
