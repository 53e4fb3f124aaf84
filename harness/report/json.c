/* json.c - results.json among the report formats.
 *
 * results.json is the results model's own serialization: the results
 * module writes it (results/json.h, from the key table in
 * results/json_keys.c).  The keys are a contract that CI scripts read:
 * docs/REPORTS.md lists them, and a key is never renamed or removed.
 */
#include "report.h"

#include "results/json.h"

int drip_report_json(const drip_run_results *run, FILE *out)
{
    return drip_results_json_write(run, out);
}
