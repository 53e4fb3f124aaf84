/* test_wrapper.c - Check suite for allocation wrappers by name
 * (harness/worker/wrapper.c): the rule behind a profile site's user frame.
 *
 * Cases:
 *   wrappers - allocators, known wrappers and names with an allocator word
 *              of their own (my_malloc, sqlite3DbMallocRaw, xcharalloc) are
 *              wrappers;
 *   user     - names that merely contain "alloc" or "dup" (allocate_session,
 *              reallocation_count, duplicate) are user code;
 *   skip     - the scenario's profile.skip names any function.
 */
#include <check.h>
#include <stddef.h>

#include "check_main.h"
#include "worker/wrapper.h"

static bool wrapper(const char *fn)
{
    return drip_wrapper_name(fn, NULL, 0);
}

START_TEST(test_wrappers)
{
    static const char *const names[] = {
        "malloc", "calloc", "realloc", "strdup", "__strdup", "strndup", "xnew", "xmalloc",
        "xcalloc", "xrealloc", "xzalloc", "xstrdup", "xcharalloc", "emalloc", "g_malloc",
        "g_malloc0", "g_strdup", "g_memdup2", "my_calloc", "pool_malloc", "sqlite3Malloc",
        "sqlite3_malloc64", "sqlite3DbMallocRaw", "sqlite3MallocZero", "PyMem_Malloc",
        "xmlMalloc", "MY_MALLOC", "aligned_alloc", "posix_memalign", "reallocarray",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(wrapper(names[i]), "%s is a wrapper", names[i]);
}
END_TEST

START_TEST(test_user)
{
    static const char *const names[] = {
        "allocate_session", "allocator_stats", "reallocation_count", "session_allocate",
        "dealloc_all", "duplicate", "strdupe_names", "_IO_file_doallocate", "leak_alloc_loop",
        "iterate", "xnewline", "",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(!wrapper(names[i]), "%s is user code", names[i]);
}
END_TEST

START_TEST(test_skip)
{
    const char *const skip[] = {"make_buffer", "allocate_session"};
    ck_assert(drip_wrapper_name("make_buffer", skip, 2));
    ck_assert(drip_wrapper_name("allocate_session", skip, 2));
    ck_assert(!drip_wrapper_name("make_buffers", skip, 2));
    ck_assert(drip_wrapper_name("xmalloc", skip, 2));
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("wrapper");
    drip_tcase(s, "wrappers", test_wrappers, NULL);
    drip_tcase(s, "user", test_user, NULL);
    drip_tcase(s, "skip", test_skip, NULL);
    return s;
}
