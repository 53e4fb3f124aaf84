/* vgmark.c - the leak search before teardown (see vgmark.h). */
#include "vgmark.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define DRIP_HAVE_MEMCHECK 1
#endif
#endif

void drip_vg_mark_before_teardown(void)
{
#ifdef DRIP_HAVE_MEMCHECK
    if (!RUNNING_ON_VALGRIND)
        return;
    VALGRIND_PRINTF("%s\n", DRIP_VG_BEFORE_TEARDOWN);
    VALGRIND_DO_LEAK_CHECK;
    VALGRIND_PRINTF("%s\n", DRIP_VG_AT_EXIT);
#endif
}
