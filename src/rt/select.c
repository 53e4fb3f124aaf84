/* select.c - Go's select, and the blocking send / receive, which are
 * one-case selects (see drip/chan.h; the scheme is in chan_internal.h).
 *
 * A select first looks for ready cases under the lock and performs one
 * chosen uniformly at random.  If none is ready (and it may wait) it queues
 * one sudog per case, sleeps once on its own condition variable (on
 * CLOCK_MONOTONIC, for timeouts), and is woken by whoever completed one of
 * its cases - or by its timeout, after which it unqueues itself.
 */
#include "drip/chan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "chan_internal.h"
#include "park.h"

static pthread_condattr_t g_condattr;          /* CLOCK_MONOTONIC */
static pthread_once_t     g_condattr_once = PTHREAD_ONCE_INIT;
static bool               g_condattr_ok;

/* pthread_once body.  It cannot fail with glibc; if it did, waiters would
 * get default condition variables (CLOCK_REALTIME), on which a monotonic
 * deadline reads as long past: timed selects would time out early, but
 * nothing else would change. */
static void condattr_init(void)
{
    g_condattr_ok = pthread_condattr_init(&g_condattr) == 0 &&
                    pthread_condattr_setclock(&g_condattr, CLOCK_MONOTONIC) == 0;
}

/* The calling thread's xorshift64 generator, seeded on first use from a
 * global counter and the address of the thread's own state (rand() would
 * share one lock-protected state across threads). */
