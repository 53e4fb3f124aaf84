/* e2e.c - helpers for the end-to-end suites (see e2e.h). */
#define _GNU_SOURCE
#include "e2e.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* asprintf that aborts the test when memory runs out. */
static char *xasprintf_test(const char *fmt, const char *arg)
{
    char *out = NULL;
    ck_assert(asprintf(&out, fmt, arg) >= 0);
    return out;
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

proc run_cmd(const char *cwd, const char *const *env, const char *const *argv)
{
    char outp[] = "/tmp/drip-test-out-XXXXXX", errp[] = "/tmp/drip-test-err-XXXXXX";
    int ofd = mkstemp(outp), efd = mkstemp(errp);
    ck_assert(ofd >= 0 && efd >= 0);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        if (cwd && chdir(cwd) < 0)
            _exit(126);
        for (size_t i = 0; env && env[i]; i++) {
            const char *eq = strchr(env[i], '=');
            if (eq) {
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)(eq - env[i]), env[i]);
                setenv(name, eq + 1, 1);
            } else {
                unsetenv(env[i]);
            }
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    close(ofd);
    close(efd);
    proc p = {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(outp), slurp(errp)};
    unlink(outp);
    unlink(errp);
    return p;
}

proc run_env(const char *cwd, const char *path, const char *const *args)
{
    const char *argv[32];
    int a = 0;
    argv[a++] = DRIP_BIN;
    for (int i = 0; args[i] && a < 31; i++)
        argv[a++] = args[i];
    argv[a] = NULL;
    char *setpath = path ? xasprintf_test("PATH=%s", path) : NULL;
    const char *env[] = {setpath, NULL};
    proc p = run_cmd(cwd, setpath ? env : NULL, argv);
    free(setpath);
    return p;
}

proc run_in(const char *cwd, const char *const *args)
{
    return run_env(cwd, NULL, args);
}

proc run(const char *const *args)
{
    return run_in(NULL, args);
}

void proc_free(proc *p)
{
    free(p->out);
    free(p->err);
}

char *tmpdir(void)
{
    char tmpl[] = "/tmp/drip-test-XXXXXX";
    ck_assert(mkdtemp(tmpl) != NULL);
    return strdup(tmpl);
}

void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

json_t *load_results(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/results.json", dir);
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    ck_assert_msg(root != NULL, "%s: %s (line %d)", path, e.text, e.line);
    return root;
}

json_t *scenario(json_t *root, const char *name)
{
    json_t *list = json_object_get(root, "scenarios"), *s;
    size_t i;
    json_array_foreach(list, i, s)
        if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
            return s;
    ck_abort_msg("scenario %s not in results.json", name);
    return NULL;
}

const char *str_at(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}
