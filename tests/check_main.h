/* check_main.h - what a Check suite file gives tests/check_main.c's main().
 *
 * Every test file defines drip_test_suite(); the hooks are optional (weak:
 * define one only when the suite needs it).
 */
#ifndef DRIP_CHECK_MAIN_H
#define DRIP_CHECK_MAIN_H

#include <check.h>

/* The suite to run.  Defined by every test file; the runner owns it. */
Suite *drip_test_suite(void);

/* Before the suite: a child mode selected by argv, or a check that the
 * suite cannot run here (the counting allocator is not active under
 * valgrind).  Returns -1 to run the suite, else the exit status to return
 * without running it.  Optional (weak). */
__attribute__((weak)) int drip_test_before(int argc, char **argv);

/* The runner before it runs: e.g. CK_NOFORK for suites whose tests share
 * one run of drip.  Optional (weak). */
__attribute__((weak)) void drip_test_configure(SRunner *sr);

/* After the suite: process-wide teardown (a runtime's timer thread, a
 * test folder).  Returns the number of teardown steps that failed, counted
 * as failures.  Optional (weak). */
__attribute__((weak)) int drip_test_after(void);

/* A test case NAME added to suite S with the tests listed after it, in that
 * order, up to a NULL: what tcase_create, one tcase_add_test a test and
 * suite_add_tcase write out by hand.  Returns the case for its fixtures and
 * timeout (Check runs neither before srunner_run_all); the suite owns it. */
TCase *drip_tcase(Suite *s, const char *name, ...);

#endif /* DRIP_CHECK_MAIN_H */
