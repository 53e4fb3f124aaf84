/* chan_internal.h - what chan.c and select.c share (internal to src/rt).
 *
 * Locking.  ONE runtime-wide mutex, drip__chan_mu, guards the state of
 * every channel (buffer, queues, closed flag) and every waiter record.
 * That is deliberately simple: a select touches several channels at once,
 * and with a single lock it needs no lock ordering, no "select done"
 * arbitration and no lock juggling on wake-up.  Channel traffic is
 * serialised, which workloads that model leaks can afford.  Only the
 * reference count lives outside the lock (an atomic).
 *
 * Waiting.  A thread that must block builds one chan_waiter (its own
 * condition variable, on its stack) and one chan_sudog per case, like Go's
 * sudog, and links each sudog into its channel's sendq or recvq.  Whoever
 * completes an operation with a queued sudog (a sender meeting a waiting
 * receiver, a receiver meeting a waiting sender, close) does the whole
 * transfer on the sleeper's behalf under the lock, then "fires" the waiter:
 * it records which case fired, unlinks ALL the waiter's sudogs from their
 * queues (so queues never hold stale entries), and signals its condition
 * variable.  The sleeper only has to notice that it fired; on a timeout it
 * unlinks its sudogs itself.  Sudogs live on the sleeper's stack (or in a
 * malloc'd array for selects of more than CHAN_STACK_CASES cases), which is
 * safe because the sleeper cannot return before it retakes the lock.
 */
#ifndef DRIP_RT_CHAN_INTERNAL_H
#define DRIP_RT_CHAN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "drip/chan.h"

#define CHAN_ELEM_MAX    65536   /* largest element, as documented */
#define CHAN_STACK_CASES 8       /* selects up to this size never allocate */

typedef struct chan_waiter chan_waiter;

typedef struct chan_sudog {
    struct chan_sudog *next, *prev;   /* in c->sendq or c->recvq */
    chan_waiter       *w;
    drip_chan         *c;             /* NULL: a case that never fires */
    void              *elem;          /* SEND: source; RECV: destination or NULL */
    bool               is_send;
    bool               queued;
    bool               ok;            /* RECV: the result, set by the firer */
} chan_sudog;

struct chan_waiter {
    pthread_cond_t cond;     /* waits on drip__chan_mu */
    chan_sudog    *sg;       /* one per case, indexed like the cases */
    size_t         n;
    long           fired;    /* index of the case that completed; -1 while waiting */
    bool           closed;   /* it completed because the channel was closed */
    bool           parked;   /* counted as a parked task (park.h) until fired */
};

typedef struct chan_queue {
    chan_sudog *head, *tail;
} chan_queue;

struct drip_chan {
    _Atomic size_t refs;
    size_t         elem_size;
    size_t         cap;
    size_t         head;     /* ring: index of the oldest element */
    size_t         count;    /* ring: elements buffered */
    bool           closed;
    chan_queue     sendq;    /* blocked senders, oldest first */
    chan_queue     recvq;    /* blocked receivers, oldest first */
    unsigned char  buf[];    /* cap * elem_size bytes */
};

/* The lock of all channel state. */
extern pthread_mutex_t drip__chan_mu;

/* Everything below runs under drip__chan_mu. */

/* Would a send / a receive on c complete without waiting?  (A send on a
 * closed channel "completes" with DRIP_ECLOSED.) */
static inline bool drip__chan_send_ready(const drip_chan *c)
{
    return c->closed || c->recvq.head || c->count < c->cap;
}

static inline bool drip__chan_recv_ready(const drip_chan *c)
{
    return c->count > 0 || c->sendq.head || c->closed;
}

/* Send *elem if that cannot block: 0 sent, DRIP_ECLOSED, or 1 when it
 * would have to wait. */
int drip__chan_try_send(drip_chan *c, const void *elem);

/* Receive into elem (may be NULL) if that cannot block; false when it would
 * have to wait.  *ok tells a real element from closed-and-drained. */
bool drip__chan_try_recv(drip_chan *c, void *elem, bool *ok);

/* Link sg into its channel's sendq or recvq. */
void drip__chan_enqueue(chan_sudog *sg);

/* Unlink every sudog of w that is still queued. */
void drip__chan_unqueue(chan_waiter *w);

#endif /* DRIP_RT_CHAN_INTERNAL_H */
