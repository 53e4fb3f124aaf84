/* test_program.c - drip run of external programs that misbehave
 * (tests/programs/extprog.c): one that crashes, one that exits early, one
 * that exits before it is ready, one that never becomes ready, one that
 * ignores SIGTERM, one that forks a daemon.  Each gets the status and the
 * reason it should, and nothing it started is left running afterwards
 * (every /proc/PID/cmdline is searched for the run's token).
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"
#include "util/util.h"

/* Is a live (not zombie) process running with token in its command line? */
static pid_t running_with(const char *token)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    while (d && !found && (e = readdir(d))) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0)
            continue;
        char path[64], stat[512] = "", *cmd;
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (!buf[i])
                buf[i] = ' ';
        buf[n] = 0;
        if (!strstr(buf, token))
            continue;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        if ((f = fopen(path, "r"))) {
            (void)!fgets(stat, sizeof stat, f);
            fclose(f);
        }
        cmd = strrchr(stat, ')');
        if (!cmd || cmd[2] != 'Z')
            found = pid;
    }
    if (d)
        closedir(d);
    return found;
}

typedef struct outcome {
    char *status, *reason, *warnings;
    char *exit;                          /* results.json's program.exit: "status 3", "SIGSEGV" */
    proc  p;
} outcome;

/* Run extprog MODE as a scenario (ready on its log line, driven by a
 * 20 ms interval, stopped with SIGTERM and a 0.5 s grace) and read its
 * result; then check that nothing with the run's token is alive. */
static outcome run_mode(const char *mode, const char *timeout)
{
    char *dir = tmpdir(), *yaml = xasprintf("%s/%s.yaml", dir, mode);
    char *out = xasprintf("%s/r", dir);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "name: ext-%s\n"
               "workload:\n"
               "  command: [\"%s\", %s, \"%s\"]\n"
               "  ready: { log: \"extprog: ready\" }\n"
               "  drive: { interval: 20ms }\n"
               "  stop: { signal: TERM, grace: 500ms }\n"
               "run: { iterations: 40, sample_every: 4, warmup: 0.2, timeout: %s, seed: 1 }\n"
               "expect:\n"
               "  fds: { verdict: flat }\n",
            mode, DRIP_EXTPROG, mode, dir, timeout);
    fclose(f);
    outcome o = {0};
    o.p = run((const char *[]){"run", "--no-color", "-o", out, yaml, NULL});
    json_t *root = load_results(out);
    char name[64];
    snprintf(name, sizeof name, "ext-%s", mode);
    json_t *sc = scenario(root, name);
    o.status = xstrdup(str_at(sc, "status"));
    o.reason = xstrdup(str_at(sc, "reason"));
    strbuf w = {0};
    json_t *ws = json_object_get(sc, "warnings"), *v;
    size_t i;
    json_array_foreach(ws, i, v)
        sb_appendf(&w, "%s\n", json_string_value(v));
    o.warnings = sb_take(&w);
    json_t *ex = json_object_get(json_object_get(sc, "program"), "exit");
    json_t *st = json_object_get(ex, "status"), *sg = json_object_get(ex, "signal");
    o.exit = json_is_integer(st) ? xasprintf("status %lld", (long long)json_integer_value(st))
             : json_is_string(sg) ? xstrdup(json_string_value(sg)) : xstrdup("");
    json_decref(root);
    pid_t left = running_with(dir);
    ck_assert_msg(left == 0, "%s: process %d is still running", mode, (int)left);
    rm_rf(dir);
    free(dir);
    free(yaml);
    free(out);
    return o;
}

static void outcome_free(outcome *o)
{
    free(o->status);
    free(o->reason);
    free(o->warnings);
    free(o->exit);
    proc_free(&o->p);
}

START_TEST(crash_is_an_error_naming_the_signal)
{
    outcome o = run_mode("crash", "30s");
    ck_assert_int_eq(o.p.status, 1);
    ck_assert_str_eq(o.status, "error");
    ck_assert_msg(strstr(o.reason, "the program was killed before the end") &&
                  strstr(o.reason, "SIGSEGV") && strstr(o.reason, "ext-crash.program.log"),
                  "%s", o.reason);
    ck_assert_str_eq(o.exit, "SIGSEGV");
    outcome_free(&o);
}
END_TEST

