/* alloc_fixtures.h - what the allocator suites share: a misuse that the
 * counting allocator must stop, run in a child whose stderr is kept.  One
 * copy per suite (static). */
#ifndef DRIP_TEST_ALLOC_FIXTURES_H
#define DRIP_TEST_ALLOC_FIXTURES_H

#include <check.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run misuse() in a forked child with its stderr on a pipe: the child
 * must not exit 0 (misuse returns only if the allocator let it pass), and
 * its stderr must hold want (the allocator's message).  Fails the test
 * otherwise; owns nothing after it returns. */
static void expect_stopped(void (*misuse)(void), const char *want)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        misuse();
        _exit(0);
    }
    close(fds[1]);
    char msg[512] = "";
    size_t len = 0;
    ssize_t n;
    while (len < sizeof msg - 1 && (n = read(fds[0], msg + len, sizeof msg - 1 - len)) > 0)
        len += (size_t)n;
    msg[len] = '\0';
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(!(WIFEXITED(status) && WEXITSTATUS(status) == 0),
                  "the misuse went unnoticed (exit 0)");
    ck_assert_msg(strstr(msg, want) != NULL, "no message from the allocator: '%s'", msg);
}

#endif /* DRIP_TEST_ALLOC_FIXTURES_H */
