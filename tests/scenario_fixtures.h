/* scenario_fixtures.h - what the scenario loader's suites share: a fresh
 * list and diags per test (the Check fixture frees them, so valgrind sees
 * every error path), loading from a string, and assertions that pin a
 * problem's line, column and message.  One copy per suite (static). */
#ifndef DRIP_TEST_SCENARIO_FIXTURES_H
#define DRIP_TEST_SCENARIO_FIXTURES_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "scenario/scenario.h"
#include "util/util.h"

static drip_scenario_list list;
static drip_diags diags;

static inline void setup(void)
{
    memset(&list, 0, sizeof list);
    memset(&diags, 0, sizeof diags);
}

static inline void teardown(void)
{
    drip_scenario_list_free(&list);
    drip_diags_free(&diags);
}

/* Start over within a test: a fresh list and diags. */
static inline void reset(void)
{
    teardown();
    setup();
}

static inline int load(const char *path, const char *yaml)
{
    return drip_scenario_load_string(path, yaml, strlen(yaml), &list, &diags);
}

/* All diags as the user sees them, for failure messages.  Caller frees. */
static inline char *dump(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    drip_diags_print(&diags, f);
    fclose(f);
    return buf;
}

/* Diag i is at line:col and its message contains `sub`. */
#define assert_diag(i, line, col, sub) assert_diag_at(__LINE__, (i), (line), (col), (sub))
static inline void assert_diag_at(int at, size_t i, int line, int col, const char *sub)
{
    char *all = dump();
    ck_assert_msg(i < diags.count, "line %d: no diag %zu; got:\n%s", at, i, all);
    const drip_diag *d = &diags.items[i];
    ck_assert_msg(d->line == line && d->col == col && strstr(d->message, sub),
                  "line %d: want %d:%d '%s'; got:\n%s", at, line, col, sub, all);
    free(all);
}

/* Loading `yaml` gives no scenario and exactly one problem, as described. */
#define expect_one(yaml, line, col, sub) expect_one_at(__LINE__, (yaml), (line), (col), (sub))
static inline void expect_one_at(int at, const char *yaml, int line, int col, const char *sub)
{
    int n = load("t.yaml", yaml);
    char *all = dump();
    ck_assert_msg(n == 1 && diags.count == 1 && list.count == 0,
                  "line %d: want one problem, got %d:\n%s", at, n, all);
    free(all);
    assert_diag_at(at, 0, line, col, sub);
}

/* Loading `yaml` gives one scenario and no problem. */
#define expect_ok(yaml) expect_ok_at(__LINE__, (yaml))
static inline const drip_scenario *expect_ok_at(int at, const char *yaml)
{
    size_t before = list.count;
    int n = load("t.yaml", yaml);
    char *all = dump();
    ck_assert_msg(n == 0 && list.count == before + 1, "line %d: want ok, got:\n%s\n--\n%s",
                  at, all, yaml);
    free(all);
    return &list.items[list.count - 1];
}

static const char full_example[] __attribute__((unused)) =
    "name: global-map-leaky          # required\n"
    "description: Cache keyed by request id, never evicted.\n"
    "workload: { plugin: ./libmine.so }\n"
    "params: { value_bytes: 256 }\n"
    "run:\n"
    "  iterations: 20000\n"
    "  threads: 1\n"
    "  sample_every: 100\n"
    "  warmup: 0.2\n"
    "  timeout: 60s\n"
    "  seed: 1\n"
    "  heap_ceiling: 1GiB\n"
    "faults:\n"
    "  - { point: cache.miss, rate: 0.25 }\n"
    "expect:\n"
    "  heap_bytes: { max_slope: 16 }\n"
    "  heap_objects: { max_slope: 0.01 }\n"
    "  fds: { max_slope: 0 }\n"
    "  threads: { verdict: flat }\n";

#define MIN_OK "name: a\nworkload: w\n"

#endif /* DRIP_TEST_SCENARIO_FIXTURES_H */
