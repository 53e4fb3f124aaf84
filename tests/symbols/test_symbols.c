/* test_symbols.c - naming this process's stacks (harness/symbols).
 *
 * "core": a stack captured here names this file's functions, files and
 * lines, innermost first; an address in no module is "?"; a frame as text.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "symbols/symbols.h"

static void *volatile sink;

/* Capture a stack two calls deep: inner <- outer <- the test. */
__attribute__((noinline, noclone)) static int inner(void **pcs, int max)
{
    int n = drip_stack_walk(pcs, max);
    sink = pcs;                        /* keeps the call from becoming a tail call */
    return n;
}

__attribute__((noinline, noclone)) static int outer(void **pcs, int max)
{
    int n = inner(pcs, max);
    sink = pcs;
    return n;
}

START_TEST(names_a_stack)
{
    void *pcs[32];
    int n = outer(pcs, 32);
    ck_assert_int_gt(n, 2);
    drip_symbols *sym = drip_symbols_open();
    ck_assert_ptr_nonnull(sym);
    bool saw_inner = false, saw_outer = false;
    int inner_at = -1, outer_at = -1;
    for (int i = 0; i < n; i++) {
        char text[512], fn[128];
        drip_symbols_frame(sym, pcs[i], text, sizeof text, fn, sizeof fn);
        if (strcmp(fn, "inner") == 0 && !saw_inner) {
            saw_inner = true;
            inner_at = i;
            ck_assert_msg(strstr(text, "test_symbols.c:") != NULL, "%s", text);
        } else if (strcmp(fn, "outer") == 0 && !saw_outer) {
            saw_outer = true;
            outer_at = i;
        }
    }
    ck_assert(saw_inner && saw_outer);
    ck_assert_int_lt(inner_at, outer_at);               /* innermost first */
    drip_symbols_close(sym);
}
END_TEST

START_TEST(unknown_address)
{
    drip_symbols *sym = drip_symbols_open();
    char text[256], fn[64];
    drip_symbols_frame(sym, (void *)(uintptr_t)0x10, text, sizeof text, fn, sizeof fn);
    ck_assert_str_eq(fn, "");
    ck_assert_msg(strncmp(text, "0x", 2) == 0, "%s", text);   /* nothing known: the address */
    drip_symbols_close(sym);
    drip_symbols_close(NULL);                            /* a no-op */
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("symbols");
    drip_tcase(s, "core", names_a_stack, unknown_address, NULL);
    return s;
}
