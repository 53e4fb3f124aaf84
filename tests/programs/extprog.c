/* extprog.c - a hostile program for tests/test_program.c: run by drip as
 * an external workload (`workload.command`), it misbehaves as told.
 *
 *   extprog MODE [TOKEN]
 *     crash         print "ready", then die of SIGSEGV after 0.3 s
 *     exit          print "ready", then exit with status 3 after 0.3 s
 *     exit-at-once  exit with status 4 before it is ready
 *     never-ready   never print "ready"; sleep
 *     ignore-term   ignore SIGTERM; print "ready"; sleep
 *     daemon        fork a child that setsid()s and forks a grandchild that
 *                   sleeps (both orphaned); print "ready"; sleep
 *     quiet         print "ready"; sleep; at SIGTERM exit with status 0
 *     leak          print "ready"; lose a 64-byte block every 5 ms (lose_block:
 *                   definitely lost under memcheck); at SIGTERM exit with
 *                   status 0 (for the valgrind pass of a program)
 * TOKEN is only there to be found in /proc/PID/cmdline by the test.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static void *volatile last_block;   /* the newest block; each older one is lost */

/* Allocate a block and drop the pointer to the one before it. */
__attribute__((noinline)) static void lose_block(void)
{
    char *b = malloc(64);
    if (b)
        memset(b, 'x', 64);
    last_block = b;
}

static void ready(void)
{
    printf("extprog: ready\n");
    fflush(stdout);
}

static void sleep_forever(void)
{
    for (;;)
        pause();
}

/* The daemon: a child in a session of its own, and its child, both
 * sleeping; the parent goes on.  Their argv keeps the token. */
static void daemonize(void)
{
    pid_t c = fork();
    if (c != 0)
        return;
    setsid();
    if (fork() == 0)
        sleep_forever();
    sleep_forever();
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "exit-at-once") == 0)
        return 4;
    if (strcmp(mode, "never-ready") == 0)
        sleep_forever();
    if (strcmp(mode, "ignore-term") == 0)
        signal(SIGTERM, SIG_IGN);
    if (strcmp(mode, "quiet") == 0 || strcmp(mode, "leak") == 0)
        signal(SIGTERM, on_term);
    if (strcmp(mode, "daemon") == 0)
        daemonize();
    ready();
    if (strcmp(mode, "crash") == 0 || strcmp(mode, "exit") == 0) {
        usleep(300000);
        if (strcmp(mode, "exit") == 0)
            return 3;
        raise(SIGSEGV);
    }
    while (strcmp(mode, "leak") == 0) {
        lose_block();
        usleep(5000);
    }
    sleep_forever();
}
