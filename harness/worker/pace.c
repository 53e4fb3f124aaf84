/* pace.c - epoch sizes for a timed run (see pace.h). */
#include "pace.h"

#include "scenario/scenario.h"

uint64_t drip_pace_next(uint64_t prev, uint64_t elapsed_ns, uint64_t target_ns)
{
    if (prev == 0)
        prev = 1;
    uint64_t most = prev > DRIP_PACE_MAX / 2 ? DRIP_PACE_MAX : 2 * prev;
    if (elapsed_ns == 0)
        return most;
    double want = (double)prev * (double)target_ns / (double)elapsed_ns;
    if (want >= (double)most)
        return most;
    return want < 1.5 ? 1 : (uint64_t)(want + 0.5);
}

uint64_t drip_pace_target(uint64_t duration_ns, uint64_t elapsed_ns, uint64_t samples)
{
    uint64_t t = duration_ns / DRIP_DURATION_SAMPLES;
    if (samples < DRIP_DURATION_SAMPLES && elapsed_ns < duration_ns)
        t = (duration_ns - elapsed_ns) / (DRIP_DURATION_SAMPLES - samples);
    return t ? t : 1;
}
