/* runner.c - start a worker per scenario, watch it, collect what it says. */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "util/util.h"
#include "worker/protocol.h"

/* How far past the heap ceiling the worker's RSS may go before the runner
 * kills it from outside (the worker's own watchdog should stop it first;
 * this catches memory the counters do not see, such as raw mmap). */
#define RSS_SLACK (512ULL << 20)

void drip_runner_apply_overrides(const drip_runner_opts *o, drip_run_spec *run)
{
    if (o->seed_set)
        run->seed = o->seed;
    if (o->threads)
        run->threads = o->threads;
    if (o->iterations && run->duration_ns) {          /* a timed run made a counted one */
        run->duration_ns = 0;
        run->iterations = o->iterations;
        run->sample_every = o->iterations / 200 > 1 ? o->iterations / 200 : 1;
    } else if (o->iterations && o->iterations != run->iterations) {
        double samples = (double)run->iterations / (double)run->sample_every;
        uint64_t every = (uint64_t)((double)o->iterations / samples);
        run->iterations = o->iterations;
        run->sample_every = every ? every : 1;
    }
    if (o->duration_ns && !o->iterations)
        drip_run_spec_set_duration(run, o->duration_ns);
}

void drip_runner_apply_plugin(const drip_runner_opts *o, drip_scenario *sc)
{
    if (!o->plugin)
        return;
    free(sc->workload);
    sc->workload = NULL;
    free(sc->plugin);
    sc->plugin = xstrdup(o->plugin);
}

/* ---- the child ------------------------------------------------------------ */

