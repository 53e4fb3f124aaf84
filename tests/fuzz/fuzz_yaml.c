/* fuzz_yaml.c - the scenario loader (scenario/yaml_*.c) over any text.
 * It must give diagnostics or scenarios, never crash, and free all it made. */
#include "fuzz.h"

#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    drip_scenario_load_string("/fuzz/scenario.yaml", (const char *)data, size, &list, &diags);
    drip_scenario_check_unique(&list, &diags);
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return 0;
}
