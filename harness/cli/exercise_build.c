/* exercise_build.c - `drip exercise`: building the student's file.
 *
 * A C fix is compiled as a plugin author builds one ($CC -g -shared -fPIC);
 * a Go fix (`--go`) is built as the build builds the Go originals
 * (cmake/go.cmake): the student's main.go beside a copy of the pattern's
 * go.mod (its relative `replace` made absolute) in a folder of its own,
 * `go build` offline (GOPROXY=off, -mod=readonly), the Go caches of the
 * build tree when drip runs from one.  Both tools run through sh, so that
 * CC="gcc -m64" works and no file name is ever parsed by the shell, with
 * their messages on our stderr as they wrote them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "exercise.h"
#include "scenario/external.h"
#include "util/util.h"

/* Run `sh -c script drip-exercise a1 a2 a3` with stdout joined to stderr
 * and, when env is not NULL, env's "NAME=value" entries set in the child
 * only.  Returns the tool's exit status (127: it could not be run), or -1
 * after saying why when it could not be waited for or died of a signal. */
static int run_sh(const char *script, const char *const *env, const char *a1, const char *a2,
                  const char *a3)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        drip_cli_error("cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);  /* one stream of the tool's output */
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execl("/bin/sh", "sh", "-c", script, "drip-exercise", a1, a2, a3, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            drip_cli_error("waiting for the build: %s", strerror(errno));
            return -1;
        }
    if (!WIFEXITED(status)) {
        drip_cli_error("the build was killed by signal %d", WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

int drip_exercise_compile_c(const char *include, const char *src, const char *so)
{
    const char *cc = getenv("CC");
    fprintf(stderr, "drip: compiling: %s -g -shared -fPIC -I %s %s -o %s\n",
            cc && *cc ? cc : "cc", include, src, so);
    /* -g: a crash then names the student's line */
    int st = run_sh("exec ${CC:-cc} -g -shared -fPIC -I \"$1\" \"$2\" -o \"$3\"", NULL,
                    include, src, so);
    if (st == 0)
        return 0;
    if (st == 127)
        drip_cli_error("cannot run the compiler '%s' (set CC to a C compiler)",
                       cc && *cc ? cc : "cc");
    else if (st > 0)
        drip_cli_error("%s does not compile (the compiler's messages are above)", src);
    return -1;
}

/* ---- Go ------------------------------------------------------------------------ */

/* The end of a copy: closes in and out (either may be NULL); a failed
 * close of out is a failed write.  Returns rc, or -1 after saying why. */
static int close_copy(FILE *in, FILE *out, const char *to, int rc)
{
    if (out && fclose(out) != 0 && rc == 0) {
        drip_cli_error("cannot write %s: %s", to, strerror(errno));
        rc = -1;
    }
    if (in)
        fclose(in);
    return rc;
}

/* Copy file from to file to.  0, or -1 after saying why. */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    int rc = -1;
    if (!in || !out) {
        drip_cli_error("cannot copy %s to %s: %s", from, to, strerror(errno));
        goto cleanup;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            break;
    if (ferror(in) || ferror(out)) {
        drip_cli_error("cannot copy %s to %s: %s", from, to, strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    return close_copy(in, out, to, rc);
}

/* The pattern's go.mod (SRCDIR/go.mod) written to to, each `replace X =>
 * ./path` or `../path` made absolute (from SRCDIR), so that the copy finds
 * the shared module scenarios/goserve.  0, or -1 after saying why. */
static int copy_go_mod(const char *srcdir, const char *to)
{
    char *from = xasprintf("%s/go.mod", srcdir);
    FILE *in = fopen(from, "r"), *out = in ? fopen(to, "w") : NULL;
    char *line = NULL;
    size_t cap = 0;
    int rc = -1;
    if (!in || !out) {
        drip_cli_error("cannot copy %s to %s: %s", from, to, strerror(errno));
        goto cleanup;
    }
    while (getline(&line, &cap, in) > 0) {
        char *arrow = strncmp(line, "replace ", 8) == 0 ? strstr(line, "=> ") : NULL;
        char *path = arrow ? arrow + 3 : NULL;
        if (path && (strncmp(path, "./", 2) == 0 || strncmp(path, "../", 3) == 0)) {
            path[strcspn(path, " \t\r\n")] = '\0';
            char *rel = xasprintf("%s/%s", srcdir, path), abs[PATH_MAX];
            const char *target = realpath(rel, abs) ? abs : rel;
            fprintf(out, "%.*s=> %s\n", (int)(arrow - line), line, target);
            free(rel);
        } else {
            fputs(line, out);
        }
    }
    rc = 0;
cleanup:
    free(line);
    free(from);
    return close_copy(in, out, to, rc);
}

/* The environment of `go build`: offline, and the build tree's Go caches
 * (BUILD/go/cache, BUILD/go/path, cmake/go.cmake) when drip runs from a
 * build tree, else the user's.  Entries malloc'd, NULL-terminated; free
 * each, then the array. */
static char **go_env(void)
{
    char **env = xcalloc(8, sizeof *env);
    size_t n = 0;
    env[n++] = xstrdup("GOPROXY=off");
    env[n++] = xstrdup("GOFLAGS=-mod=readonly");
    env[n++] = xstrdup("GOWORK=off");
    env[n++] = xstrdup("GO111MODULE=on");
    char *copy = xstrdup(drip_self_exe);
    char *cache = xasprintf("%s/../go/cache", dirname(copy)), abs[PATH_MAX];
    if (realpath(cache, abs)) {
        env[n++] = xasprintf("GOCACHE=%s", abs);
        size_t len = strlen(abs) - strlen("/cache");
        env[n++] = xasprintf("GOPATH=%.*s/path", (int)len, abs);
    }
    free(cache);
    free(copy);
    return env;
}

static void free_env(char **env)
{
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}

int drip_exercise_build_go(const char *godir, const char *src, const char *workdir,
                           const char *bin)
{
    const char *go = getenv("GO");
    go = go && *go ? go : "go";
    char *main_go = xasprintf("%s/main.go", workdir), *mod = xasprintf("%s/go.mod", workdir);
    char **env = NULL;
    int rc = -1;
    if (mkdir(workdir, 0700) < 0 && errno != EEXIST) {
        drip_cli_error("cannot create %s: %s", workdir, strerror(errno));
        goto cleanup;
    }
    if (copy_file(src, main_go) < 0 || copy_go_mod(godir, mod) < 0)
        goto cleanup;
    env = go_env();
    fprintf(stderr, "drip: building %s: cd %s && %s build -o %s .   (offline, with %s/go.mod)\n",
            src, workdir, go, bin, godir);
    int st = run_sh("cd \"$1\" && exec ${GO:-go} build -o \"$2\" .", (const char *const *)env,
                    workdir, bin, NULL);
    if (st == 0)
        rc = 0;
    else if (st == 127)
        drip_cli_error("cannot run the Go toolchain '%s': Go is not installed? (Debian: "
                       "apt-get install golang-go; or set GO to the go command)", go);
    else if (st > 0 && strcmp(drip_path_base(src), "main.go") != 0)
        drip_cli_error("%s does not build (go build's messages are above; their ./main.go is "
                       "%s, copied)", src, src);
    else if (st > 0)
        drip_cli_error("%s does not build (go build's messages are above)", src);
cleanup:
    if (env)
        free_env(env);
    free(main_go);
    free(mod);
    return rc;
}

void drip_exercise_go_command(drip_scenario *sc, const char *bin)
{
    drip_external_spec *x = sc->external;
    if (!x || !x->ncommand)
        return;
    free(x->command[0]);
    x->command[0] = xstrdup(bin);
    size_t k = 1;
    for (size_t i = 1; i < x->ncommand; i++) {
        if (strcmp(x->command[i], "-fixed") == 0 || strcmp(x->command[i], "--fixed") == 0) {
            free(x->command[i]);
            continue;
        }
        x->command[k++] = x->command[i];
    }
    x->command[k] = NULL;
    x->ncommand = k;
}
