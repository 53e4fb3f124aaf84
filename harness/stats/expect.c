/* expect.c - checking a scenario's `expect:` rules against a fit. */
#include "stats.h"

#include <math.h>

/* See stats.h.  A value outside the enum is named "unknown".  Cannot fail. */
const char *drip_rule_name(drip_rule r)
{
    switch (r) {
    case DRIP_RULE_MAX_SLOPE: return "max_slope";
    case DRIP_RULE_MIN_SLOPE: return "min_slope";
    case DRIP_RULE_VERDICT:   return "verdict";
    case DRIP_RULE_MAX_AFTER_TEARDOWN: return "max_after_teardown";
    }
    return "unknown";
}

/* Does the fitted verdict `got` satisfy `want`?  "bounded" is an upper bound
 * on badness, so a flat metric satisfies it too. */
static bool verdict_ok(drip_verdict want, drip_verdict got)
{
    switch (want) {
    case DRIP_VERDICT_FLAT:    return got == DRIP_VERDICT_FLAT;
    case DRIP_VERDICT_BOUNDED: return got == DRIP_VERDICT_FLAT || got == DRIP_VERDICT_BOUNDED;
    case DRIP_VERDICT_GROWING: return got == DRIP_VERDICT_GROWING;
    case DRIP_VERDICT_UNKNOWN: break;      /* nothing satisfies "unknown" */
    }
    return false;
}

/* See stats.h.  Slope rules compare fit->all.slope with `limit` (inclusive;
 * max_slope: drip_fit_max_rate, the rate from where a growing metric's
 * growth starts when that is larger)
 * and ignore `want`; the verdict rule ignores `limit`.  A NULL fit, an
 * unknown verdict, a NaN slope or limit, an unknown `want` or rule are never
 * ok.  `actual` may be NULL; otherwise it always receives a value: the slope
 * (possibly NaN), the verdict as a number, or NaN for a NULL fit or an
 * unknown rule.  Cannot fail. */
bool drip_expect_check(drip_rule rule, double limit, drip_verdict want,
                       const drip_fit *fit, double *actual)
{
    double got = NAN;
    bool ok = false;

    if (fit) {
        bool judged = fit->verdict != DRIP_VERDICT_UNKNOWN;
        switch (rule) {
        case DRIP_RULE_MAX_SLOPE:
            got = drip_fit_max_rate(fit);  /* a late leak's own rate, if larger */
            ok = judged && got <= limit;   /* NaN compares false */
            break;
        case DRIP_RULE_MIN_SLOPE:
            got = fit->all.slope;
            ok = judged && got >= limit;
            break;
        case DRIP_RULE_VERDICT:
            got = (double)fit->verdict;
            ok = judged && verdict_ok(want, fit->verdict);
            break;
        case DRIP_RULE_MAX_AFTER_TEARDOWN:
            break;                         /* not a fit's: see drip_judge */
        }
    }
    if (actual)
        *actual = got;
    return ok;
}
