/* fault.c - deterministic fault decisions (see fault.h). */
#include "fault.h"

/* splitmix64's finaliser: a bijective mix with good avalanche. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t drip_fault_point_hash(const char *point)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)point; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

double drip_fault_uniform(uint64_t seed, uint64_t point_hash, uint64_t iteration, uint64_t k)
{
    uint64_t x = mix64(seed + 0x9e3779b97f4a7c15ULL);
    x = mix64(x ^ point_hash);
    x = mix64(x ^ (iteration * 0x9e3779b97f4a7c15ULL));
    x = mix64(x ^ (k + 1) * 0xd1b54a32d192ed03ULL);
    return (double)(x >> 11) * 0x1.0p-53;
}

bool drip_fault_decide(uint64_t seed, uint64_t point_hash, uint64_t iteration, uint64_t k,
                       double rate)
{
    if (rate <= 0)
        return false;
    if (rate >= 1)
        return true;
    return drip_fault_uniform(seed, point_hash, iteration, k) < rate;
}

bool drip_fault_decide_schedule(uint64_t iteration, uint64_t k, uint64_t every,
                                const uint64_t *nth, size_t nnth)
{
    if (every > 1 && iteration % every != every - 1)    /* (i + 1) % every, without overflow */
        return false;
    if (nnth == 0)
        return k == 0;
    if (k >= nth[nnth - 1])                 /* past the last listed ask (nth is 1-based) */
        return false;
    size_t lo = 0, hi = nnth;               /* binary search for k + 1 */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nth[mid] < k + 1)
            lo = mid + 1;
        else
            hi = mid;
    }
    return nth[lo] == k + 1;
}
