/* read_fixtures.h - a results model holding every part a report can
 * hold: samples, fits, every expectation rule, faults of every form, a
 * valgrind pass with its growth run, a sweep with findings, a
 * classification, a shard, an interrupted soak with a site profile, and
 * text that needs escaping.  test_read.c writes it, reads it back and
 * writes it again; test_results_json.c compares it with the bytes the
 * writer has always produced.  When a field is added to results.json,
 * give it a value here. */
#ifndef DRIP_TEST_READ_FIXTURES_H
#define DRIP_TEST_READ_FIXTURES_H

#include <math.h>
#include <stdint.h>

#include "results/results.h"
#include "util/util.h"

static inline void full_fit(drip_result *r, int m, drip_verdict v, double slope, double low,
                            double high)
{
    r->metrics[m].measured = true;
    r->metrics[m].fit = (drip_fit){.all = {slope, low, high, 10}, .tail = {slope * 1.01, 0, 0, 5},
                                   .growth = slope * 8000, .verdict = v,
                                   .window_start = (size_t)floor(r->warmup * 10),
                                   .change_at = v == DRIP_VERDICT_GROWING ? 6000 : NAN,
                                   .change = {v == DRIP_VERDICT_GROWING ? slope * 1.5 : NAN,
                                              NAN, NAN, 0}};
}

static inline void full_samples(drip_result *r)
{
    for (int i = 0; i < 10; i++) {
        drip_sample s;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            s.v[c] = NAN;
        s.v[DRIP_COL_ITER] = 1000.0 * (i + 1);
        s.v[DRIP_COL_TIME] = 0.0123456 * (i + 1);
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = 100 + 151.25 * 1000 * (i + 1);
        s.v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = 3 + i / 3.0;
        s.v[DRIP_COL_METRIC(DRIP_M_THREADS)] = 2;
        s.v[DRIP_COL_METRIC(DRIP_M_COUNT)] = 0.5 * 1000 * (i + 1);     /* cache.hits */
        drip_result_add_sample(r, &s);
    }
}

