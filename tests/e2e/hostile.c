/* hostile.c - helpers for test_hostile.c (see hostile.h). */
#define _GNU_SOURCE
#include "hostile.h"

#include <check.h>
#include <dirent.h>
#include <expat.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRACK_MAX 256

/* Sessions started by any test of the run: shared with Check's forks. */
typedef struct tracked {
    size_t n;
    pid_t  sid[TRACK_MAX];
} tracked;

static tracked *g_tracked;
static int g_line[2] = {-1, -1};     /* the start line: sessions wait on its read end */

const char *hostile_bin(void)
{
    const char *bin = getenv("DRIP_HOSTILE_BIN");
    return bin && *bin ? bin : DRIP_BIN;
}

void hostile_init(void)
{
    void *m = mmap(NULL, sizeof *g_tracked, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    g_tracked = m == MAP_FAILED ? NULL : m;
}

/* Note the session drip (pid) leads, to clean up after the suite. */
static void hostile_track(pid_t pid)
{
    if (g_tracked && g_tracked->n < TRACK_MAX)
        g_tracked->sid[g_tracked->n++] = pid;
}

void hostile_cleanup(void)
{
    for (size_t i = 0; g_tracked && i < g_tracked->n; i++) {
        char *what = NULL;
        if (session_leftovers(g_tracked->sid[i], &what, true))
            fprintf(stderr, "test_hostile: killed what a test left running: %s\n", what);
        free(what);
    }
}

/* ---- /proc ------------------------------------------------------------------- */

typedef struct pstat {
    char  state;
    pid_t ppid, pgrp, sid;
    char  comm[64];
} pstat;

static bool read_pstat(pid_t pid, pstat *ps)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren)
        return false;
    snprintf(ps->comm, sizeof ps->comm, "%.*s", (int)(close_paren - open_paren - 1),
             open_paren + 1);
    int ppid, pgrp, sid;
    if (sscanf(close_paren + 1, " %c %d %d %d", &ps->state, &ppid, &pgrp, &sid) != 4)
        return false;
    ps->ppid = ppid;
    ps->pgrp = pgrp;
    ps->sid = sid;
    return true;
}

bool alive(pid_t pid)
{
    pstat ps;
    return read_pstat(pid, &ps) && ps.state != 'Z' && ps.state != 'X';
}

size_t session_leftovers(pid_t sid, char **what, bool kill_them)
{
    DIR *d = opendir("/proc");
    if (!d) {                                 /* no ck_assert: also called after the suite */
        if (what)
            *what = strdup("(/proc cannot be read)");
        return 1;
    }
    size_t n = 0, len = 0;
    char *text = NULL;
    FILE *out = what ? open_memstream(&text, &len) : NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        pstat ps;
        if (*end || pid <= 0 || !read_pstat((pid_t)pid, &ps) || ps.state == 'Z' ||
            ps.state == 'X' || (ps.sid != sid && ps.pgrp != sid))
            continue;
        n++;
        if (out)
            fprintf(out, "%s%ld (%s, state %c)", n > 1 ? ", " : "", pid, ps.comm, ps.state);
        if (kill_them)
            kill((pid_t)pid, SIGKILL);
    }
    closedir(d);
    if (out) {
        fclose(out);
        *what = text;
    }
    return n;
}

/* ---- drip in a session ---------------------------------------------------------- */

session session_start(const char *dir, const char *cwd, int in_fd, int out_fd,
                      const char *const *args)
{
    session s = {0};
    ck_assert(asprintf(&s.out_path, "%s/stdout", dir) >= 0);
    ck_assert(asprintf(&s.err_path, "%s/stderr", dir) >= 0);
    const char *argv[40];
    int a = 0;
    argv[a++] = hostile_bin();
    for (int i = 0; args[i] && a < 39; i++)
        argv[a++] = args[i];
    argv[a] = NULL;
    fflush(NULL);
    s.pid = fork();
    ck_assert(s.pid >= 0);
    if (s.pid == 0) {
        setsid();
        int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
        int o = out_fd >= 0 ? out_fd : open(s.out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(s.err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        if (cwd && chdir(cwd) < 0)
            _exit(126);
        if (g_line[0] >= 0) {             /* wait for the start: EOF once released */
            char c;
            close(g_line[1]);
            while (read(g_line[0], &c, 1) > 0)
                ;
            close(g_line[0]);
        }
        sigset_t none;                    /* signals as a shell leaves them */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
            signal(sig, SIG_DFL);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    hostile_track(s.pid);
    return s;
}

void start_line_open(void)
{
    ck_assert_int_eq(pipe2(g_line, O_CLOEXEC), 0);
}

void start_line_release(void)
{
    close(g_line[0]);
    close(g_line[1]);
    g_line[0] = g_line[1] = -1;
}

int session_wait(session *s)
{
    int st;
    ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
    s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    s->out = slurp(s->out_path);
    s->err = slurp(s->err_path);
    char *what = NULL;
    size_t left = session_leftovers(s->pid, &what, true);
    ck_assert_msg(left == 0, "drip (exit %d) left %zu process%s running: %s\nstderr: %s",
                  s->status, left, left == 1 ? "" : "es", what, s->err ? s->err : "");
    free(what);
    return s->status;
}

void session_free(session *s)
{
    free(s->out_path);
    free(s->err_path);
    free(s->out);
    free(s->err);
    memset(s, 0, sizeof *s);
}

void wait_for_file(const session *s, const char *path)
{
    struct stat st;
    while (stat(path, &st) != 0) {            /* polled: no timing assumed */
        int status;
        ck_assert_msg(waitpid(s->pid, &status, WNOHANG) == 0,
                      "drip ended before %s appeared", path);
        usleep(10000);
    }
}

pid_t wait_for_child(pid_t parent)
{
    for (;;) {
        DIR *d = opendir("/proc");
        ck_assert_ptr_nonnull(d);
        struct dirent *e;
        pid_t found = 0;
        while (!found && (e = readdir(d))) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            pstat ps;
            if (!*end && pid > 0 && read_pstat((pid_t)pid, &ps) && ps.ppid == parent &&
                ps.state != 'Z')
                found = (pid_t)pid;
        }
        closedir(d);
        if (found)
            return found;
        ck_assert_msg(alive(parent), "process %d ended before it had a child", (int)parent);
        usleep(10000);
    }
}

/* Is `sig` pending for process pid (ShdPnd or SigPnd in /proc/PID/status)? */
static bool pending(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    unsigned long long mask = 0, m;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "ShdPnd: %llx", &m) == 1 || sscanf(line, "SigPnd: %llx", &m) == 1)
            mask |= m;
    fclose(f);
    return mask & (1ULL << (sig - 1));
}

