/* threadleak.c - test plugin: a leak inside short-lived threads.  Every
 * iteration starts a thread that keeps `leak_bytes` (default 64) on a
 * global list (leak_in_thread) and joins it.  The growth profile must
 * name leak_in_thread: each thread's sampling draws its own intervals
 * (issue 13: they used to draw the same first one, and none was ever
 * sampled).  Teardown frees the list. */
#include "test_plugin.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct kept {
    struct kept *next;
} kept;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static kept *g_list;
static size_t g_leak_bytes = 64;

__attribute__((noinline)) static void *leak_in_thread(void *arg)
{
    (void)arg;
    kept *k = malloc(g_leak_bytes);
    if (!k)
        return NULL;
    pthread_mutex_lock(&g_lock);
    k->next = g_list;
    g_list = k;
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

static int setup(drip_ctx *ctx, void **out)
{
    (void)out;
    g_leak_bytes = (size_t)drip_param_int(ctx, "leak_bytes", 64);
    if (g_leak_bytes < sizeof(kept))
        g_leak_bytes = sizeof(kept);
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    pthread_t t;
    if (pthread_create(&t, NULL, leak_in_thread, NULL) != 0)
        return -1;
    return pthread_join(t, NULL) == 0 ? 0 : -1;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    while (g_list) {
        kept *next = g_list->next;
        free(g_list);
        g_list = next;
    }
}

DRIP_TEST_PLUGIN("threadleak", "a leak inside a thread started and joined every iteration",
                 .setup = setup, .iterate = iterate, .teardown = teardown);
