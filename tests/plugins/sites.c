/* sites.c - test plugin for growth attribution: three allocation sites of
 * which exactly one grows.
 *
 *   setup      a 1 MiB table, live from start to teardown (big, flat)
 *   churn      4 KiB allocated and freed every iteration (busy, flat)
 *   leak_here  `leak_bytes` (default 64) kept on a list every iteration
 *
 * The profile's top growing site must be leak_here, whatever the churn and
 * the table weigh; teardown frees everything. */
#include "test_plugin.h"
#include <stdlib.h>
#include <string.h>

typedef struct kept {
    struct kept *next;
} kept;

typedef struct state {
    char *table;
    kept *list;
    size_t leak_bytes;
} state;

__attribute__((noinline)) static int leak_here(state *s)
{
    kept *k = malloc(s->leak_bytes);
    if (!k)
        return -1;
    k->next = s->list;
    s->list = k;
    return 0;
}

__attribute__((noinline)) static int churn(void)
{
    char *tmp = malloc(4096);
    if (!tmp)
        return -1;
    memset(tmp, 1, 4096);
    __asm__ volatile("" : : "r"(tmp) : "memory");
    free(tmp);
    return 0;
}

static int setup(drip_ctx *ctx, void **out)
{
    state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->leak_bytes = (size_t)drip_param_int(ctx, "leak_bytes", 64);
    if (s->leak_bytes < sizeof(kept))
        s->leak_bytes = sizeof(kept);
    s->table = calloc(1, 1 << 20);
    if (!s->table) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

static int iterate(drip_ctx *ctx, void *p)
{
    (void)ctx;
    return churn() || leak_here(p) ? -1 : 0;
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
    free(s->table);
    free(s);
}

DRIP_TEST_PLUGIN("sites", "a flat table, busy churn and one growing site (leak_here)",
                 .setup = setup, .iterate = iterate, .teardown = teardown);
