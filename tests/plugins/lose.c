/* lose.c - test plugin: loses one malloc'd block (`leak_bytes`, default 24)
 * per iteration, allocated in lose_block().  The valgrind pass must class
 * it "lost memory" and name lose_block in the reported stack. */
#include "test_plugin.h"
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *lose_block(size_t n)
{
    void *p = malloc(n);
    if (p)
        memset(p, 0xab, n);
    return p;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    void *p = lose_block((size_t)drip_param_int(ctx, "leak_bytes", 24));
    if (!p)
        return -1;
    *(void *volatile *)&p = NULL;          /* the only pointer is gone: lost */
    return 0;
}

DRIP_TEST_PLUGIN("lose", "loses one malloc'd block per iteration", .iterate = iterate);
