/* test_program_vg.c - the valgrind pass of external programs (`drip run
 * --valgrind` of a `workload.command`): the program runs again under
 * memcheck without the preload, is driven and stopped with its stop
 * signal, and memcheck's XML is parsed into the result.  A service of
 * scenarios/services (drip-growlist, which frees what it holds at its
 * stop) passes with a whole XML from both runs; a program that loses a
 * block on a timer (tests/programs/extprog.c, mode leak) fails the
 * definitely-lost limit, naming its function, and is classed lost memory.
 */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"
#include "util/util.h"

/* The valgrind section of scenario `name` in DIR/results.json, checked to
 * be a whole pass with a growth run; returns the root (caller decrefs). */
static json_t *whole_pass(const char *out, const char *name, json_t **sc, json_t **vg)
{
    json_t *root = load_results(out);
    *sc = scenario(root, name);
    *vg = json_object_get(*sc, "valgrind");
    ck_assert_msg(json_is_object(*vg), "%s: no valgrind section", name);
    ck_assert_msg(json_is_null(json_object_get(*vg, "skipped")), "skipped: %s",
                  str_at(*vg, "skipped"));
    ck_assert_msg(json_is_null(json_object_get(*vg, "problem")), "problem: %s",
                  str_at(*vg, "problem"));
    ck_assert(json_is_true(json_object_get(*vg, "complete")));
    json_t *g = json_object_get(*vg, "growth");
    ck_assert_msg(json_is_object(g), "no growth run");
    ck_assert_msg(json_is_null(json_object_get(g, "problem")), "growth: %s",
                  str_at(g, "problem"));
    ck_assert(access(str_at(*vg, "xml_file"), R_OK) == 0);
    ck_assert(access(str_at(g, "xml_file"), R_OK) == 0);
    return root;
}

/* growlist-leaky under --valgrind at 40 intervals: both runs whole, no
 * memory error, nothing lost (it frees its history at SIGTERM), the
 * verdict of the counters kept; the run's program log is its own. */
START_TEST(service_pass_is_whole)
{
    char *dir = tmpdir(), *out = xasprintf("%s/r", dir);
    proc p = run((const char *[]){"run", "--no-color", "--valgrind", "--iterations", "40", "-o", out,
                                  SRC("scenarios/services/list-leaky.yaml"), NULL});
    json_t *sc, *vg, *root = whole_pass(out, "list-leaky", &sc, &vg);
    ck_assert_msg(strcmp(str_at(sc, "status"), "pass") == 0, "%s: %s\n%s\n%s",
                  str_at(sc, "status"), str_at(sc, "reason"), p.out, p.err);
    ck_assert_int_eq(json_integer_value(json_object_get(vg, "iterations")), 40);
    ck_assert_int_eq(json_integer_value(json_object_get(vg, "errors")), 0);
    json_t *lost = json_object_get(vg, "definitely_lost");
    ck_assert_int_eq(json_integer_value(json_object_get(lost, "bytes")), 0);
    char *plog = xasprintf("%s/list-leaky.program.log", out);
    char *vlog = xasprintf("%s/list-leaky.valgrind.log", out);
    char *ptext = slurp(plog), *vtext = slurp(vlog);
    ck_assert_msg(ptext && strstr(ptext, "growlist: listening") && !strstr(ptext, "Memcheck"),
                  "%s", ptext ? ptext : "(no program log)");
    ck_assert_msg(vtext && strstr(vtext, "growlist: stopped"), "%s",
                  vtext ? vtext : "(no valgrind log)");
    free(ptext);
    free(vtext);
    free(plog);
    free(vlog);
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
    free(out);
}
END_TEST

/* A program that loses memory: the limit fails naming its function, and
 * the growth from N to 2N makes it lost memory. */
START_TEST(lost_memory_is_named)
{
    char *dir = tmpdir(), *yaml = xasprintf("%s/leak.yaml", dir), *out = xasprintf("%s/r", dir);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "name: ext-leak\n"
               "workload:\n"
               "  command: [\"%s\", leak]\n"
               "  ready: { log: \"extprog: ready\" }\n"
               "  drive: { interval: 20ms }\n"
               "  stop: { signal: TERM, grace: 500ms }\n"
               "run: { iterations: 40, sample_every: 4, warmup: 0.2, timeout: 30s, seed: 1 }\n"
               "valgrind: { iterations: 25, definitely_lost: { max: 0 } }\n"
               "expect:\n"
               "  heap_bytes: { verdict: growing }\n",
            DRIP_EXTPROG);
    fclose(f);
    proc p = run((const char *[]){"run", "--no-color", "-o", out, yaml, NULL});
    json_t *sc, *vg, *root = whole_pass(out, "ext-leak", &sc, &vg);
    ck_assert_msg(strcmp(str_at(sc, "status"), "fail") == 0, "%s: %s\n%s",
                  str_at(sc, "status"), str_at(sc, "reason"), p.err);
    ck_assert_msg(strstr(str_at(sc, "reason"), "valgrind: definitely_lost") &&
                  strstr(str_at(sc, "reason"), "lose_block"), "%s", str_at(sc, "reason"));
    json_t *g = json_object_get(vg, "growth");
    ck_assert_msg(strstr(str_at(g, "top_lost"), "lose_block"), "%s", str_at(g, "top_lost"));
    json_t *cl = json_object_get(sc, "classification");
    ck_assert_msg(strcmp(str_at(cl, "class"), "lost memory") == 0, "%s: %s",
                  str_at(cl, "class"), str_at(cl, "why"));
    json_decref(root);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
    free(yaml);
    free(out);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("program_vg");
    tcase_set_timeout(drip_tcase(s, "valgrind", service_pass_is_whole, lost_memory_is_named, NULL), 240);
    return s;
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    signal(SIGPIPE, SIG_IGN);
    return -1;
}
