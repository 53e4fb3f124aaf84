/* malloc_bench.c - the malloc-heavy micro-benchmark behind bench/run.
 *
 * Each thread keeps a ring of live blocks and, per operation, frees a block
 * chosen at random and allocates a new one of a random size in its place
 * (and writes its first byte, as a program would).  Threads have rings of
 * their own and never free each other's blocks, so the only shared state
 * is whatever the allocator itself shares.
 *
 * The same file is built twice (bench/CMakeLists.txt):
 *   bench_malloc_plain  - plain glibc malloc;        mode "plain"
 *   bench_malloc_drip   - linked with drip_alloc;    mode "counters", ...
 * so that both binaries run identical code apart from the allocator.  The
 * mode table below is where a new way of running the allocator (sampled or
 * precise attribution) becomes one more row: a name, a line of text and a
 * start function called once before any thread starts.
 *
 * Output: one line of key=value pairs, read by bench/run:
 *   mode=counters threads=1 sizes=mixed ops=2000000 wall_ns=31.2 cpu_ns=31.0
 * wall_ns is wall-clock time per operation of one thread (threads run in
 * parallel), cpu_ns the thread's CPU time per operation; both are the mean
 * over the threads.  Exit 0, or 2 with a message on a usage error and 1
 * when the mode cannot run (e.g. counters with DRIP_ALLOC=off).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef BENCH_DRIP
#include <libunwind.h>

#include "alloc.h"
#include "symbols.h"
#endif

/* ---- modes ---------------------------------------------------------------- */

typedef struct bench_mode {
    const char *name;
    const char *what;
    int (*start)(void);       /* 0, or -1 after printing why it cannot run */
} bench_mode;

#ifdef BENCH_DRIP
/* Counters only: the allocator as `drip run` uses it. */
static int start_counters(void)
{
    if (!drip_alloc_active()) {
        fprintf(stderr, "malloc_bench: Drip's allocator is not active "
                        "(DRIP_ALLOC=off, or a tool replaced malloc)\n");
        return -1;
    }
    return 0;
}

/* Tracking as `drip sweep` runs it: every allocation's stack from
 * libunwind's unw_backtrace, on a list under one lock.  Not attribution
 * (no sampling, no per-site table): the per-allocation stack cost that
 * exists today, for comparison. */
static int start_sweep_track(void)
{
    if (start_counters() != 0)
        return -1;
    return drip_alloc_track_start(unw_backtrace) ? 0 : -1;
}
/* Attribution as `drip run` does it: sampled sites at the default mean
 * interval of 512 KiB (profile: sampled), or every allocation's site
 * (profile: precise), stacks from libunwind's unw_backtrace (sampled) or
 * the harness's rule-caching walker (precise, harness/symbols/walk.c), as
 * the worker does. */
static int start_sampled(void)
{
    if (start_counters() != 0)
        return -1;
    return drip_alloc_profile_start(512 * 1024, unw_backtrace) ? 0 : -1;
}

static int start_precise(void)
{
    if (start_counters() != 0)
        return -1;
    return drip_alloc_profile_start_tagged(1, drip_stack_walk_fast_tagged) ? 0 : -1;
}
#else
static int start_plain(void)
{
    return 0;
}
#endif

static const bench_mode modes[] = {
#ifdef BENCH_DRIP
    { "counters", "Drip's counting allocator, counters only", start_counters },
    { "sweep-track", "counters + drip sweep's tracking (unw_backtrace, locked list)",
      start_sweep_track },
    { "sampled", "counters + sampled sites (mean 512 KiB, unw_backtrace)", start_sampled },
    { "precise", "counters + every allocation's site (cached-rule walk, locked list)",
      start_precise },
#else
    { "plain", "glibc malloc", start_plain },
#endif
};

static const bench_mode *mode_find(const char *name)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(modes[i].name, name) == 0)
            return &modes[i];
    return NULL;
}

/* ---- the workload --------------------------------------------------------- */

typedef struct bench_cfg {
    unsigned long ops;        /* timed operations per thread */
    unsigned      ring;       /* live blocks per thread (power of two) */
    unsigned      min_size, max_size;
} bench_cfg;

typedef struct bench_thread {
    const bench_cfg   *cfg;
    pthread_barrier_t *start;
    unsigned           id;
    double             wall_ns, cpu_ns;   /* per timed operation */
    int                failed;
} bench_thread;

static inline uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static double now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* n operations on the ring: free a random block, allocate one of a random
 * size in its place, touch it.  Returns -1 if malloc failed. */