void deliver(pid_t pid, int sig)
{
    ck_assert_int_eq(kill(pid, sig), 0);
    while (alive(pid) && pending(pid, sig))
        usleep(1000);
}

/* ---- files --------------------------------------------------------------------- */

char *must_slurp(const char *path)
{
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    return text;
}

/* Is the file dir/name well-formed XML (expat)? */
static void assert_xml(const char *dir, const char *name)
{
    char *path = NULL;
    ck_assert(asprintf(&path, "%s/%s", dir, name) >= 0);
    char *text = must_slurp(path);
    XML_Parser p = XML_ParserCreate("UTF-8");
    bool ok = XML_Parse(p, text, (int)strlen(text), 1) == XML_STATUS_OK;
    ck_assert_msg(ok, "%s is not well-formed XML: %s at line %lu", path,
                  XML_ErrorString(XML_GetErrorCode(p)),
                  (unsigned long)XML_GetCurrentLineNumber(p));
    XML_ParserFree(p);
    free(text);
    free(path);
}

json_t *whole_report(const char *dir)
{
    json_t *root = load_results(dir);
    assert_xml(dir, "junit.xml");
    assert_xml(dir, "report.html");
    return root;
}

char *vwrite_file(const char *dir, const char *name, const char *fmt, va_list ap)
{
    char *path = NULL, *text = NULL;
    ck_assert(vasprintf(&text, fmt, ap) >= 0);
    ck_assert(asprintf(&path, "%s/%s", dir, name) >= 0);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    free(text);
    return path;
}

char *write_file(const char *dir, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *path = vwrite_file(dir, name, fmt, ap);
    va_end(ap);
    return path;
}

/* ---- shorthands ---------------------------------------------------------------- */

hostile_run hostile_run_new(void)
{
    hostile_run h = {.dir = tmpdir()};
    h.report = path_in(h.dir, "report");
    return h;
}

void hostile_run_drip(hostile_run *h, const char *cmd, int want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    h->yaml = vwrite_file(h->dir, "s.yaml", fmt, ap);
    va_end(ap);
    h->s = drip_in(h->dir, (const char *[]){cmd, "--no-color", "-o", h->report, h->yaml, NULL});
    if (want < 0)
        return;
    ck_assert_msg(h->s.status == want, "exit %d\n%s%s", h->s.status, h->s.out, h->s.err);
    h->root = whole_report(h->report);
}

void hostile_run_free(hostile_run *h)
{
    json_decref(h->root);
    session_free(&h->s);
    rm_rf(h->dir);
    free(h->yaml);
    free(h->report);
    free(h->dir);
    *h = (hostile_run){0};
}

session drip_in(const char *dir, const char *const *args)
{
    session s = session_start(dir, NULL, -1, -1, args);
    session_wait(&s);
    return s;
}

char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    ck_assert(asprintf(&p, "%s/%s", dir, name) >= 0);
    return p;
}

json_int_t int_at(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

void assert_outcome(json_t *root, const char *name, const char *want, const char *part)
{
    json_t *s = scenario(root, name);
    ck_assert_msg(strcmp(str_at(s, "status"), want) == 0, "%s: status %s, want %s (%s)", name,
                  str_at(s, "status"), want, str_at(s, "reason"));
    if (part)
        ck_assert_msg(strstr(str_at(s, "reason"), part), "%s: reason '%s' lacks '%s'", name,
                      str_at(s, "reason"), part);
}