static inline void build_full_run(drip_run_results *run)
{
    static const uint64_t nth[] = {2, 5};
    run->drip_version = xstrdup("0.1.0");
    run->seed_set = true;
    run->seed = 42;
    run->started_at = xstrdup("2026-11-25T17:00:00Z");
    run->duration_s = 3.25;
    run->complete = true;
    run->isolation = xstrdup("cgroup v2");
    run->shard_index = 2;
    run->shard_count = 3;
    run->missing_shards = xcalloc(2, sizeof *run->missing_shards);   /* as a merge says */
    run->missing_shards[0] = 1;
    run->missing_shards[1] = 3;
    run->nmissing_shards = 2;
    run->missing_of = 3;

    drip_result *r = drip_run_results_add(run);
    r->name = xstrdup("leaky");
    r->file = xstrdup("scenarios/x/leaky.yaml");
    r->workload = xstrdup("global-map-leaky");
    r->description = xstrdup("<script>alert(\"x\")</script> & \xc3\xa9\nline \x01 bad\xff");
    r->status = DRIP_STATUS_FAIL;
    r->reason = xstrdup("heap_bytes: slope +151 B/iter > max_slope 0 B/iter\nsecond");
    r->repeat.runs = 4;                                  /* --repeat 4: seeds 42..45 */
    r->repeat.passed = 2;
    r->repeat.failed_seeds = xcalloc(2, sizeof *r->repeat.failed_seeds);
    r->repeat.failed_seeds[0] = 42;
    r->repeat.failed_seeds[1] = 44;
    r->repeat.nfailed = 2;
    r->settle = (drip_settle_result){.samples = 201, .unsettled = 3, .total_s = 0.25,
                                     .max_s = 0.125};    /* settled before samples */
    r->expect_mode = DRIP_EXPECT_DEFAULT;                /* no expect: nothing grows */
    r->seed = 42;
    r->threads = 2;
    r->iterations = r->iterations_planned = 10000;
    r->failed_iterations = 7;
    r->duration_s = 1.5;
    r->ns_per_iter = 150.125;
    r->warmup = 0.2;
    r->heap_ceiling = 1 << 30;
    drip_result_custom_add(r, "cache.hits", "hits", true);            /* DRIP_M_COUNT */
    drip_result_custom_add(r, "cache.misses", NULL, true);            /* DRIP_M_COUNT + 1 */
    r->custom[0].resolution = 4;                 /* a program's long map form sets one */
    full_samples(r);
    full_fit(r, DRIP_M_COUNT, DRIP_VERDICT_GROWING, 0.5, 0.5, 0.5);   /* a workload metric */
    full_fit(r, DRIP_M_HEAP_BYTES, DRIP_VERDICT_GROWING, 151.25, 150.5, 152);
    full_fit(r, DRIP_M_HEAP_OBJECTS, DRIP_VERDICT_BOUNDED, 0.333333333333333, 0.1, 0.5);
    full_fit(r, DRIP_M_THREADS, DRIP_VERDICT_FLAT, 0, 0, 0);
    full_fit(r, DRIP_M_FDS, DRIP_VERDICT_UNKNOWN, NAN, NAN, NAN);
    r->has_after_teardown = true;
    for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
        r->after_teardown.v[c] = 1.5 * c;
    r->nexpects = 5;
    r->expects = xcalloc(5, sizeof *r->expects);
    r->expects[4] = (drip_expect_result){DRIP_M_COUNT + 1, DRIP_RULE_MAX_SLOPE, 1,
                                         DRIP_VERDICT_UNKNOWN, NAN, false};   /* never reported */
    r->expects[0] = (drip_expect_result){DRIP_M_HEAP_BYTES, DRIP_RULE_MAX_SLOPE, 0,
                                         DRIP_VERDICT_UNKNOWN, 151.25, false};
    r->expects[1] = (drip_expect_result){DRIP_M_HEAP_OBJECTS, DRIP_RULE_MIN_SLOPE, 0.5,
                                         DRIP_VERDICT_UNKNOWN, 0.333333333333333, false};
    r->expects[2] = (drip_expect_result){DRIP_M_FDS, DRIP_RULE_VERDICT, 0, DRIP_VERDICT_BOUNDED,
                                         NAN, false};
    r->expects[3] = (drip_expect_result){DRIP_M_THREADS, DRIP_RULE_MAX_AFTER_TEARDOWN, 4, 0, 3,
                                         true};
    r->nfaults = 3;
    r->faults = xcalloc(3, sizeof *r->faults);
    r->faults[0] = (drip_fault_result){.point = xstrdup("cache.miss"), .rate = 0.25,
                                       .asked = 100, .fired = 26, .first = {1, 4}, .nfirst = 2};
    r->faults[1] = (drip_fault_result){.point = xstrdup("alloc"), .asked = 30, .fired = 3};
    drip_fault_result_set_schedule(&r->faults[1], 10, nth, 2);
    r->faults[2] = (drip_fault_result){.point = xstrdup("drop"), .asked = 5, .fired = 0};
    drip_fault_result_set_schedule(&r->faults[2], 0, nth + 1, 1);
    drip_result_add_warning(r, "every iteration failed");
    r->leak_class = DRIP_CLASS_REACHABLE;
    r->class_why = xstrdup("heap_bytes grows; valgrind: still reachable grows 80 B/iter");
    r->class_basis = xstrdup("counters and valgrind");

    drip_valgrind_result *v = &r->valgrind;
    v->ran = true;
    v->complete = true;
    v->xml_file = xstrdup("reports/x/leaky.valgrind.xml");
    v->iterations = 200;
    for (int k = 0; k < 4; k++) {
        v->bytes[k] = 100 * (uint64_t)k;
        v->blocks[k] = (uint64_t)k;
        v->before_bytes[k] = 1000 + (uint64_t)k;
        v->before_blocks[k] = 10 + (uint64_t)k;
    }
    v->has_before = true;
    v->errors = 1;
    v->first_error = xstrdup("InvalidRead: at f (x.c:3)");
    v->checked[0] = v->checked[4] = true;
    v->limit[4] = 0;
    v->actual[4] = 1;
    v->ok[0] = true;
    v->growth.ran = true;
    v->growth.iterations = 400;
    v->growth.xml_file = xstrdup("reports/x/leaky.valgrind-2n.xml");
    for (int k = 0; k < 4; k++) {
        v->growth.bytes[k] = 2000 + (uint64_t)k;
        v->growth.per_iteration[k] = k * 0.5;
        v->growth.growing[k] = k == 3;
    }
    v->growth.top_reachable = xstrdup("remember (grow.c:17)");

    drip_result *e = drip_run_results_add(run);         /* a sweep that crashed once */
    e->name = xstrdup("swept");
    e->file = xstrdup("s.yaml");
    e->workload = xstrdup("/p/libsweepme.so");
    e->status = DRIP_STATUS_ERROR;
    e->reason = xstrdup("crashed");
    e->crash_stack = xstrdup("free_job (my_fix.c:52) < iterate (my_fix.c:80)");
    e->program.ran = true;                              /* as an external program's would */
    e->program.command = xcalloc(3, sizeof *e->program.command);
    e->program.command[0] = xstrdup("/srv/kv/kvd");
    e->program.command[1] = xstrdup("--port");
    e->program.ncommand = 2;
    e->program.pid = 4242;
    e->program.exit_status = -1;
    e->program.exit_signal = xstrdup("SIGSEGV");
    e->program.ready_after_s = 0.125;
    e->program.requests_ok = 19980;
    e->program.requests_failed = 20;
    e->duration_s = NAN;
    e->heap_ceiling = 1024;
    drip_sweep_result *sw = &e->sweep;
    sw->ran = true;
    sw->modes = 3;
    sw->warmup = 2;
    sw->trials[0] = 4;
    sw->trials[1] = 3;
    sw->clean[0] = 2;
    sw->complete[0] = sw->complete[1] = true;
    sw->allocations[0] = sw->allocations[1] = 4;
    sw->reference_bytes = 16;
    sw->reference_blocks = 1;
    sw->total[0] = 48;
    sw->total[1] = 1;
    sw->total[2] = 1;
    sw->ok[3] = true;
    sw->nfindings = 2;
    sw->findings = xcalloc(2, sizeof *sw->findings);
    sw->findings[0] = (drip_sweep_finding){.mode = 0, .k = 2, .outcome = DRIP_TRIAL_LEAK,
                                           .leaked_bytes = 48, .leaked_blocks = 1};
    sw->findings[0].nsites = 1;
    sw->findings[0].sites = xcalloc(1, sizeof *sw->findings[0].sites);
    sw->findings[0].sites[0] = (drip_sweep_site){48, 1, xstrdup("iterate (sweepme.c:32)")};
    sw->findings[1] = (drip_sweep_finding){.mode = 1, .k = 3, .outcome = DRIP_TRIAL_CRASH,
                                           .signal = 11, .detail = xstrdup("SIGSEGV")};

    drip_result *t = drip_run_results_add(run);         /* a soak stopped early, profiled */
    t->name = xstrdup("soaked");
    t->file = xstrdup("soak.yaml");
    t->workload = xstrdup("global-map-leaky");
    t->duration_s = 12.5;
    t->duration_planned_s = 600;
    t->interrupted = true;
    t->iterations = 123456;
    t->warmup = 0.2;
    drip_profile_result *p = &t->profile;
    p->ran = true;
    p->mode = xstrdup("sampled");
    p->rate = 524288;
    p->early_iteration = 24000;
    p->late_iteration = 123456;
    p->stacks = 7;
    p->dropped = 1;
    p->partial = true;                                  /* stopped early: of then */
    p->nsites = 2;
    p->sites = xcalloc(2, sizeof *p->sites);
    static const struct { const char *fn, *file; int line; } fr[3] = {
        {"render", "cache.c", 59}, {"cache_iterate", "cache.c", 80}, {"weird \"name\"", "", 0}};
    for (size_t i = 0; i < 2; i++) {
        drip_prof_site *site = &p->sites[i];
        site->early_bytes = 1048576.5 * (double)(i + 1);
        site->late_bytes = i ? site->early_bytes / 2 : 9437184.25;   /* the second shrank */
        site->late_objects = 32768.125;
        site->alloc_bytes = 1e9 + (double)i;
        site->nframes = 3 - i;
        site->frames = xcalloc(site->nframes, sizeof *site->frames);
        for (size_t f = 0; f < site->nframes; f++)
            site->frames[f] = (drip_prof_frame){xstrdup(fr[f].fn), xstrdup(fr[f].file),
                                                fr[f].line};
        if (i == 0)                                     /* render is a wrapper */
            site->user = (drip_prof_frame){xstrdup("cache_iterate"), xstrdup("cache.c"), 80};
    }
}

#endif /* DRIP_TEST_READ_FIXTURES_H */
