/* soakme.c - test plugin for timed runs and Ctrl-C: a steady leak, a marker
 * file, and optionally an iteration that never returns.
 *
 * Every `leak_every`-th iteration (default 16) pushes a `leak_bytes` node
 * (default 64) on a global list (lock-free, any number of threads; freed
 * by teardown): heap_bytes grows by leak_bytes / leak_every a iteration,
 * exactly.  Iteration `marker_after` (default 100000) creates the file
 * `marker` (when given), so a test knows the run is under way, with at
 * least log2(marker_after) samples taken, without sleeping and hoping.
 * With `block: 1` that iteration then never returns (a stop request cannot
 * be honoured; only a kill ends it). */
#include "test_plugin.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct node {
    struct node *next;
} node;

static node *list;

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    uint64_t i = drip_iteration(ctx);
    int64_t every = drip_param_int(ctx, "leak_every", 16);
    int64_t bytes = drip_param_int(ctx, "leak_bytes", 64);
    int64_t after = drip_param_int(ctx, "marker_after", 100000);
    const char *marker = drip_param_str(ctx, "marker", NULL);
    int64_t block = drip_param_int(ctx, "block", 0);

    if (every > 0 && i % (uint64_t)every == 0) {
        node *x = malloc((size_t)bytes < sizeof *x ? sizeof *x : (size_t)bytes);
        if (!x)
            return -1;
        x->next = __atomic_load_n(&list, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&list, &x->next, x, 1, __ATOMIC_RELEASE,
                                            __ATOMIC_RELAXED))
            ;
    }
    if (marker && i == (uint64_t)after) {
        int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        while (block)                    /* never returns: only a kill ends this */
            sleep(1);
    }
    return 0;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    while (list) {
        node *next = list->next;
        free(list);
        list = next;
    }
}

DRIP_TEST_PLUGIN("soakme", "a steady leak, a marker file after N iterations, optionally a hang",
                 .iterate = iterate, .teardown = teardown);
