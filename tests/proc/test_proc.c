/* test_proc.c - the worker-process module (harness/proc/proc.h).
 *
 * "core": a child's exit status; fds passed at chosen numbers; output
 * drained into the log; a child that closes its pipe is still watched
 * until it exits, by its pidfd.
 * "errors": a missing program and a missing cwd are refused with the
 * reason, nothing left running.
 * "tree": drip_proc_end kills what the child started - a background job,
 * a setsid() daemon, a child whose parent exited first - and leaves no
 * descendant; the output cap cuts and says so; a child dies with its
 * runner (PR_SET_PDEATHSIG).
 * No timing is asserted: waits are bounded loops that fail the test only
 * when something never happens.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "proc/proc.h"
#include "util/util.h"

static char dir[] = "/tmp/drip-test-proc-XXXXXX";

static void setup(void)
{
    strcpy(dir, "/tmp/drip-test-proc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    drip_proc_init();
}

static void teardown(void)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

/* Start `sh -c script` with its output into the file log (may be NULL). */
static void start_sh(drip_proc *p, const char *script, const char *log, uint64_t cap)
{
    char *path = log ? xasprintf("%s/%s", dir, log) : NULL;
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    char *const argv[] = {"sh", "-c", (char *)script, NULL};
    drip_proc_spec s = {.path = "sh", .argv = argv, .cwd = dir, .log_fd = fd, .log_cap = cap};
    char *why = NULL;
    ck_assert_msg(drip_proc_start(p, &s, &why) == 0, "start: %s", why ? why : "");
    p->log_fd = fd;                 /* closed by finish() */
    free(path);
}

/* Wait (bounded) until p exits; end it; close its log. */
static void finish(drip_proc *p)
{
    uint64_t until = drip_now_ns() + 60ULL * 1000000000ULL;
    while (!drip_proc_reap(p) && drip_now_ns() < until)
        drip_proc_poll(p, NULL, 0, until, 100);
    int log = p->log_fd;
    drip_proc_end(p);
    if (log >= 0)
        close(log);
}

/* The pid written in dir/name by a script, waiting for it to appear. */
static pid_t read_pid(const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    long pid = 0;
    for (int i = 0; i < 5000 && pid <= 0; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%ld", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid <= 0)
            usleep(1000);
    }
    free(path);
    ck_assert_msg(pid > 0, "no pid in %s", name);
    return (pid_t)pid;
}

/* Is pid gone (or a zombie nobody will run again)? */
static bool gone(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'Z';
}

START_TEST(exit_status)
{
    drip_proc p;
    start_sh(&p, "exit 7", NULL, 0);
    finish(&p);
    ck_assert(WIFEXITED(p.status));
    ck_assert_int_eq(WEXITSTATUS(p.status), 7);
    start_sh(&p, "kill -SEGV $$", NULL, 0);
    finish(&p);
    ck_assert(WIFSIGNALED(p.status));
    ck_assert_int_eq(WTERMSIG(p.status), SIGSEGV);
}
END_TEST

