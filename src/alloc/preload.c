/* preload.c - what makes the counting allocator a library to LD_PRELOAD
 * into any program (libdrip_preload.so: alloc.c, alloc_counters.c,
 * alloc_usable.c, the profiler's alloc_track.c and alloc_sample.c,
 * preload_profile.c and this file; no harness).
 *
 * The allocator needs nothing to count: its malloc runs from the program's
 * first allocation, before any constructor (it never calls dlsym; the mode
 * is decided with getenv on that first call).  This file adds, from a
 * constructor, what the environment asks for:
 *
 *   DRIP_PRELOAD_REPORT=FILE   at exit, one JSON object with the counters
 *                              (allocs, frees, live_bytes, live_objects,
 *                              peak_bytes, ...) written to FILE with
 *                              write(2); "%p" in FILE becomes the pid
 *   DRIP_PRELOAD_SHM=FILE      the counters live in FILE, mapped shared,
 *                              for another process to read as the program
 *                              runs (preload_shm.h)
 *   DRIP_PRELOAD_FAULT_RATE=R  the alloc fault point: each allocation
 *   DRIP_PRELOAD_SEED=S        fails with probability R, decided from (S,
 *                              the thread's number, its allocation
 *                              ordinal): the same for the same run of a
 *                              single-threaded program
 *   DRIP_PRELOAD_PROFILE=PREFIX   with DRIP_PRELOAD_SHM: sampled allocation
 *   DRIP_PRELOAD_PROFILE_RATE=R   sites, snapshots on request
 *                              (preload_profile.c)
 *
 * docs/ALLOCATOR.md, "Preloading", has the rules (what exits are covered,
 * fork, exec, the shared file's ownership).  Nothing here runs inside
 * malloc but the fault hook, which never allocates.
 */
#define _GNU_SOURCE
#include "alloc_core.h"
#include "alloc_sample.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload_profile.h"
#include "preload_shm.h"

static char g_report[1024];         /* DRIP_PRELOAD_REPORT, copied at start */
static bool g_shared;               /* the counters are in the shared file */

/* ---- small helpers that never allocate ---------------------------------------- */

/* A message on stderr, for a setting that cannot be honoured. */
static void drip__alloc_preload_say(const char *what, const char *arg)
{
    char buf[1300];
    size_t n = 0;
    const char *parts[] = { "drip preload: ", what, arg ? arg : "", "\n" };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *c = parts[i]; *c && n < sizeof buf; c++)
            buf[n++] = *c;
    ssize_t rc = write(STDERR_FILENO, buf, n);
    (void)rc;
}

/* Append s to buf (capacity cap, length *n), keeping it terminated. */
static void drip__alloc_preload_cat(char *buf, size_t cap, size_t *n, const char *s)
{
    while (*s && *n + 1 < cap)
        buf[(*n)++] = *s++;
    buf[*n] = '\0';
}

