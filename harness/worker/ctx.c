/* ctx.c - the workload contract's functions: params, iteration, faults. */
#include "ctx.h"

#include <drip/workload.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fault.h"
#include "util/util.h"

__thread drip_ctx *drip__current_ctx;

void drip_worker_shared_init(drip_worker_shared *sh, const drip_scenario *sc, uint64_t seed)
{
    memset(sh, 0, sizeof *sh);
    sh->sc = sc;
    sh->seed = seed;
    sh->alloc_fault = -1;
    for (size_t i = 0; i < sc->nfaults; i++)
        if (strcmp(sc->faults[i].point, DRIP_FAULT_ALLOC) == 0)
            sh->alloc_fault = (int)i;
    sh->point_hash = xcalloc(sc->nfaults + 1, sizeof *sh->point_hash);
    for (size_t i = 0; i < sc->nfaults; i++)
        sh->point_hash[i] = drip_fault_point_hash(sc->faults[i].point);
    sh->param_used = xcalloc(sc->nparams + 1, sizeof *sh->param_used);
    pthread_mutex_init(&sh->other_points.lock, NULL);
    pthread_mutex_init(&sh->other_params.lock, NULL);
    for (size_t i = 0; i < sc->nparams; i++)
        atomic_init(&sh->param_used[i], false);
    atomic_init(&sh->param_error, NULL);
}

void drip_worker_shared_destroy(drip_worker_shared *sh)
{
    free(sh->point_hash);
    free(sh->param_used);
    pthread_mutex_destroy(&sh->other_points.lock);
    pthread_mutex_destroy(&sh->other_params.lock);
    free(atomic_load(&sh->param_error));
    memset(sh, 0, sizeof *sh);
}

void drip_ctx_init(drip_ctx *ctx, drip_worker_shared *sh)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->sh = sh;
    ctx->faults = xcalloc(sh->sc->nfaults + 1, sizeof *ctx->faults);
}

void drip_ctx_destroy(drip_ctx *ctx)
{
    free(ctx->faults);
    ctx->faults = NULL;
}

/* ---- names asked that the scenario does not configure ---------------------- */

/* Note name in a, once: a pointer seen on this ctx before is skipped
 * without a lock, so a workload asking an unconfigured point in every
 * iteration pays one comparison loop. */
static void note_asked(drip_ctx *ctx, int kind, const char *name)
{
    drip_asked *a = kind == 0 ? &ctx->sh->other_points : &ctx->sh->other_params;
    for (unsigned i = 0; i < ctx->nnoted[kind]; i++)
        if (ctx->noted[kind][i] == name)
            return;
    if (ctx->nnoted[kind] < sizeof ctx->noted[kind] / sizeof ctx->noted[kind][0])
        ctx->noted[kind][ctx->nnoted[kind]++] = name;
    pthread_mutex_lock(&a->lock);
    size_t i = 0;
    while (i < a->n && strncmp(a->names[i], name, DRIP_ASKED_LEN - 1) != 0)
        i++;
    if (i == a->n && a->n < DRIP_ASKED_MAX)
        snprintf(a->names[a->n++], DRIP_ASKED_LEN, "%s", name);
    pthread_mutex_unlock(&a->lock);
}

const char **drip_asked_names(drip_asked *a)
{
    pthread_mutex_lock(&a->lock);
    const char **out = xcalloc(a->n + 1, sizeof *out);
    for (size_t i = 0; i < a->n; i++)
        out[i] = a->names[i];
    pthread_mutex_unlock(&a->lock);
    return out;
}

/* ---- params -------------------------------------------------------------- */

static const drip_param *find_param(drip_ctx *ctx, const char *name)
{
    const drip_scenario *sc = ctx->sh->sc;
    for (size_t i = 0; i < sc->nparams; i++) {
        if (strcmp(sc->params[i].key, name) == 0) {
            atomic_store_explicit(&ctx->sh->param_used[i], true, memory_order_relaxed);
            return &sc->params[i];
        }
    }
    note_asked(ctx, 1, name);
    return NULL;
}

/* Record the first bad parameter; the worker ends the scenario with it.
 * Called from workload code, so the message is allocated uncounted. */
static void param_error(drip_ctx *ctx, const drip_param *p, const char *want)
{
    if (atomic_load(&ctx->sh->param_error))
        return;
    bool was = drip_alloc_set_counting(false);
    char *msg = xasprintf("%s:%d:%d: param '%s' must be %s, got '%s'", ctx->sh->sc->file,
                          p->pos.line, p->pos.col, p->key, want, p->value);
    char *expected = NULL;
    if (!atomic_compare_exchange_strong(&ctx->sh->param_error, &expected, msg))
        free(msg);
    drip_alloc_set_counting(was);
}

