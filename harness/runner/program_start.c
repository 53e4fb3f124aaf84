/* program_start.c - an external workload's program made ready to run and
 * started: its port, {bin}, argv and environment, the preload's counters
 * file, its log, readiness (program.h). */
#define _GNU_SOURCE
#include "program.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drive/ready.h"
#include "preload_shm.h"
#include "util/util.h"

#ifndef DRIP_REL_LIBEXECDIR
#define DRIP_REL_LIBEXECDIR "../libexec"
#endif
#ifndef DRIP_REL_LIBDIR
#define DRIP_REL_LIBDIR "../lib"
#endif

/* The default mean sampling interval of a program's profile: small
 * enough that a service's per-request allocations are sampled tens of
 * times in a short run; each sample costs one stack walk. */
#define PROGRAM_PROFILE_RATE 16384

extern char **environ;

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder of the drip executable (self_exe resolved), malloc'd. */
static char *exe_dir(const char *self_exe)
{
    char real[PATH_MAX];
    char *copy = xstrdup(realpath(self_exe, real) ? real : self_exe);
    char *dir = xstrdup(dirname(copy));
    free(copy);
    return dir;
}

/* {bin}: BIN/<libexec>/drip once installed, else BIN (a build tree's
 * build/bin).  malloc'd. */
static char *find_bin(const char *self_exe)
{
    char *dir = exe_dir(self_exe);
    char *installed = xasprintf("%s/" DRIP_REL_LIBEXECDIR "/drip", dir);
    if (is_dir(installed)) {
        free(dir);
        return installed;
    }
    free(installed);
    return dir;
}

/* {go_bin}: $DRIP_GO_BIN, else build/go/bin beside a build tree's
 * build/bin (cmake/go.cmake; the Go programs are not installed).
 * malloc'd. */
static char *find_go_bin(const char *self_exe)
{
    const char *env = getenv("DRIP_GO_BIN");
    if (env && *env)
        return xstrdup(env);
    char *dir = exe_dir(self_exe);
    char *go = xasprintf("%s/../go/bin", dir);
    char real[PATH_MAX];
    free(dir);
    if (realpath(go, real)) {
        free(go);
        return xstrdup(real);
    }
    return go;
}

bool drip_runner_program_unbuilt(const drip_runner_opts *o, const drip_scenario *sc,
                                 char **why)
{
    const char *cmd = sc->external ? sc->external->command[0] : "";
    if (strncmp(cmd, "{go_bin}", 8) != 0)
        return false;
    char *go_bin = find_go_bin(o->self_exe);
    drip_template_vars v = {.go_bin = go_bin};
    char *path = drip_template_expand(cmd, &v);
    bool missing = path && access(path, X_OK) != 0;
    if (missing)
        *why = xasprintf("Go programs not built (no go toolchain at build time: %s missing)",
                         path);
    free(path);
    free(go_bin);
    return missing;
}

/* libdrip_preload.so: DRIP_PRELOAD_LIB when set, else beside the build
 * tree's drip (build/lib) or the installed one (<libdir>/drip).  malloc'd,
 * or NULL when none is found. */
static char *find_preload(const char *self_exe)
{
    const char *env = getenv("DRIP_PRELOAD_LIB");
    if (env && *env)
        return access(env, R_OK) == 0 ? xstrdup(env) : NULL;
    char *dir = exe_dir(self_exe);
    char *cand[2] = {xasprintf("%s/../lib/libdrip_preload.so", dir),
                     xasprintf("%s/" DRIP_REL_LIBDIR "/drip/libdrip_preload.so", dir)};
    char *found = NULL;
    for (int i = 0; i < 2; i++) {
        char real[PATH_MAX];
        if (!found && access(cand[i], R_OK) == 0 && realpath(cand[i], real))
            found = xstrdup(real);
        free(cand[i]);
    }
    free(dir);
    return found;
}

/* A TCP port free on 127.0.0.1 now (the kernel's pick, released), or 0. */
static unsigned free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* ---- the environment ------------------------------------------------------ */

typedef struct envb {
    char  **v;
    size_t  n;
} envb;

/* Set NAME=value in e (replacing NAME's entry); takes nothing. */
static void env_set(envb *e, const char *name, const char *value)
{
    size_t len = strlen(name);
    char *entry = xasprintf("%s=%s", name, value);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=') {
            free(e->v[i]);
            e->v[i] = entry;
            return;
        }
    e->v = xrealloc(e->v, (e->n + 2) * sizeof *e->v);
    e->v[e->n++] = entry;
    e->v[e->n] = NULL;
}

