/* profile.c - which allocation sites the live heap grows at.
 *
 * The allocator samples the workload's allocations (alloc.h, "Profiling")
 * and keeps, per stack, the estimated bytes its samples stand for, live
 * and allocated in all.  Two snapshots - one when the warm-up ends, one
 * after the last iteration, both at quiescent points of the run - give
 * each stack's estimated live bytes then and now; their difference over
 * the iterations between them is the site's growth per iteration, like
 * `pprof -diff_base`.  The allocator's per-stack totals add what each
 * site allocated in all (freed or not).  The stacks are named here, after
 * the run, outside any allocator hook, and sent to the runner as `profile`
 * and `psite` lines (protocol.h), each site with its user frame: the first
 * frame in the workload's own code that is not an allocation wrapper.
 *
 * The rate, when the scenario gives none: the first iterations run
 * precise (rate 1), which counts what the workload allocates per
 * iteration; from that and the iterations planned, a run whose
 * allocations fit PRECISE_MAX stays precise, and a bigger one samples at
 * the rate that gives about SAMPLES_WANTED samples over the run.  Each
 * sample keeps the rate it was drawn at (alloc.h), so the switch biases
 * nothing, and the counts are the workload's: the same seed at one thread
 * chooses the same rate.  A leak of under a byte per iteration still
 * collects tens of samples this way, where a fixed 512 KiB collects none.
 */
#define _GNU_SOURCE
#include "profile.h"

#include <ctype.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "protocol.h"
#include "symbols/symbols.h"
#include "util/util.h"
#include "worker.h"
#include "wrapper.h"

#define SITES_SENT_MAX  300    /* stacks sent to the runner */
#define FRAMES_SENT_MAX 32

#define PRECISE_MAX     (2u << 20)   /* allocations a run may make and stay precise */
#define SAMPLES_WANTED  (512u << 10) /* samples a chosen rate aims at */
#define RATE_CHOSEN_MAX (512u << 10) /* the rate a chosen one never exceeds */
#define CALIBRATE_MIN   20           /* iterations measured before choosing */

/* One stack's estimates in a snapshot or in the allocator's totals. */
typedef struct stack_sum {
    int    npc;
    void  *pc[DRIP_ALLOC_MAX_FRAMES];
    double early_bytes, early_objects;
    double late_bytes, late_objects;
    double alloc_bytes, alloc_objects;
} stack_sum;

static struct {
    bool       on;
    drip_profile_mode mode;
    uint64_t   rate;
    bool       choose;           /* no rate given: choose one (drip_profiler_choose) */
    bool       may_be_precise;   /* ... and precise is a choice (no mode given) */
    bool       early_taken;
    uint64_t   early_iteration;
    stack_sum *early;  size_t nearly;
    const void *code_base;       /* the object of the workload's code (dladdr) */
    char     **skip;  size_t nskip;   /* the scenario's wrappers (borrowed) */
} g_prof;

/* early, choose and finish: the heap ceiling's finish runs on the watchdog
 * while the iteration threads may end an epoch */
static pthread_mutex_t g_prof_lock = PTHREAD_MUTEX_INITIALIZER;

static int cmp_stack(const void *a, const void *b)
{
    const stack_sum *x = a, *y = b;
    if (x->npc != y->npc)
        return x->npc < y->npc ? -1 : 1;
    return memcmp(x->pc, y->pc, (size_t)x->npc * sizeof x->pc[0]);
}

/* Each stack's live estimates now, as the allocator keeps them (one entry
 * per stack and thread: summed here), sorted: *n sums, malloc'd.  Live
 * estimates go to the late_* fields. */