void drip__child_setup(const char *log_path, int proto_fd)
{
    setpgid(0, 0);
    if (log_path) {
        int lfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (lfd >= 0) {
            dup2(lfd, STDOUT_FILENO);
            dup2(lfd, STDERR_FILENO);
        }
    }
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    if (proto_fd < 0)
        proto_fd = devnull;
    if (proto_fd >= 0 && proto_fd != DRIP_WORKER_FD) {
        dup2(proto_fd, DRIP_WORKER_FD);        /* dup2 clears FD_CLOEXEC */
    } else if (proto_fd == DRIP_WORKER_FD) {
        int fl = fcntl(proto_fd, F_GETFD);
        fcntl(proto_fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    close_range(DRIP_WORKER_FD + 1, ~0U, 0);
}

void drip__worker_args(const drip_runner_opts *o, const drip_scenario *sc, uint32_t threads,
                       uint64_t iterations, const char **argv, int *argc, char *buf)
{
    int a = *argc;
    char *idx = buf, *seed = buf + 32, *thr = buf + 64, *it = buf + 96, *dur = buf + 128;
    snprintf(idx, 32, "%zu", sc->doc_index);
    argv[a++] = "worker";
    argv[a++] = "--index";
    argv[a++] = idx;
    if (o->seed_set) {
        snprintf(seed, 32, "%llu", (unsigned long long)o->seed);
        argv[a++] = "--seed";
        argv[a++] = seed;
    }
    if (threads) {
        snprintf(thr, 32, "%u", threads);
        argv[a++] = "--threads";
        argv[a++] = thr;
    }
    if (iterations) {
        snprintf(it, 32, "%llu", (unsigned long long)iterations);
        argv[a++] = "--iterations";
        argv[a++] = it;
    } else if (o->duration_ns) {
        snprintf(dur, 32, "%lluns", (unsigned long long)o->duration_ns);
        argv[a++] = "--duration";
        argv[a++] = dur;
    }
    if (o->plugin) {
        argv[a++] = "--plugin";
        argv[a++] = o->plugin;
    }
    if (o->profile != DRIP_PROFILE_DEFAULT) {
        argv[a++] = "--profile";
        argv[a++] = drip_profile_mode_name(o->profile);
    }
    argv[a++] = "--";
    argv[a++] = sc->file;
    argv[a] = NULL;
    *argc = a;
}

/* In the forked child: wire fds and exec `drip worker`.  Never returns. */
static void exec_worker(const drip_runner_opts *o, const drip_scenario *sc, int wfd)
{
    char *log = o->log_dir ? xasprintf("%s/%s.log", o->log_dir, sc->name) : NULL;
    drip__child_setup(log, wfd);
    signal(SIGUSR1, SIG_IGN);         /* a stop request before the worker's handler is
                                         lost, not fatal (the runner repeats it) */
    const char *argv[20];
    char buf[160];
    int a = 0;
    argv[a++] = "drip";
    drip__worker_args(o, sc, o->threads, o->iterations, argv, &a, buf);
    execv(o->self_exe, (char *const *)argv);
    fprintf(stderr, "drip: error: cannot start worker %s: %s\n", o->self_exe, strerror(errno));
    _exit(127);
}

/* ---- parsing worker lines -------------------------------------------------- */

typedef struct watch {
    drip_result *r;
    bool   done, ceiling, stopped;
    char  *error;
    uint64_t ceiling_iter;
    strbuf pending;                    /* a partial line */
} watch;

/* The next space-separated field of *p with %XX escapes undone, malloc'd
 * ("-" reads as ""), or NULL at the end. */
static char *next_field(char **p)
{
    char *s = *p;
    while (*s == ' ')
        s++;
    if (!*s)
        return NULL;
    char *end = strchr(s, ' ');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    *p = s + len;
    if (len == 1 && s[0] == '-')
        return xstrdup("");
    char *out = xcalloc(len + 1, 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        unsigned hex;
        if (s[i] == '%' && i + 2 < len + 1 && sscanf(s + i + 1, "%2x", &hex) == 1) {
            *o++ = (char)hex;
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    return out;
}

/* "profile MODE RATE EARLY LATE STACKS DROPPED" */
static void parse_profile(drip_profile_result *p, char *rest)
{
    free(p->mode);
    p->mode = next_field(&rest);
    p->rate = strtoull(rest, &rest, 10);
    p->early_iteration = strtoull(rest, &rest, 10);
    p->late_iteration = strtoull(rest, &rest, 10);
    p->stacks = strtoull(rest, &rest, 10);
    p->dropped = strtoull(rest, &rest, 10);
    p->ran = p->mode != NULL;
}

/* "psite EB EO LB LO AB AO N fn file line ..." */
static void parse_psite(drip_profile_result *p, char *rest)
{
    p->sites = xrealloc(p->sites, (p->nsites + 1) * sizeof *p->sites);
    drip_prof_site *s = &p->sites[p->nsites++];
    memset(s, 0, sizeof *s);
    s->early_bytes = strtod(rest, &rest);
    s->early_objects = strtod(rest, &rest);
    s->late_bytes = strtod(rest, &rest);
    s->late_objects = strtod(rest, &rest);
    s->alloc_bytes = strtod(rest, &rest);
    s->alloc_objects = strtod(rest, &rest);
    long nf = strtol(rest, &rest, 10);
    if (nf < 0 || nf > 64)
        nf = 0;
    s->frames = xcalloc((size_t)nf + 1, sizeof *s->frames);
    for (long i = 0; i < nf; i++) {
        char *fn = next_field(&rest), *file = next_field(&rest);
        if (!fn || !file) {
            free(fn);
            free(file);
            break;
        }
        s->frames[s->nframes].fn = fn;
        s->frames[s->nframes].file = file;
        s->frames[s->nframes].line = (int)strtol(rest, &rest, 10);
        s->nframes++;
    }
}

static void parse_line(void *arg, char *line)
{
    watch *w = arg;
    drip_result *r = w->r;
    char *rest = strchr(line, ' ');
    if (rest)
        *rest++ = '\0';
    else
        rest = line + strlen(line);

    if (strcmp(line, "measured") == 0) {
        for (int m = 0; m < DRIP_M_COUNT; m++)
            r->metrics[m].measured = strtol(rest, &rest, 10) != 0;
    } else if (strcmp(line, "sample") == 0) {
        drip_sample s;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            s.v[c] = strtod(rest, &rest);
        drip_result_add_sample(r, &s);
    } else if (strcmp(line, "teardown") == 0) {
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            r->after_teardown.v[c] = strtod(rest, &rest);
        r->has_after_teardown = true;
    } else if (strcmp(line, "fault") == 0) {
        r->faults = xrealloc(r->faults, (r->nfaults + 1) * sizeof *r->faults);
        drip_fault_result *f = &r->faults[r->nfaults];
        memset(f, 0, sizeof *f);
        char *sp = strchr(rest, ' ');
        if (!sp)
            return;
        f->point = xstrndup(rest, (size_t)(sp - rest));
        rest = sp;
        f->asked = strtoull(rest, &rest, 10);
        f->fired = strtoull(rest, &rest, 10);
        while (*rest == ' ' && f->nfirst < DRIP_FAULT_FIRST_MAX)
            f->first[f->nfirst++] = strtoull(rest, &rest, 10);
        r->nfaults++;
    } else if (strcmp(line, "profile") == 0) {
        parse_profile(&r->profile, rest);
    } else if (strcmp(line, "psite") == 0) {
        parse_psite(&r->profile, rest);
    } else if (strcmp(line, "warn") == 0) {
        drip_result_add_warning(r, "%s", rest);
    } else if (strcmp(line, "error") == 0) {
        if (!w->error)
            w->error = xstrdup(rest);
    } else if (strcmp(line, "ceiling") == 0) {
        w->ceiling = true;
        strtoll(rest, &rest, 10);
        w->ceiling_iter = strtoull(rest, &rest, 10);
    } else if (strcmp(line, "stopped") == 0) {
        w->stopped = true;
    } else if (strcmp(line, "done") == 0) {
        w->done = true;
        r->iterations = strtoull(rest, &rest, 10);
        r->failed_iterations = strtoull(rest, &rest, 10);
    }
}

int drip__read_lines(int fd, uint64_t deadline_ns, strbuf *pending,
                     void (*line)(void *arg, char *text), void *arg)
{
    uint64_t now = drip_now_ns();
    uint64_t left_ms = deadline_ns > now ? (deadline_ns - now) / 1000000 + 1 : 0;
    struct pollfd p = {fd, POLLIN, 0};
    int pr = poll(&p, 1, left_ms < 100 ? (int)left_ms : 100);
    if (pr < 0 && errno != EINTR)
        return -1;
    if (pr <= 0)
        return 0;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1;                           /* EOF: the worker has ended */
    sb_appendn(pending, buf, (size_t)n);
    char *start = pending->buf, *nl;
    while ((nl = memchr(start, '\n', pending->len - (size_t)(start - pending->buf)))) {
        *nl = '\0';
        line(arg, start);
        start = nl + 1;
    }
    size_t left = pending->len - (size_t)(start - pending->buf);
    memmove(pending->buf, start, left);
    pending->len = left;
    pending->buf[left] = '\0';
    return 1;
}

/* The last non-empty line of a worker's log (at most 200 bytes of it), or
 * NULL: shown in an error's reason so a crash explains itself. */
static char *last_line(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char buf[512];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    char *start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    if (!*start)
        return NULL;
    if (strlen(start) > 200)
        start[200] = '\0';
    return xstrdup(start);
}

static uint64_t last_iteration(const drip_result *r)
{
    return r->nsamples ? (uint64_t)r->samples[r->nsamples - 1].v[DRIP_COL_ITER] : 0;
}

static int cmp_sample(const void *a, const void *b)
{
    double x = ((const drip_sample *)a)->v[DRIP_COL_ITER];
    double y = ((const drip_sample *)b)->v[DRIP_COL_ITER];
    return x < y ? -1 : x > y;
}

/* ---- one scenario ------------------------------------------------------------- */

#define PROGRESS_EVERY_NS 250000000ULL      /* the progress callback, 4 times a second */

/* Call o->progress with a snapshot of r, when it is time (*next_ns). */
static void report_progress(const drip_runner_opts *o, const drip_result *r,
                            const drip_run_spec *run, uint64_t first_ns, bool stopping,
                            uint64_t *next_ns)
{
    uint64_t now = drip_now_ns();
    if (!o->progress || now < *next_ns)
        return;
    *next_ns = now + PROGRESS_EVERY_NS;
    drip_progress p;
    drip__progress_snapshot(r, run, first_ns ? (double)(now - first_ns) / 1e9 : 0, stopping, &p);
    o->progress(o->progress_arg, &p);
}

/* The warning of a scenario the runner stopped early (Ctrl-C). */
static void add_stopped_warning(drip_result *r, const drip_run_spec *run)
{
    char a[32], b[32];
    if (run->duration_ns)
        drip_result_add_warning(r, "stopped early by interrupt at iteration %llu, after %s s "
                                "of a %s s run", (unsigned long long)r->iterations,
                                drip_fmt_num(r->nsamples ? r->samples[r->nsamples - 1]
                                             .v[DRIP_COL_TIME] : 0, a, sizeof a),
                                drip_fmt_num((double)run->duration_ns / 1e9, b, sizeof b));
    else
        drip_result_add_warning(r, "stopped early by interrupt at iteration %llu of %llu",
                                (unsigned long long)r->iterations,
                                (unsigned long long)run->iterations);
}

void drip_runner_run_one(const drip_runner_opts *o, const drip_scenario *sc, drip_result *r)
{
    drip_run_spec run = sc->run;
    drip_runner_apply_overrides(o, &run);

    r->name = xstrdup(sc->name);
    r->file = xstrdup(sc->file);
    r->workload = xstrdup(sc->workload ? sc->workload : sc->plugin);
    r->description = xstrdup(sc->description);
    r->seed = run.seed;
    r->threads = run.threads;
    r->iterations_planned = run.iterations;
    r->duration_planned_s = (double)run.duration_ns / 1e9;
    r->heap_ceiling = run.heap_ceiling;
    r->warmup = run.warmup;

    watch w = {.r = r};
    enum { RUNNING, TIMED_OUT, RSS_KILLED, INTERRUPTED } why_killed = RUNNING;
    uint64_t t0 = drip_now_ns();
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("cannot create a pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("cannot fork a worker: %s", strerror(errno));
        return;
    }
    if (pid == 0)
        exec_worker(o, sc, pfd[1]);
    setpgid(pid, pid);                       /* also in the child: no race */
    close(pfd[1]);

    uint64_t deadline = t0 + run.timeout_ns < t0 ? UINT64_MAX : t0 + run.timeout_ns;
    uint64_t first_ns = 0, next_progress = 0;
    bool stopping = false;
    for (;;) {
        if (o->interrupted && *o->interrupted >= 2) {
            why_killed = INTERRUPTED;
            break;
        }
        if (o->interrupted && *o->interrupted && !w.done) {
            /* Ctrl-C: end at the next epoch boundary.  Repeated each turn:
             * one sent before the worker's handler was in place is lost. */
            kill(pid, SIGUSR1);
            stopping = true;
        }
        if (!first_ns && r->nsamples)
            first_ns = drip_now_ns();
        report_progress(o, r, &run, first_ns, stopping, &next_progress);
        uint64_t now = drip_now_ns();
        if (now >= deadline) {
            why_killed = TIMED_OUT;
            break;
        }
        long rss = drip_procfs_rss_bytes(pid);
        if (rss > 0 && (uint64_t)rss > run.heap_ceiling + RSS_SLACK) {
            why_killed = RSS_KILLED;
            break;
        }
        if (drip__read_lines(pfd[0], deadline, &w.pending, parse_line, &w) < 0)
            break;                           /* EOF: the worker has ended */
    }
    if (why_killed != RUNNING)
        kill(-pid, SIGKILL);
    close(pfd[0]);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL);                     /* anything the workload left behind */
    r->duration_s = (double)(drip_now_ns() - t0) / 1e9;
    qsort(r->samples, r->nsamples, sizeof *r->samples, cmp_sample);
    for (size_t i = 0; i < r->nfaults; i++)          /* the form is the scenario's */
        for (size_t j = 0; j < sc->nfaults; j++)
            if (r->faults[i].point && strcmp(r->faults[i].point, sc->faults[j].point) == 0) {
                r->faults[i].rate = sc->faults[j].rate;
                drip_fault_result_set_schedule(&r->faults[i], sc->faults[j].every,
                                               sc->faults[j].nth, sc->faults[j].nnth);
            }
    if (!w.done)
        r->iterations = w.ceiling ? w.ceiling_iter : last_iteration(r);
    if (w.stopped && w.done) {
        r->interrupted = true;
        add_stopped_warning(r, &run);
    }

    char sec[32], dur[32];
    if (why_killed == TIMED_OUT) {
        r->status = DRIP_STATUS_ERROR;
        if (run.duration_ns)
            r->reason = xasprintf("timeout after %s s (iteration %llu of a %s s timed run)",
                                  drip_fmt_num((double)run.timeout_ns / 1e9, sec, sizeof sec),
                                  (unsigned long long)last_iteration(r),
                                  drip_fmt_num((double)run.duration_ns / 1e9, dur, sizeof dur));
        else
            r->reason = xasprintf("timeout after %s s (iteration %llu of %llu)",
                                  drip_fmt_num((double)run.timeout_ns / 1e9, sec, sizeof sec),
                                  (unsigned long long)last_iteration(r),
                                  (unsigned long long)run.iterations);
    } else if (why_killed == INTERRUPTED) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xstrdup("interrupted");
        r->interrupted = true;
    } else if (why_killed == RSS_KILLED) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xasprintf("killed: resident memory passed the heap ceiling + 512 MiB "
                              "(iteration %llu)", (unsigned long long)last_iteration(r));
    } else if (w.error) {
        r->status = DRIP_STATUS_ERROR;
        r->reason = xstrdup(w.error);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        r->status = DRIP_STATUS_ERROR;
        if (r->nsamples)
            r->reason = xasprintf("crashed: SIG%s (%s) near iteration %llu", sigabbrev_np(sig),
                                  strsignal(sig), (unsigned long long)last_iteration(r));
        else
            r->reason = xasprintf("crashed: SIG%s (%s) before the first iteration",
                                  sigabbrev_np(sig), strsignal(sig));
    } else if (w.ceiling) {
        r->heap_ceiling_hit = true;
    } else if (!w.done) {
        r->status = DRIP_STATUS_ERROR;
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            r->reason = xasprintf("worker exited with status %d before finishing "
                                  "(iteration %llu)", WEXITSTATUS(status),
                                  (unsigned long long)last_iteration(r));
        else
            r->reason = xasprintf("worker exited before finishing (iteration %llu)",
                                  (unsigned long long)last_iteration(r));
    }
    if (o->log_dir && r->status == DRIP_STATUS_ERROR) {
        char *log = xasprintf("%s/%s.log", o->log_dir, sc->name);
        char *last = last_line(log);
        char *msg = last ? xasprintf("%s; worker said: %s (%s)", r->reason, last, log)
                         : xasprintf("%s (worker output: %s)", r->reason, log);
        free(last);
        free(log);
        free(r->reason);
        r->reason = msg;
    }
    free(w.error);
    sb_free(&w.pending);
    drip_judge(sc, r);
}
