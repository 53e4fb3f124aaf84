/* mmapleak.c - test plugin: memory the heap counters cannot see.  Each
 * iteration maps `map_bytes` (default 4096) of anonymous memory, touches
 * it and never unmaps it: RSS grows by about that much per iteration while
 * heap_bytes stays flat (the map is kept reachable in a global array so no
 * optimizer can drop it). */
#define _DEFAULT_SOURCE
#include <drip/workload.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_MAPS 200000

static void *volatile maps[MAX_MAPS];
static size_t nmaps;

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    size_t n = (size_t)drip_param_int(ctx, "map_bytes", 4096);
    if (nmaps >= MAX_MAPS)
        return 0;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    memset(p, 1, n);
    maps[nmaps++] = p;
    return 0;
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-mmapleak",
    .summary = "maps map_bytes per iteration and never unmaps it (RSS grows, heap flat)",
    .iterate = iterate,
};
