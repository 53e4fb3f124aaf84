/* context.c - cancellation and deadlines, like Go's context package (see
 * drip/context.h).
 *
 * Tree.  A child holds a reference to its parent (so the parent outlives
 * it) and sits in the parent's list of children while it may still be
 * canceled by the parent; the list does not hold references.  One
 * runtime-wide mutex, g_mu, guards every context's err, children list and
 * list links: canceling walks a whole subtree, and with one lock it needs no
 * lock ordering.  Lock order: g_mu, then channel and timer locks (inside
 * drip_chan_close / drip_timer_*), never the reverse.
 *
 * Cancel.  Sets err (the parent's err for descendants, as Go does), then
 * closes the done channel, for the context and every descendant still in a
 * list; each canceled context leaves its parent's list, and its children's
 * list is emptied as they are canceled.  The walk is iterative (an
 * intrusive work stack), so deep chains cannot overflow a small task stack.
 * A context whose parent is already canceled is canceled at creation.
 *
 * Deadlines.  A function timer (drip_timer_func) calls deadline_fired on the
 * timer thread, which cancels with DRIP_EDEADLINE.  The timer belongs to the
 * context and holds no reference: the last release frees the timer first,
 * and drip_timer_free waits for a callback that is running, so the callback
 * never sees a freed context.  Canceling stops the timers of every context
 * it cancels, as Go's cancel does, so the `timers` gauge drops at once.
 * drip_timer_stop runs under g_mu, which is safe because the timer thread
 * calls functions without its own lock and stop never waits for one
 * (timer.c); drip_timer_free, which does wait, is only called without g_mu.  A deadline no later than the parent's adds no timer
 * (Go's WithDeadline does the same); one already past cancels with
 * DRIP_EDEADLINE at once.
 *
 * Background.  A static object: never canceled, no reference count, no
 * children list (children of background can never be canceled by it).  Its
 * done channel is NULL, like Go's Background().Done() returning nil: as a
 * drip_select case NULL never fires, and nothing is ever allocated for it.
 */
#include "drip/context.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "drip/timer.h"

