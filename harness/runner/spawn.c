/* spawn.c - start `drip worker` for a scenario and follow what it says.
 *
 * Shared by the run (runner.c), the failure sweep (sweep.c) and the
 * valgrind pass (vgpass.c): the worker process itself is the proc module's
 * business (harness/proc: process group, subreaper, cgroup, deadline,
 * killing the tree); this file adds the worker's command line, its log in
 * the report directory and its protocol pipe.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/util.h"
#include "worker/protocol.h"

#define DRIP_STR_(x) #x
#define DRIP_STR(x) DRIP_STR_(x)

void drip__worker_args(const drip_runner_opts *o, const drip_scenario *sc, uint32_t threads,
                       uint64_t iterations, bool control, const char **argv, int *argc,
                       char *buf)
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
    if (control) {
        argv[a++] = "--control-fd";
        argv[a++] = DRIP_STR(DRIP_CONTROL_FD);
    }
    drip__worker_text_args(sc, argv, &a);
    argv[a++] = "--";
    argv[a++] = sc->file;
    argv[a] = NULL;
    *argc = a;
}

char *drip__file_name(const drip_runner_opts *o, const char *name, const char *ext)
{
    char *tagged = xasprintf("%s%s", o->file_tag ? o->file_tag : "", ext);
    char *file = drip_results_file_name(name, tagged);
    free(tagged);
    return file;
}

/* ---- the scenario's text ----------------------------------------------------- */

void drip__worker_text_args(const drip_scenario *sc, const char **argv, int *argc)
{
    if (!sc->text)
        return;
    argv[(*argc)++] = "--scenario-fd";
    argv[(*argc)++] = DRIP_WORKER_TEXT_FD_STR;
}

int drip__scenario_text_fd(const drip_scenario *sc, char **why)
{
    if (!sc->text)
        return -1;
    int fd = memfd_create("drip-scenario", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || drip_write_all(fd, sc->text, sc->text_len) < 0 ||
        lseek(fd, 0, SEEK_SET) < 0) {
        *why = xasprintf("cannot hand the scenario's text to the worker: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -2;
    }
    /* read-only from now on (best effort: nothing depends on it) */
    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return fd;
}

int drip__open_log(const drip_runner_opts *o, const char *name, const char *ext)
{
    if (o->report_fd < 0)
        return -1;
    char *file = drip__file_name(o, name, ext);
    int fd = drip_create_at(o->report_fd, file);
    free(file);
    return fd;
}

char *drip__log_path(const drip_runner_opts *o, const char *name, const char *ext)
{
    if (!o->log_dir)
        return NULL;
    char *file = drip__file_name(o, name, ext);
    char *path = xasprintf("%s/%s", o->log_dir, file);
    free(file);
    return path;
}

int drip__start_worker(const drip_runner_opts *o, const drip_scenario *sc,
                       const char *const *argv, int log_fd, bool with_pipe, drip_proc *p,
                       int *proto_rd, int *control_wr, char **why)
{
    int pfd[2] = {-1, -1}, cfd[2] = {-1, -1};
    *proto_rd = -1;
    if (control_wr)
        *control_wr = -1;
    int text_fd = drip__scenario_text_fd(sc, why);
    if (text_fd == -2)
        return -1;
    if ((with_pipe && pipe2(pfd, O_CLOEXEC) < 0) || (control_wr && pipe2(cfd, O_CLOEXEC) < 0)) {
        *why = xasprintf("cannot create a pipe: %s", strerror(errno));
        goto fail;
    }
    drip_proc_spec spec = {.path = argv[0], .argv = (char *const *)argv, .log_fd = log_fd};
    spec.pass_from[spec.npass] = pfd[1];          /* -1 without a pipe: /dev/null */
    spec.pass_to[spec.npass++] = DRIP_WORKER_FD;
    if (control_wr) {
        spec.pass_from[spec.npass] = cfd[0];
        spec.pass_to[spec.npass++] = DRIP_CONTROL_FD;
    }
    if (text_fd >= 0) {
        spec.pass_from[spec.npass] = text_fd;
        spec.pass_to[spec.npass++] = DRIP_WORKER_TEXT_FD;
    }
    (void)o;
    if (drip_proc_start(p, &spec, why) < 0)
        goto fail;
    close(pfd[1]);
    if (cfd[0] >= 0)
        close(cfd[0]);
    if (text_fd >= 0)
        close(text_fd);
    *proto_rd = pfd[0];
    if (*proto_rd >= 0)
        fcntl(*proto_rd, F_SETFL, O_NONBLOCK);
    if (control_wr) {
        *control_wr = cfd[1];
        fcntl(cfd[1], F_SETFL, O_NONBLOCK);
    }
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (pfd[i] >= 0)
            close(pfd[i]);
        if (cfd[i] >= 0)
            close(cfd[i]);
    }
    if (text_fd >= 0)
        close(text_fd);
    return -1;
}

/* ---- following the protocol -------------------------------------------------- */

static void one_line(void *arg, char *text)
{
    drip__watch *w = arg;
    drip_proto_msg m;
    char why[256];
    if (drip_proto_parse(text, &m, why, sizeof why) < 0) {
        if (w->on_bad)
            w->on_bad(w->arg, why);
        return;
    }
    w->on_msg(w->arg, &m);
}

/* Read what the pipe holds now; at end of file close it. */
static void read_pipe(drip__watch *w)
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(w->rd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;                                /* EAGAIN: nothing more now */
        if (n == 0) {
            close(w->rd);
            w->rd = -1;
            return;
        }
        if (drip_proto_feed(&w->reader, buf, (size_t)n, one_line, w) < 0 && w->on_bad)
            w->on_bad(w->arg, "a line longer than the protocol allows");
    }
}

int drip__watch_turn(drip__watch *w, uint64_t deadline_ns)
{
    if (w->proc->exited) {
        if (w->rd >= 0)                            /* what it said before it ended */
            read_pipe(w);
        return 0;
    }
    struct pollfd fd = {w->rd, POLLIN, 0};
    int ready = drip_proc_poll(w->proc, &fd, w->rd >= 0 ? 1 : 0, deadline_ns, 100);
    if (ready > 0)
        read_pipe(w);
    if (w->proc->exited && w->rd >= 0)
        read_pipe(w);          /* the rest of its lines (not waiting for an EOF that a
                                  grandchild holding the pipe could keep away) */
    return w->proc->exited ? 0 : 1;
}

void drip__watch_close(drip__watch *w)
{
    if (w->rd >= 0)
        close(w->rd);
    w->rd = -1;
}

char *drip__log_last_line(const char *path)
{
    if (!path)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
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