static stack_sum *snapshot(size_t *n)
{
    uint64_t dropped = 0;
    size_t cap = drip_alloc_profile_sites(NULL, 0, &dropped) + 64;
    drip_alloc_site *sites = xcalloc(cap, sizeof *sites);
    size_t ns = drip_alloc_profile_sites(sites, cap, &dropped);
    if (ns > cap)
        ns = cap;
    stack_sum *sums = xcalloc(ns + 1, sizeof *sums);
    for (size_t i = 0; i < ns; i++) {
        sums[i].npc = sites[i].npc;
        memcpy(sums[i].pc, sites[i].pc, sizeof sums[i].pc);
        sums[i].late_bytes = sites[i].live_bytes;
        sums[i].late_objects = sites[i].live_objects;
    }
    free(sites);
    qsort(sums, ns, sizeof *sums, cmp_stack);
    size_t out = 0;
    for (size_t i = 0; i < ns; i++) {
        if (out && cmp_stack(&sums[out - 1], &sums[i]) == 0) {
            sums[out - 1].late_bytes += sums[i].late_bytes;
            sums[out - 1].late_objects += sums[i].late_objects;
        } else {
            sums[out++] = sums[i];
        }
    }
    *n = out;
    return sums;
}

bool drip_profiler_start(const drip_profile_spec *spec, const void *code)
{
    memset(&g_prof, 0, sizeof g_prof);
    if (spec->mode == DRIP_PROFILE_OFF)
        return false;
    g_prof.mode = spec->mode == DRIP_PROFILE_DEFAULT ? DRIP_PROFILE_SAMPLED : spec->mode;
    g_prof.rate = g_prof.mode == DRIP_PROFILE_PRECISE ? 1 : spec->rate;
    if (!g_prof.rate) {              /* measured at rate 1 first, then chosen */
        g_prof.choose = true;
        g_prof.may_be_precise = spec->mode == DRIP_PROFILE_DEFAULT;
        g_prof.rate = 1;
    }
    g_prof.skip = spec->skip;
    g_prof.nskip = spec->nskip;
    Dl_info info;
    if (code && dladdr(code, &info))
        g_prof.code_base = info.dli_fbase;
    drip_alloc_track_forget();
    /* precise, or choosing (precise at first, and one walker all along:
     * the same stack must read the same before and after the choice):
     * the walker that learns each return address's unwind rule once
     * (symbols/walk.c); a sampled rate given: few walks, libunwind's own */
    bool fast = g_prof.mode == DRIP_PROFILE_PRECISE || g_prof.choose;
    g_prof.on = fast ? drip_alloc_profile_start_tagged(g_prof.rate, drip_stack_walk_fast_tagged)
                     : drip_alloc_profile_start(g_prof.rate, drip_stack_walk);
    return g_prof.on;
}

/* What the profile counted so far in all: *objects and *bytes allocated. */
static void allocated_so_far(double *objects, double *bytes)
{
    uint64_t dropped = 0;
    size_t cap = drip_alloc_profile_sites(NULL, 0, &dropped) + 64;
    drip_alloc_site *sites = xcalloc(cap, sizeof *sites);
    size_t ns = drip_alloc_profile_sites(sites, cap, &dropped);
    *objects = *bytes = 0;
    for (size_t i = 0; i < ns && i < cap; i++) {
        *objects += sites[i].objects;
        *bytes += sites[i].bytes;
    }
    free(sites);
}

bool drip_profiler_choose(uint64_t done, double planned)
{
    bool chose = false;
    pthread_mutex_lock(&g_prof_lock);
    if (!g_prof.on || !g_prof.choose || done < CALIBRATE_MIN ||
        (double)done < planned / 100)
        goto cleanup;
    double objects, bytes;
    allocated_so_far(&objects, &bytes);
    double scale = planned > (double)done ? planned / (double)done : 1;
    uint64_t rate = 1;
    if (!g_prof.may_be_precise || objects * scale > PRECISE_MAX) {
        double r = ceil(bytes * scale / SAMPLES_WANTED);
        rate = r < 2 ? 2 : r > RATE_CHOSEN_MAX ? RATE_CHOSEN_MAX : (uint64_t)r;
    }
    if (rate != 1 && drip_alloc_profile_set_rate(rate)) {
        g_prof.rate = rate;
        g_prof.mode = DRIP_PROFILE_SAMPLED;
    } else {
        g_prof.rate = 1;
        g_prof.mode = DRIP_PROFILE_PRECISE;
    }
    g_prof.choose = false;
    chose = true;
cleanup:
    pthread_mutex_unlock(&g_prof_lock);
    return chose;
}

