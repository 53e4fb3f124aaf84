/* sweep.c - the failure sweep's trials, in the worker process.
 *
 * SQLite's test suite fails the 1st, 2nd, 3rd... allocation of an operation
 * until one runs without a fault firing, and checks after each run that
 * nothing leaked.  A trial here is:
 *
 *     setup, `warmup` iterations, ONE iteration with allocation k failing
 *     (transient: only the k-th; persistent: the k-th and every later one),
 *     teardown, then: which blocks allocated in that iteration are alive?
 *
 * Every trial starts from a fresh setup, so what a trial leaves is only
 * what its iteration dropped, and teardown has had its chance to free the
 * rest.  The allocator's tracking list (alloc.h) records each block the
 * trial's iteration allocates with its stack; the blocks still listed after
 * teardown are the suspects.  A reference trial with no fault (k = 0) says
 * what an ordinary iteration leaves behind (a leaky pattern's stranded
 * task, say); suspects that match a reference block by size and stack are
 * that ordinary residue, the rest are findings of the failure path.
 *
 * As with the `alloc` fault point, only allocations made by the thread
 * running the iteration are counted and failed (not tasks it starts), so
 * the k-th allocation is the same allocation in every trial.  A crash or a
 * hang ends this process; the runner records it and starts a new worker at
 * k + 1 (harness/runner/sweep.c).
 */
#define _GNU_SOURCE
#include "worker.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ctx.h"
#include "protocol.h"
#include "send.h"
#include "symbols/symbols.h"
#include "util/util.h"

#define SITE_DEPTH 4          /* frames shown per leaked site */

/* What the allocator's fail hook consults during the trial's iteration. */
static struct {
    _Atomic uint64_t k;       /* 0: no fault (the reference trial) */
    unsigned         mode;
    _Atomic uint64_t asks, fired;
} g_trial;

/* drip_alloc_fail_hook for trials: counts the iterating thread's
 * allocations and fails the k-th (or, persistent, every one from the k-th
 * on).  Never allocates. */
static bool trial_hook(size_t size)
{
    (void)size;
    drip_ctx *ctx = drip__current_ctx;
    if (!ctx || !ctx->in_iteration)
        return false;
    uint64_t n = atomic_fetch_add_explicit(&g_trial.asks, 1, memory_order_relaxed) + 1;
    uint64_t k = atomic_load_explicit(&g_trial.k, memory_order_relaxed);
    bool fire = k && (g_trial.mode == DRIP_SWEEP_PERSISTENT ? n >= k : n == k);
    if (fire)
        atomic_fetch_add_explicit(&g_trial.fired, 1, memory_order_relaxed);
    return fire;
}

typedef struct sweeper {
    const drip_scenario *sc;
    const drip_workload *wl;
    drip_worker_shared   sh;
    drip_ctx             ctx;
    int                  fd;
    drip_symbols        *sym;          /* opened at the first leak */
    drip_alloc_block    *ref;          /* the reference trial's survivors */
    size_t               nref;
} sweeper;

/* Send one of the sweep's counters lines: TRIAL, END or LIMIT with n. */
static void send_n(const sweeper *s, drip_proto_kind kind, uint64_t n)
{
    drip_proto_msg m = {.kind = kind};
    m.u.n = n;
    drip__worker_send(s->fd, &m);
}

/* The blocks on the tracking list, copied into a malloc'd array (*n of
 * them), and the list emptied.  Runs with counting off. */
static drip_alloc_block *take_survivors(size_t *n)
{
    size_t cap = drip_alloc_track_list(NULL, 0) + 64;
    drip_alloc_block *b = xcalloc(cap, sizeof *b);
    size_t total = drip_alloc_track_list(b, cap);
    *n = total < cap ? total : cap;
    drip_alloc_track_forget();
    return b;
}

/* The same stack, frame by frame? */
static bool same_stack(const drip_alloc_block *a, const drip_alloc_block *b)
{
    return a->npc == b->npc && memcmp(a->pc, b->pc, (size_t)a->npc * sizeof a->pc[0]) == 0;
}

/* Same allocation site and size?  The trial's iteration number is the same
 * in every trial, so an ordinary block comes from the same call path each
 * time. */
