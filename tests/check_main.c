/* check_main.c - the one main() of Drip's Check suites.
 *
 * Each suite file defines drip_test_suite() and, when it needs them, the
 * optional hooks of check_main.h; this file runs the suite and turns its failures
 * into the exit status ctest reads.
 */
#include "check_main.h"

#include <stdarg.h>
#include <stdlib.h>

/* A test's own time limit when its suite sets none: Check's default is 4
 * s of wall time, which a test that starts and joins thousands of threads
 * can pass on a 2-core machine running two ctest jobs beside other load
 * (scheduling latency, not work), and then "fails" with no other output.
 * A hang is still caught: here after a minute, and by ctest's TIMEOUT.
 * CK_DEFAULT_TIMEOUT in the environment still wins (Check reads it). */
#define DRIP_TCASE_TIMEOUT 60

/* See check_main.h.  Check owns the case once it is in the suite. */
TCase *drip_tcase(Suite *s, const char *name, ...)
{
    TCase *tc = tcase_create(name);
    if (!getenv("CK_DEFAULT_TIMEOUT"))
        tcase_set_timeout(tc, DRIP_TCASE_TIMEOUT);
    va_list ap;
    va_start(ap, name);
    const TTest *t;
    while ((t = va_arg(ap, const TTest *)) != NULL)
        tcase_add_test(tc, t);
    va_end(ap);
    suite_add_tcase(s, tc);
    return tc;
}

int main(int argc, char **argv)
{
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
