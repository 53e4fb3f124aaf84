/* flaky.c - test plugin: leaks on some seeds and not on others, the way a
 * timing-dependent workload fails some runs.  The fault point `flake` is
 * asked once, in iteration 0; when it fires (by the seed: about half the
 * seeds at rate 0.5) every later iteration leaks `leak_bytes`.  Made for
 * `drip run --repeat`. */
#include "test_plugin.h"
#include <stdatomic.h>
#include <stdlib.h>

static atomic_bool leaking;
static void *volatile kept[1 << 16];     /* the leaked blocks, where -O2 cannot drop them */
static atomic_uint nkept;

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    if (drip_iteration(ctx) == 0 && drip_fault(ctx, "flake"))
        atomic_store(&leaking, true);
    if (atomic_load(&leaking)) {
        unsigned i = atomic_fetch_add(&nkept, 1);
        void *p = malloc((size_t)drip_param_int(ctx, "leak_bytes", 64));
        if (!p)
            return -1;
        if (i < sizeof kept / sizeof kept[0])
            kept[i] = p;
    }
    return 0;
}

DRIP_TEST_PLUGIN("flaky", "leaks on about half the seeds (fault point flake, asked once)",
                 .iterate = iterate);