void drip_profiler_early(uint64_t iteration)
{
    pthread_mutex_lock(&g_prof_lock);
    if (!g_prof.on || g_prof.early_taken) {
        pthread_mutex_unlock(&g_prof_lock);
        return;
    }
    g_prof.early = snapshot(&g_prof.nearly);
    for (size_t i = 0; i < g_prof.nearly; i++) {       /* they are the early ones */
        g_prof.early[i].early_bytes = g_prof.early[i].late_bytes;
        g_prof.early[i].early_objects = g_prof.early[i].late_objects;
        g_prof.early[i].late_bytes = g_prof.early[i].late_objects = 0;
    }
    g_prof.early_iteration = iteration;
    g_prof.early_taken = true;
    pthread_mutex_unlock(&g_prof_lock);
}

/* Find or add the stack of (npc, pc) in the sorted-or-appended table. */
static stack_sum *find_stack(stack_sum **all, size_t *n, size_t *cap, int npc, void *const *pc)
{
    stack_sum key;
    key.npc = npc;
    memcpy(key.pc, pc, (size_t)npc * sizeof pc[0]);
    for (size_t i = 0; i < *n; i++)
        if (cmp_stack(&(*all)[i], &key) == 0)
            return &(*all)[i];
    XGROW(*all, *cap, *n);
    stack_sum *s = &(*all)[(*n)++];
    memset(s, 0, sizeof *s);
    s->npc = npc;
    memcpy(s->pc, pc, (size_t)npc * sizeof pc[0]);
    return s;
}

/* Which stacks to send: the biggest by growth, by live bytes and by bytes
 * allocated, each ranked; marks chosen ones and returns how many. */
static int cmp_growth(const void *a, const void *b)
{
    const stack_sum *x = *(stack_sum *const *)a, *y = *(stack_sum *const *)b;
    double gx = x->late_bytes - x->early_bytes, gy = y->late_bytes - y->early_bytes;
    return gx < gy ? 1 : gx > gy ? -1 : 0;
}

static int cmp_live(const void *a, const void *b)
{
    const stack_sum *x = *(stack_sum *const *)a, *y = *(stack_sum *const *)b;
    return x->late_bytes < y->late_bytes ? 1 : x->late_bytes > y->late_bytes ? -1 : 0;
}

static int cmp_alloc(const void *a, const void *b)
{
    const stack_sum *x = *(stack_sum *const *)a, *y = *(stack_sum *const *)b;
    return x->alloc_bytes < y->alloc_bytes ? 1 : x->alloc_bytes > y->alloc_bytes ? -1 : 0;
}

/* An allocation wrapper by its name: one of the scenario's `skip`, or a
 * known allocator or wrapper (drip_wrapper_name, wrapper.h). */
static bool is_wrapper(const char *fn)
{
    return drip_wrapper_name(fn, (const char *const *)g_prof.skip, g_prof.nskip);
}

/* The index of the site's user frame: the first in the object that holds
 * the workload's code (the plugin, or drip itself for a built-in) whose
 * function is not a wrapper; -1 when none is.  A frame's pc is a return
 * address (one byte back is the call), the allocating frame's included. */
static int user_frame(const drip_frame *f, int n)
{
    if (!g_prof.code_base)
        return -1;
    for (int i = 0; i < n; i++) {
        Dl_info info;
        if (!f[i].pc || !dladdr((const char *)f[i].pc - 1, &info) ||
            info.dli_fbase != g_prof.code_base)
            continue;
        if (f[i].fn[0] && !is_wrapper(f[i].fn))
            return i;
    }
    return -1;
}