static uint64_t rng_next(void)
{
    static _Atomic uint64_t seq;
    static __thread uint64_t state;
    uint64_t x = state;

    if (x == 0) {                               /* splitmix64 of a unique input */
        x = atomic_fetch_add_explicit(&seq, 1, memory_order_relaxed) ^ (uintptr_t)&state;
        x += 0x9e3779b97f4a7c15u;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
        x ^= x >> 31;
        if (x == 0)
            x = 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state = x;
    return x;
}

/* Uniform in [0, k), k >= 1. */
static size_t rng_below(size_t k)
{
    return (size_t)(((rng_next() >> 32) * (uint64_t)k) >> 32);
}

/* Perform one ready case chosen uniformly at random among the ready ones
 * (reservoir sampling over a single pass, so no permutation array).
 * Returns its index, DRIP_ECLOSED for a SEND on a closed channel, or -1
 * when no case is ready. */
static int select_ready(drip_select_case *cases, size_t n)
{
    size_t ready = 0, pick = 0;

    for (size_t i = 0; i < n; i++) {
        drip_chan *c = cases[i].chan;
        if (!c || !(cases[i].op == DRIP_SEND ? drip__chan_send_ready(c) : drip__chan_recv_ready(c)))
            continue;
        if (rng_below(++ready) == 0)
            pick = i;
    }
    if (ready == 0)
        return -1;
    if (cases[pick].op == DRIP_SEND)
        return drip__chan_try_send(cases[pick].chan, cases[pick].elem) == DRIP_ECLOSED
               ? DRIP_ECLOSED : (int)pick;
    drip__chan_try_recv(cases[pick].chan, cases[pick].elem, &cases[pick].ok);
    return (int)pick;
}

/* Sleep on w until it fires or the monotonic deadline passes (UINT64_MAX:
 * never).  Under drip__chan_mu.  true when it fired. */
static bool waiter_sleep(chan_waiter *w, uint64_t deadline)
{
    struct timespec ts = {
        .tv_sec = (time_t)(deadline / 1000000000u),
        .tv_nsec = (long)(deadline % 1000000000u),
    };

    while (w->fired < 0) {
        if (deadline == UINT64_MAX)
            pthread_cond_wait(&w->cond, &drip__chan_mu);
        else if (pthread_cond_timedwait(&w->cond, &drip__chan_mu, &ts) == ETIMEDOUT)
            return w->fired >= 0;
    }
    return true;
}

/* Queue one sudog per case in sg[] (NULL channels stay unqueued), sleep,
 * and turn what happened into select's result.  Under drip__chan_mu. */
static int select_block(drip_select_case *cases, size_t n, chan_sudog *sg,
                        uint64_t deadline)
{
    chan_waiter w = { .sg = sg, .n = n, .fired = -1 };
    int rc;

    if (pthread_cond_init(&w.cond, g_condattr_ok ? &g_condattr : NULL) != 0)
        return DRIP_ENOMEM;                     /* not with glibc: it allocates nothing */
    for (size_t i = 0; i < n; i++) {
        sg[i] = (chan_sudog){ .w = &w, .c = cases[i].chan, .elem = cases[i].elem,
                              .is_send = cases[i].op == DRIP_SEND };
        if (sg[i].c)
            drip__chan_enqueue(&sg[i]);
    }
    w.parked = drip__park_begin();
    if (!waiter_sleep(&w, deadline)) {
        drip__park_end(&w.parked);              /* timed out: nobody fired it */
        drip__chan_unqueue(&w);
        rc = DRIP_SELECT_TIMEOUT;
    } else if (sg[w.fired].is_send) {
        rc = w.closed ? DRIP_ECLOSED : (int)w.fired;
    } else {
        cases[w.fired].ok = sg[w.fired].ok;
        rc = (int)w.fired;
    }
    pthread_cond_destroy(&w.cond);
    return rc;
}

/* Go's select: see drip/chan.h for the contract.  DRIP_EINVAL for a NULL
 * case array with n > 0, an unknown op, or a SEND without an element;
 * DRIP_ENOMEM when n > CHAN_STACK_CASES and the wait records cannot be
 * allocated (then no case has fired). */
int drip_select(drip_select_case *cases, size_t n, uint64_t timeout_ns)
{
    chan_sudog local[CHAN_STACK_CASES], *sg = local, *heap = NULL;
    uint64_t now, deadline = UINT64_MAX;
    int rc;

    if (n > 0 && !cases)
        return DRIP_EINVAL;
    if (n > (size_t)INT32_MAX)
        return DRIP_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((cases[i].op != DRIP_SEND && cases[i].op != DRIP_RECV) ||
            (cases[i].op == DRIP_SEND && cases[i].chan && !cases[i].elem))
            return DRIP_EINVAL;
    if (timeout_ns != DRIP_SELECT_FOREVER) {
        now = drip_rt_now();
        deadline = timeout_ns >= UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    }
    pthread_once(&g_condattr_once, condattr_init);

    pthread_mutex_lock(&drip__chan_mu);
    rc = select_ready(cases, n);
    if (rc != -1)
        goto cleanup;
    if (timeout_ns == 0) {
        rc = DRIP_SELECT_DEFAULT;
        goto cleanup;
    }
    if (n > CHAN_STACK_CASES) {                 /* malloc under the lock: rare, short */
        sg = heap = n > SIZE_MAX / sizeof *sg ? NULL : malloc(n * sizeof *sg);
        if (!heap) {
            rc = DRIP_ENOMEM;
            goto cleanup;
        }
    }
    rc = select_block(cases, n, sg, deadline);

cleanup:
    pthread_mutex_unlock(&drip__chan_mu);
    free(heap);
    return rc;
}

/* Blocking send: a one-case select.  0, DRIP_ECLOSED, or DRIP_EINVAL for a
 * NULL channel or element (Go would block forever on a nil channel). */
int drip_chan_send(drip_chan *c, const void *elem)
{
    drip_select_case sc = { .chan = c, .op = DRIP_SEND, .elem = (void *)elem };
    int rc;

    if (!c || !elem)
        return DRIP_EINVAL;
    rc = drip_select(&sc, 1, DRIP_SELECT_FOREVER);
    return rc < 0 ? rc : 0;
}

/* Blocking receive: a one-case select.  0, or DRIP_EINVAL for a NULL
 * channel (Go would block forever on a nil channel). */
int drip_chan_recv(drip_chan *c, void *elem, bool *ok)
{
    drip_select_case sc = { .chan = c, .op = DRIP_RECV, .elem = elem };
    int rc;

    if (!c)
        return DRIP_EINVAL;
    rc = drip_select(&sc, 1, DRIP_SELECT_FOREVER);
    if (rc < 0)
        return rc;
    if (ok)
        *ok = sc.ok;
    return 0;
}
