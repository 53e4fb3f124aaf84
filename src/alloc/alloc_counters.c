/* alloc_counters.c - the core's state: pass-through or counting (decided
 * once), the per-thread counter slots, a thread's registration and its
 * exit, and reading the counters (drip_alloc_read).
 *
 * Part of the core with alloc.c, which implements the malloc family on
 * this state; this file depends on alloc_core.h alone and never calls
 * back into alloc.c (the valgrind probe calls the public
 * malloc_usable_size through a pointer, on purpose).  Nothing here calls
 * malloc: the one call that may allocate (pthread_setspecific) runs with
 * the thread marked "registering", so that a nested call takes the global
 * fallback instead of recursing into registration.
 */
#define _GNU_SOURCE
#include "alloc_core.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define t_self drip__alloc_t_self

/* ======================================================================
 * Mode: counting or pass-through (DRIP_ALLOC=off), decided once
 * ====================================================================== */

/* Declared in alloc_core.h. */
_Atomic int drip__alloc_mode;
ALLOC_TLS unsigned char drip__alloc_t_probe;

/* true when a call to the malloc family really runs alloc.c's code.  Valgrind (since 3.12) replaces malloc-family functions in every
 * object, the executable included, unless run with
 * --soname-synonyms=somalloc=nouserintercepts; then only the functions it
 * does not know (reallocarray) would reach us, and counting must be off.
 * The probe calls our malloc_usable_size(NULL) through its address, which is
 * where valgrind's redirection applies; only our version sets drip__alloc_t_probe. */
ALLOC_SLOW static bool drip__alloc_own_functions_run(void)
{
    size_t (*volatile fn)(void *) = malloc_usable_size;
    drip__alloc_t_probe = 1;
    fn(NULL);
    bool ours = drip__alloc_t_probe == 2;
    drip__alloc_t_probe = 0;
    return ours;
}

/* Decide on the first call of any function: DRIP_ALLOC=off (getenv does
 * not allocate) or a malloc replaced underneath us means pass-through.
 * Racing first calls compute the same answer; the CAS makes everyone keep
 * the first one stored. */
ALLOC_SLOW int drip__alloc_mode_decide(void)
{
    const char *v = getenv("DRIP_ALLOC");
    bool off = (v && strcmp(v, "off") == 0) || !drip__alloc_own_functions_run();
    int mode = off ? ALLOC_MODE_OFF : ALLOC_MODE_COUNT;
    int expected = ALLOC_MODE_UNDECIDED;
    if (!atomic_compare_exchange_strong(&drip__alloc_mode, &expected, mode))
        mode = expected;
    return mode;
}

/* ======================================================================
 * Counters
 *
 * Each thread that does a counted operation claims a slot and is then its
 * only writer: it updates its own counters with one unlocked add to memory
 * on x86-64 (a relaxed load, an add and a relaxed store elsewhere; see
 * drip__alloc_slot_add), no lock and no locked instruction.
 * drip_alloc_read() sums every slot.  A slot holds deltas, not totals, so a
 * thread can free what another allocated and its slot goes negative: only
 * the sum means anything.  When a thread exits, a pthread key destructor
 * gives its slot back without zeroing it; the next owner keeps adding to it,
 * so nothing needs folding.  live_objects is not stored at all: it is
 * allocs - frees, which keeps the documented invariant exact in every read.
 *
 * Threads that cannot have a slot (all taken, no pthread key, registering,
 * or already past their slot's destructor) use the header's global counters, with atomic adds.
 * ====================================================================== */

/* Declared in alloc_core.h. */
ALLOC_TLS drip__alloc_self drip__alloc_t_self;
ALLOC_TLS drip__alloc_cache drip__alloc_t_cache;
drip__alloc_counters drip__alloc_ctr;          /* zero: in BSS */
_Atomic uint32_t drip__alloc_sample_gen;       /* the extension moves it */

static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t  g_key;
static bool           g_key_ok;

/* Give the thread's cached blocks back to glibc (the thread is exiting;
 * later frees go the slow way, which never caches). */
ALLOC_SLOW static void drip__alloc_cache_flush(void)
{
    for (size_t c = 0; c < ALLOC_CACHE_CLASSES; c++) {
        for (drip__alloc_hdr *h = drip__alloc_t_cache.head[c], *next; h; h = next) {
            next = (drip__alloc_hdr *)(uintptr_t)h->size;
            __libc_free(h);
        }
        drip__alloc_t_cache.head[c] = NULL;
        drip__alloc_t_cache.n[c] = 0;
    }
}

/* pthread key destructor: the thread is exiting.  Later counted operations
 * of this thread (other destructors, glibc's own teardown) use the global
 * counters. */
static void drip__alloc_slot_release(void *arg)
{
    drip__alloc_slot *s = arg;
    t_self.fast = t_self.slot = NULL;
    t_self.state = ALLOC_T_GLOBAL;
    drip__alloc_cache_flush();
    atomic_store_explicit(&s->in_use, 0, memory_order_release);
}

static void drip__alloc_key_create(void)
{
    g_key_ok = pthread_key_create(&g_key, drip__alloc_slot_release) == 0;
}

/* Claim the lowest free slot for this thread (lowest, so that readers scan
 * few slots).  Returns NULL when the thread must use the global fallback
 * from now on. */
