/* load.c - scenario files and directories from the command line.
 *
 * Each file is read once, here: the runner hands its text to the workers.
 * A directory is searched recursively, each directory at most once per
 * command-line path (a link back to a directory already searched is
 * skipped with a warning). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"
#include "worker/builtin.h"

const char *drip_self_exe = "/proc/self/exe";

void drip_cli_set_self(const char *argv0)
{
    static char path[PATH_MAX];
    if (!argv0 || !*argv0)
        return;
    if (strchr(argv0, '/')) {
        if (realpath(argv0, path))
            drip_self_exe = path;
        return;
    }
    const char *env = getenv("PATH");
    char *dirs = xstrdup(env ? env : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/%s", *d ? d : ".", argv0);
        bool found = access(cand, X_OK) == 0 && realpath(cand, path);
        free(cand);
        if (found) {
            drip_self_exe = path;
            break;
        }
    }
    free(dirs);
}

void drip_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("drip: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool drip_cli_parse_u64(const char *opt, const char *s, unsigned long long min,
                        unsigned long long max, unsigned long long *out)
{
    uint64_t v;
    if (drip_parse_u64(s, &v) < 0 || v < min || v > max) {
        drip_cli_error("%s must be an integer from %llu to %llu, got '%s'", opt, min, max, s);
        return false;
    }
    *out = v;
    return true;
}

static bool is_yaml(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* One command-line path's walk: the directories searched so far, by
 * device and inode, so that no directory is searched twice (two `ln -s . x`
 * would make the walk endless). */
typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct walk {
    dir_id             *seen;
    size_t              nseen, cap;
    drip_scenario_list *list;
    drip_diags         *diags;
} walk;

/* Was the directory st searched already in this walk?  Notes it if not. */
static bool searched(walk *w, const struct stat *st)
{
    for (size_t i = 0; i < w->nseen; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
            return true;
    XGROW(w->seen, w->cap, w->nseen);
    w->seen[w->nseen++] = (dir_id){st->st_dev, st->st_ino};
    return false;
}

/* Say which directory the walk skips, and where its link points. */
static void warn_skipped(const char *path)
{
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n >= 0) {
        target[n] = '\0';
        fprintf(stderr, "drip: warning: %s is a link to a directory searched already (-> %s): "
                "skipped\n", path, target);
    } else {
        fprintf(stderr, "drip: warning: %s is a directory searched already: skipped\n", path);
    }
}

static int load_path(walk *w, const char *path, bool top);

/* Walk the directory at path (sorted, skipping dot-entries). */
static int load_dir(walk *w, const char *path, const struct stat *st)
{
    if (searched(w, st)) {
        warn_skipped(path);
        return 0;
    }
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0) {
        drip_diags_add(w->diags, path, 0, 0, "cannot read directory: %s", strerror(errno));
        return 1;
    }
    int problems = 0;
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            size_t len = strlen(path);
            char *child = xasprintf("%s%s%s", path, len && path[len - 1] == '/' ? "" : "/",
                                    ents[i]->d_name);
            problems += load_path(w, child, false);
            free(child);
        }
        free(ents[i]);
    }
    free(ents);
    return problems;
}

/* Load a file, read once (a pipe or /dev/stdin as well: the text goes to
 * the worker, which never reads the file again), or walk a directory.  In
 * a directory only regular *.yaml and *.yml files are taken. */
static int load_path(walk *w, const char *path, bool top)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        drip_diags_add(w->diags, path, 0, 0, "cannot read: %s", strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode))
        return load_dir(w, path, &st);
    if (!top && (!is_yaml(path) || !S_ISREG(st.st_mode)))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        drip_diags_add(w->diags, path, 0, 0, "cannot read file: %s", strerror(errno));
        return 1;
    }
    int problems = drip_scenario_load_fd(path, fd, w->list, w->diags);
    close(fd);
    return problems;
}

/* Is the plugin a readable regular file?  Adds the problem when not. */
static int check_plugin(const drip_scenario *sc, drip_diags *diags)
{
    const drip_pos *p = &sc->workload_pos;
    struct stat st;
    if (stat(sc->plugin, &st) < 0 || access(sc->plugin, R_OK) != 0) {
        drip_diags_add(diags, sc->file, p->line, p->col, "plugin %s: %s", sc->plugin,
                       strerror(errno));
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        drip_diags_add(diags, sc->file, p->line, p->col, "plugin %s: not a regular file (%s)",
                       sc->plugin, S_ISDIR(st.st_mode) ? "a directory" : "a device, pipe or socket");
        return 1;
    }
    return 0;
}

int drip_cli_load(char *const *paths, size_t npaths, drip_scenario_list *list, drip_diags *diags)
{
    int problems = 0;
    size_t before = list->count;
    for (size_t i = 0; i < npaths; i++) {
        walk w = {.list = list, .diags = diags};
        problems += load_path(&w, paths[i], true);
        free(w.seen);
    }
    problems += drip_scenario_check_unique(list, diags);

    for (size_t i = before; i < list->count; i++) {
        const drip_scenario *sc = &list->items[i];
        const drip_pos *p = &sc->workload_pos;
        if (sc->workload && !drip_builtin_find(sc->workload)) {
            const char *near = drip_did_you_mean(sc->workload, drip_builtin_names());
            if (near)
                drip_diags_add(diags, sc->file, p->line, p->col,
                               "unknown workload '%s' (did you mean '%s'?)", sc->workload, near);
            else
                drip_diags_add(diags, sc->file, p->line, p->col,
                               "unknown workload '%s' (`drip list` shows the built-in ones)",
                               sc->workload);
            problems++;
        } else if (sc->plugin) {
            problems += check_plugin(sc, diags);
        }
    }
    if (list->count == 0 && problems == 0) {
        drip_diags_add(diags, npaths ? paths[0] : "", 0, 0, "no scenario files found");
        problems++;
    }
    return problems;
}

bool drip_cli_parse_profile(const char *s, drip_profile_mode *out)
{
    if (strcmp(s, "off") == 0)
        *out = DRIP_PROFILE_OFF;
    else if (strcmp(s, "sampled") == 0)
        *out = DRIP_PROFILE_SAMPLED;
    else if (strcmp(s, "precise") == 0)
        *out = DRIP_PROFILE_PRECISE;
    else {
        drip_cli_error("--profile must be off, sampled or precise, not '%s'", s);
        return false;
    }
    return true;
}