START_TEST(passed_fds)
{
    int pfd[2];
    ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
    char *const argv[] = {"sh", "-c", "echo hello >&3; ls /proc/self/fd | wc -l >&3", NULL};
    drip_proc_spec s = {.path = "sh", .argv = argv, .log_fd = -1, .pass_from = {pfd[1]},
                        .pass_to = {3}, .npass = 1};
    drip_proc p;
    char *why = NULL;
    ck_assert_int_eq(drip_proc_start(&p, &s, &why), 0);
    close(pfd[1]);
    char buf[64] = {0};
    size_t got = 0;
    ssize_t n;
    while ((n = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(pfd[0]);
    finish(&p);
    int fds = 0;
    ck_assert_int_eq(sscanf(buf, "hello\n%d", &fds), 1);
    ck_assert_int_le(fds, 5);          /* 0 1 2 3 and ls's own dir fd: nothing of ours */
}
END_TEST

START_TEST(output_logged)
{
    drip_proc p;
    start_sh(&p, "echo out; echo err >&2", "o.log", 0);
    finish(&p);
    char *path = xasprintf("%s/o.log", dir);
    FILE *f = fopen(path, "r");
    char text[64] = {0};
    ck_assert_uint_gt(fread(text, 1, sizeof text - 1, f), 0);
    fclose(f);
    free(path);
    ck_assert_str_eq(text, "out\nerr\n");
}
END_TEST

START_TEST(closed_pipe_still_watched)
{
    /* closes its stdout and stderr, then lives on: exit seen by the pidfd */
    drip_proc p;
    start_sh(&p, "exec >&- 2>&-; sleep 0.3; exit 3", NULL, 0);
    finish(&p);
    ck_assert(WIFEXITED(p.status));
    ck_assert_int_eq(WEXITSTATUS(p.status), 3);
}
END_TEST

START_TEST(missing_program)
{
    char *const argv[] = {"no-such-program-here", NULL};
    drip_proc_spec s = {.path = "no-such-program-here", .argv = argv, .log_fd = -1};
    drip_proc p;
    char *why = NULL;
    ck_assert_int_eq(drip_proc_start(&p, &s, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "cannot start no-such-program-here: No such file"));
    ck_assert_int_eq(p.pid, 0);
    free(why);
    drip_proc_end(&p);                 /* harmless on an unstarted proc */
}
END_TEST

START_TEST(missing_cwd)
{
    char *const argv[] = {"true", NULL};
    drip_proc_spec s = {.path = "true", .argv = argv, .cwd = "/no/such/dir", .log_fd = -1};
    drip_proc p;
    char *why = NULL;
    ck_assert_int_eq(drip_proc_start(&p, &s, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "cannot enter /no/such/dir"));
    free(why);
}
END_TEST

START_TEST(kills_the_tree)
{
    drip_proc p;
    /* a background job, a setsid() daemon, and an orphan whose parent exits */
    start_sh(&p, "sleep 100 & echo $! > bg; "
                 "setsid sh -c 'echo $$ > daemon; exec sleep 100' & "
                 "sh -c 'sleep 100 & echo $! > orphan' ; "
                 "sleep 100", NULL, 0);
    pid_t bg = read_pid("bg"), daemon = read_pid("daemon"), orphan = read_pid("orphan");
    ck_assert(!gone(bg) && !gone(daemon) && !gone(orphan));
    pid_t root = p.pid;
    drip_proc_end(&p);
    ck_assert(WIFSIGNALED(p.status));
    ck_assert_msg(gone(bg), "background job %d alive", bg);
    ck_assert_msg(gone(daemon), "setsid daemon %d alive (%s)", daemon, drip_proc_isolation());
    ck_assert_msg(gone(orphan), "orphan %d alive", orphan);
    ck_assert(!drip__proc_any_descendant(root, NULL, 0));
}
END_TEST

START_TEST(output_capped)
{
    drip_proc p;
    start_sh(&p, "head -c 3000000 /dev/zero | tr '\\0' x", "big.log", 1 << 20);
    finish(&p);
    ck_assert_uint_eq(p.logged, 1 << 20);
    ck_assert_uint_eq(p.dropped, 3000000 - (1 << 20));
    char *path = xasprintf("%s/big.log", dir), *tail = NULL;
    FILE *f = fopen(path, "r");
    fseek(f, -100, SEEK_END);
    char buf[128] = {0};
    ck_assert_uint_gt(fread(buf, 1, sizeof buf - 1, f), 0);
    fclose(f);
    tail = strstr(buf, "bytes of output cut");
    ck_assert_ptr_nonnull(tail);
    free(path);
}
END_TEST

START_TEST(dies_with_its_runner)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t runner = fork();
    ck_assert_int_ge(runner, 0);
    if (runner == 0) {                      /* a runner that starts a child and dies */
        char *const argv[] = {"sleep", "100", NULL};
        drip_proc_spec s = {.path = "sleep", .argv = argv, .log_fd = -1};
        drip_proc p;
        char *why = NULL;
        if (drip_proc_start(&p, &s, &why) < 0)
            _exit(1);
        (void)!write(pfd[1], &p.pid, sizeof p.pid);
        _exit(0);
    }
    close(pfd[1]);
    pid_t child = 0;
    ck_assert_int_eq(read(pfd[0], &child, sizeof child), (ssize_t)sizeof child);
    close(pfd[0]);
    waitpid(runner, NULL, 0);
    for (int i = 0; i < 5000 && !gone(child); i++)
        usleep(1000);
    ck_assert_msg(gone(child), "child %d outlived its runner", child);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("proc");
    TCase *core = drip_tcase(s, "core", exit_status, passed_fds, output_logged,
            closed_pipe_still_watched, NULL);
    tcase_add_checked_fixture(core, setup, teardown);
    TCase *errors = drip_tcase(s, "errors", missing_program, missing_cwd, NULL);
    tcase_add_checked_fixture(errors, setup, teardown);
    TCase *tree = drip_tcase(s, "tree", kills_the_tree, output_capped, dies_with_its_runner, NULL);
    tcase_add_checked_fixture(tree, setup, teardown);
    tcase_set_timeout(tree, 60);
    return s;
}