static bool same_site(const drip_alloc_block *a, const drip_alloc_block *b)
{
    return a->size == b->size && same_stack(a, b);
}

/* Run one trial.  k = 0 is the reference (no fault).  On return *fired is
 * how many allocations failed, *rc the iteration's result, and the
 * survivors (malloc'd, *nsurv of them) are returned.  Returns NULL after
 * sending an `error` line when setup failed. */
static drip_alloc_block *trial(sweeper *s, uint64_t k, uint64_t *fired, uint64_t *asks, int *rc,
                               size_t *nsurv)
{
    void *state = NULL;
    drip_ctx *ctx = &s->ctx;
    ctx->iteration = 0;
    if (s->wl->setup) {
        drip_alloc_set_counting(true);
        int src = s->wl->setup(ctx, &state);
        drip_alloc_set_counting(false);
        if (src != 0) {
            drip__worker_say(s->fd, DRIP_PROTO_ERROR,
                             "setup of workload '%s' failed (returned %d)", s->wl->name, src);
            return NULL;
        }
    }
    for (uint64_t i = 0; i < s->sc->sweep.warmup; i++) {
        drip_ctx_begin(ctx, i);
        drip_alloc_set_counting(true);
        (void)s->wl->iterate(ctx, state);
        drip_alloc_set_counting(false);
        drip_ctx_end(ctx);
    }

    drip_alloc_track_forget();
    atomic_store(&g_trial.k, k);
    atomic_store(&g_trial.asks, 0);
    atomic_store(&g_trial.fired, 0);
    drip_alloc_track_start(drip_stack_walk);
    drip_alloc_set_fail_hook(trial_hook);
    drip_ctx_begin(ctx, s->sc->sweep.warmup);
    drip_alloc_set_counting(true);
    *rc = s->wl->iterate(ctx, state);
    drip_alloc_set_counting(false);
    drip_ctx_end(ctx);
    drip_alloc_set_fail_hook(NULL);
    drip_alloc_track_stop();
    *fired = atomic_load(&g_trial.fired);
    *asks = atomic_load(&g_trial.asks);

    if (s->wl->teardown) {
        drip_alloc_set_counting(true);
        s->wl->teardown(ctx, state);
        drip_alloc_set_counting(false);
    }
    return take_survivors(nsurv);
}

typedef struct site_sum {
    const drip_alloc_block *first;
    uint64_t bytes, blocks;
} site_sum;

