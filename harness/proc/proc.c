/* proc.c - start, watch and end a child process (see proc.h). */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "util/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

static bool g_init, g_subreaper;

/* The children being watched now: never mistaken for orphans. */
#define LIVE_MAX 64
static pid_t g_live[LIVE_MAX];
static size_t g_nlive;

void drip_proc_init(void)
{
    if (g_init)
        return;
    g_init = true;
    g_subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
    drip__cgroup_probe();
}

const char *drip_proc_isolation(void)
{
    if (drip__cgroup_probe())
        return "cgroup v2";
    return g_subreaper ? "process group + subreaper" : "process group";
}

static void live_add(pid_t pid)
{
    if (g_nlive < LIVE_MAX)
        g_live[g_nlive++] = pid;
}

static void live_remove(pid_t pid)
{
    for (size_t i = 0; i < g_nlive; i++)
        if (g_live[i] == pid) {
            g_live[i] = g_live[--g_nlive];
            return;
        }
}

/* ---- the child ------------------------------------------------------------- */

/* What went wrong before exec, sent to the parent over the error pipe. */
typedef struct start_error {
    int stage;                   /* 0 exec, 1 chdir, 2 the parent is gone */
    int err;
} start_error;

static void fail_child(int err_w, int stage)
{
    start_error e = {stage, errno};
    (void)!write(err_w, &e, sizeof e);
    _exit(127);
}

/* In the forked child: cgroup, process group, death signal, signals, fds,
 * cwd, exec.  Only async-signal-safe calls.  Never returns. */
static void child(const drip_proc_spec *s, pid_t parent, int out_w, int err_w, int procs_fd)
{
    if (procs_fd >= 0)
        (void)!write(procs_fd, "0", 1);             /* into the leaf, before anything runs */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)                        /* the runner died before the line above */
        fail_child(err_w, 2);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* pass the fds: first out of the way (above any target), then into place */
    int moved[DRIP_PROC_MAX_PASS];
    for (size_t i = 0; i < s->npass; i++)
        moved[i] = fcntl(s->pass_from[i], F_DUPFD_CLOEXEC, 100);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(devnull, STDIN_FILENO);
    dup2(out_w >= 0 ? out_w : devnull, STDOUT_FILENO);
    dup2(out_w >= 0 ? out_w : devnull, STDERR_FILENO);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);      /* nothing of the runner's survives exec */
    for (size_t i = 0; i < s->npass; i++)
        dup2(moved[i] >= 0 ? moved[i] : devnull, s->pass_to[i]);   /* dup2: not cloexec */
    if (s->cwd && chdir(s->cwd) < 0)
        fail_child(err_w, 1);
    char *const *envp = s->envp ? s->envp : environ;
    if (strchr(s->path, '/'))
        execve(s->path, s->argv, envp);
    else
        execvpe(s->path, s->argv, envp);
    fail_child(err_w, 0);
}

/* ---- starting ---------------------------------------------------------------- */

/* After a failed start: the reason from the child's error pipe. */
static char *start_reason(const drip_proc_spec *s, const start_error *e)
{
    if (e->stage == 1)
        return xasprintf("cannot start %s: cannot enter %s: %s", s->path, s->cwd,
                         strerror(e->err));
    if (e->stage == 2)
        return xasprintf("cannot start %s: the runner is exiting", s->path);
    return xasprintf("cannot start %s: %s", s->path, strerror(e->err));
}