/* Append v in decimal (a minus sign first when negative is set). */
static void drip__alloc_preload_num(char *buf, size_t cap, size_t *n, uint64_t v, bool negative)
{
    char digits[24];
    int k = 0;
    do {
        digits[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (negative && *n + 1 < cap)
        buf[(*n)++] = '-';
    while (k > 0 && *n + 1 < cap)
        buf[(*n)++] = digits[--k];
    buf[*n] = '\0';
}

static void drip__alloc_preload_int(char *buf, size_t cap, size_t *n, int64_t v)
{
    drip__alloc_preload_num(buf, cap, n, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/* ---- the alloc fault point ------------------------------------------------------- */

static double g_fault_rate;                  /* 0: no faults */
static uint64_t g_fault_seed;
static _Atomic uint64_t g_fault_threads;     /* threads that asked so far */
static ALLOC_TLS uint64_t t_fault_thread;    /* 1, 2, ... in the order they first ask */
static ALLOC_TLS uint64_t t_fault_ordinal;   /* this thread's allocations asked */

/* drip_alloc_fail_hook: fail the k-th allocation of the n-th thread when
 * hash(seed, n, k) falls under the rate. */
static bool drip__alloc_preload_fail(size_t size)
{
    (void)size;
    if (ALLOC_UNLIKELY(!t_fault_thread))
        t_fault_thread = 1 + atomic_fetch_add_explicit(&g_fault_threads, 1, memory_order_relaxed);
    uint64_t h = drip__alloc_mix(g_fault_seed ^
                                         drip__alloc_mix(t_fault_thread ^
                                         drip__alloc_mix(++t_fault_ordinal)));
    if ((double)(h >> 11) * 0x1.0p-53 >= g_fault_rate)
        return false;
    __atomic_fetch_add(&drip__alloc_ctr.hdr.faults_fired, 1, __ATOMIC_RELAXED);
    return true;
}

/* ---- the shared file -------------------------------------------------------------- */

/* Count into the file at path from now on: claim it (it is ours when no
 * process claimed it, or when this process did before an exec: then it
 * starts over), copy the counters so far into it and map it over them at
 * the same address.  Called from the constructor, while nothing else
 * allocates.  false (and a message) when the file cannot be used. */
static bool drip__alloc_preload_share(const char *path, bool fault_from_env)
{
    bool ok = false;
    void *map = MAP_FAILED;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        drip__alloc_preload_say("cannot open DRIP_PRELOAD_SHM file ", path);
        goto cleanup;
    }
    if (st.st_size == 0 && ftruncate(fd, (off_t)DRIP_SHM_SIZE) != 0)
        goto cleanup;
    if (st.st_size != 0 && st.st_size != (off_t)DRIP_SHM_SIZE) {
        drip__alloc_preload_say("DRIP_PRELOAD_SHM file has the wrong size: ", path);
        goto cleanup;
    }
    map = mmap(NULL, DRIP_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        goto cleanup;
    drip_shm_header *h = map;
    int32_t owner = 0, pid = (int32_t)getpid();
    if (!__atomic_compare_exchange_n(&h->owner_pid, &owner, pid, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE) && owner != pid)
        goto cleanup;                          /* another process's: count privately */
    if (!fault_from_env && h->fault_rate > 0) {
        g_fault_rate = h->fault_rate;
        g_fault_seed = h->fault_seed;
    }
    /* ours: the counters so far, then the layout, then the magic */
    drip__alloc_counters *c = &drip__alloc_ctr;
    memcpy((char *)map + DRIP_SHM_HEADER_SIZE, c->slots, sizeof c->slots);
    h->slots_high = c->hdr.slots_high;
    h->global_bytes = c->hdr.global_bytes;
    h->global_allocs = c->hdr.global_allocs;
    h->global_frees = c->hdr.global_frees;
    h->peak_bytes = c->hdr.peak_bytes;
    h->faults_fired = 0;
    h->version = DRIP_SHM_VERSION;
    h->header_size = DRIP_SHM_HEADER_SIZE;
    h->slot_size = DRIP_SHM_SLOT_SIZE;
    h->nslots = DRIP_SHM_SLOTS;
    __atomic_store_n(&h->magic, DRIP_SHM_MAGIC, __ATOMIC_RELEASE);
    /* the same pages, now the file's: every pointer into them stays good */
    ok = mmap(c, DRIP_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED;
cleanup:
    if (map != MAP_FAILED)
        munmap(map, DRIP_SHM_SIZE);
    if (fd >= 0)
        close(fd);
    return ok;
}

/* pthread_atfork's child handler: a forked child counts for itself, in a
 * private copy of the counters at the same address (it inherited the
 * parent's heap, so it keeps the parent's numbers as its own start). */
static void drip__alloc_preload_forked(void)
{
    if (!g_shared)
        return;
    void *tmp = mmap(NULL, DRIP_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (tmp == MAP_FAILED)
        return;                                /* keeps counting into the file: wrong, rare */
    memcpy(tmp, &drip__alloc_ctr, DRIP_SHM_SIZE);
    if (mmap(&drip__alloc_ctr, DRIP_SHM_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
        memcpy(&drip__alloc_ctr, tmp, DRIP_SHM_SIZE);
        g_shared = false;
    }
    munmap(tmp, DRIP_SHM_SIZE);
}

/* ---- start and exit ----------------------------------------------------------------- */

__attribute__((constructor)) static void drip__alloc_preload_start(void)
{
    const char *report = getenv("DRIP_PRELOAD_REPORT");
    if (report && *report) {
        size_t n = strlen(report);
        if (n < sizeof g_report)
            memcpy(g_report, report, n + 1);
        else
            drip__alloc_preload_say("DRIP_PRELOAD_REPORT is too long: no report", NULL);
    }
    if (!drip_alloc_active())
        return;                                /* DRIP_ALLOC=off, or valgrind's malloc */
    const char *rate = getenv("DRIP_PRELOAD_FAULT_RATE");
    const char *seed = getenv("DRIP_PRELOAD_SEED");
    if (rate && *rate) {
        char *end;
        double r = strtod(rate, &end);
        if (*end || !(r >= 0 && r <= 1))
            drip__alloc_preload_say("DRIP_PRELOAD_FAULT_RATE is not a number in [0, 1]: ", rate);
        else
            g_fault_rate = r;
    }
    if (seed && *seed)
        g_fault_seed = strtoull(seed, NULL, 0);
    const char *shm = getenv("DRIP_PRELOAD_SHM");
    if (shm && *shm) {
        g_shared = drip__alloc_preload_share(shm, rate && *rate);
        pthread_atfork(NULL, NULL, drip__alloc_preload_forked);
    }
    if (g_fault_rate > 0)
        drip_alloc_set_fail_hook(drip__alloc_preload_fail);
    if (g_shared)
        drip__alloc_preload_profile_start(g_fault_seed);
}

/* Runs at exit() and at the return from main (after the program's atexit
 * handlers and the destructors of the libraries loaded after this one);
 * not at _exit, abort or a deadly signal. */
__attribute__((destructor)) static void drip__alloc_preload_report(void)
{
    if (!g_report[0])
        return;
    char path[1100];
    size_t pn = 0;
    path[0] = '\0';
    for (const char *p = g_report; *p; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            drip__alloc_preload_num(path, sizeof path, &pn, (uint64_t)getpid(), false);
            p++;
        } else if (pn + 1 < sizeof path) {
            path[pn++] = *p;
            path[pn] = '\0';
        }
    }
    drip_alloc_stats st;
    drip_alloc_read(&st);
    uint64_t peak = __atomic_load_n(&drip__alloc_ctr.hdr.peak_bytes, __ATOMIC_RELAXED);
    if (st.live_bytes > 0 && (uint64_t)st.live_bytes > peak)
        peak = (uint64_t)st.live_bytes;
    char out[512];
    size_t n = 0;
    drip__alloc_preload_cat(out, sizeof out, &n, "{\"allocs\": ");
    drip__alloc_preload_num(out, sizeof out, &n, st.allocs, false);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"frees\": ");
    drip__alloc_preload_num(out, sizeof out, &n, st.frees, false);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"live_bytes\": ");
    drip__alloc_preload_int(out, sizeof out, &n, st.live_bytes);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"live_objects\": ");
    drip__alloc_preload_int(out, sizeof out, &n, st.live_objects);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"peak_bytes\": ");
    drip__alloc_preload_num(out, sizeof out, &n, peak, false);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"faults_fired\": ");
    drip__alloc_preload_num(out, sizeof out, &n,
                            __atomic_load_n(&drip__alloc_ctr.hdr.faults_fired, __ATOMIC_RELAXED),
                            false);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"pid\": ");
    drip__alloc_preload_num(out, sizeof out, &n, (uint64_t)getpid(), false);
    drip__alloc_preload_cat(out, sizeof out, &n, ", \"active\": ");
    drip__alloc_preload_cat(out, sizeof out, &n, drip_alloc_active() ? "true" : "false");
    drip__alloc_preload_cat(out, sizeof out, &n, "}\n");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        drip__alloc_preload_say("cannot write DRIP_PRELOAD_REPORT file ", path);
        return;
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, out + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
}