ALLOC_SLOW static drip__alloc_slot *drip__alloc_slot_claim(void)
{
    t_self.state = ALLOC_T_REGISTERING;   /* nested counted calls: the fallback */
    pthread_once(&g_key_once, drip__alloc_key_create);
    if (!g_key_ok)
        goto global;

    for (unsigned i = 0; i < ALLOC_SLOTS; i++) {
        drip__alloc_slot *s = &drip__alloc_ctr.slots[i];
        int expected = 0;
        if (atomic_load_explicit(&s->in_use, memory_order_relaxed) != 0 ||
            !atomic_compare_exchange_strong_explicit(&s->in_use, &expected, 1,
                                                     memory_order_acquire,
                                                     memory_order_relaxed))
            continue;
        uint32_t high = __atomic_load_n(&drip__alloc_ctr.hdr.slots_high, __ATOMIC_RELAXED);
        while (high < i + 1 &&
               !__atomic_compare_exchange_n(&drip__alloc_ctr.hdr.slots_high, &high, i + 1, true,
                                            __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            ;
        if (pthread_setspecific(g_key, s) != 0) {   /* may calloc: guarded */
            atomic_store_explicit(&s->in_use, 0, memory_order_release);
            goto global;
        }
        t_self.slot = s;
        t_self.fast = t_self.off ? NULL : s;
        t_self.state = ALLOC_T_SLOT;
        return s;
    }
global:
    t_self.state = ALLOC_T_GLOBAL;
    return NULL;
}

/* Counted operation off the fast path: a thread without a slot yet, one
 * that must use the fallback, or one with counting off freeing a counted
 * block. */
ALLOC_SLOW void drip__alloc_count_slow(uint64_t bytes, uint64_t allocs, uint64_t frees)
{
    drip__alloc_slot *s = t_self.slot;
    if (!s && t_self.state == ALLOC_T_NEW)
        s = drip__alloc_slot_claim();
    if (s) {
        drip__alloc_slot_add(&s->bytes, bytes);
        drip__alloc_slot_add(&s->allocs, allocs);
        drip__alloc_slot_add(&s->frees, frees);
        drip__alloc_peak(s);
        return;
    }
    __atomic_fetch_add(&drip__alloc_ctr.hdr.global_bytes, bytes, __ATOMIC_RELAXED);
    __atomic_fetch_add(&drip__alloc_ctr.hdr.global_allocs, allocs, __ATOMIC_RELAXED);
    __atomic_fetch_add(&drip__alloc_ctr.hdr.global_frees, frees, __ATOMIC_RELAXED);
}

/* Live bytes of the whole process now: every slot and the fallback. */
static uint64_t drip__alloc_live_bytes(void)
{
    const drip__alloc_counters *c = &drip__alloc_ctr;
    uint64_t bytes = __atomic_load_n(&c->hdr.global_bytes, __ATOMIC_RELAXED);
    uint32_t high = __atomic_load_n(&c->hdr.slots_high, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < high; i++)
        bytes += atomic_load_explicit(&c->slots[i].bytes, memory_order_relaxed);
    return bytes;
}

/* A slot passed its thread's mark (drip__alloc_peak): raise the peak to
 * the process's live bytes if they are higher, and the mark to the slot. */
ALLOC_SLOW void drip__alloc_peak_slow(const drip__alloc_slot *s)
{
    int64_t live = (int64_t)drip__alloc_live_bytes();
    uint64_t peak = __atomic_load_n(&drip__alloc_ctr.hdr.peak_bytes, __ATOMIC_RELAXED);
    while (live > 0 && (uint64_t)live > peak &&
           !__atomic_compare_exchange_n(&drip__alloc_ctr.hdr.peak_bytes, &peak, (uint64_t)live,
                                        true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    t_self.peak_mark = (int64_t)atomic_load_explicit(&s->bytes, memory_order_relaxed);
}

/* ======================================================================
 * Public API (alloc.h): reading, switching counting, the mode
 * ====================================================================== */

void drip_alloc_read(drip_alloc_stats *out)
{
    uint64_t bytes = 0, allocs = 0, frees = 0;
    if (!drip__alloc_passthrough()) {
        const drip__alloc_counters *c = &drip__alloc_ctr;
        uint32_t high = __atomic_load_n(&c->hdr.slots_high, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; i < high; i++) {
            bytes  += atomic_load_explicit(&c->slots[i].bytes, memory_order_relaxed);
            allocs += atomic_load_explicit(&c->slots[i].allocs, memory_order_relaxed);
            frees  += atomic_load_explicit(&c->slots[i].frees, memory_order_relaxed);
        }
        bytes  += __atomic_load_n(&c->hdr.global_bytes, __ATOMIC_RELAXED);
        allocs += __atomic_load_n(&c->hdr.global_allocs, __ATOMIC_RELAXED);
        frees  += __atomic_load_n(&c->hdr.global_frees, __ATOMIC_RELAXED);
    }
    out->live_bytes = (int64_t)bytes;
    out->live_objects = (int64_t)(allocs - frees);
    out->allocs = allocs;
    out->frees = frees;
}

bool drip_alloc_set_counting(bool on)
{
    bool was_on = !t_self.off;
    t_self.off = !on;
    t_self.fast = on ? t_self.slot : NULL;
    if (on && !was_on) {          /* ask the extension again: a rate set since */
        t_self.sample_left = 0;
        t_self.sample_drawn = 0;
    }
    return was_on;
}

void *drip_alloc_walk_from(void)
{
    return t_self.entry_frame;
}

bool drip_alloc_active(void)
{
    return !drip__alloc_passthrough();
}

