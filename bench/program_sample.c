/* program_sample.c - the cost of one sample of an external program
 * (docs/PERFORMANCE.md, "Samples of an external program"; issue 15 asks
 * for less than 1 ms).
 *
 *   bench_program_sample --drip PATH/drip [--samples N] SCENARIO.yaml
 *
 * Starts the first scenario's program as drip run does (the runner's own
 * drip__program_prepare and _start: the preload, the port, readiness),
 * takes N samples back to back with drip__program_sample (the preload's
 * counters, /proc/PID, the published metrics page when the scenario maps
 * one), timing each, then stops the program.  Nothing drives it between
 * samples.  Prints one line:
 *   samples=N median_us=X p90_us=X max_us=X
 * Exit status 0, or 1 when the scenario cannot be loaded or the program
 * cannot be started or sampled.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive/ready.h"
#include "program.h"
#include "results/results.h"
#include "scenario/scenario.h"
#include "util/util.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Start sc's program, time n samples into ns[], stop it.  0 or -1
 * (said on stderr). */
static int measure(const drip_runner_opts *o, const drip_scenario *sc, size_t n, uint64_t *ns)
{
    drip__program p;
    char *why = NULL;
    int rc = -1;
    if (drip__program_prepare(o, sc, sc->run.seed, ".program.log", &p, &why) < 0 ||
        drip__program_start(&p, drip_now_ns() + sc->run.timeout_ns, &why) != DRIP_READY_OK) {
        fprintf(stderr, "bench_program_sample: cannot start the program: %s\n",
                why ? why : "not ready");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        drip_sample s;
        uint64_t t0 = drip_now_ns();
        if (drip__program_sample(&p, i, 0, &s, &why) < 0) {
            fprintf(stderr, "bench_program_sample: sample %zu: %s\n", i, why);
            goto cleanup;
        }
        ns[i] = drip_now_ns() - t0;
    }
    rc = 0;
cleanup:
    drip__program_stop(&p);
    drip__program_release(&p);
    free(why);
    return rc;
}

int main(int argc, char **argv)
{
    const char *drip = NULL, *file = NULL;
    size_t n = 1000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--drip") == 0 && i + 1 < argc)
            drip = argv[++i];
        else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 10);
        else
            file = argv[i];
    }
    if (!drip || !file || n == 0) {
        fprintf(stderr, "usage: bench_program_sample --drip PATH/drip [--samples N] FILE\n");
        return 2;
    }
    drip_scenario_list list = {0};
    drip_diags diags = {0};
    if (drip_scenario_load_file(file, &list, &diags) < 0 || !list.count ||
        !list.items[0].external) {
        drip_diags_print(&diags, stderr);
        fprintf(stderr, "bench_program_sample: %s: no external workload\n", file);
        return 1;
    }
    drip_runner_opts o = {.self_exe = drip, .report_fd = -1};
    uint64_t *ns = xcalloc(n, sizeof *ns);
    int rc = measure(&o, &list.items[0], n, ns);
    if (rc == 0) {
        qsort(ns, n, sizeof *ns, cmp_u64);
        printf("samples=%zu median_us=%.1f p90_us=%.1f max_us=%.1f\n", n, (double)ns[n / 2] / 1e3,
               (double)ns[n * 9 / 10] / 1e3, (double)ns[n - 1] / 1e3);
    }
    free(ns);
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
    return rc == 0 ? 0 : 1;
}
