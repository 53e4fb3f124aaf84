/* test_preload.c - libdrip_preload.so in programs Drip did not build:
 * /bin/ls and tests/programs/leakn.c (which leaks what it is told to and
 * nothing else).  The exit report (DRIP_PRELOAD_REPORT) counts exactly,
 * names itself by pid with %p, says so when counting is off; the shared
 * counters (DRIP_PRELOAD_SHM) read right while the program runs and stay
 * the parent's across a fork; the alloc fault point fires at the rate
 * asked, the same way for the same seed, from the environment or from the
 * shared file.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"
#include "preload_shm.h"

static char *g_dir;

static void setup(void)
{
    g_dir = tmpdir();
}

static void teardown(void)
{
    rm_rf(g_dir);
    free(g_dir);
}

/* The report FILE parsed (and checked to hold the five counters). */
static json_t *report_at(const char *path)
{
    json_error_t err;
    json_t *r = json_load_file(path, 0, &err);
    ck_assert_msg(r != NULL, "%s: %s", path, err.text);
    static const char *keys[] = {"allocs", "frees", "live_bytes", "live_objects", "peak_bytes"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(json_is_integer(json_object_get(r, keys[i])), "%s: no %s", path, keys[i]);
    return r;
}

static long long num(json_t *r, const char *key)
{
    return json_integer_value(json_object_get(r, key));
}

/* Run argv with the preload and env (NULL-terminated "NAME=value"s) added;
 * returns its output. */
static proc run_preloaded(const char *const *env_extra, const char *const *argv)
{
    const char *env[16];
    size_t n = 0;
    env[n++] = "LD_PRELOAD=" DRIP_PRELOAD_LIB;
    for (size_t i = 0; env_extra && env_extra[i] && n < 15; i++)
        env[n++] = env_extra[i];
    env[n] = NULL;
    return run_cmd(NULL, env, argv);
}

/* Run argv preloaded with DRIP_PRELOAD_REPORT=g_dir/name (and one more
 * setting, or NULL); its report, parsed.  *out gets what it printed
 * (malloc'd) when out is not NULL. */
static json_t *run_reporting(const char *name, const char *extra, const char *const *argv,
                             char **out)
{
    char path[600], set[700];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    snprintf(set, sizeof set, "DRIP_PRELOAD_REPORT=%s", path);
    const char *env[] = {set, extra, NULL};
    proc p = run_preloaded(env, argv);
    ck_assert_msg(p.status == 0, "%s: %d %s", argv[0], p.status, p.err);
    if (out)
        *out = strdup(p.out);
    proc_free(&p);
    return report_at(path);
}

/* The live bytes leakn leaks with N blocks: sizes 16 + i % 100. */
static long long leaked_bytes(long n)
{
    long long b = 0;
    for (long i = 0; i < n; i++)
        b += 16 + i % 100;
    return b;
}

/* ---- the exit report ---------------------------------------------------------- */

START_TEST(test_ls_reports)
{
    const char *argv[] = {"/bin/ls", "-l", "/", NULL};
    char *out = NULL;
    json_t *r = run_reporting("ls.json", NULL, argv, &out);
    ck_assert_msg(strstr(out, "usr") != NULL, "ls printed: %s", out);
    free(out);
    ck_assert_int_gt(num(r, "allocs"), 0);
    ck_assert_int_eq(num(r, "live_objects"), num(r, "allocs") - num(r, "frees"));
    ck_assert_int_ge(num(r, "peak_bytes"), num(r, "live_bytes"));
    ck_assert(json_is_true(json_object_get(r, "active")));
    json_decref(r);
}
END_TEST

START_TEST(test_leak_counted_exactly)
{
    const char *argv[] = {DRIP_LEAKN, "1000", NULL};
    json_t *r = run_reporting("leak.json", NULL, argv, NULL);
    ck_assert_int_eq(num(r, "live_objects"), 1000);
    ck_assert_int_eq(num(r, "allocs"), 1000);
    ck_assert_int_eq(num(r, "frees"), 0);
    ck_assert_int_eq(num(r, "live_bytes"), leaked_bytes(1000));
    ck_assert_int_eq(num(r, "peak_bytes"), leaked_bytes(1000));
    json_decref(r);
}
END_TEST

/* %p: one file per process, named by its pid. */
START_TEST(test_report_per_pid)
{
    char set[700], path[700];
    snprintf(set, sizeof set, "DRIP_PRELOAD_REPORT=%s/r.%%p.json", g_dir);
    const char *env[] = {set, NULL}, *argv[] = {DRIP_LEAKN, "3", NULL};
    proc p = run_preloaded(env, argv);
    ck_assert_int_eq(p.status, 0);
    proc_free(&p);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls %s", g_dir);
    FILE *ls = popen(cmd, "r");
    ck_assert_ptr_nonnull(ls);
    char name[256] = "";
    ck_assert_ptr_nonnull(fgets(name, sizeof name, ls));
    pclose(ls);
    name[strcspn(name, "\n")] = '\0';
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    json_t *r = report_at(path);
    char want[64];
    snprintf(want, sizeof want, "r.%lld.json", num(r, "pid"));
    ck_assert_str_eq(name, want);
    ck_assert_int_eq(num(r, "live_objects"), 3);
    json_decref(r);
}
END_TEST

START_TEST(test_alloc_off_says_so)
{
    const char *argv[] = {DRIP_LEAKN, "5", NULL};
    json_t *r = run_reporting("off.json", "DRIP_ALLOC=off", argv, NULL);
    ck_assert(json_is_false(json_object_get(r, "active")));
    ck_assert_int_eq(num(r, "allocs"), 0);
    json_decref(r);
}
END_TEST

/* ---- the shared counters ---------------------------------------------------------- */

/* Start leakn with args and the preload counting into shm; wait for its
 * "ready"; read the shared counters into *out; let it finish.  Returns
 * the child's pid (reaped). */
static pid_t shared_counts(const char *shm, const char *const *args, drip_preload_counts *out,
                           int *read_rc)
{
    int in[2], outp[2];
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(outp), 0);
    char set[700];
    snprintf(set, sizeof set, "DRIP_PRELOAD_SHM=%s", shm);
    char *env[] = {"LD_PRELOAD=" DRIP_PRELOAD_LIB, set, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, outp[0]);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, DRIP_LEAKN, &fa, NULL, (char *const *)args, env), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(outp[1]);
    char buf[64] = "";
    ssize_t n = read(outp[0], buf, sizeof buf - 1);
    ck_assert_msg(n > 0 && strncmp(buf, "ready", 5) == 0, "leakn said '%.*s'", (int)n, buf);

    int fd = open(shm, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    void *map = mmap(NULL, DRIP_SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert(map != MAP_FAILED);
    close(fd);
    *read_rc = drip_preload_shm_read(map, DRIP_SHM_SIZE, out);
    munmap(map, DRIP_SHM_SIZE);

    ck_assert_int_eq(write(in[1], "x", 1), 1);
    close(in[1]);
    close(outp[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return pid;
}

/* While it runs, the reader sees exactly what the program leaked. */
START_TEST(test_shm_while_running)
{
    char shm[600];
    snprintf(shm, sizeof shm, "%s/counters", g_dir);
    const char *args[] = {DRIP_LEAKN, "500", "wait", NULL};
    drip_preload_counts c;
    int rc;
    pid_t pid = shared_counts(shm, args, &c, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(c.owner_pid, pid);
    ck_assert_int_eq(c.live_objects, 500);
    ck_assert_int_eq(c.live_bytes, leaked_bytes(500));
    ck_assert_int_eq(c.peak_bytes, leaked_bytes(500));
}
END_TEST

/* A forked child counts for itself: its 300 blocks stay out of the
 * parent's shared counters. */
START_TEST(test_shm_fork)
{
    char shm[600];
    snprintf(shm, sizeof shm, "%s/counters", g_dir);
    const char *args[] = {DRIP_LEAKN, "200", "fork", "300", "wait", NULL};
    drip_preload_counts c;
    int rc;
    shared_counts(shm, args, &c, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(c.live_objects, 200);
}
END_TEST

/* A file no program has claimed reads as "not yet". */
START_TEST(test_shm_unclaimed)
{
    static char zero[DRIP_SHM_SIZE];
    drip_preload_counts c;
    ck_assert_int_eq(drip_preload_shm_read(zero, sizeof zero, &c), -1);
    ck_assert_int_eq(drip_preload_shm_read(zero, 100, &c), -1);
}
END_TEST

/* ---- the alloc fault point -------------------------------------------------------- */

/* leakn's "failed F pattern H" line under the given environment. */
static char *tried(const char *const *env)
{
    const char *argv[] = {DRIP_LEAKN, "0", "try", "2000", NULL};
    proc p = run_preloaded(env, argv);
    ck_assert_msg(p.status == 0, "leakn: %d %s", p.status, p.err);
    char *line = strdup(p.out);
    proc_free(&p);
    return line;
}

START_TEST(test_faults_replay)
{
    const char *s7[] = {"DRIP_PRELOAD_FAULT_RATE=0.25", "DRIP_PRELOAD_SEED=7", NULL};
    const char *s8[] = {"DRIP_PRELOAD_FAULT_RATE=0.25", "DRIP_PRELOAD_SEED=8", NULL};
    char *a = tried(s7), *b = tried(s7), *c = tried(s8);
    long failed = -1;
    ck_assert_msg(sscanf(a, "failed %ld", &failed) == 1, "%s", a);
    ck_assert_msg(failed > 350 && failed < 650, "%ld of 2000 failed at rate 0.25", failed);
    ck_assert_str_eq(a, b);
    ck_assert_msg(strcmp(a, c) != 0, "seeds 7 and 8 failed the same allocations");
    const char *none[] = {NULL};
    char *d = tried(none);
    ck_assert_msg(strncmp(d, "failed 0 ", 9) == 0, "%s", d);
    free(a);
    free(b);
    free(c);
    free(d);
}
END_TEST

/* Settings written into the shared file before the start act like the
 * environment's. */
START_TEST(test_faults_from_shm)
{
    char shm[600], set[700];
    snprintf(shm, sizeof shm, "%s/counters", g_dir);
    int fd = open(shm, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)DRIP_SHM_SIZE), 0);
    drip_shm_header h;
    memset(&h, 0, sizeof h);
    h.fault_rate = 0.25;
    h.fault_seed = 7;
    ck_assert_int_eq(pwrite(fd, &h, sizeof h, 0), (ssize_t)sizeof h);
    close(fd);
    snprintf(set, sizeof set, "DRIP_PRELOAD_SHM=%s", shm);
    const char *via_shm[] = {set, NULL};
    const char *via_env[] = {"DRIP_PRELOAD_FAULT_RATE=0.25", "DRIP_PRELOAD_SEED=7", NULL};
    char *a = tried(via_shm), *b = tried(via_env);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("preload");
    TCase *tc = drip_tcase(s, "report", test_ls_reports, test_leak_counted_exactly,
            test_report_per_pid, test_alloc_off_says_so, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tc = drip_tcase(s, "shm", test_shm_while_running, test_shm_fork, test_shm_unclaimed, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tc = drip_tcase(s, "faults", test_faults_replay, test_faults_from_shm, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    return s;
}
