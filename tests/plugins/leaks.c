/* leaks.c - test plugin: the leaking workloads of issue 13, one per `kind`
 * param, each over the same background (a 256 KiB table live from setup to
 * teardown, and a few KiB allocated and freed every iteration):
 *
 *   slow      8 bytes kept every 10th iteration: 0.8 B/iter
 *   errpath   64 bytes kept on an error path taken in 1 % of iterations
 *   thread    48 bytes kept by a thread each iteration starts and joins
 *   realloc   one buffer realloc'd 24 bytes bigger every iteration
 *   churn     24 bytes kept every iteration under heavy churn: 40 blocks of
 *             16 B..4 KiB a iteration, half of them held in a ring of 512
 *   late      64 bytes kept every iteration from iteration 7000 on
 *   wrapper   48 bytes kept every iteration through xnew(), the same
 *             wrapper the churn allocates through
 *
 * The line that leaks carries a `LEAK(kind)` comment: tests/test_sites.c
 * reads this file to know which line the profile must name.  Everything
 * kept is on a list (the optimizer cannot drop it); teardown frees it. */
#include <drip/workload.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RING 512

typedef struct kept {
    struct kept *next;
} kept;

typedef struct state {
    char *kind;
    char *table;
    pthread_mutex_t lock;
    kept *list;                 /* what leaked */
    char *buf;                  /* realloc: the growing buffer */
    size_t buf_len;
    void *ring[RING];           /* churn: blocks held a while */
} state;

/* splitmix64: the iteration's sizes and error paths */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void keep(state *s, kept *k)
{
    pthread_mutex_lock(&s->lock);
    k->next = s->list;
    s->list = k;
    pthread_mutex_unlock(&s->lock);
}

/* a wrapper as projects write them: never NULL, zeroed */
__attribute__((noinline)) static void *xnew(size_t size)
{
    void *p = malloc(size);
    if (!p)
        abort();
    memset(p, 0, size);
    return p;
}

__attribute__((noinline)) static void background(uint64_t i, bool wrapped)
{
    for (int j = 0; j < 3; j++) {
        size_t size = 512 + (size_t)(mix(i * 4 + (uint64_t)j) % 2048);
        char *tmp = wrapped ? xnew(size) : malloc(size);
        if (!tmp)
            return;
        memset(tmp, 1, size);
        __asm__ volatile("" : : "r"(tmp) : "memory");
        free(tmp);
    }
}

__attribute__((noinline)) static int leak_slow(state *s, uint64_t i)
{
    if (i % 10 != 3)
        return 0;
    kept *k = malloc(sizeof(kept));                      /* LEAK(slow) */
    if (!k)
        return -1;
    keep(s, k);
    return 0;
}

__attribute__((noinline)) static int parse_reply(state *s, uint64_t i)
{
    char *reply = malloc(64);
    if (!reply)
        return -1;
    memset(reply, 'x', 64);
    if (mix(i ^ 0xe77) % 100 == 0) {                     /* the error path */
        kept *k = malloc(64);                            /* LEAK(errpath) */
        if (k)
            keep(s, k);
    }
    free(reply);
    return 0;
}

__attribute__((noinline)) static void *leak_in_thread(void *arg)
{
    state *s = arg;
    kept *k = malloc(48);                                /* LEAK(thread) */
    if (k)
        keep(s, k);
    return NULL;
}

__attribute__((noinline)) static int spawn(state *s)
{
    pthread_t t;
    if (pthread_create(&t, NULL, leak_in_thread, s) != 0)
        return -1;
    return pthread_join(t, NULL) == 0 ? 0 : -1;
}

__attribute__((noinline)) static int grow_buffer(state *s)
{
    pthread_mutex_lock(&s->lock);
    char *b = realloc(s->buf, s->buf_len + 24);         /* LEAK(realloc) */
    if (b) {
        memset(b + s->buf_len, 'r', 24);
        s->buf = b;
        s->buf_len += 24;
    }
    pthread_mutex_unlock(&s->lock);
    return b ? 0 : -1;
}

__attribute__((noinline)) static void churn(state *s, uint64_t i)
{
    for (uint64_t j = 0; j < 40; j++) {
        uint64_t r = mix(i * 64 + j);
        size_t size = 16 + (size_t)(r % 4080);
        char *p = malloc(size);
        if (!p)
            return;
        memset(p, 2, size < 64 ? size : 64);
        if (j % 2) {
            free(p);
            continue;
        }
        pthread_mutex_lock(&s->lock);
        size_t slot = (size_t)((r >> 32) % RING);
        void *old = s->ring[slot];
        s->ring[slot] = p;
        pthread_mutex_unlock(&s->lock);
        free(old);
    }
}

__attribute__((noinline)) static int leak_under_churn(state *s, uint64_t i)
{
    churn(s, i);
    kept *k = malloc(24);                                /* LEAK(churn) */
    if (!k)
        return -1;
    keep(s, k);
    return 0;
}

__attribute__((noinline)) static int leak_late(state *s, uint64_t i)
{
    if (i < 7000)
        return 0;
    kept *k = malloc(64);                                /* LEAK(late) */
    if (!k)
        return -1;
    keep(s, k);
    return 0;
}

__attribute__((noinline)) static int leak_wrapped(state *s)
{
    kept *k = xnew(48);                                  /* LEAK(wrapper) */
    keep(s, k);
    return 0;
}

static int setup(drip_ctx *ctx, void **out)
{
    state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    pthread_mutex_init(&s->lock, NULL);
    s->kind = strdup(drip_param_str(ctx, "kind", "slow"));
    s->table = calloc(1, 256 << 10);
    if (!s->kind || !s->table) {
        free(s->kind);
        free(s->table);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

static int iterate(drip_ctx *ctx, void *p)
{
    state *s = p;
    uint64_t i = drip_iteration(ctx);
    const char *kind = s->kind;
    background(i, strcmp(kind, "wrapper") == 0);
    if (strcmp(kind, "slow") == 0)
        return leak_slow(s, i);
    if (strcmp(kind, "errpath") == 0)
        return parse_reply(s, i);
    if (strcmp(kind, "thread") == 0)
        return spawn(s);
    if (strcmp(kind, "realloc") == 0)
        return grow_buffer(s);
    if (strcmp(kind, "churn") == 0)
        return leak_under_churn(s, i);
    if (strcmp(kind, "late") == 0)
        return leak_late(s, i);
    if (strcmp(kind, "wrapper") == 0)
        return leak_wrapped(s);
    return -1;
}

static void teardown(drip_ctx *ctx, void *p)
{
    state *s = p;
    (void)ctx;
    while (s->list) {
        kept *next = s->list->next;
        free(s->list);
        s->list = next;
    }
    for (size_t i = 0; i < RING; i++)
        free(s->ring[i]);
    free(s->buf);
    free(s->table);
    free(s->kind);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-leaks",
    .summary = "issue 13's leaking workloads, one per `kind`",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