static char **env_copy(char *const *from)
{
    size_t n = 0;
    while (from && from[n])
        n++;
    char **v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = xstrdup(from[i]);
    return v;
}

/* Drip's environment plus the spec's env (expanded).  -1 with *why. */
static int base_env(drip__program *p, envb *e, char **why)
{
    e->v = env_copy(environ);
    for (e->n = 0; e->v[e->n]; e->n++)
        ;
    for (size_t i = 0; i < p->spec->nenv; i++) {
        char *v = drip_template_expand(p->spec->env[i].value, &p->vars);
        if (!v) {
            *why = xasprintf("cannot expand env %s", p->spec->env[i].name);
            return -1;
        }
        env_set(e, p->spec->env[i].name, v);
        free(v);
    }
    return 0;
}

/* A fresh, sized counters file under /dev/shm (or $TMPDIR), mapped into
 * p (read-write: Drip asks for profile snapshots through it).  -1 with
 * *why. */
static int make_shm(drip__program *p, char **why)
{
    static unsigned counter;
    const char *tmp = getenv("TMPDIR");
    const char *dir = is_dir("/dev/shm") ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";
    p->shm_path = xasprintf("%s/drip-preload-%d-%u", dir, (int)getpid(), counter++);
    int fd = open(p->shm_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)DRIP_SHM_SIZE) != 0) {
        *why = xasprintf("cannot create the preload's counters file %s: %s", p->shm_path,
                         strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    void *map = mmap(NULL, DRIP_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        *why = xasprintf("cannot map %s: %s", p->shm_path, strerror(errno));
        return -1;
    }
    p->shm = map;
    return 0;
}

/* The allocation-site profile through the preload, unless --profile off
 * or `profile: { mode: off }`: sampled at the scenario's rate (precise:
 * every allocation), by default at PROGRAM_PROFILE_RATE bytes. */
static void profile_env(const drip_runner_opts *o, const drip_scenario *sc, drip__program *p,
                        envb *e)
{
    drip_profile_mode mode = o->profile != DRIP_PROFILE_DEFAULT ? o->profile : sc->profile.mode;
    if (mode == DRIP_PROFILE_OFF)
        return;
    p->prof_rate = mode == DRIP_PROFILE_PRECISE ? 1
                   : sc->profile.rate ? sc->profile.rate : PROGRAM_PROFILE_RATE;
    p->prof_prefix = xasprintf("%s.prof", p->shm_path);
    char rate[32];
    snprintf(rate, sizeof rate, "%llu", (unsigned long long)p->prof_rate);
    env_set(e, "DRIP_PRELOAD_PROFILE", p->prof_prefix);
    env_set(e, "DRIP_PRELOAD_PROFILE_RATE", rate);
    char seed[32];                                 /* the alloc fault's too: the same */
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->vars.seed);
    env_set(e, "DRIP_PRELOAD_SEED", seed);
}

/* LD_PRELOAD (before any the user set), the counters file, the alloc
 * fault, the profile.  -1 with *why when the library is not found. */
static int preload_env(const drip_runner_opts *o, const drip_scenario *sc, drip__program *p,
                       envb *e, char **why)
{
    char *lib = find_preload(o->self_exe);
    if (!lib) {
        *why = xstrdup("libdrip_preload.so not found beside drip (build/lib or "
                       "lib/drip; DRIP_PRELOAD_LIB names it): set preload: false to run "
                       "the program without Drip's counting allocator");
        return -1;
    }
    const char *old = getenv("LD_PRELOAD");
    char *val = old && *old ? xasprintf("%s:%s", lib, old) : xstrdup(lib);
    env_set(e, "LD_PRELOAD", val);
    free(val);
    free(lib);
    if (make_shm(p, why) < 0)
        return -1;
    env_set(e, "DRIP_PRELOAD_SHM", p->shm_path);
    for (size_t i = 0; i < sc->nfaults; i++)
        if (strcmp(sc->faults[i].point, "alloc") == 0) {
            char rate[64], seed[32];
            snprintf(rate, sizeof rate, "%.17g", sc->faults[i].rate);
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->vars.seed);
            env_set(e, "DRIP_PRELOAD_FAULT_RATE", rate);
            env_set(e, "DRIP_PRELOAD_SEED", seed);
        }
    p->heap_measured = true;
    profile_env(o, sc, p, e);
    return 0;
}

/* ---- prepare ------------------------------------------------------------------ */

