/* command.c - the client-command driver: one run of drive.command is one
 * unit; exit status 0 is ok (drive.h).
 *
 * Each run is a child in its own process group, in the program's cwd and
 * environment, its output on the program's log, its stdin /dev/null.  The
 * driver waits on a pidfd with a timeout (the unit's, or the deadline,
 * whichever is first), kills the whole group at the timeout and after
 * every run (a client that left something running in the background),
 * and reaps the child.
 *
 * TODO(issue 12): start and end the client through the runner's
 * worker-process module once it lands, so that a client that calls
 * setsid() is killed too (the subreaper sees it; a process group does
 * not).
 */
#define _GNU_SOURCE
#include "drive_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

extern char **environ;

/* argv of unit `it`, expanded (NULL-terminated, malloc'd), or NULL. */
static char **expand_argv(const drip_driver *d, uint64_t it)
{
    const drip_drive_spec *spec = d->o.spec;
    drip_template_vars vars = d->o.vars;
    char **argv = xcalloc(spec->ncommand + 1, sizeof *argv);

    vars.iteration = it;
    for (size_t i = 0; i < spec->ncommand; i++) {
        argv[i] = drip_template_expand(spec->command[i], &vars);
        if (!argv[i]) {
            for (size_t j = 0; j < i; j++)
                free(argv[j]);
            free(argv);
            return NULL;
        }
    }
    return argv;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* In the child: own group, fds, cwd, exec.  An exec failure is written
 * as errno to err_fd (close-on-exec: nothing arrives when exec works). */
static void child(const drip_driver *d, char **argv, int err_fd)
{
    int e, null = open("/dev/null", O_RDWR | O_CLOEXEC);

    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    if (null >= 0)
        dup2(null, STDIN_FILENO);
    int out = d->o.log_fd >= 0 ? d->o.log_fd : null;
    if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
    }
    if (err_fd != 3) {                               /* err_fd on 3, everything above closed */
        dup2(err_fd, 3);
        fcntl(3, F_SETFD, FD_CLOEXEC);
        err_fd = 3;
    }
    close_range(4, ~0U, 0);
    sigset_t none;                                   /* the runner's mask is not the client's */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (d->o.cwd && chdir(d->o.cwd) < 0) {
        e = errno;
        (void)!write(err_fd, &e, sizeof e);
        _exit(127);
    }
    execvpe(argv[0], argv, d->o.envp ? d->o.envp : environ);
    e = errno;
    (void)!write(err_fd, &e, sizeof e);
    _exit(127);
}

/* Wait for pid until `until`: 1 when it ended (status in *status), 0 at
 * the timeout (the group is killed and the child reaped). */
static int wait_child(pid_t pid, uint64_t until, int *status)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
        uint64_t now = drip_now_ns();
        if (now >= until) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            if (pfd >= 0)
                close(pfd);
            return 0;
        }
        uint64_t ms = (until - now) / 1000000ULL + 1;
        if (pfd >= 0) {                              /* readable when the child ends */
            struct pollfd p = {pfd, POLLIN, 0};
            poll(&p, 1, ms > 100 ? 100 : (int)ms);
        } else {                                     /* no pidfds: look every ms */
            usleep(1000);
        }
    }
    if (pfd >= 0)
        close(pfd);
    return 1;
}

/* One run of the command as unit `it`: 1 ok, 0 failed (why noted), 2 the
 * deadline came (killed, not counted), -1 it cannot be started. */
static int run_unit(drip_driver *d, uint64_t it, uint64_t deadline_ns, char **err)
{
    const drip_drive_spec *spec = d->o.spec;
    char **argv = expand_argv(d, it);
    int pipefd[2], status = 0, e = 0, rc = 0;

    if (!argv) {
        drip__driver_fail(d, "iteration %llu: drive.command does not expand",
                          (unsigned long long)it);
        return 0;
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        *err = xasprintf("cannot run %s: pipe: %s", argv[0], strerror(errno));
        free_argv(argv);
        return -1;
    }
    uint64_t start = drip_now_ns();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(d, argv, pipefd[1]);
    close(pipefd[1]);
    if (pid < 0) {
        *err = xasprintf("cannot run %s: fork: %s", argv[0], strerror(errno));
        close(pipefd[0]);
        free_argv(argv);
        return -1;
    }
    setpgid(pid, pid);                               /* also in the child: no race */
    ssize_t got = read(pipefd[0], &e, sizeof e);     /* EOF once exec has worked */
    close(pipefd[0]);
    if (got == (ssize_t)sizeof e) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        *err = xasprintf("cannot run %s%s%s: %s", argv[0], d->o.cwd ? " in " : "",
                         d->o.cwd ? d->o.cwd : "", strerror(e));
        free_argv(argv);
        return -1;
    }
    uint64_t until = start + spec->timeout_ns;
    bool by_deadline = deadline_ns < until;
    if (wait_child(pid, by_deadline ? deadline_ns : until, &status)) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            rc = 1;
        else if (WIFEXITED(status))
            drip__driver_fail(d, "%s: exit status %d", argv[0], WEXITSTATUS(status));
        else
            drip__driver_fail(d, "%s: killed by SIG%s", argv[0],
                              sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status))
                                                             : "?");
    } else if (by_deadline) {
        rc = 2;
    } else {
        drip__driver_fail(d, "%s: killed after the %.3g s timeout", argv[0],
                          (double)spec->timeout_ns / 1e9);
    }
    kill(-pid, SIGKILL);                             /* what it left in its group */
    free_argv(argv);
    return rc;
}

int drip__command_run(drip_driver *d, uint64_t first, uint64_t n, uint64_t deadline_ns,
                      drip_drive_counts *c, char **err)
{
    for (uint64_t it = first; it < first + n; it++) {
        if (drip__driver_stopped(d))
            return DRIP_DRIVE_STOPPED;
        if (drip_now_ns() >= deadline_ns)
            return DRIP_DRIVE_DEADLINE;
        switch (run_unit(d, it, deadline_ns, err)) {
        case 1:  c->ok++; break;
        case 0:  c->failed++; break;
        case 2:  return DRIP_DRIVE_DEADLINE;
        default: return -1;
        }
    }
    return DRIP_DRIVE_DONE;
}
