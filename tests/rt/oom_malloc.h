/* oom_malloc.h - a test-only malloc interposer with fail-the-Nth injection.
 *
 * What it is for: the runtime suites (test_task, test_chan, test_context,
 * test_timer, test_slice, test_http_oom) check that every allocation failure is
 * reported as ENOMEM / DRIP_ENOMEM and leaks nothing.  Including this header
 * (once, in the one .c file of a test executable) defines malloc, calloc,
 * realloc and free, forwarding to glibc's __libc_* entry points; being in the
 * executable, they take the place of libc's for the whole process, the
 * runtime's calls included.  Each test is its own executable: that is why
 * this is a header and not a library.  Do not link the test with another
 * malloc (Drip's counting allocator, src/alloc): the definitions here are
 * weak, so that one would silently win and oom_probe() would say so.
 *
 * Arming and disarming (all per thread):
 *   oom_arm(n)     from now on this thread's nth allocation call fails with
 *                  errno ENOMEM (n = 0: none fails, only watch);
 *   oom_disarm()   stop; true when the injected failure happened;
 *   oom_fired()    the same answer, still readable after oom_disarm();
 *   oom_calls()    allocation calls this thread made since oom_arm;
 *   oom_live()     tracked blocks not yet freed (by any thread);
 *   oom_probe()    true when these wrappers really run (see below);
 *   oom_active()   oom_probe(), saying once on stderr when they do not.
 * realloc(NULL, n) counts as one malloc; realloc(p, 0) frees p and is not an
 * allocation.  While armed, call nothing that allocates besides the code
 * under test: ck_assert allocates to record a passing check.
 *
 * What is tracked (the one switch): by default only blocks allocated by a
 * thread while it is armed, so that the runtime's other threads (timer
 * thread, libmicrohttpd's, task threads) do not count; a tracked block stays
 * tracked through realloc and is forgotten by a free from any thread.
 * Define OOM_TRACK_ALL to 1 before including to track every block handed
 * out by these wrappers, armed or not (oom_live() is then a process-wide
 * live-block gauge).  Blocks sit in an open-addressing set under a spinlock
 * (no allocation, no pthread calls inside malloc); a full set aborts.
 *
 * Under valgrind: valgrind replaces libc's malloc underneath these wrappers
 * (memcheck still sees every block), and may replace a malloc defined in the
 * executable too: it does so for strong definitions, and leaves these weak
 * ones in charge (valgrind 3.19).  Should it bypass them, oom_probe()
 * returns false and the oom and live-block checks must be skipped (they
 * pass vacuously); --soname-synonyms=somalloc=nouserintercepts keeps the
 * wrappers in charge in any case.  Under ASan and TSan the wrappers stay, forward to the sanitizer's
 * __interceptor_* functions (its allocator keeps every block) and are built
 * uninstrumented, since the loader calls them before the sanitizer is set up.
 */
#ifndef DRIP_TESTS_OOM_MALLOC_H
#define DRIP_TESTS_OOM_MALLOC_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef OOM_TRACK_ALL
#define OOM_TRACK_ALL 0
#endif

#if defined(__has_feature)                      /* clang */
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OOM_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(OOM_SANITIZER)
#define OOM_REAL(fn) __interceptor_##fn         /* the sanitizer keeps its allocator */
#else
#define OOM_REAL(fn) __libc_##fn
#endif
extern void *OOM_REAL(malloc)(size_t size);
extern void *OOM_REAL(calloc)(size_t n, size_t size);
extern void *OOM_REAL(realloc)(void *p, size_t size);
extern void  OOM_REAL(free)(void *p);

/* The wrappers run before a sanitizer has set up its shadow memory (the
 * dynamic loader allocates during its start-up): keep them uninstrumented. */
#if defined(__has_attribute)
#if __has_attribute(disable_sanitizer_instrumentation)   /* clang: not even tsan's entry hooks */
#define OOM_FN __attribute__((disable_sanitizer_instrumentation, \
                               no_sanitize("address", "thread", "undefined")))
#endif
#endif
#ifndef OOM_FN
#define OOM_FN __attribute__((no_sanitize_address, no_sanitize_thread))
#endif

#define OOM_SLOTS ((size_t)1 << 16)
#define OOM_MASK  (OOM_SLOTS - 1)
static void       *oom_slot[OOM_SLOTS];
static long        oom_count;
static atomic_flag oom_busy = ATOMIC_FLAG_INIT;

static __thread bool t_oom_armed;       /* this thread's blocks are tracked */
static __thread long t_oom_countdown;   /* > 0: the call that brings it to 0 fails */
static __thread bool t_oom_fired;       /* the injected failure happened */
static __thread long t_oom_calls;       /* allocation calls while armed */
static __thread int  t_oom_probe;       /* set to 2 by our malloc: see oom_probe() */

OOM_FN static size_t oom_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & OOM_MASK;
}

