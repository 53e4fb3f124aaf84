/* drip/task.h - tasks: the goroutine analog.
 *
 * drip_go(fn, arg) runs fn(arg) on a new thread with a small stack, detached,
 * like `go fn(arg)`.  A task that blocks forever (on a channel nobody will
 * ever use again, a lock never released) is a leaked task: its thread, its
 * stack and everything it references stay for the life of the process -
 * and the process can still exit.  The `tasks` gauge (drip_rt_gauges) counts
 * tasks started and not yet returned.
 */
#ifndef DRIP_TASK_H
#define DRIP_TASK_H

#include <stddef.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DRIP_TASK_STACK_DEFAULT (64 * 1024)

/* Start fn(arg) as a task with the default stack.  Returns 0, or DRIP_ENOMEM
 * / DRIP_EINVAL when the thread cannot be created (then fn is not run and
 * arg still belongs to the caller). */
int drip_go(void (*fn)(void *arg), void *arg);

/* The same with a chosen stack size (rounded up to the system minimum). */
int drip_go_stack(void (*fn)(void *arg), void *arg, size_t stack_bytes);

/* Live tasks right now (the `tasks` gauge). */
int64_t drip_tasks_live(void);

/* Wait until at most `n` tasks are live or `timeout_ns` passes; returns the
 * live count then.  For teardown code and tests: "no task left". */
int64_t drip_tasks_wait(int64_t n, uint64_t timeout_ns);

/* Wait while tasks keep finishing: until at most `n` tasks are live, or
 * until no task has finished for `quiet_ns`; returns the live count then.
 * For the teardown of code that may have stranded tasks blocked forever:
 * it waits for the tasks that can still finish without waiting a fixed
 * time for those that never will.  Never allocates; can't fail. */
int64_t drip_tasks_settle(int64_t n, uint64_t quiet_ns);

/* Wait until the runtime is quiescent: every live task either returned or
 * parked in one of the runtime's own waits (a channel operation or select,
 * a drip_mutex) with nobody having woken it - so no task can make progress
 * until someone else acts.  Gives up after `quiet_ns` with no task parking,
 * waking or ending (a task waiting outside the runtime - a pthread mutex, a
 * read - counts as running), and after `timeout_ns` in any case.  Returns
 * the tasks still running then; 0 means quiescent.  The harness calls it
 * before each sample, so the tasks an iteration started and left runnable
 * finish before they are counted.  Never allocates; can't fail. */
int64_t drip_tasks_quiesce(uint64_t timeout_ns, uint64_t quiet_ns);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_TASK_H */