START_TEST(early_exit_is_an_error_naming_the_status)
{
    outcome o = run_mode("exit", "30s");
    ck_assert_str_eq(o.status, "error");
    ck_assert_msg(strstr(o.reason, "the program exited before the end") &&
                  strstr(o.reason, "exit status 3"), "%s", o.reason);
    ck_assert_str_eq(o.exit, "status 3");
    outcome_free(&o);
}
END_TEST

START_TEST(exit_before_ready)
{
    outcome o = run_mode("exit-at-once", "30s");
    ck_assert_str_eq(o.status, "error");
    ck_assert_msg(strstr(o.reason, "the program exited before it was ready: exit status 4"),
                  "%s", o.reason);
    outcome_free(&o);
}
END_TEST

START_TEST(never_ready_is_a_timeout)
{
    outcome o = run_mode("never-ready", "2s");
    ck_assert_str_eq(o.status, "error");
    ck_assert_msg(strstr(o.reason, "timeout after 2 s: the program was not ready (ready: log)"),
                  "%s", o.reason);
    outcome_free(&o);
}
END_TEST

START_TEST(ignored_term_is_killed_and_keeps_its_verdict)
{
    outcome o = run_mode("ignore-term", "30s");
    ck_assert_msg(strcmp(o.status, "pass") == 0, "%s %s", o.status, o.reason);
    ck_assert_msg(strstr(o.warnings, "did not exit within the 0.5 s grace after SIGTERM, and "
                         "was killed"), "%s", o.warnings);
    ck_assert_str_eq(o.exit, "SIGKILL");
    outcome_free(&o);
}
END_TEST

START_TEST(daemon_child_is_killed)
{
    outcome o = run_mode("daemon", "30s");
    ck_assert_msg(strcmp(o.status, "pass") == 0, "%s %s", o.status, o.reason);
    outcome_free(&o);                    /* run_mode checked that nothing is left */
}
END_TEST

START_TEST(quiet_program_passes)
{
    outcome o = run_mode("quiet", "30s");
    ck_assert_msg(strcmp(o.status, "pass") == 0, "%s %s", o.status, o.reason);
    ck_assert_msg(!strstr(o.warnings, "grace"), "%s", o.warnings);
    ck_assert_str_eq(o.exit, "status 0");
    outcome_free(&o);
}
END_TEST

/* A Go original that was not built ({go_bin}/NAME missing) is skipped,
 * saying so: not run, not in the report, not an error. */
START_TEST(unbuilt_go_program_is_skipped)
{
    char *dir = tmpdir(), *yaml = xasprintf("%s/go.yaml", dir), *out = xasprintf("%s/r", dir);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fputs("name: go-missing\n"
          "workload:\n"
          "  command: [\"{go_bin}/no-such-program\", -port, \"{port}\"]\n"
          "  preload: false\n"
          "  drive: { interval: 10ms }\n"
          "run: { iterations: 10, sample_every: 1 }\n"
          "expect:\n"
          "  fds: { verdict: flat }\n", f);
    fclose(f);
    proc p = run((const char *[]){"run", "--no-color", "-o", out, yaml, NULL});
    ck_assert_msg(p.status == 0, "%d %s %s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "skipped 1 scenario: Go programs not built") &&
                  strstr(p.out, "0 scenarios"), "%s", p.out);
    proc_free(&p);
    json_t *root = load_results(out);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "scenarios")), 0);
    json_decref(root);
    rm_rf(dir);
    free(dir);
    free(yaml);
    free(out);
}
END_TEST

static Suite *suite_program(void)
{
    Suite *s = suite_create("program");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, crash_is_an_error_naming_the_signal);
    tcase_add_test(tc, early_exit_is_an_error_naming_the_status);
    tcase_add_test(tc, exit_before_ready);
    tcase_add_test(tc, never_ready_is_a_timeout);
    tcase_add_test(tc, ignored_term_is_killed_and_keeps_its_verdict);
    tcase_add_test(tc, daemon_child_is_killed);
    tcase_add_test(tc, quiet_program_passes);
    tcase_add_test(tc, unbuilt_go_program_is_skipped);
    suite_add_tcase(s, tc);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_program();
}

int drip_test_before(int argc, char **argv)
{
    (void)argc, (void)argv;
    signal(SIGPIPE, SIG_IGN);
    return -1;
}