struct drip_context {
    _Atomic long  refs;
    _Atomic int   err;          /* 0 while live; written under g_mu */
    drip_chan    *done;         /* NULL only for background */
    drip_context *parent;       /* holds a reference (none for background) */
    uint64_t      deadline;     /* monotonic ns; 0: none */
    drip_timer   *timer;        /* NULL: no deadline of its own; set under g_mu */
    bool          linked;       /* in parent->children */
    bool          background;
    drip_context *children;     /* those that parent's cancel still reaches */
    drip_context *sib_prev, *sib_next;
    drip_context *work_next;    /* cancel's work stack */
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static drip_context    g_background = { .background = true };

/* ======================================================================
 * The tree (all under g_mu)
 * ====================================================================== */

static void link_child(drip_context *c)
{
    drip_context *p = c->parent;

    c->sib_prev = NULL;
    c->sib_next = p->children;
    if (p->children)
        p->children->sib_prev = c;
    p->children = c;
    c->linked = true;
}

static void unlink_child(drip_context *c)
{
    if (!c->linked)
        return;
    if (c->sib_prev)
        c->sib_prev->sib_next = c->sib_next;
    else
        c->parent->children = c->sib_next;
    if (c->sib_next)
        c->sib_next->sib_prev = c->sib_prev;
    c->sib_prev = c->sib_next = NULL;
    c->linked = false;
}

/* Cancel c and its descendants with err and stop their timers; no-op if c
 * is already done (its descendants then are too). */
static void cancel_locked(drip_context *c, int err)
{
    drip_context *stack;

    if (atomic_load_explicit(&c->err, memory_order_relaxed) != 0)
        return;
    unlink_child(c);
    c->work_next = NULL;
    stack = c;
    while (stack) {
        drip_context *x = stack;
        stack = x->work_next;
        atomic_store_explicit(&x->err, err, memory_order_release);
        drip_chan_close(x->done);               /* err is set before the close */
        if (x->timer)
            drip_timer_stop(x->timer);          /* false from its own callback */
        while (x->children) {
            drip_context *y = x->children;
            unlink_child(y);
            if (atomic_load_explicit(&y->err, memory_order_relaxed) == 0) {
                y->work_next = stack;
                stack = y;
            }
        }
    }
}

/* ======================================================================
 * Construction and release
 * ====================================================================== */

/* The timer callback: runs on the timer thread. */
static void deadline_fired(void *arg)
{
    drip_context *c = arg;

    pthread_mutex_lock(&g_mu);
    cancel_locked(c, DRIP_EDEADLINE);
    pthread_mutex_unlock(&g_mu);
}

/* Free a context nobody references any more: leave the parent's list, free
 * the timer (waiting out a running callback), drop the done channel and the
 * parent reference, and go on up while that was the parent's last one (a
 * loop, not recursion: chains of contexts can be long).  Without g_mu. */
static void context_free(drip_context *c)
{
    while (c) {
        drip_context *parent = c->parent;

        pthread_mutex_lock(&g_mu);
        unlink_child(c);
        pthread_mutex_unlock(&g_mu);
        drip_timer_free(c->timer);
        drip_chan_release(c->done);
        free(c);
        c = NULL;
        if (parent && !parent->background &&
            atomic_fetch_sub_explicit(&parent->refs, 1, memory_order_acq_rel) == 1)
            c = parent;
    }
}

/* The common constructor: a child of parent with an optional deadline
 * (0: none), registered with the parent, canceled at once if the parent is
 * done or the deadline has passed, its timer armed last.  NULL with errno
 * EINVAL (no parent) or ENOMEM; on failure nothing is left allocated or
 * registered, and parent's reference count is unchanged. */
static drip_context *context_new(drip_context *parent, uint64_t deadline)
{
    drip_context *c = NULL;
    bool own_timer = false;
    uint64_t now;
    int perr;

    if (!parent) {
        errno = EINVAL;
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    atomic_init(&c->refs, 1);
    c->done = drip_chan_new(1, 0);
    if (!c->done)
        goto fail;
    c->parent = drip_context_retain(parent);
    c->deadline = deadline;
    if (parent->deadline != 0 && (deadline == 0 || parent->deadline <= deadline))
        c->deadline = parent->deadline;         /* the parent's comes first */
    else
        own_timer = deadline != 0;

    pthread_mutex_lock(&g_mu);
    perr = atomic_load_explicit(&parent->err, memory_order_relaxed);
    now = drip_rt_now();
    if (perr != 0) {
        cancel_locked(c, perr);
        own_timer = false;
    } else if (own_timer && deadline <= now) {
        cancel_locked(c, DRIP_EDEADLINE);
        own_timer = false;
    } else if (!parent->background) {
        link_child(c);
    }
    pthread_mutex_unlock(&g_mu);

    if (own_timer) {                            /* last: it may fire at once */
        drip_timer *t = drip_timer_func(deadline - now, deadline_fired, c);
        if (!t)
            goto fail;
        pthread_mutex_lock(&g_mu);
        c->timer = t;
        if (atomic_load_explicit(&c->err, memory_order_relaxed) != 0)
            drip_timer_stop(t);                 /* a parent's cancel came first */
        pthread_mutex_unlock(&g_mu);
    }
    return c;

fail:
    if (c && c->done)
        context_free(c);                        /* also unregisters it */
    else
        free(c);
    errno = ENOMEM;
    return NULL;
}

/* The background context: static, never canceled.  Can't fail. */
drip_context *drip_context_background(void)
{
    return &g_background;
}

/* A cancelable child of parent; see context_new for failures. */
drip_context *drip_context_with_cancel(drip_context *parent)
{
    return context_new(parent, 0);
}

/* A child canceled with DRIP_EDEADLINE at the monotonic time deadline_ns
 * (0 counts as long past); see context_new for failures. */
drip_context *drip_context_with_deadline(drip_context *parent, uint64_t deadline_ns)
{
    return context_new(parent, deadline_ns ? deadline_ns : 1);
}

/* A child canceled with DRIP_EDEADLINE timeout_ns from now; a timeout that
 * overflows the clock means no deadline.  See context_new for failures. */
drip_context *drip_context_with_timeout(drip_context *parent, uint64_t timeout_ns)
{
    uint64_t now = drip_rt_now();

    return context_new(parent, timeout_ns >= UINT64_MAX - now ? 0 : now + timeout_ns);
}

/* ======================================================================
 * Use
 * ====================================================================== */

/* Cancel c and its descendants with DRIP_ECANCELED and stop their timers.
 * Idempotent; NULL and background are no-ops.  The caller must hold a
 * reference.  Can't fail. */
void drip_context_cancel(drip_context *c)
{
    if (!c || c->background)
        return;
    pthread_mutex_lock(&g_mu);
    cancel_locked(c, DRIP_ECANCELED);
    pthread_mutex_unlock(&g_mu);
}

/* The done channel, borrowed from c (NULL for background and NULL). */
drip_chan *drip_context_done(drip_context *c)
{
    return c ? c->done : NULL;
}

/* 0 while live, else why it ended.  0 for NULL and background. */
int drip_context_err(drip_context *c)
{
    return c ? atomic_load_explicit(&c->err, memory_order_acquire) : 0;
}

/* One more reference; returns c.  Background and NULL are returned as they
 * are. */
drip_context *drip_context_retain(drip_context *c)
{
    if (c && !c->background)
        atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

/* Drop a reference; the last one unregisters c from its parent, frees its
 * timer and done channel and drops its parent reference.  Releasing does
 * not cancel: a released child of a live parent simply leaves the tree.
 * NULL and background are no-ops. */
void drip_context_release(drip_context *c)
{
    if (!c || c->background)
        return;
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
        context_free(c);
}
