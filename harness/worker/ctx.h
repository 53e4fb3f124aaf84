/* ctx.h - the drip_ctx behind the workload contract (worker-internal).
 *
 * One drip_worker_shared per worker process, one drip_ctx per thread that
 * calls into the workload.  The drip_* contract functions (drip_param_int,
 * drip_fault, ...) are implemented in ctx.c over these structs.
 */
#ifndef DRIP_CTX_H
#define DRIP_CTX_H

#include <drip/workload.h>
#include <pthread.h>
#include <stdatomic.h>

#include "results/results.h"
#include "scenario/scenario.h"

typedef struct drip_fault_state {
    uint64_t asked, fired;
    uint64_t first[DRIP_FAULT_FIRST_MAX];   /* first iterations where it fired */
    size_t   nfirst;
    uint64_t k;                             /* asks within the current iteration */
    uint64_t k_iteration;                   /* the iteration k counts for */
    uint64_t most;                          /* the most asks in any one iteration */
} drip_fault_state;

/* Names a workload asked for that its scenario does not configure (fault
 * points with no spec, params not given): kept to say "did you mean" when
 * a configured one is never used.  Fixed storage: no allocation from
 * workload code.  The first DRIP_ASKED_MAX distinct names are kept. */
#define DRIP_ASKED_MAX 32
#define DRIP_ASKED_LEN 64
typedef struct drip_asked {
    pthread_mutex_t lock;
    char            names[DRIP_ASKED_MAX][DRIP_ASKED_LEN];
    size_t          n;
} drip_asked;

typedef struct drip_worker_shared {
    const drip_scenario *sc;
    uint64_t        seed;
    int             alloc_fault;            /* index of the `alloc` spec, or -1 */
    uint64_t       *point_hash;             /* per fault spec */
    atomic_bool    *param_used;             /* per param */
    _Atomic(char *) param_error;            /* first bad-param message, or NULL */
    drip_asked      other_points;           /* asked, not configured */
    drip_asked      other_params;           /* read, not given */
} drip_worker_shared;

struct drip_ctx {
    drip_worker_shared *sh;
    uint64_t            iteration;
    bool                in_iteration;
    drip_fault_state   *faults;             /* sh->sc->nfaults entries */
    const char         *noted[2][8];        /* names recorded already, points [0] and
                                               params [1] (by pointer: a workload
                                               passes the same literal) */
    unsigned            nnoted[2];
};

/* The names in a (a NULL-terminated array of borrowed strings, valid while
 * the shared part lives; malloc'd array). */
const char **drip_asked_names(drip_asked *a);

/* Set up the shared part for scenario sc (borrowed; must outlive it). */
void drip_worker_shared_init(drip_worker_shared *sh, const drip_scenario *sc, uint64_t seed);
void drip_worker_shared_destroy(drip_worker_shared *sh);

/* A ctx for one thread; drip_ctx_destroy releases its fault table. */
void drip_ctx_init(drip_ctx *ctx, drip_worker_shared *sh);
void drip_ctx_destroy(drip_ctx *ctx);

/* The ctx whose iteration this thread is running, or NULL. */
extern __thread drip_ctx *drip__current_ctx;

/* Mark the start and end of iteration i on this ctx (and this thread). */
static inline void drip_ctx_begin(drip_ctx *ctx, uint64_t i)
{
    ctx->iteration = i;
    ctx->in_iteration = true;
    drip__current_ctx = ctx;
}

static inline void drip_ctx_end(drip_ctx *ctx)
{
    ctx->in_iteration = false;
    drip__current_ctx = NULL;
}

/* The allocator's fail hook (drip_alloc_set_fail_hook) for the `alloc`
 * fault point: decides, like drip_fault, from (seed, "alloc", iteration,
 * k) and the spec's form (rate, or every / nth), where k counts this
 * iteration's allocations within the spec's size range.  Only allocations made on a thread inside an iteration can fail
 * (not setup, teardown, or threads the workload starts).  Never allocates. */
bool drip__ctx_alloc_hook(size_t size);

/* The most times fault spec f was asked within one iteration, over the
 * iterations of `n` ctxs: why an `nth` schedule never fired. */
uint64_t drip_ctx_most_asks(drip_ctx *const *ctxs, size_t n, size_t f);

/* Merge the fault counters of `n` ctxs into results (one entry per fault
 * spec, with its form copied, first iterations sorted ascending).  Each
 * entry owns its strings: drip_fault_result_clear releases them. */
void drip_ctx_merge_faults(drip_ctx *const *ctxs, size_t n, const drip_scenario *sc,
                           drip_fault_result *out);

#endif /* DRIP_CTX_H */