/* The metrics URL and, for Prometheus, a selector per map entry. */
static int prepare_metrics(drip__program *p, char **why)
{
    const drip_metrics_spec *m = &p->spec->metrics;
    if (m->kind == DRIP_SCRAPE_NONE)
        return 0;
    p->metrics_url = drip_template_expand(m->url, &p->vars);
    if (!p->metrics_url) {
        *why = xasprintf("cannot expand the metrics URL %s", m->url);
        return -1;
    }
    if (m->kind != DRIP_SCRAPE_PROMETHEUS)
        return 0;
    p->sels = xcalloc(m->nmap + 1, sizeof *p->sels);
    for (size_t i = 0; i < m->nmap; i++) {
        char *err = NULL;
        if (drip_prom_selector_parse(m->map[i].source, &p->sels[i], &err) < 0) {
            *why = xasprintf("metrics.map %s: %s", m->map[i].name, err);
            free(err);
            return -1;
        }
    }
    return 0;
}

int drip__program_prepare(const drip_runner_opts *o, const drip_scenario *sc, uint64_t seed,
                          const char *log_ext, drip__program *p, char **why)
{
    memset(p, 0, sizeof *p);
    p->log_fd = -1;
    p->xml_fd = -1;
    p->spec = sc->external;
    p->bin = find_bin(o->self_exe);
    p->go_bin = find_go_bin(o->self_exe);
    p->vars = (drip_template_vars){.port = free_port(), .seed = seed, .bin = p->bin,
                                   .go_bin = p->go_bin};
    if (!p->vars.port) {
        *why = xasprintf("cannot pick a free port on 127.0.0.1: %s", strerror(errno));
        return -1;
    }
    p->argv = xcalloc(p->spec->ncommand + 1, sizeof *p->argv);
    for (size_t i = 0; i < p->spec->ncommand; i++)
        if (!(p->argv[i] = drip_template_expand(p->spec->command[i], &p->vars))) {
            *why = xasprintf("cannot expand command argument %s", p->spec->command[i]);
            return -1;
        }
    envb e = {0};
    int rc = base_env(p, &e, why);
    p->drive_envp = env_copy(e.v);
    if (rc == 0 && p->spec->preload)
        rc = preload_env(o, sc, p, &e, why);
    p->envp = e.v;
    if (rc < 0 || prepare_metrics(p, why) < 0)
        return -1;
    p->log_fd = drip__open_log(o, sc->name, log_ext);
    p->log_path = drip__log_path(o, sc->name, log_ext);
    return 0;
}

/* ---- start and ready -------------------------------------------------------- */

/* The ready waiter's sink: the program's output into its log, capped as
 * the proc module caps it. */
static void to_log(void *arg, const char *buf, size_t n)
{
    drip_proc *pr = arg;
    size_t keep = pr->logged >= pr->log_cap ? 0
                  : n < pr->log_cap - pr->logged ? n : (size_t)(pr->log_cap - pr->logged);
    if (pr->log_fd >= 0 && keep)
        drip_write_all(pr->log_fd, buf, keep);
    pr->logged += keep;
    pr->dropped += n - keep;
}

int drip__program_start(drip__program *p, uint64_t deadline_ns, char **why)
{
    drip_proc_spec s = {.path = p->argv[0], .argv = p->argv, .envp = p->envp,
                        .cwd = p->spec->cwd, .log_fd = p->log_fd,
                        .pass_from = {p->xml_fd}, .pass_to = {4},
                        .npass = p->xml_fd >= 0};
    char *err = NULL;
    if (drip_proc_start(&p->proc, &s, &err) < 0) {
        *why = err;
        return -1;
    }
    p->pid = p->proc.pid;
    drip_ready *r = drip_ready_new(&p->spec->ready, &p->vars, &err);
    if (!r) {
        *why = xasprintf("ready: %s", err);
        free(err);
        return -1;
    }
    drip_ready_io io = {.out_fd = p->proc.out_fd, .sink = to_log, .arg = &p->proc,
                        .pidfd = p->proc.pidfd};
    int rc = drip_ready_wait(r, &io, deadline_ns);
    drip_ready_free(r);
    if (rc == DRIP_READY_OK && !drip__program_alive(p))
        rc = DRIP_READY_EXITED;                       /* ready, and gone at once */
    if (rc == DRIP_READY_EXITED) {
        uint64_t until = drip_now_ns() + 1000000000ULL;
        while (!drip_proc_reap(&p->proc) && drip_now_ns() < until)
            drip_proc_poll(&p->proc, NULL, 0, until, 20);
    }
    p->ready_after_s = (double)(drip_now_ns() - p->proc.started_ns) / 1e9;
    p->ready = rc == DRIP_READY_OK;
    return rc;
}
