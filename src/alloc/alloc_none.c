/* alloc_none.c - the allocator API without the allocator.
 *
 * Linked instead of alloc.c in the AddressSanitizer build, where ASan must
 * own malloc: no malloc family is defined here, so every allocation goes to
 * the sanitizer.  Counters always read zero and drip_alloc_active() says
 * false, which tells the harness to rely on other evidence of leaks.
 */
#include "alloc.h"

#include <string.h>

static __thread bool t_off;   /* zero means counting on, as in alloc.c */

void drip_alloc_read(drip_alloc_stats *out)
{
    memset(out, 0, sizeof(*out));
}

bool drip_alloc_set_counting(bool on)
{
    bool was_on = !t_off;
    t_off = !on;
    return was_on;
}

bool drip_alloc_active(void)
{
    return false;
}

drip_alloc_fail_hook drip_alloc_set_fail_hook(drip_alloc_fail_hook hook)
{
    (void)hook;
    return NULL;
}

bool drip_alloc_track_start(drip_alloc_backtrace_fn walk)
{
    (void)walk;
    return false;
}

void drip_alloc_track_stop(void)
{
}

size_t drip_alloc_track_list(drip_alloc_block *out, size_t max)
{
    (void)out;
    (void)max;
    return 0;
}

void drip_alloc_track_forget(void)
{
}

bool drip_alloc_profile_start(uint64_t rate, drip_alloc_backtrace_fn walk)
{
    (void)rate;
    (void)walk;
    return false;
}

bool drip_alloc_profile_start_tagged(uint64_t rate, drip_alloc_tagged_walk_fn walk)
{
    (void)rate;
    (void)walk;
    return false;
}

void drip_alloc_profile_seed(uint64_t seed)
{
    (void)seed;
}

void drip_alloc_profile_stop(void)
{
}

uint64_t drip_alloc_profile_rate(void)
{
    return 0;
}

bool drip_alloc_profile_set_rate(uint64_t rate)
{
    (void)rate;
    return false;                      /* no profile runs: nothing to change */
}

size_t drip_alloc_profile_sites(drip_alloc_site *out, size_t max, uint64_t *dropped)
{
    (void)out;
    (void)max;
    if (dropped)
        *dropped = 0;
    return 0;
}

bool drip_alloc_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    (void)lo;
    (void)hi;
    return false;
}

void *drip_alloc_walk_from(void)
{
    return NULL;
}

int drip_alloc_walk_fp(void **pcs, int max)
{
    (void)pcs;
    (void)max;
    return 0;
}
