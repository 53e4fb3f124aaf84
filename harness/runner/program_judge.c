/* program_judge.c - an external workload's run judged.  Its custom
 * metrics (metrics.map names that are not Drip's) are in the results
 * model's custom slots (docs/EXTERNAL.md, "Custom metrics in the results
 * model"): program_sample.c writes their values into each sample, so
 * drip_judge (judge.c) fits and checks them as it does Drip's. */
#include "program.h"

void drip__program_judge(const drip_scenario *sc, const drip__program *p, drip_result *r)
{
    (void)p;
    drip__program_custom(sc->external, r);       /* named even when it never started */
    drip_judge(sc, r);
}
