/* e2e.h - helpers for the end-to-end suites: run the drip executable,
 * read its report.  Failures abort the current Check test. */
#ifndef DRIP_TEST_E2E_H
#define DRIP_TEST_E2E_H

#include <jansson.h>

typedef struct proc {
    int   status;        /* exit code, or 128 + signal */
    char *out, *err;     /* what it printed (malloc'd) */
} proc;

/* The whole file, NUL-terminated and malloc'd, or NULL. */
char *slurp(const char *path);

/* Run argv (argv[0] a path) in directory cwd (NULL: inherit) with env
 * applied first ("NAME=value" sets, "NAME" unsets; NULL-terminated, or
 * NULL for none), capturing stdout and stderr. */
proc run_cmd(const char *cwd, const char *const *env, const char *const *argv);

/* Run DRIP_BIN with args (NULL-terminated) in directory cwd (NULL:
 * inherit), with PATH set to `path` when it is not NULL. */
proc run_env(const char *cwd, const char *path, const char *const *args);
proc run_in(const char *cwd, const char *const *args);
proc run(const char *const *args);
void proc_free(proc *p);

/* A fresh directory under /tmp (malloc'd), and its removal. */
char *tmpdir(void);
void rm_rf(const char *dir);

/* DIR/results.json parsed; the scenario called name in it (borrowed);
 * a string member or "". */
json_t     *load_results(const char *dir);
json_t     *scenario(json_t *root, const char *name);
const char *str_at(json_t *obj, const char *key);

#define SRC(p) DRIP_SOURCE_DIR "/" p
#define TST(p) DRIP_TEST_DIR "/" p

#endif /* DRIP_TEST_E2E_H */
