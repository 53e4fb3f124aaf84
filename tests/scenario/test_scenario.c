/* test_scenario.c - the scenario model and its YAML loader: files that
 * load, and the exact values (and defaults) they give.  The loader's
 * problems, one test per kind, are in test_scenario_errors.c.
 */
#include "check_main.h"
#include "scenario_fixtures.h"

/* ---- core ------------------------------------------------------------------- */

START_TEST(full_example_loads_exactly)
{
    ck_assert_int_eq(drip_scenario_load_string("/tmp/x/t.yaml", full_example,
                                               strlen(full_example), &list, &diags), 0);
    ck_assert_uint_eq(diags.count, 0);
    ck_assert_uint_eq(list.count, 1);
    const drip_scenario *s = &list.items[0];

    ck_assert_str_eq(s->name, "global-map-leaky");
    ck_assert_str_eq(s->description, "Cache keyed by request id, never evicted.");
    ck_assert_str_eq(s->file, "/tmp/x/t.yaml");
    ck_assert_uint_eq(s->doc_index, 0);
    ck_assert_int_eq(s->pos.line, 1);
    ck_assert_int_eq(s->pos.col, 1);
    ck_assert_ptr_null(s->workload);
    ck_assert_str_eq(s->plugin, "/tmp/x/libmine.so");
    ck_assert_int_eq(s->workload_pos.line, 3);
    ck_assert_int_eq(s->workload_pos.col, 11);

    ck_assert_uint_eq(s->nparams, 1);
    ck_assert_str_eq(s->params[0].key, "value_bytes");
    ck_assert_str_eq(s->params[0].value, "256");
    ck_assert_int_eq(s->params[0].pos.line, 4);
    ck_assert_int_eq(s->params[0].pos.col, 24);

    ck_assert_uint_eq(s->run.iterations, 20000);
    ck_assert_uint_eq(s->run.threads, 1);
    ck_assert_uint_eq(s->run.sample_every, 100);
    ck_assert_double_eq(s->run.warmup, 0.2);
    ck_assert_uint_eq(s->run.timeout_ns, 60000000000ULL);
    ck_assert_uint_eq(s->run.seed, 1);
    ck_assert_uint_eq(s->run.heap_ceiling, 1ULL << 30);

    ck_assert_uint_eq(s->nfaults, 1);
    ck_assert_str_eq(s->faults[0].point, "cache.miss");
    ck_assert_double_eq(s->faults[0].rate, 0.25);
    ck_assert_int_eq(s->faults[0].pos.line, 14);
    ck_assert_int_eq(s->faults[0].pos.col, 5);

    ck_assert_uint_eq(s->nexpects, 4);
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_HEAP_BYTES);
    ck_assert_int_eq(s->expects[0].rule, DRIP_RULE_MAX_SLOPE);
    ck_assert_double_eq(s->expects[0].limit, 16);
    ck_assert_int_eq(s->expects[0].pos.line, 16);
    ck_assert_int_eq(s->expects[0].pos.col, 17);
    ck_assert_int_eq(s->expects[1].metric, DRIP_M_HEAP_OBJECTS);
    ck_assert_int_eq(s->expects[1].rule, DRIP_RULE_MAX_SLOPE);
    ck_assert_double_eq(s->expects[1].limit, 0.01);
    ck_assert_int_eq(s->expects[2].metric, DRIP_M_FDS);
    ck_assert_double_eq(s->expects[2].limit, 0);
    ck_assert_int_eq(s->expects[3].metric, DRIP_M_THREADS);
    ck_assert_int_eq(s->expects[3].rule, DRIP_RULE_VERDICT);
    ck_assert_int_eq(s->expects[3].verdict, DRIP_VERDICT_FLAT);
    ck_assert_int_eq(s->expects[3].pos.line, 19);
    ck_assert_int_eq(s->expects[3].pos.col, 14);
}
END_TEST