int64_t drip_param_int(drip_ctx *ctx, const char *name, int64_t fallback)
{
    const drip_param *p = find_param(ctx, name);
    if (!p)
        return fallback;
    int64_t v;
    uint64_t u;
    if (drip_parse_i64(p->value, &v) == 0)
        return v;
    if (drip_parse_size(p->value, &u) == 0 && u <= INT64_MAX)
        return (int64_t)u;
    param_error(ctx, p, "an integer (optionally with a size unit such as 64KiB)");
    return fallback;
}

double drip_param_double(drip_ctx *ctx, const char *name, double fallback)
{
    const drip_param *p = find_param(ctx, name);
    if (!p)
        return fallback;
    double v;
    if (drip_parse_double(p->value, &v) == 0)
        return v;
    param_error(ctx, p, "a number");
    return fallback;
}

const char *drip_param_str(drip_ctx *ctx, const char *name, const char *fallback)
{
    const drip_param *p = find_param(ctx, name);
    return p ? p->value : fallback;
}

uint64_t drip_iteration(const drip_ctx *ctx)
{
    return ctx->in_iteration ? ctx->iteration : 0;
}

/* ---- faults -------------------------------------------------------------- */

/* Ask fault spec i on ctx (in an iteration): decide, count, record. */
static bool ask(drip_ctx *ctx, size_t i)
{
    drip_fault_state *st = &ctx->faults[i];
    if (st->k_iteration != ctx->iteration || st->asked == 0) {
        st->k_iteration = ctx->iteration;
        st->k = 0;
    }
    const drip_fault_spec *f = &ctx->sh->sc->faults[i];
    bool fire = f->every || f->nnth
                    ? drip_fault_decide_schedule(ctx->iteration, st->k, f->every, f->nth, f->nnth)
                    : drip_fault_decide(ctx->sh->seed, ctx->sh->point_hash[i], ctx->iteration,
                                        st->k, f->rate);
    if (++st->k > st->most)
        st->most = st->k;
    st->asked++;
    if (fire) {
        st->fired++;
        if (st->nfirst < DRIP_FAULT_FIRST_MAX &&
            (st->nfirst == 0 || st->first[st->nfirst - 1] != ctx->iteration))
            st->first[st->nfirst++] = ctx->iteration;
    }
    return fire;
}

bool drip_fault(drip_ctx *ctx, const char *point)
{
    if (!ctx->in_iteration)
        return false;
    const drip_scenario *sc = ctx->sh->sc;
    for (size_t i = 0; i < sc->nfaults; i++)
        if (strcmp(sc->faults[i].point, point) == 0)
            return ask(ctx, i);
    note_asked(ctx, 0, point);
    return false;
}

bool drip__ctx_alloc_hook(size_t size)
{
    drip_ctx *ctx = drip__current_ctx;
    if (!ctx || !ctx->in_iteration || ctx->sh->alloc_fault < 0)
        return false;
    const drip_fault_spec *f = &ctx->sh->sc->faults[ctx->sh->alloc_fault];
    if (size < f->min_size || size > f->max_size)
        return false;
    return ask(ctx, (size_t)ctx->sh->alloc_fault);
}

uint64_t drip_ctx_most_asks(drip_ctx *const *ctxs, size_t n, size_t f)
{
    uint64_t most = 0;
    for (size_t t = 0; t < n; t++)
        if (ctxs[t]->faults[f].most > most)
            most = ctxs[t]->faults[f].most;
    return most;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void drip_ctx_merge_faults(drip_ctx *const *ctxs, size_t n, const drip_scenario *sc,
                           drip_fault_result *out)
{
    for (size_t f = 0; f < sc->nfaults; f++) {
        drip_fault_result *r = &out[f];
        memset(r, 0, sizeof *r);
        r->point = xstrdup(sc->faults[f].point);
        r->rate = sc->faults[f].rate;
        drip_fault_result_set_schedule(r, sc->faults[f].every, sc->faults[f].nth,
                                       sc->faults[f].nnth);
        /* Each thread takes iterations in increasing order, so the global
         * first few are among the union of every thread's first few. */
        uint64_t *all = xmalloc((n + 1) * DRIP_FAULT_FIRST_MAX * sizeof *all);
        size_t nall = 0;
        for (size_t t = 0; t < n; t++) {
            const drip_fault_state *st = &ctxs[t]->faults[f];
            r->asked += st->asked;
            r->fired += st->fired;
            for (size_t j = 0; j < st->nfirst; j++)
                all[nall++] = st->first[j];
        }
        qsort(all, nall, sizeof all[0], cmp_u64);
        for (size_t j = 0; j < nall && r->nfirst < DRIP_FAULT_FIRST_MAX; j++)
            r->first[r->nfirst++] = all[j];
        free(all);
    }
}