int drip_proc_start(drip_proc *p, const drip_proc_spec *s, char **why)
{
    memset(p, 0, sizeof *p);
    p->pidfd = p->out_fd = p->cgroup_fd = -1;
    p->log_fd = s->log_fd;
    p->log_cap = s->log_cap ? s->log_cap : DRIP_PROC_LOG_CAP;
    drip_proc_init();
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, procs_fd = -1;
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        *why = xasprintf("cannot create a pipe: %s", strerror(errno));
        goto fail;
    }
    if (drip__cgroup_probe())
        drip__cgroup_new(&p->cgroup, &p->cgroup_fd, &procs_fd);   /* none: the walk alone */
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        *why = xasprintf("cannot fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        child(s, parent, outp[1], errp[1], procs_fd);
    setpgid(pid, pid);                               /* also in the child: no race */
    close(outp[1]);
    close(errp[1]);
    outp[1] = errp[1] = -1;
    start_error e;
    ssize_t n;
    while ((n = read(errp[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof e) {                    /* the exec did not happen */
        *why = start_reason(s, &e);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        goto fail;
    }
    close(errp[0]);
    if (procs_fd >= 0)
        close(procs_fd);
    p->pid = pid;
    p->started_ns = drip_now_ns();
    p->out_fd = outp[0];
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    live_add(pid);
    return 0;

fail:
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0)
            close(outp[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    if (procs_fd >= 0)
        close(procs_fd);
    drip__cgroup_remove(p->cgroup, p->cgroup_fd);
    p->cgroup = NULL;
    p->cgroup_fd = -1;
    p->pid = 0;
    return -1;
}

/* ---- watching ------------------------------------------------------------------ */

/* Copy what the child wrote into its log, up to the cap; at end of file
 * close the pipe. */
static void drain_output(drip_proc *p)
{
    char buf[65536];
    while (p->out_fd >= 0) {
        ssize_t n = read(p->out_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;                                  /* EAGAIN: nothing more now */
        if (n == 0) {
            close(p->out_fd);
            p->out_fd = -1;
            return;
        }
        size_t keep = p->logged >= p->log_cap ? 0
                      : (size_t)n < p->log_cap - p->logged ? (size_t)n
                                                            : (size_t)(p->log_cap - p->logged);
        if (p->log_fd >= 0 && keep)
            drip_write_all(p->log_fd, buf, keep);
        p->logged += keep;
        p->dropped += (size_t)n - keep;
    }
}

bool drip_proc_reap(drip_proc *p)
{
    if (!p->pid || p->exited)
        return p->exited;
    int status;
    pid_t w;
    while ((w = waitpid(p->pid, &status, WNOHANG)) < 0 && errno == EINTR)
        ;
    if (w == p->pid) {
        p->exited = true;
        p->status = status;
        live_remove(p->pid);
    }
    return p->exited;
}

int drip_proc_poll(drip_proc *p, struct pollfd *fds, nfds_t n, uint64_t deadline_ns,
                   int max_ms)
{
    struct pollfd all[16];
    nfds_t k = 0;
    for (nfds_t i = 0; i < n && k < 14; i++)
        all[k++] = fds[i];
    nfds_t out_at = k, pid_at = k;
    if (p->out_fd >= 0)
        all[k++] = (struct pollfd){p->out_fd, POLLIN, 0}, pid_at = k;
    if (p->pidfd >= 0 && !p->exited)
        all[k++] = (struct pollfd){p->pidfd, POLLIN, 0};
    uint64_t now = drip_now_ns();
    uint64_t left = deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 0;
    int ms = left < (uint64_t)max_ms ? (int)left : max_ms;
    if (p->pidfd < 0 && !p->exited && ms > 20)
        ms = 20;                                     /* no pidfd: waitpid every 20 ms */
    int r = poll(all, k, ms);
    if (r < 0)
        return 0;                                    /* EINTR: the caller checks its flags */
    if (p->out_fd >= 0 && all[out_at].revents)
        drain_output(p);
    if (p->pidfd < 0 || (pid_at < k && all[pid_at].revents))
        drip_proc_reap(p);
    int ready = 0;
    for (nfds_t i = 0; i < n && i < 14; i++) {
        fds[i].revents = all[i].revents;
        ready += fds[i].revents != 0;
    }
    return ready;
}

void drip_proc_signal(drip_proc *p, int sig)
{
    if (!p->pid || p->exited)
        return;
    if (p->pidfd < 0 || syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0) < 0)
        kill(p->pid, sig);
}

/* ---- ending -------------------------------------------------------------------- */

void drip_proc_end(drip_proc *p)
{
    if (!p->pid)
        return;
    if (p->cgroup_fd >= 0)
        drip__cgroup_kill(p->cgroup_fd);
    kill(-p->pid, SIGKILL);                         /* the group, the child in it */
    drip_proc_signal(p, SIGKILL);
    drip__proc_kill_descendants(p->pid, g_live, g_nlive);   /* while the chain is whole */
    if (!p->exited) {
        int status = 0;
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
            ;
        p->exited = true;
        p->status = status;
        live_remove(p->pid);
    }
    drip__proc_kill_descendants(p->pid, g_live, g_nlive);   /* what it orphaned meanwhile */
    drain_output(p);                                 /* every writer is gone: to the end */
    if (p->dropped && p->log_fd >= 0) {
        char note[128];
        int len = snprintf(note, sizeof note, "\n... %llu bytes of output cut (the log keeps "
                           "the first %llu MiB)\n", (unsigned long long)p->dropped,
                           (unsigned long long)(p->log_cap >> 20));
        drip_write_all(p->log_fd, note, (size_t)len);
    }
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->pidfd >= 0)
        close(p->pidfd);
    drip__cgroup_remove(p->cgroup, p->cgroup_fd);
    p->out_fd = p->pidfd = p->cgroup_fd = -1;
    p->cgroup = NULL;
    live_remove(p->pid);
}
