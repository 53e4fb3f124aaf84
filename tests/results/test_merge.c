/* test_merge.c - runs combined into one (harness/results/merge.h).
 *
 * "core": the shards of a split, given in any order, become one run sorted
 * by name, with the run fields combined and the paths into each shard's
 * directory moved into the merged one; the inputs are left empty.
 * "errors": a scenario in two runs, two splits, a shard twice, and missing
 * shards (not an error: counted and named).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "results/merge.h"
#include "util/util.h"

/* A run of shard k of n (0, 0: not sharded) holding scenarios named by
 * names[] (NULL-terminated). */
static void make(drip_merge_input *in, const char *path, const char *dir, unsigned k, unsigned n,
                 const char *const *names)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    in->dir = dir;
    in->run.drip_version = xstrdup("0.1.0");
    in->run.seed_set = true;
    in->run.seed = 4;
    in->run.started_at = xasprintf("2026-11-25T17:00:0%uZ", 9 - k);
    in->run.duration_s = 1.5 * k;
    in->run.complete = true;
    in->run.shard_index = k;
    in->run.shard_count = n;
    for (size_t i = 0; names[i]; i++) {
        drip_result *r = drip_run_results_add(&in->run);
        r->name = xstrdup(names[i]);
        r->valgrind.xml_file = xasprintf("%s/%s.valgrind.xml", dir, names[i]);
        r->valgrind.growth.xml_file = xasprintf("%s//%s.valgrind-2n.xml", dir, names[i]);
        r->reason = xasprintf("crashed (worker output: %s/%s.log)", dir, names[i]);
    }
    in->run.planned = in->run.count;
}

static void free_inputs(drip_merge_input *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        drip_run_results_free(&in[i].run);
}

/* ---- core -------------------------------------------------------------------- */

START_TEST(test_combine)
{
    drip_merge_input in[3];
    drip_run_results out;
    bool differ = true;
    make(&in[0], "s3", "r/s3", 3, 3, (const char *const[]){"c", "f", NULL});
    make(&in[1], "s1/results.json", "r/s1", 1, 3, (const char *const[]){"d", "a", NULL});
    make(&in[2], "s2", "r/s2", 2, 3, (const char *const[]){"b", "e", NULL});
    in[2].run.duration_s = NAN;                            /* counts 0 */
    in[0].run.complete = false;

    drip_merge_combine(in, 3, "merged", 0, "9.9.9", &out, &differ);
    ck_assert(!differ);
    ck_assert_uint_eq(out.count, 6);
    for (size_t i = 0; i < 6; i++) {
        char want[2] = {(char)('a' + i), '\0'};
        ck_assert_str_eq(out.scenarios[i].name, want);     /* sorted by name */
    }
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(in[i].run.count, 0);             /* moved out */
        ck_assert_ptr_nonnull(in[i].run.scenarios);        /* ... the array is the input's */
    }
    ck_assert_str_eq(out.scenarios[0].valgrind.xml_file, "merged/a.valgrind.xml");
    ck_assert_str_eq(out.scenarios[0].valgrind.growth.xml_file, "merged/a.valgrind-2n.xml");
    ck_assert_str_eq(out.scenarios[0].reason, "crashed (worker output: merged/a.log)");
    ck_assert_str_eq(out.drip_version, "0.1.0");
    ck_assert(out.seed_set && out.seed == 4);
    ck_assert_str_eq(out.started_at, "2026-11-25T17:00:06Z");   /* the earliest: shard 3 */
    ck_assert(out.duration_s == 1.5 * 3 + 1.5 * 1);
    ck_assert(!out.complete);                              /* shard 3 was not */
    ck_assert_uint_eq(out.planned, 6);
    ck_assert_uint_eq(out.shard_count, 0);
    drip_run_results_free(&out);
    free_inputs(in, 3);
}
END_TEST

/* Different seeds and versions are not kept; a missing shard makes the run
 * incomplete and its plan unknown. */
START_TEST(test_combine_differences)
{
    drip_merge_input in[2];
    drip_run_results out;
    bool differ = false;
    make(&in[0], "s1", "s1", 1, 3, (const char *const[]){"a", NULL});
    make(&in[1], "s3", "s3", 3, 3, (const char *const[]){"b", NULL});
    in[1].run.seed = 5;
    free(in[1].run.drip_version);
    in[1].run.drip_version = xstrdup("0.0.9");
    drip_merge_combine(in, 2, "m", 1, "9.9.9", &out, &differ);
    ck_assert(differ);
    ck_assert_str_eq(out.drip_version, "9.9.9");
    ck_assert(!out.seed_set);
    ck_assert_uint_eq(out.seed, 0);
    ck_assert(!out.complete);
    ck_assert_uint_eq(out.planned, 0);
    drip_run_results_free(&out);
    free_inputs(in, 2);

    make(&in[0], "s1", "s1", 1, 2, (const char *const[]){"a", NULL});
    make(&in[1], "s2", "s2", 2, 2, (const char *const[]){"b", NULL});
    in[1].run.seed_set = false;                            /* no --seed */
    drip_merge_combine(in, 2, "m", 0, "9.9.9", &out, &differ);
    ck_assert(!out.seed_set);
    ck_assert(out.complete);
    drip_run_results_free(&out);
    free_inputs(in, 2);
}
END_TEST

