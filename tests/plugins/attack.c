/* attack.c - test plugin: a workload that attacks the runner from inside
 * the worker process (tests/test_hostile.c).
 *
 * At iteration `at` (0-based, default 5; -1: every iteration) it creates
 * the file `marker` when given (the test then knows the run is under way,
 * without sleeping and hoping), waits until the file `gate` exists when
 * given (the test lets it go on), then does what `act` says:
 *
 *   none      nothing more
 *   hang      blocks forever
 *   closefds  closes every fd, Drip's protocol pipe included, then blocks
 *   system    system("sleep 20 &"): a grandchild holding the worker's pipes
 *   fork      forks a child that blocks forever, holding every fd
 *   daemon    double-forks a setsid() daemon that appends its pid to
 *             `pidfile` (a line) and blocks forever; returns once it has
 *   forge     writes `lines` (default 200000) well-formed `sample` lines to
 *             the protocol fd 3
 *   garble    writes text without a newline to fd 3
 *   flood     writes `bytes` (default 48 MiB) to stdout
 *   ignusr1   (in setup) ignores SIGUSR1, Drip's old stop request
 */
#define _GNU_SOURCE
#include "test_plugin.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void block_forever(void)
{
    for (;;)
        pause();
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

/* Write all of buf to fd; false once a write fails. */
static int put(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w <= 0)
            return 0;
        buf += w;
        n -= (size_t)w;
    }
    return 1;
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Double-fork a setsid() daemon that appends its pid to pidfile (one line,
 * one write) and blocks forever; return once it has. */
static void daemonize(const char *pidfile)
{
    off_t before = size_of(pidfile);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            char text[32];
            int n = snprintf(text, sizeof text, "%d\n", (int)getpid());
            int fd = open(pidfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (fd >= 0)
                put(fd, text, (size_t)n);
            block_forever();
        }
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    while (size_of(pidfile) <= before)    /* the daemon is up and said who it is */
        usleep(1000);
}

static void forge(int64_t lines)
{
    const char line[] = "sample 1 0.001 0 0 0 0 0 0 0 0 0\n";
    for (int64_t i = 0; i < lines; i++)
        if (!put(3, line, sizeof line - 1))
            return;
}

static void flood(int64_t bytes)
{
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    for (size_t i = 99; i < sizeof chunk; i += 100)
        chunk[i] = '\n';
    while (bytes > 0) {
        size_t n = bytes < (int64_t)sizeof chunk ? (size_t)bytes : sizeof chunk;
        if (!put(STDOUT_FILENO, chunk, n))
            return;
        bytes -= (int64_t)n;
    }
}

static int setup(drip_ctx *ctx, void **state)
{
    (void)state;
    if (strcmp(drip_param_str(ctx, "act", "none"), "ignusr1") == 0)
        signal(SIGUSR1, SIG_IGN);
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)state;
    int64_t at = drip_param_int(ctx, "at", 5);
    const char *act = drip_param_str(ctx, "act", "none");
    const char *marker = drip_param_str(ctx, "marker", NULL);
    const char *gate = drip_param_str(ctx, "gate", NULL);
    if (at >= 0 && drip_iteration(ctx) != (uint64_t)at)
        return 0;
    if (marker)
        touch(marker);
    while (gate && access(gate, F_OK) != 0)
        usleep(1000);
    if (strcmp(act, "hang") == 0) {
        block_forever();
    } else if (strcmp(act, "closefds") == 0) {
        for (int fd = 0; fd < 65536; fd++)
            close(fd);
        block_forever();
    } else if (strcmp(act, "system") == 0) {
        if (system("sleep 20 &") != 0)
            return 1;
    } else if (strcmp(act, "fork") == 0) {
        if (fork() == 0)
            block_forever();
    } else if (strcmp(act, "daemon") == 0) {
        daemonize(drip_param_str(ctx, "pidfile", "/nonexistent/pidfile"));
    } else if (strcmp(act, "forge") == 0) {
        forge(drip_param_int(ctx, "lines", 200000));
    } else if (strcmp(act, "garble") == 0) {
        put(3, "garbage without a newline", 25);
    } else if (strcmp(act, "flood") == 0) {
        flood(drip_param_int(ctx, "bytes", 48 << 20));
    }
    return 0;
}

DRIP_TEST_PLUGIN("attack",
                 "attacks the runner from inside the worker (act: hang, closefds, system, "
                 "fork, daemon, forge, garble, flood, ignusr1)",
                 .setup = setup, .iterate = iterate);
