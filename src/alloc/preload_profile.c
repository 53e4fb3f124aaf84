/* preload_profile.c - the allocation-site profile of a preloaded program
 * (libdrip_preload.so only; preload.c starts it).
 *
 *   DRIP_PRELOAD_PROFILE=PREFIX     with the shared file (DRIP_PRELOAD_SHM):
 *   DRIP_PRELOAD_PROFILE_RATE=R     sample the program's allocations at a
 *                                   mean of R bytes (alloc_track.c, as the
 *                                   worker does for a plugin), stacks by
 *                                   libunwind's unw_backtrace
 *
 * Drip asks for a snapshot of the sites by raising prof_request in the
 * shared file's header (preload_shm.h); a helper thread of this library,
 * polling every PROFILE_POLL_NS, writes the sites to PREFIX.N (N the
 * request) and then sets prof_done to N.  The file is text, one site a
 * line, raw return addresses in hex (Drip names them against the
 * program's /proc/PID/maps):
 *
 *   drip-preload-profile 1 RATE NSITES DROPPED
 *   OBJECTS BYTES LIVE_OBJECTS LIVE_BYTES NPC PC...
 *
 * (estimates rounded to integers).  The helper thread blocks every signal
 * and never calls malloc (write(2), static buffers), so the program's
 * counters and signal handling are as without it; it is one more thread in
 * the program's `threads`, the same at every sample.
 */
#define _GNU_SOURCE
#include "alloc_core.h"

#include <fcntl.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload_profile.h"
#include "preload_shm.h"

#define PROFILE_SITES   4096                      /* sites written at most */
#define PROFILE_POLL_NS 2000000L                  /* 2 ms between looks */

static char g_prefix[1024];                       /* DRIP_PRELOAD_PROFILE */
static uint64_t g_rate;
static drip_alloc_site g_sites[PROFILE_SITES];    /* only the helper thread uses it */

/* The profiler's walker: never allocates (libunwind's local unwinder). */
static int drip__alloc_profile_walk(void **pcs, int max)
{
    return unw_backtrace(pcs, max);
}

/* ---- the file ----------------------------------------------------------------------- */

typedef struct outbuf {
    int    fd;
    size_t n;
    char   buf[8192];
} outbuf;

static void drip__alloc_profile_flush(outbuf *o)
{
    for (size_t off = 0; off < o->n;) {
        ssize_t w = write(o->fd, o->buf + off, o->n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    o->n = 0;
}

/* Append v (base 10 or 16) and then the character end. */
static void drip__alloc_profile_put(outbuf *o, uint64_t v, unsigned base, char end)
{
    char digits[24];
    int k = 0;
    if (o->n + sizeof digits + 1 > sizeof o->buf)
        drip__alloc_profile_flush(o);
    do {
        digits[k++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (k > 0)
        o->buf[o->n++] = digits[--k];
    o->buf[o->n++] = end;
}

static uint64_t drip__alloc_profile_round(double x)
{
    return x > 0 ? (uint64_t)(x + 0.5) : 0;
}

/* Write the sites to PREFIX.req.  Never allocates. */
static void drip__alloc_profile_write(uint64_t req)
{
    char path[1100];
    size_t pn = strlen(g_prefix);
    memcpy(path, g_prefix, pn);
    outbuf o = {.n = 0};
    drip__alloc_profile_put(&o, req, 10, '\0');   /* the number, borrowed from o.buf */
    path[pn++] = '.';
    memcpy(path + pn, o.buf, o.n);
    o.n = 0;
    uint64_t dropped = 0;
    size_t n = drip_alloc_profile_sites(g_sites, PROFILE_SITES, &dropped);
    if (n > PROFILE_SITES)
        n = PROFILE_SITES;
    o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o.fd < 0)
        return;
    memcpy(o.buf, "drip-preload-profile 1 ", 23);
    o.n = 23;
    drip__alloc_profile_put(&o, g_rate, 10, ' ');
    drip__alloc_profile_put(&o, n, 10, ' ');
    drip__alloc_profile_put(&o, dropped, 10, '\n');
    for (size_t i = 0; i < n; i++) {
        const drip_alloc_site *s = &g_sites[i];
        drip__alloc_profile_put(&o, drip__alloc_profile_round(s->objects), 10, ' ');
        drip__alloc_profile_put(&o, drip__alloc_profile_round(s->bytes), 10, ' ');
        drip__alloc_profile_put(&o, drip__alloc_profile_round(s->live_objects), 10, ' ');
        drip__alloc_profile_put(&o, drip__alloc_profile_round(s->live_bytes), 10, ' ');
        drip__alloc_profile_put(&o, (uint64_t)s->npc, 10, s->npc ? ' ' : '\n');
        for (int k = 0; k < s->npc; k++)
            drip__alloc_profile_put(&o, (uint64_t)(uintptr_t)s->pc[k], 16,
                                    k + 1 < s->npc ? ' ' : '\n');
    }
    drip__alloc_profile_flush(&o);
    close(o.fd);
}

/* The helper thread: answer each request of the shared file's reader. */
static void *drip__alloc_profile_helper(void *arg)
{
    (void)arg;
    drip_shm_header *h = &drip__alloc_ctr.hdr;
    drip_alloc_set_counting(false);               /* its own allocations are not the program's */
    for (;;) {
        uint64_t req = __atomic_load_n(&h->prof_request, __ATOMIC_ACQUIRE);
        if (req != __atomic_load_n(&h->prof_done, __ATOMIC_RELAXED)) {
            drip__alloc_profile_write(req);
            __atomic_store_n(&h->prof_done, req, __ATOMIC_RELEASE);
        }
        struct timespec ts = {0, PROFILE_POLL_NS};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

void drip__alloc_preload_profile_start(uint64_t seed)
{
    const char *prefix = getenv("DRIP_PRELOAD_PROFILE");
    const char *rate = getenv("DRIP_PRELOAD_PROFILE_RATE");
    if (!prefix || !*prefix || strlen(prefix) >= sizeof g_prefix - 32 || !rate || !*rate)
        return;
    memcpy(g_prefix, prefix, strlen(prefix) + 1);
    g_rate = strtoull(rate, NULL, 10);
    drip_alloc_profile_seed(seed);
    if (!g_rate || !drip_alloc_profile_start(g_rate, drip__alloc_profile_walk))
        return;
    drip_alloc_set_counting(false);               /* this thread draws its first interval */
    drip_alloc_set_counting(true);                /* anew, at the profile's rate */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);     /* the helper takes none of the program's */
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &a, drip__alloc_profile_helper, NULL);
    pthread_attr_destroy(&a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