START_TEST(test_move_paths)
{
    char *p = xstrdup("rep/x.xml");
    drip_merge_move_path(&p, "rep", "out");
    ck_assert_str_eq(p, "out/x.xml");
    drip_merge_move_path(&p, "ou", "elsewhere");          /* "ou" is not "out" */
    ck_assert_str_eq(p, "out/x.xml");
    free(p);
    p = xstrdup("rep");                                    /* the directory itself */
    drip_merge_move_path(&p, "rep", "out");
    ck_assert_str_eq(p, "rep");
    free(p);
    p = NULL;
    drip_merge_move_path(&p, "rep", "out");
    ck_assert_ptr_null(p);
    drip_merge_move_log_path(&p, "rep", "out");
    ck_assert_ptr_null(p);

    char *t = xstrdup("exit 3 (worker output: a/b//c.log)\nmore");
    drip_merge_move_log_path(&t, "a/b", "m");
    ck_assert_str_eq(t, "exit 3 (worker output: m/c.log)\nmore");
    drip_merge_move_log_path(&t, "a/b", "z");              /* nothing of a/b left */
    ck_assert_str_eq(t, "exit 3 (worker output: m/c.log)\nmore");
    free(t);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_names)
{
    drip_merge_input in[2];
    char *err = NULL;
    make(&in[0], "one", "one", 0, 0, (const char *const[]){"a", "b", NULL});
    make(&in[1], "two", "two", 0, 0, (const char *const[]){"c", "b", NULL});
    ck_assert_int_eq(drip_merge_check_names(in, 1, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(drip_merge_check_names(in, 2, &err), -1);
    ck_assert_str_eq(err, "scenario 'b' is in one and in two: refusing to merge (were these "
                          "shards of one split?)");
    free(err);
    free_inputs(in, 2);

    make(&in[0], "one", "one", 0, 0, (const char *const[]){"a", "a", NULL});   /* twice in one */
    ck_assert_int_eq(drip_merge_check_names(in, 1, &err), -1);
    ck_assert_str_eq(err, "scenario 'a' is in one and in one: refusing to merge (were these "
                          "shards of one split?)");
    free(err);
    free_inputs(in, 1);
}
END_TEST

START_TEST(test_shards)
{
    drip_merge_input in[4];
    unsigned count = 9, missing = 9;
    char *absent = NULL, *err = NULL;
    static const char *const none[] = {NULL};
    make(&in[0], "s5", "s5", 5, 5, none);
    make(&in[1], "plain", "plain", 0, 0, none);            /* not sharded: left out */
    make(&in[2], "s1", "s1", 1, 5, none);
    make(&in[3], "s3", "s3", 3, 5, none);
    ck_assert_int_eq(drip_merge_check_shards(in, 4, &count, &missing, &absent, &err), 0);
    ck_assert_uint_eq(count, 5);
    ck_assert_uint_eq(missing, 2);
    ck_assert_str_eq(absent, "2, 4");
    ck_assert_ptr_null(err);
    free(absent);

    ck_assert_int_eq(drip_merge_check_shards(in + 1, 1, &count, &missing, &absent, &err), 0);
    ck_assert_uint_eq(count, 0);                           /* nothing sharded */
    ck_assert_uint_eq(missing, 0);
    ck_assert_ptr_null(absent);

    in[3].run.shard_index = 1;
    ck_assert_int_eq(drip_merge_check_shards(in, 4, &count, &missing, &absent, &err), -1);
    ck_assert_str_eq(err, "s1 and s3 are both shard 1/5");
    ck_assert_ptr_null(absent);
    free(err);

    in[3].run.shard_count = 4;
    ck_assert_int_eq(drip_merge_check_shards(in, 4, &count, &missing, &absent, &err), -1);
    ck_assert_str_eq(err, "s3 is shard 1/4 but s5 is of a split in 5: not one split run");
    free(err);
    free_inputs(in, 4);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("merge");
    drip_tcase(s, "core", test_combine, test_combine_differences, test_move_paths, NULL);
    drip_tcase(s, "errors", test_names, test_shards, NULL);
    return s;
}