START_TEST(defaults_when_run_omitted)
{
    const drip_scenario *s = expect_ok("name: a\nworkload: global-map-leaky\n");
    drip_run_spec d;

    drip_run_spec_defaults(&d);
    ck_assert_uint_eq(d.iterations, 10000);
    ck_assert_uint_eq(d.threads, 1);
    ck_assert_uint_eq(d.sample_every, 50);
    ck_assert_double_eq(d.warmup, 0.2);
    ck_assert_uint_eq(d.timeout_ns, 60000000000ULL);
    ck_assert_uint_eq(d.seed, 1);
    ck_assert_uint_eq(d.heap_ceiling, 1ULL << 30);
    ck_assert_uint_eq(s->run.iterations, d.iterations);
    ck_assert_uint_eq(s->run.threads, d.threads);
    ck_assert_uint_eq(s->run.sample_every, d.sample_every);
    ck_assert_double_eq(s->run.warmup, d.warmup);
    ck_assert_uint_eq(s->run.timeout_ns, d.timeout_ns);
    ck_assert_uint_eq(s->run.seed, d.seed);
    ck_assert_uint_eq(s->run.heap_ceiling, d.heap_ceiling);

    ck_assert_str_eq(s->workload, "global-map-leaky");
    ck_assert_ptr_null(s->plugin);
    ck_assert_ptr_null(s->description);
    ck_assert_uint_eq(s->nparams + s->nfaults + s->nexpects, 0);
}
END_TEST

START_TEST(run_values_and_sample_every_default)
{
    const drip_scenario *s = expect_ok(MIN_OK "run:\n  iterations: 20000\n  threads: 8\n"
                                       "  warmup: 0.5\n  timeout: 1.5m\n  seed: 0\n"
                                       "  heap_ceiling: 512MiB\n");
    ck_assert_uint_eq(s->run.iterations, 20000);
    ck_assert_uint_eq(s->run.sample_every, 100);        /* 20000 / 200 */
    ck_assert_uint_eq(s->run.threads, 8);
    ck_assert_double_eq(s->run.warmup, 0.5);
    ck_assert_uint_eq(s->run.timeout_ns, 90000000000ULL);
    ck_assert_uint_eq(s->run.seed, 0);
    ck_assert_uint_eq(s->run.heap_ceiling, 512ULL << 20);

    s = expect_ok(MIN_OK "run: { iterations: 100 }\n");
    ck_assert_uint_eq(s->run.sample_every, 1);           /* max(1, 100 / 200) */
    s = expect_ok(MIN_OK "run: { iterations: 8 }\n");
    ck_assert_uint_eq(s->run.sample_every, 1);
    s = expect_ok(MIN_OK "run: { iterations: 1000000000000, sample_every: 1000 }\n");
    ck_assert_uint_eq(s->run.iterations, 1000000000000ULL);
    ck_assert_uint_eq(s->run.sample_every, 1000);
    /* the largest seed a report can hold: results.json stores it as a JSON
     * integer, a signed 64-bit number in its readers */
    s = expect_ok(MIN_OK "run: { threads: 256, warmup: 0, seed: 9223372036854775807 }\n");
    ck_assert_uint_eq(s->run.threads, 256);
    ck_assert_double_eq(s->run.warmup, 0);
    ck_assert_uint_eq(s->run.seed, 9223372036854775807ULL);
}
END_TEST

/* A timed run: duration instead of iterations, no sample_every, and a
 * timeout that follows the duration unless one is written. */
START_TEST(run_duration)
{
    const drip_scenario *s = expect_ok(MIN_OK "run:\n  duration: 10m\n  threads: 2\n");
    ck_assert_uint_eq(s->run.duration_ns, 600000000000ULL);
    ck_assert_uint_eq(s->run.iterations, 0);
    ck_assert_uint_eq(s->run.sample_every, 0);
    ck_assert_uint_eq(s->run.threads, 2);
    ck_assert_uint_eq(s->run.timeout_ns, 720000000000ULL);   /* 10m + 60s + 10% */
    ck_assert(!s->run.timeout_set);

    s = expect_ok(MIN_OK "run: { duration: 2s, timeout: 5m }\n");
    ck_assert_uint_eq(s->run.duration_ns, 2000000000ULL);
    ck_assert_uint_eq(s->run.timeout_ns, 300000000000ULL);   /* written: kept */
    ck_assert(s->run.timeout_set);
    s = expect_ok(MIN_OK "run: { duration: 1.5h }\n");
    ck_assert_uint_eq(s->run.duration_ns, 5400000000000ULL);
    s = expect_ok(MIN_OK "run: { duration: 1s }\n");          /* the shortest */
    ck_assert_uint_eq(s->run.duration_ns, 1000000000ULL);
    s = expect_ok(MIN_OK "run: { duration: 8760h }\n");       /* the longest */
    ck_assert_uint_eq(s->run.duration_ns, DRIP_DURATION_MAX_NS);

    s = expect_ok(MIN_OK "run: { iterations: 1000 }\n");      /* counted: no duration */
    ck_assert_uint_eq(s->run.duration_ns, 0);
    ck_assert(!s->run.timeout_set);
    s = expect_ok(MIN_OK "run: { timeout: 30s }\n");
    ck_assert(s->run.timeout_set);
}
END_TEST