OOM_FN static void oom_lock(void)
{
    /* Yield while it is taken: under valgrind, which runs one thread at a
     * time, a bare spin burns the holder's whole time slice on every free. */
    while (atomic_flag_test_and_set_explicit(&oom_busy, memory_order_acquire))
        sched_yield();
}

OOM_FN static void oom_unlock(void)
{
    atomic_flag_clear_explicit(&oom_busy, memory_order_release);
}

OOM_FN static void oom_track(void *p)
{
    size_t i;

    if (!p)
        return;
    oom_lock();
    if (oom_count >= (long)(OOM_SLOTS / 2)) {
        static const char msg[] = "oom_malloc.h: allocation tracking table full\n";
        if (write(2, msg, sizeof msg - 1) < 0) {}
        abort();
    }
    for (i = oom_hash(p); oom_slot[i]; i = (i + 1) & OOM_MASK)
        ;
    oom_slot[i] = p;
    oom_count++;
    oom_unlock();
}

/* Forget p; false when it was not tracked. */
OOM_FN static bool oom_untrack(void *p)
{
    size_t i, j, k;

    if (!p)
        return false;
    oom_lock();
    for (i = oom_hash(p); oom_slot[i] && oom_slot[i] != p; i = (i + 1) & OOM_MASK)
        ;
    if (!oom_slot[i]) {
        oom_unlock();
        return false;
    }
    for (j = i;;) {                     /* shift later members of the run back */
        j = (j + 1) & OOM_MASK;
        if (!oom_slot[j])
            break;
        k = oom_hash(oom_slot[j]);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;                   /* home lies in (i, j]: stays */
        oom_slot[i] = oom_slot[j];
        i = j;
    }
    oom_slot[i] = NULL;
    oom_count--;
    oom_unlock();
    return true;
}

/* Should a block this thread allocates now be tracked? */
OOM_FN static bool oom_watching(void)
{
    return OOM_TRACK_ALL || t_oom_armed;
}

/* true when this allocation call must fail. */
OOM_FN static bool oom_fail_now(void)
{
    if (t_oom_armed)
        t_oom_calls++;
    if (t_oom_countdown > 0 && --t_oom_countdown == 0) {
        t_oom_fired = true;
        errno = ENOMEM;
        return true;
    }
    return false;
}

OOM_FN __attribute__((weak)) void *malloc(size_t size)
{
    void *p;

    if (t_oom_probe)
        t_oom_probe = 2;
    p = oom_fail_now() ? NULL : OOM_REAL(malloc)(size);
    if (oom_watching())
        oom_track(p);
    return p;
}

OOM_FN __attribute__((weak)) void *calloc(size_t n, size_t size)
{
    void *p = oom_fail_now() ? NULL : OOM_REAL(calloc)(n, size);

    if (oom_watching())
        oom_track(p);
    return p;
}

OOM_FN __attribute__((weak)) void *realloc(void *p, size_t size)
{
    bool tracked;
    void *q;

    if (!p)
        return malloc(size);
    if (size == 0) {
        free(p);
        return NULL;
    }
    if (oom_fail_now())
        return NULL;
    tracked = oom_untrack(p);
    q = OOM_REAL(realloc)(p, size);
    if (tracked || (q && oom_watching()))   /* a tracked block stays tracked */
        oom_track(q ? q : p);               /* moved, or failed and still there */
    return q;
}

OOM_FN __attribute__((weak)) void free(void *p)
{
    oom_untrack(p);
    OOM_REAL(free)(p);
}

/* Track (see the top) and fail this thread's nth allocation from now on
 * (0: none). */
static inline void oom_arm(long nth)
{
    t_oom_fired = false;
    t_oom_calls = 0;
    t_oom_countdown = nth;
    t_oom_armed = true;
}

/* Disarm; true when the injected failure fired since oom_arm. */
static inline bool oom_disarm(void)
{
    t_oom_armed = false;
    t_oom_countdown = 0;
    return t_oom_fired;
}

/* Whether the injected failure fired in the last armed window. */
static inline bool oom_fired(void)
{
    return t_oom_fired;
}

/* Allocation calls this thread made in the last armed window. */
static inline long oom_calls(void)
{
    return t_oom_calls;
}

/* Tracked blocks not yet freed. */
static inline long oom_live(void)
{
    long n;

    oom_lock();
    n = oom_count;
    oom_unlock();
    return n;
}

/* true when malloc lands in the wrappers above (not under valgrind's
 * default settings: see the top). */
static inline bool oom_probe(void)
{
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    bool ours;
    void *p;

    t_oom_probe = 1;
    p = alloc(16);
    ours = t_oom_probe == 2;
    t_oom_probe = 0;
    release(p);
    return ours;
}

/* oom_probe(), saying once on stderr that the oom checks are skipped. */
static inline bool oom_active(void)
{
    static int said;
    bool active = oom_probe();

    if (!active && !said++)
        fprintf(stderr, "oom_malloc.h: the allocation failure injector is not in charge "
                "of malloc (another allocator or valgrind): skipping\n");
    return active;
}

#endif /* DRIP_TESTS_OOM_MALLOC_H */
