/* chan.c - channel objects, transfers and close (see drip/chan.h).
 *
 * The locking and waiting scheme (one runtime-wide mutex, waiter records
 * queued per channel) is described in chan_internal.h; select and the
 * blocking send / receive built on it are in select.c.
 *
 * Transfers.  Unbuffered channels rendezvous: the sender's element is
 * copied straight into the waiting receiver's destination (or the receiver
 * copies it from the waiting sender's source), so a send returns only once
 * a receiver has the element.  Buffered channels use a ring buffer; a
 * receiver that frees a slot in a full buffer moves the first waiting
 * sender's element in, so FIFO order holds.
 *
 * Lifetime.  The reference count frees the channel with the last release.
 * A thread blocked on a channel must own a reference for as long as it is
 * blocked (the caller's job: drip_chan_retain before handing the channel to
 * a task); releasing a channel someone is blocked on is a use-after-free.
 */
#include "drip/chan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chan_internal.h"
#include "park.h"

pthread_mutex_t drip__chan_mu = PTHREAD_MUTEX_INITIALIZER;

/* ======================================================================
 * Channel objects
 * ====================================================================== */

/* A channel with its ring buffer in the same block, reference count 1.
 * NULL with errno EINVAL (elem_size outside 1..CHAN_ELEM_MAX) or ENOMEM (the
 * buffer size overflows or malloc fails); nothing is left allocated. */
drip_chan *drip_chan_new(size_t elem_size, size_t cap)
{
    drip_chan *c;

    if (elem_size == 0 || elem_size > CHAN_ELEM_MAX) {
        errno = EINVAL;
        return NULL;
    }
    if (cap > (SIZE_MAX - sizeof *c) / elem_size) {
        errno = ENOMEM;
        return NULL;
    }
    c = malloc(sizeof *c + cap * elem_size);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    memset(c, 0, sizeof *c);
    atomic_init(&c->refs, 1);
    c->elem_size = elem_size;
    c->cap = cap;
    return c;
}

/* One more reference; returns c (NULL stays NULL).  Can't fail. */
drip_chan *drip_chan_retain(drip_chan *c)
{
    if (c)
        atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

/* Drop a reference and free the channel with the last one.  Nobody may be
 * blocked on it then (each blocked thread owns a reference).  NULL is a
 * no-op. */
void drip_chan_release(drip_chan *c)
{
    if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
        free(c);
}

/* Elements buffered right now (0 for NULL).  Can't fail. */
size_t drip_chan_len(drip_chan *c)
{
    size_t n;

    if (!c)
        return 0;
    pthread_mutex_lock(&drip__chan_mu);
    n = c->count;
    pthread_mutex_unlock(&drip__chan_mu);
    return n;
}

/* The buffer capacity, fixed at creation (0 for NULL).  Can't fail. */
size_t drip_chan_cap(const drip_chan *c)
{
    return c ? c->cap : 0;
}

/* ======================================================================
 * Queues and waiters (all under drip__chan_mu)
 * ====================================================================== */

static chan_queue *queue_of(chan_sudog *sg)
{
    return sg->is_send ? &sg->c->sendq : &sg->c->recvq;
}

void drip__chan_enqueue(chan_sudog *sg)
{
    chan_queue *q = queue_of(sg);

    sg->next = NULL;
    sg->prev = q->tail;
    if (q->tail)
        q->tail->next = sg;
    else
        q->head = sg;
    q->tail = sg;
    sg->queued = true;
}

static void queue_remove(chan_sudog *sg)
{
    chan_queue *q = queue_of(sg);

    if (sg->prev)
        sg->prev->next = sg->next;
    else
        q->head = sg->next;
    if (sg->next)
        sg->next->prev = sg->prev;
    else
        q->tail = sg->prev;
    sg->next = sg->prev = NULL;
    sg->queued = false;
}

void drip__chan_unqueue(chan_waiter *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->sg[i].queued)
            queue_remove(&w->sg[i]);
}

/* sg's operation has been completed on its owner's behalf: record it, take
 * the owner off every queue, wake it. */
static void fire(chan_sudog *sg, bool closed)
{
    chan_waiter *w = sg->w;

    w->fired = (long)(sg - w->sg);
    w->closed = closed;
    drip__park_end(&w->parked);                 /* runnable now: no longer parked */
    drip__chan_unqueue(w);
    pthread_cond_signal(&w->cond);
}

/* ======================================================================
 * Non-blocking halves of send and receive (all under drip__chan_mu)
 * ====================================================================== */

static unsigned char *slot(drip_chan *c, size_t i)
{
    return c->buf + (i % c->cap) * c->elem_size;
}

/* Send *elem if that cannot block (see chan_internal.h). */
int drip__chan_try_send(drip_chan *c, const void *elem)
{
    chan_sudog *r;

    if (c->closed)
        return DRIP_ECLOSED;
    if ((r = c->recvq.head) != NULL) {          /* hand over to a waiting receiver */
        if (r->elem)
            memcpy(r->elem, elem, c->elem_size);
        r->ok = true;
        fire(r, false);
        return 0;
    }
    if (c->count < c->cap) {
        memcpy(slot(c, c->head + c->count), elem, c->elem_size);
        c->count++;
        return 0;
    }
    return 1;
}

/* Receive if that cannot block (see chan_internal.h). */
bool drip__chan_try_recv(drip_chan *c, void *elem, bool *ok)
{
    chan_sudog *s = c->sendq.head;

    if (c->count > 0) {
        if (elem)
            memcpy(elem, slot(c, c->head), c->elem_size);
        c->head = (c->head + 1) % c->cap;
        c->count--;
        if (s) {                                /* the buffer was full: refill it */
            memcpy(slot(c, c->head + c->count), s->elem, c->elem_size);
            c->count++;
            fire(s, false);
        }
        *ok = true;
        return true;
    }
    if (s) {                                    /* unbuffered rendezvous */
        if (elem)
            memcpy(elem, s->elem, c->elem_size);
        fire(s, false);
        *ok = true;
        return true;
    }
    if (c->closed) {
        if (elem)
            memset(elem, 0, c->elem_size);
        *ok = false;
        return true;
    }
    return false;
}

/* Close: every waiting receiver gets zero + ok = false, every waiting
 * sender DRIP_ECLOSED; buffered elements stay for later receivers.
 * 0, DRIP_ECLOSED when already closed, DRIP_EINVAL for NULL. */
int drip_chan_close(drip_chan *c)
{
    chan_sudog *sg;
    int rc = 0;

    if (!c)
        return DRIP_EINVAL;
    pthread_mutex_lock(&drip__chan_mu);
    if (c->closed) {
        rc = DRIP_ECLOSED;
        goto cleanup;
    }
    c->closed = true;
    while ((sg = c->recvq.head) != NULL) {      /* fire() unlinks it */
        if (sg->elem)
            memset(sg->elem, 0, c->elem_size);
        sg->ok = false;
        fire(sg, true);
    }
    while ((sg = c->sendq.head) != NULL)
        fire(sg, true);

cleanup:
    pthread_mutex_unlock(&drip__chan_mu);
    return rc;
}