/* --duration on the command line: the same rules, applied to a spec. */
START_TEST(run_spec_set_duration)
{
    drip_run_spec run;
    drip_run_spec_defaults(&run);
    drip_run_spec_set_duration(&run, 600000000000ULL);
    ck_assert_uint_eq(run.duration_ns, 600000000000ULL);
    ck_assert_uint_eq(run.iterations, 0);
    ck_assert_uint_eq(run.sample_every, 0);
    ck_assert_uint_eq(run.timeout_ns, 720000000000ULL);       /* the default 60s raised */

    drip_run_spec_defaults(&run);
    run.timeout_set = true;
    run.timeout_ns = 7200000000000ULL;                        /* written 2h: longer, kept */
    drip_run_spec_set_duration(&run, 600000000000ULL);
    ck_assert_uint_eq(run.timeout_ns, 7200000000000ULL);
    run.timeout_ns = 30000000000ULL;                          /* written 30s: too short */
    drip_run_spec_set_duration(&run, 600000000000ULL);
    ck_assert_uint_eq(run.timeout_ns, 720000000000ULL);

    ck_assert_uint_eq(drip_duration_timeout(1000000000ULL), 61100000000ULL);
    ck_assert_uint_eq(drip_duration_timeout(UINT64_MAX - 5), UINT64_MAX);   /* saturates */
}
END_TEST

START_TEST(two_documents)
{
    static const char yaml[] =
        "name: first\n"
        "workload: w1\n"
        "---\n"
        "# the second\n"
        "name: second\n"
        "workload: w2\n"
        "run: { iterations: 800 }\n";

    ck_assert_int_eq(load("dir/two.yaml", yaml), 0);
    ck_assert_uint_eq(list.count, 2);
    ck_assert_str_eq(list.items[0].name, "first");
    ck_assert_str_eq(list.items[0].workload, "w1");
    ck_assert_uint_eq(list.items[0].doc_index, 0);
    ck_assert_uint_eq(list.items[0].run.iterations, 10000);
    ck_assert_str_eq(list.items[1].name, "second");
    ck_assert_str_eq(list.items[1].workload, "w2");
    ck_assert_str_eq(list.items[1].file, "dir/two.yaml");
    ck_assert_uint_eq(list.items[1].doc_index, 1);
    ck_assert_int_eq(list.items[1].pos.line, 3);
    ck_assert_int_eq(list.items[1].pos.col, 1);
    ck_assert_uint_eq(list.items[1].run.iterations, 800);
    ck_assert_uint_eq(list.items[1].run.sample_every, 4);
}
END_TEST

START_TEST(params_kept_as_written)
{
    const drip_scenario *s = expect_ok(MIN_OK "params:\n"
                                       "  size: 64KiB\n"
                                       "  hex: 0x10\n"
                                       "  padded: 1.50\n"
                                       "  quoted: \"a b\"\n"
                                       "  single: 'it''s'\n"
                                       "  empty:\n"
                                       "  tilde: ~\n");
    static const char *const want[][2] = {
        {"size", "64KiB"}, {"hex", "0x10"}, {"padded", "1.50"}, {"quoted", "a b"},
        {"single", "it's"}, {"empty", ""}, {"tilde", "~"},
    };
    ck_assert_uint_eq(s->nparams, 7);
    for (size_t i = 0; i < 7; i++) {
        ck_assert_str_eq(s->params[i].key, want[i][0]);
        ck_assert_str_eq(s->params[i].value, want[i][1]);
        ck_assert_ptr_eq(drip_scenario_param(s, want[i][0]), &s->params[i]);
    }
    ck_assert_int_eq(s->params[1].pos.line, 5);
    ck_assert_int_eq(s->params[1].pos.col, 8);
    ck_assert_ptr_null(drip_scenario_param(s, "nope"));
    ck_assert_ptr_null(drip_scenario_param(NULL, "size"));
}
END_TEST

