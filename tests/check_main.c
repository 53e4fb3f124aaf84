/* check_main.c - the one main() of Drip's Check suites.
 *
 * Each suite file defines drip_test_suite() and, when it needs them, the
 * optional hooks of check_main.h; this file runs the suite and turns its failures
 * into the exit status ctest reads.
 */
#include "check_main.h"

#include <stdarg.h>
#include <stdlib.h>

/* See check_main.h.  Check owns the case once it is in the suite. */
TCase *drip_tcase(Suite *s, const char *name, ...)
{
    TCase *tc = tcase_create(name);
    va_list ap;
    va_start(ap, name);
    const TTest *t;
    while ((t = va_arg(ap, const TTest *)) != NULL)
        tcase_add_test(tc, t);
    va_end(ap);
    suite_add_tcase(s, tc);
    return tc;
}

/* A test's own time limit when its case sets none.  Check's default is 4
 * s of wall time, which a test can pass on a 2-core machine running two
 * ctest jobs beside other load (scheduling latency, not work): under ASan
 * at a load of 10, test_fault's 20 000-decision loop did, and "failed"
 * with only "Test timeout expired".  A hang is still caught, here after a
 * minute and by ctest's TIMEOUT.  Check reads CK_DEFAULT_TIMEOUT at each
 * tcase_create, so this covers every case; one set by the user wins. */
#define DRIP_TEST_CASE_TIMEOUT "60"

int main(int argc, char **argv)
{
    setenv("CK_DEFAULT_TIMEOUT", DRIP_TEST_CASE_TIMEOUT, 0);
    if (drip_test_before) {
        int rc = drip_test_before(argc, argv);
        if (rc >= 0)
            return rc;
    }
    SRunner *sr = srunner_create(drip_test_suite());
    if (drip_test_configure)
        drip_test_configure(sr);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (drip_test_after)
        failed += drip_test_after();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