__attribute__((noinline)) static int churn(char **ring, unsigned mask, unsigned long n,
                                           uint64_t *rng, unsigned min, unsigned span)
{
    for (unsigned long i = 0; i < n; i++) {
        uint64_t r = xorshift(rng);
        unsigned slot = (unsigned)r & mask;
        size_t size = min + (unsigned)((r >> 32) % span);
        free(ring[slot]);
        char *p = malloc(size);
        if (!p)
            return -1;
        p[0] = (char)i;
        ring[slot] = p;
    }
    return 0;
}

static void *bench_thread_main(void *arg)
{
    bench_thread *t = arg;
    const bench_cfg *c = t->cfg;
    unsigned span = c->max_size - c->min_size + 1, mask = c->ring - 1;
    uint64_t rng = 0x9e3779b97f4a7c15ull * (t->id + 1);
    char **ring = calloc(c->ring, sizeof *ring);
    if (!ring) {
        t->failed = 1;
        pthread_barrier_wait(t->start);
        return NULL;
    }
    /* Untimed: fill the ring and let the allocator's caches settle. */
    if (churn(ring, mask, c->ring * 4ul + c->ops / 10, &rng, c->min_size, span) != 0)
        t->failed = 1;
    pthread_barrier_wait(t->start);
    double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    if (!t->failed && churn(ring, mask, c->ops, &rng, c->min_size, span) != 0)
        t->failed = 1;
    double c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
    t->wall_ns = (w1 - w0) / (double)c->ops;
    t->cpu_ns = (c1 - c0) / (double)c->ops;
    for (unsigned i = 0; i < c->ring; i++)
        free(ring[i]);
    free(ring);
    return NULL;
}

/* ---- main ----------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: malloc_bench [--mode NAME] [--threads N] [--ops N] [--ring N]\n"
            "                    [--sizes mixed|small|MIN-MAX]\n"
            "  --sizes mixed: 16-4096 B (default); small: 16-256 B\n"
            "  modes:");
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        fprintf(stderr, " %s (%s)", modes[i].name, modes[i].what);
    fprintf(stderr, "\n");
}

static int parse_ulong(const char *s, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || v == 0)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const bench_mode *mode = &modes[0];
    const char *sizes = "mixed";
    unsigned long threads = 1, ops = 2000000, ring = 1024;
    bench_cfg cfg = { 0 };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = !v;
        if (!bad && strcmp(a, "--mode") == 0)
            bad = !(mode = mode_find(v));
        else if (!bad && strcmp(a, "--threads") == 0)
            bad = parse_ulong(v, &threads) || threads > 64;
        else if (!bad && strcmp(a, "--ops") == 0)
            bad = parse_ulong(v, &ops);
        else if (!bad && strcmp(a, "--ring") == 0)
            bad = parse_ulong(v, &ring) || ring > (1ul << 24) || (ring & (ring - 1));
        else if (!bad && strcmp(a, "--sizes") == 0)
            sizes = v;
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "malloc_bench: bad or unknown argument '%s%s%s'\n", a,
                    v ? " " : "", v ? v : "");
            usage();
            return 2;
        }
        i++;
    }
    if (strcmp(sizes, "mixed") == 0) {
        cfg.min_size = 16, cfg.max_size = 4096;
    } else if (strcmp(sizes, "small") == 0) {
        cfg.min_size = 16, cfg.max_size = 256;
    } else if (sscanf(sizes, "%u-%u", &cfg.min_size, &cfg.max_size) != 2 ||
               cfg.min_size == 0 || cfg.max_size < cfg.min_size) {
        fprintf(stderr, "malloc_bench: --sizes wants mixed, small or MIN-MAX, got '%s'\n", sizes);
        return 2;
    }
    cfg.ops = ops;
    cfg.ring = (unsigned)ring;
    if (mode->start() != 0)
        return 1;

    pthread_t tid[64];
    bench_thread t[64];
    pthread_barrier_t start;
    unsigned started = 0;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (unsigned i = 0; i < threads; i++) {
        t[i] = (bench_thread){ .cfg = &cfg, .start = &start, .id = i };
        if (pthread_create(&tid[i], NULL, bench_thread_main, &t[i]) != 0) {
            fprintf(stderr, "malloc_bench: cannot start thread %u\n", i);
            abort();                  /* the others wait at the barrier forever */
        }
        started++;
    }
    double wall = 0, cpu = 0;
    int failed = 0;
    for (unsigned i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
        wall += t[i].wall_ns / (double)threads;
        cpu += t[i].cpu_ns / (double)threads;
        failed |= t[i].failed;
    }
    pthread_barrier_destroy(&start);
    if (failed) {
        fprintf(stderr, "malloc_bench: an allocation failed\n");
        return 1;
    }
    printf("mode=%s threads=%lu sizes=%s ops=%lu wall_ns=%.2f cpu_ns=%.2f\n", mode->name,
           threads, sizes, ops, wall, cpu);
    return 0;
}