START_TEST(plugin_paths)
{
    static const struct { const char *file, *plugin, *want; } cases[] = {
        {"t.yaml", "libmine.so", "./libmine.so"},
        {"t.yaml", "./libmine.so", "./libmine.so"},
        {"dir/t.yaml", "./libmine.so", "dir/libmine.so"},
        {"dir/t.yaml", "../lib/x.so", "dir/../lib/x.so"},
        {"/t.yaml", "x.so", "/x.so"},
        {"/a/b/t.yaml", "/opt/x.so", "/opt/x.so"},
        {"/a/b/t.yaml", "\"sub dir/x.so\"", "/a/b/sub dir/x.so"},
        {"/dev/stdin", "./x.so", "./x.so"},          /* a stream: from the working dir */
        {"/dev/fd/63", "lib/x.so", "./lib/x.so"},
        {"/proc/self/fd/0", "x.so", "./x.so"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *yaml = xasprintf("name: p%zu\nworkload:\n  plugin: %s\n", i, cases[i].plugin);
        ck_assert_int_eq(load(cases[i].file, yaml), 0);
        ck_assert_str_eq(list.items[i].plugin, cases[i].want);
        ck_assert_ptr_null(list.items[i].workload);
        free(yaml);
    }
}
END_TEST

/* valgrind.suppressions: paths resolved like a plugin's, against the file. */
START_TEST(valgrind_suppressions)
{
    ck_assert_int_eq(load("/a/b/t.yaml", "name: s\nworkload: w\nvalgrind:\n"
                                         "  iterations: 50\n"
                                         "  suppressions: [mine.supp, /etc/x.supp]\n"), 0);
    const drip_valgrind_spec *vg = &list.items[0].valgrind;
    ck_assert(vg->present);
    ck_assert_uint_eq(vg->iterations, 50);
    ck_assert_uint_eq(vg->nsuppressions, 2);
    ck_assert_str_eq(vg->suppressions[0], "/a/b/mine.supp");
    ck_assert_str_eq(vg->suppressions[1], "/etc/x.supp");
}
END_TEST

START_TEST(err_valgrind_suppressions)
{
    expect_one(MIN_OK "valgrind:\n  suppressions: mine.supp\n", 4, 17,
               "'valgrind.suppressions' must be a sequence");
    reset();
    expect_one(MIN_OK "valgrind:\n  suppressions: [\"\"]\n", 4, 18,
               "'valgrind.suppressions[0]' must be a path to a suppression file");
}
END_TEST

START_TEST(empty_collections_and_description)
{
    const drip_scenario *s = expect_ok(MIN_OK "description:\nparams:\nrun:\nfaults:\nexpect:\n");
    ck_assert_ptr_null(s->description);
    ck_assert_uint_eq(s->nparams + s->nfaults + s->nexpects, 0);
    ck_assert_uint_eq(s->run.iterations, 10000);

    s = expect_ok("---\nname: \"quoted.name\"\nworkload: 'w'\n"
                  "params: {}\nfaults: []\nexpect: {}\n...\n");
    ck_assert_str_eq(s->name, "quoted.name");
    ck_assert_str_eq(s->workload, "w");
}
END_TEST

START_TEST(all_rules_and_faults)
{
    const drip_scenario *s = expect_ok(MIN_OK
        "faults:\n"
        "  - point: a.b\n"
        "    rate: 0\n"
        "  - { point: c-d_e, rate: 1 }\n"
        "expect:\n"
        "  rss: { verdict: bounded, min_slope: -2.5, max_slope: 1e3 }\n"
        "  allocs: { verdict: growing }\n");
    ck_assert_uint_eq(s->nfaults, 2);
    ck_assert_str_eq(s->faults[0].point, "a.b");
    ck_assert_double_eq(s->faults[0].rate, 0);
    ck_assert_int_eq(s->faults[0].pos.line, 4);
    ck_assert_int_eq(s->faults[0].pos.col, 5);
    ck_assert_str_eq(s->faults[1].point, "c-d_e");
    ck_assert_double_eq(s->faults[1].rate, 1);

    ck_assert_uint_eq(s->nexpects, 4);
    ck_assert_int_eq(s->expects[0].metric, DRIP_M_RSS);
    ck_assert_int_eq(s->expects[0].rule, DRIP_RULE_MAX_SLOPE);
    ck_assert_double_eq(s->expects[0].limit, 1000);
    ck_assert_int_eq(s->expects[0].pos.col, 45);
    ck_assert_int_eq(s->expects[1].rule, DRIP_RULE_MIN_SLOPE);
    ck_assert_double_eq(s->expects[1].limit, -2.5);
    ck_assert_int_eq(s->expects[2].rule, DRIP_RULE_VERDICT);
    ck_assert_int_eq(s->expects[2].verdict, DRIP_VERDICT_BOUNDED);
    ck_assert_int_eq(s->expects[3].metric, DRIP_M_ALLOCS);
    ck_assert_int_eq(s->expects[3].verdict, DRIP_VERDICT_GROWING);
}
END_TEST

START_TEST(load_file_resolves_against_its_directory)
{
    char dir[] = "/tmp/drip-test-scenario-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = xasprintf("%s/s.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(full_example, f);
    fclose(f);

    ck_assert_int_eq(drip_scenario_load_file(path, &list, &diags), 0);
    ck_assert_uint_eq(list.count, 1);
    char *want = xasprintf("%s/libmine.so", dir);
    ck_assert_str_eq(list.items[0].plugin, want);
    ck_assert_str_eq(list.items[0].file, path);

    unlink(path);
    rmdir(dir);
    free(want);
    free(path);
}
END_TEST

/* A file is read once, from where its fd stands (a pipe too), and its
 * text kept in the list, shared by its documents, for the workers. */
START_TEST(load_fd_reads_once_and_keeps_the_text)
{
    static const char text[] = "name: x\nworkload: w\n---\nname: y\nworkload: w\n";
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(p[1]);
    ck_assert_int_eq(drip_scenario_load_fd("/dev/stdin", p[0], &list, &diags), 0);
    close(p[0]);
    ck_assert_uint_eq(list.count, 2);
    ck_assert_str_eq(list.items[1].file, "/dev/stdin");
    ck_assert_ptr_eq(list.items[0].text, list.items[1].text);
    ck_assert_uint_eq(list.items[1].text_len, sizeof text - 1);
    ck_assert_str_eq(list.items[1].text, text);

    /* load_string keeps a copy: the caller's buffer may go */
    char *mine = xstrdup("name: z\nworkload: w\n");
    ck_assert_int_eq(load("z.yaml", mine), 0);
    ck_assert_ptr_ne(list.items[2].text, mine);
    free(mine);
    ck_assert_str_eq(list.items[2].text, "name: z\nworkload: w\n");
    ck_assert_uint_eq(list.ntexts, 2);

    /* nothing appended: nothing kept */
    ck_assert_int_gt(load("bad.yaml", "name: [\n"), 0);
    ck_assert_uint_eq(list.ntexts, 2);
}
END_TEST

START_TEST(unique_names_pass)
{
    load("a.yaml", "name: x\nworkload: w\n---\nname: y\nworkload: w\n");
    load("b.yaml", "name: z\nworkload: w\n");
    ck_assert_uint_eq(list.count, 3);
    ck_assert_int_eq(drip_scenario_check_unique(&list, &diags), 0);
    ck_assert_uint_eq(diags.count, 0);
}
END_TEST

START_TEST(diags_print_format)
{
    char *out;
    drip_diags_add(&diags, "a.yaml", 3, 7, "bad %s", "thing");
    drip_diags_add(&diags, "b.yaml", 0, 0, "cannot read file: %s", "nope");
    out = dump();
    ck_assert_str_eq(out, "a.yaml:3:7: error: bad thing\nb.yaml: error: cannot read file: nope\n");
    free(out);
}
END_TEST

START_TEST(core_after_teardown_rule)
{
    drip_scenario_list lst = {0};
    drip_diags d = {0};
    const char *y = "name: a\nworkload: w\nexpect:\n  tasks: { max_after_teardown: 0 }\n";
    ck_assert_int_eq(drip_scenario_load_string("t.yaml", y, strlen(y), &lst, &d), 0);
    ck_assert_uint_eq(lst.count, 1);
    ck_assert_uint_eq(lst.items[0].nexpects, 1);
    ck_assert_int_eq(lst.items[0].expects[0].rule, DRIP_RULE_MAX_AFTER_TEARDOWN);
    ck_assert_int_eq(lst.items[0].expects[0].metric, DRIP_M_TASKS);
    ck_assert(lst.items[0].expects[0].limit == 0);
    drip_scenario_list_free(&lst);
    drip_diags_free(&d);
}
END_TEST

START_TEST(core_alloc_fault_sizes)
{
    drip_scenario_list lst = {0};
    drip_diags d = {0};
    const char *y = "name: a\nworkload: w\nfaults:\n"
                    "  - { point: alloc, rate: 0.5, min_size: 1KiB, max_size: 1MiB }\n"
                    "  - { point: other, rate: 0.5 }\n";
    ck_assert_int_eq(drip_scenario_load_string("t.yaml", y, strlen(y), &lst, &d), 0);
    ck_assert_uint_eq(lst.items[0].faults[0].min_size, 1024);
    ck_assert_uint_eq(lst.items[0].faults[0].max_size, 1 << 20);
    ck_assert_uint_eq(lst.items[0].faults[1].min_size, 0);
    ck_assert(lst.items[0].faults[1].max_size == UINT64_MAX);
    drip_scenario_list_free(&lst);
    drip_diags_free(&d);
}
END_TEST

/* ---- profile: ----------------------------------------------------------------- */

START_TEST(profile_section)
{
    const drip_scenario *sc = expect_ok(MIN_OK);
    ck_assert_int_eq(sc->profile.mode, DRIP_PROFILE_DEFAULT);   /* sampled */
    ck_assert_uint_eq(sc->profile.rate, 0);           /* chosen by the worker */
    ck_assert_str_eq(drip_profile_mode_name(sc->profile.mode), "sampled");
    sc = expect_ok(MIN_OK "profile: { mode: precise }\n");
    ck_assert_int_eq(sc->profile.mode, DRIP_PROFILE_PRECISE);
    sc = expect_ok(MIN_OK "profile: { mode: sampled, rate: 4KiB }\n");
    ck_assert_int_eq(sc->profile.mode, DRIP_PROFILE_SAMPLED);
    ck_assert_uint_eq(sc->profile.rate, 4096);
    sc = expect_ok(MIN_OK "profile: { skip: [xnew, g_malloc] }\n");   /* the user's wrappers */
    ck_assert_uint_eq(sc->profile.nskip, 2);
    ck_assert_str_eq(sc->profile.skip[0], "xnew");
    ck_assert_str_eq(sc->profile.skip[1], "g_malloc");
    sc = expect_ok(MIN_OK "profile: { mode: off }\n");
    ck_assert_str_eq(drip_profile_mode_name(sc->profile.mode), "off");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *core = drip_tcase(s, "core", core_after_teardown_rule, core_alloc_fault_sizes,
            full_example_loads_exactly, defaults_when_run_omitted,
            run_values_and_sample_every_default, two_documents, params_kept_as_written,
            run_duration, run_spec_set_duration, plugin_paths, valgrind_suppressions,
            err_valgrind_suppressions, empty_collections_and_description, all_rules_and_faults,
            load_file_resolves_against_its_directory, load_fd_reads_once_and_keeps_the_text,
            unique_names_pass, diags_print_format, profile_section, NULL);

    tcase_add_checked_fixture(core, setup, teardown);
    return s;
}
