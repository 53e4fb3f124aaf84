/* noiterate.c - test plugin: a drip_plugin without iterate (rejected at load). */
#include <drip/workload.h>

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "test-noiterate",
    .summary = "no iterate",
    .iterate = 0,
};
