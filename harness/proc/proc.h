/* proc.h - start a child process Drip does not trust, watch it, end it and
 * everything it started.
 *
 * One way to start and end a child: the runner's workers (`drip run`,
 * `drip sweep`), the valgrind pass and external programs all go through
 * here, so these guarantees hold everywhere:
 *
 *   - The child runs in a process group of its own, dies with the runner
 *     (PR_SET_PDEATHSIG, checked against the parent's pid after setting
 *     it), starts with default signal dispositions and an empty signal
 *     mask, and holds no fd of the runner's but those it is given.
 *   - The runner is a child subreaper (drip_proc_init): whatever the child
 *     forks and orphans, setsid() or not, is re-parented to the runner
 *     rather than to init, so it can be found and killed.  Where a cgroup
 *     v2 leaf can be created under the runner's own cgroup, the child is
 *     put in one, and the whole tree is killed through it (cgroup.kill),
 *     forks racing the kill included.  drip_proc_isolation() says which;
 *     DRIP_NO_CGROUP=1 in the environment keeps to the /proc walk.
 *   - The child's exit is watched through a pidfd (waitpid where the
 *     kernel has none), never through end-of-file on a pipe: a child that
 *     closes its fds, or a grandchild that keeps them open, changes
 *     nothing.  Deadlines are the caller's clock: drip_proc_poll returns by
 *     the deadline whatever the child does.
 *   - drip_proc_end kills every descendant (the process group, the
 *     cgroup, and every process whose parent chain leads to the child or
 *     that was orphaned to the runner), reaps them, and releases what the
 *     child held.  After it returns, nothing the child started is alive.
 *   - The child's stdout and stderr come through a pipe that the runner
 *     drains into a log file, capped (DRIP_PROC_LOG_CAP): a workload that
 *     writes a gigabyte leaves a bounded log that says how much it cut.
 *
 * Not thread-safe: one thread (the runner's) owns every drip_proc.
 */
#ifndef DRIP_PROC_H
#define DRIP_PROC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DRIP_PROC_LOG_CAP (16ULL << 20)   /* bytes of a child's output kept in its log */
#define DRIP_PROC_MAX_PASS 4              /* fds handed to a child besides 0, 1, 2 */

typedef struct drip_proc_spec {
    const char  *path;           /* the executable; looked up on PATH when it has no '/' */
    char *const *argv;           /* NULL-terminated */
    char *const *envp;           /* NULL: the runner's environment */
    const char  *cwd;            /* NULL: the runner's */
    int          log_fd;         /* where stdout and stderr go (appended, capped); -1: dropped */
    uint64_t     log_cap;        /* 0: DRIP_PROC_LOG_CAP */
    int          pass_from[DRIP_PROC_MAX_PASS];   /* the runner's fds (-1: /dev/null) ... */
    int          pass_to[DRIP_PROC_MAX_PASS];     /* ... placed at these numbers (>= 3) */
    size_t       npass;
} drip_proc_spec;

typedef struct drip_proc {
    pid_t    pid;                /* 0 when not started */
    int      pidfd;              /* -1 where the kernel has no pidfd_open */
    int      out_fd;             /* the read end of the child's stdout/stderr, or -1 */
    int      log_fd;             /* borrowed from the spec, -1 for none */
    uint64_t log_cap, logged, dropped;   /* bytes written to the log, and cut */
    int      cgroup_fd;          /* the child's cgroup v2 leaf (a directory fd), or -1 */
    char    *cgroup;             /* its path, or NULL */
    bool     exited;             /* reaped: status is its wait status */
    int      status;
    uint64_t started_ns;
} drip_proc;

/* Make this process a child subreaper and note whether cgroup v2 leaves
 * can be made under its cgroup.  Call once, before the first start;
 * calling it again does nothing.  Cannot fail: what is not available is
 * not used (drip_proc_isolation says what is). */
void drip_proc_init(void);

/* "cgroup v2" or "process group + subreaper": how descendants are found
 * and killed in this process (after drip_proc_init). */
const char *drip_proc_isolation(void);

/* Start a child as *s says.  Returns 0 with *p filled, or -1 with *why
 * (malloc'd, e.g. "cannot start ./kvd: No such file or directory") when
 * the fork or the exec failed; then nothing is left running and *p needs
 * no drip_proc_end. */
int drip_proc_start(drip_proc *p, const drip_proc_spec *s, char **why);

/* Wait until the child exits, one of fds[0..n) is ready, or deadline_ns
 * (drip_now_ns clock), whichever comes first; at most max_ms milliseconds.
 * Drains the child's output into its log on the way.  Returns the number
 * of fds with revents set (0 on a timeout or when the child exited;
 * p->exited says which).  An EINTR returns 0 early, so a signal handler's
 * flag can be checked.  Cannot fail otherwise. */
int drip_proc_poll(drip_proc *p, struct pollfd *fds, nfds_t n, uint64_t deadline_ns,
                   int max_ms);

/* Has the child exited?  Reaps it without blocking when it has (p->status
 * then holds its wait status). */
bool drip_proc_reap(drip_proc *p);

/* Send sig to the child alone (not to its group).  Nothing when it has
 * already exited. */
void drip_proc_signal(drip_proc *p, int sig);

/* Kill the child and every descendant with SIGKILL, reap them, drain the
 * rest of its output into the log (a line "... N bytes of output cut" is
 * appended when the cap was passed) and release its pipe, pidfd and
 * cgroup.  When the child had exited already, its status is kept; else
 * p->status says SIGKILL.  Safe to call on an unstarted (zeroed) proc.
 * Cannot fail. */
void drip_proc_end(drip_proc *p);

/* ---- descendants (tree.c) ----------------------------------------------- */

/* Kill (SIGKILL) every process whose parent chain leads to root, and
 * every orphan re-parented to this process that is not in keep[0..nkeep)
 * (the children this process is still watching); reap those that were
 * this process's children.  Repeats until a scan finds none, at most a
 * few hundred times.  Returns how many processes it killed. */
size_t drip__proc_kill_descendants(pid_t root, const pid_t *keep, size_t nkeep);

/* Is any process other than keep[] (and root itself) a descendant of root
 * or an orphan of this process?  For tests: "nothing is left running". */
bool drip__proc_any_descendant(pid_t root, const pid_t *keep, size_t nkeep);

#endif /* DRIP_PROC_H */
