/* mutex.c - drip_mutex, Go's sync.Mutex analog (see drip/mutex.h).
 *
 * One runtime-wide pthread mutex, g_mu, guards every drip_mutex's state, as
 * drip__chan_mu does for channels: lock and unlock are short, and waiting is
 * a record on the waiter's stack with its own condition variable, queued on
 * the drip_mutex.  Unlock with waiters hands the lock straight to the oldest
 * (the mutex stays locked, now theirs), ends its parked state (park.h) and
 * signals it - so the waker does the accounting, and a task never looks
 * parked once it can run.
 */
#include "drip/mutex.h"

#include <pthread.h>
#include <stddef.h>

#include "park.h"

typedef struct mutex_waiter {
    struct mutex_waiter *next;
    pthread_cond_t       cond;     /* waits on g_mu */
    bool                 granted;  /* the lock is ours */
    bool                 parked;   /* counted as parked until granted */
} mutex_waiter;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

void drip_mutex_init(drip_mutex *m)
{
    m->locked = 0;
    m->head = m->tail = NULL;
}

/* Take m, or queue on it and sleep until an unlock grants it.  pthread's
 * default condition variable allocates nothing, so this can't fail. */
void drip_mutex_lock(drip_mutex *m)
{
    mutex_waiter w = { .next = NULL, .granted = false };

    pthread_mutex_lock(&g_mu);
    if (!m->locked) {
        m->locked = 1;
        goto cleanup;
    }
    pthread_cond_init(&w.cond, NULL);
    if (m->tail)
        ((mutex_waiter *)m->tail)->next = &w;
    else
        m->head = &w;
    m->tail = &w;
    w.parked = drip__park_begin();
    while (!w.granted)
        pthread_cond_wait(&w.cond, &g_mu);
    pthread_cond_destroy(&w.cond);

cleanup:
    pthread_mutex_unlock(&g_mu);
}

bool drip_mutex_trylock(drip_mutex *m)
{
    bool got;

    pthread_mutex_lock(&g_mu);
    got = !m->locked;
    if (got)
        m->locked = 1;
    pthread_mutex_unlock(&g_mu);
    return got;
}

/* Release m, or hand it to the oldest waiter.  Can't fail. */
void drip_mutex_unlock(drip_mutex *m)
{
    mutex_waiter *w;

    pthread_mutex_lock(&g_mu);
    w = m->head;
    if (!w) {
        m->locked = 0;
    } else {
        m->head = w->next;
        if (!m->head)
            m->tail = NULL;
        w->granted = true;                  /* still locked: the waiter's now */
        drip__park_end(&w->parked);
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&g_mu);
}