void drip_profiler_finish(uint64_t iteration, int fd, bool partial)
{
    pthread_mutex_lock(&g_prof_lock);
    if (!g_prof.on) {
        pthread_mutex_unlock(&g_prof_lock);
        return;
    }
    size_t nlate = 0, n = 0, cap = 0;
    stack_sum *late = snapshot(&nlate);
    drip_alloc_profile_stop();

    /* one table: early, late and allocated per stack */
    stack_sum *all = NULL;
    for (size_t i = 0; i < g_prof.nearly; i++) {
        stack_sum *s = find_stack(&all, &n, &cap, g_prof.early[i].npc, g_prof.early[i].pc);
        s->early_bytes = g_prof.early[i].early_bytes;
        s->early_objects = g_prof.early[i].early_objects;
    }
    for (size_t i = 0; i < nlate; i++) {
        stack_sum *s = find_stack(&all, &n, &cap, late[i].npc, late[i].pc);
        s->late_bytes = late[i].late_bytes;
        s->late_objects = late[i].late_objects;
    }
    uint64_t dropped = 0;
    size_t nsites = drip_alloc_profile_sites(NULL, 0, &dropped);
    drip_alloc_site *sites = xcalloc(nsites + 1, sizeof *sites);
    nsites = drip_alloc_profile_sites(sites, nsites, &dropped);
    for (size_t i = 0; i < nsites; i++) {
        stack_sum *s = find_stack(&all, &n, &cap, sites[i].npc, sites[i].pc);
        s->alloc_bytes += sites[i].bytes;            /* one entry per thread shard */
        s->alloc_objects += sites[i].objects;
    }
    free(sites);

    /* choose: up to a third of the budget from each ranking */
    stack_sum **rank = xcalloc(n + 1, sizeof *rank);
    bool *chosen = xcalloc(n + 1, sizeof *chosen);
    size_t nchosen = 0;
    int (*cmps[3])(const void *, const void *) = {cmp_growth, cmp_live, cmp_alloc};
    for (int c = 0; c < 3; c++) {
        for (size_t i = 0; i < n; i++)
            rank[i] = &all[i];
        qsort(rank, n, sizeof *rank, cmps[c]);
        for (size_t i = 0, taken = 0; i < n && taken < SITES_SENT_MAX / 3; i++, taken++) {
            size_t idx = (size_t)(rank[i] - all);
            if (!chosen[idx]) {
                chosen[idx] = true;
                nchosen++;
            }
        }
    }

    drip_proto_msg m = {.kind = DRIP_PROTO_PROFILE};
    m.u.profile.mode = g_prof.rate == 1 ? "precise" : "sampled";
    m.u.profile.partial = partial;
    m.u.profile.rate = g_prof.rate;
    m.u.profile.early_iteration = g_prof.early_taken ? g_prof.early_iteration : 0;
    m.u.profile.late_iteration = iteration;
    m.u.profile.stacks = n;
    m.u.profile.dropped = dropped;
    bool gone = drip_proto_send(fd, &m) < 0;
    drip_symbols *sym = drip_symbols_open();
    for (size_t i = 0; i < n && !gone; i++) {
        if (!chosen[i])
            continue;
        const stack_sum *s = &all[i];
        drip_frame frames[FRAMES_SENT_MAX];
        int nf = drip_symbols_site(sym, s->pc, s->npc, frames, FRAMES_SENT_MAX);
        m = (drip_proto_msg){.kind = DRIP_PROTO_PSITE};
        m.u.psite.early_bytes = s->early_bytes;
        m.u.psite.early_objects = s->early_objects;
        m.u.psite.late_bytes = s->late_bytes;
        m.u.psite.late_objects = s->late_objects;
        m.u.psite.alloc_bytes = s->alloc_bytes;
        m.u.psite.alloc_objects = s->alloc_objects;
        for (int f = 0; f < nf; f++)
            m.u.psite.frames[f] = (drip_proto_frame){frames[f].fn[0] ? frames[f].fn : "?",
                                                     frames[f].file, frames[f].line};
        m.u.psite.nframes = (size_t)nf;
        m.u.psite.user = user_frame(frames, nf);
        gone = drip_proto_send(fd, &m) < 0;
    }
    drip_symbols_close(sym);
    free(chosen);
    free(rank);
    free(all);
    free(late);
    free(g_prof.early);
    drip_alloc_track_forget();
    memset(&g_prof, 0, sizeof g_prof);
    pthread_mutex_unlock(&g_prof_lock);
}
