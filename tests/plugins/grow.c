/* grow.c - test plugin: a global list that only grows (one `node_bytes`
 * node, default 48, per iteration), freed by teardown.  Nothing is ever
 * lost: valgrind's search at exit finds nothing, its search before
 * teardown finds the list still reachable and growing.  The valgrind pass
 * must class it "reachable growth" with definitely lost 0. */
#include "test_plugin.h"
#include <stdlib.h>

typedef struct node {
    struct node *next;
} node;

static node *list;                       /* global: reachable until teardown */

__attribute__((noinline)) static int remember(size_t n)
{
    node *x = malloc(n < sizeof *x ? sizeof *x : n);
    if (!x)
        return -1;
    x->next = list;
    list = x;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    return remember((size_t)drip_param_int(ctx, "node_bytes", 48));
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

DRIP_TEST_PLUGIN("grow", "a global list that only grows, freed at teardown",
                 .iterate = iterate, .teardown = teardown);