static int cmp_site_bytes(const void *a, const void *b)
{
    const site_sum *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

/* Suspects minus the reference's residue, grouped by stack; sends
 * `result` and the biggest sites. */
static void report_trial(sweeper *s, uint64_t k, uint64_t fired, int rc,
                         const drip_alloc_block *surv, size_t nsurv)
{
    bool *matched = xcalloc(s->nref + 1, sizeof *matched);
    site_sum *sites = xcalloc(nsurv + 1, sizeof *sites);
    size_t nsites = 0;
    uint64_t bytes = 0, blocks = 0;

    for (size_t i = 0; i < nsurv; i++) {
        const drip_alloc_block *b = &surv[i];
        size_t r = 0;
        while (r < s->nref && (matched[r] || !same_site(b, &s->ref[r])))
            r++;
        if (r < s->nref) {
            matched[r] = true;           /* ordinary residue */
            continue;
        }
        bytes += b->size;
        blocks++;
        size_t j = 0;
        while (j < nsites && !same_stack(sites[j].first, b))
            j++;
        if (j == nsites)
            sites[nsites++].first = b;
        sites[j].bytes += b->size;
        sites[j].blocks++;
    }
    drip_proto_msg m = {.kind = DRIP_PROTO_RESULT};
    m.u.result.k = k;
    m.u.result.fired = fired;
    m.u.result.rc = rc;
    m.u.result.bytes = bytes;
    m.u.result.blocks = blocks;
    drip__worker_send(s->fd, &m);
    if (nsites) {
        if (!s->sym)
            s->sym = drip_symbols_open();
        qsort(sites, nsites, sizeof *sites, cmp_site_bytes);
        for (size_t j = 0; j < nsites && j < 8; j++) {
            char stack[1024];
            if (drip_symbols_stack(s->sym, sites[j].first->pc, sites[j].first->npc, SITE_DEPTH,
                                   stack, sizeof stack) == 0)
                snprintf(stack, sizeof stack, "(no stack: %d frames, all in the allocator)",
                         sites[j].first->npc);
            m = (drip_proto_msg){.kind = DRIP_PROTO_SITE};
            m.u.site.k = k;
            m.u.site.bytes = sites[j].bytes;
            m.u.site.blocks = sites[j].blocks;
            m.u.site.stack = stack;
            drip__worker_send(s->fd, &m);
        }
    }
    free(sites);
    free(matched);
}

int drip_worker_sweep(const drip_scenario *sc, uint64_t seed, unsigned mode, uint64_t from_k,
                      int out_fd)
{
    sweeper s;
    memset(&s, 0, sizeof s);
    s.sc = sc;
    s.fd = out_fd;
    signal(SIGPIPE, SIG_IGN);
    drip_alloc_set_counting(false);
    g_trial.mode = mode;
    int rc = 1;
    char *why = NULL;
    bool shared = false;

    if (!drip_alloc_active()) {
        drip__worker_say(s.fd, DRIP_PROTO_ERROR,
                         "the failure sweep needs Drip's counting allocator, which is off "
                              "(under valgrind, with DRIP_ALLOC=off, or in a sanitizer build)");
        goto cleanup;
    }
    s.wl = drip__worker_load(sc, &why);
    if (!s.wl) {
        drip__worker_say(s.fd, DRIP_PROTO_ERROR, "%s", why);
        goto cleanup;
    }
    drip_worker_shared_init(&s.sh, sc, seed);
    shared = true;
    if (s.sh.alloc_fault >= 0) {
        s.sh.alloc_fault = -1;          /* the sweep decides which allocations fail */
        drip__worker_say(s.fd, DRIP_PROTO_WARN,
                         "the scenario's 'alloc' fault point is ignored by the sweep, "
                              "which fails allocations itself");
    }
    drip_ctx_init(&s.ctx, &s.sh);

    uint64_t fired = 0, asks = 0;
    int irc = 0;
    send_n(&s, DRIP_PROTO_TRIAL, 0);    /* the reference trial: the runner's clock starts */
    s.ref = trial(&s, 0, &fired, &asks, &irc, &s.nref);
    if (!s.ref)
        goto cleanup;
    uint64_t ref_bytes = 0;
    for (size_t i = 0; i < s.nref; i++)
        ref_bytes += s.ref[i].size;
    drip_proto_msg m = {.kind = DRIP_PROTO_REFERENCE};
    m.u.reference.bytes = ref_bytes;
    m.u.reference.blocks = s.nref;
    m.u.reference.allocs = asks;
    drip__worker_send(s.fd, &m);
    if (atomic_load(&s.sh.param_error)) {
        drip__worker_say(s.fd, DRIP_PROTO_ERROR, "%s", atomic_load(&s.sh.param_error));
        goto cleanup;
    }

    uint64_t k = from_k ? from_k : 1;
    for (; k <= sc->sweep.max_k; k++) {
        send_n(&s, DRIP_PROTO_TRIAL, k);
        size_t nsurv = 0;
        drip_alloc_block *surv = trial(&s, k, &fired, &asks, &irc, &nsurv);
        if (!surv)
            goto cleanup;
        if (fired == 0) {               /* the iteration has fewer than k allocations */
            free(surv);
            send_n(&s, DRIP_PROTO_END, k);
            break;
        }
        report_trial(&s, k, fired, irc, surv, nsurv);
        free(surv);
    }
    if (k > sc->sweep.max_k)
        send_n(&s, DRIP_PROTO_LIMIT, sc->sweep.max_k);
    rc = 0;

cleanup:
    if (shared) {
        drip_ctx_destroy(&s.ctx);
        drip_worker_shared_destroy(&s.sh);
    }
    drip_symbols_close(s.sym);
    free(s.ref);
    free(why);
    return rc;
}
