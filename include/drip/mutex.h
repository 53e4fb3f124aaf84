/* drip/mutex.h - a mutual exclusion lock: Go's sync.Mutex analog.
 *
 * Like sync.Mutex, and unlike a pthread mutex, a drip_mutex may be unlocked
 * by a thread other than the one that locked it, and waiters are served
 * oldest first.  It is the runtime's own wait: a task waiting in
 * drip_mutex_lock is parked (drip/task.h, drip_tasks_quiesce), so a lock
 * nobody will ever release strands a task the harness can count without
 * waiting for it, and a lock released hands over to its next waiter before
 * the unlocking call returns.
 *
 * A zero-initialised drip_mutex (DRIP_MUTEX_INIT) is unlocked; it holds no
 * resources, so there is nothing to destroy.
 */
#ifndef DRIP_MUTEX_H
#define DRIP_MUTEX_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_mutex {
    int   locked;          /* internal: guarded by the runtime's lock */
    void *head, *tail;     /* internal: waiters, oldest first */
} drip_mutex;

#define DRIP_MUTEX_INIT { 0, 0, 0 }

/* Unlocked. */
void drip_mutex_init(drip_mutex *m);

/* Lock m, waiting as long as it takes (Go: m.Lock()). */
void drip_mutex_lock(drip_mutex *m);

/* Lock m if nobody holds it; false when it is held (Go: m.TryLock()). */
bool drip_mutex_trylock(drip_mutex *m);

/* Unlock m, handing it to its oldest waiter if any (Go: m.Unlock()).  Any
 * thread may unlock; unlocking an unlocked mutex does nothing (Go panics). */
void drip_mutex_unlock(drip_mutex *m);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_MUTEX_H */
