/* paths.c - where drip finds its pattern files and public headers.
 *
 * An installed drip finds them next to itself: BIN/<datadir>/drip/scenarios
 * and BIN/<includedir>, with the relative paths from the install's bindir
 * computed by CMake (DRIP_REL_DATADIR, DRIP_REL_INCLUDEDIR), so a moved
 * prefix still works.  A drip run from its build tree has no such
 * directories next to it and uses the source tree it was built from
 * (DRIP_SOURCE_DIR).  A pattern's name on the command line (`drip run
 * global-map`) stands for its folder there.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "util/util.h"

#ifndef DRIP_SOURCE_DIR
#define DRIP_SOURCE_DIR "."
#endif
#ifndef DRIP_REL_DATADIR
#define DRIP_REL_DATADIR "../share"
#endif
#ifndef DRIP_REL_INCLUDEDIR
#define DRIP_REL_INCLUDEDIR "../include"
#endif

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The directory of the drip executable, malloc'd. */
static char *exe_dir(void)
{
    char *copy = xstrdup(drip_self_exe);
    char *dir = xstrdup(dirname(copy));
    free(copy);
    return dir;
}

/* BIN/installed if BIN/installed/probe exists, else source (when
 * source/probe exists), else NULL.  malloc'd. */
static char *find(const char *installed, const char *source, const char *probe)
{
    char *bin = exe_dir();
    char *cand = xasprintf("%s/%s", bin, installed);
    char *test = xasprintf("%s/%s", cand, probe);
    free(bin);
    if (exists(test)) {
        free(test);
        return cand;
    }
    free(test);
    free(cand);
    test = xasprintf("%s/%s", source, probe);
    bool ok = exists(test);
    free(test);
    return ok ? xstrdup(source) : NULL;
}

char *drip_cli_scenarios_dir(void)
{
    return find(DRIP_REL_DATADIR "/drip/scenarios", DRIP_SOURCE_DIR "/scenarios", ".");
}

char *drip_cli_include_dir(void)
{
    return find(DRIP_REL_INCLUDEDIR, DRIP_SOURCE_DIR "/include", "drip/workload.h");
}

/* ---- a pattern's name for its scenarios --------------------------------------- */

/* SCENARIOS/name when arg names no file here but a built-in pattern (a
 * folder with leaky.yaml) of that name exists; malloc'd, or NULL. */
static char *pattern_dir(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 || !drip_valid_name(arg) || arg[0] == '.' || arg[0] == '-')
        return NULL;
    char *scenarios = drip_cli_scenarios_dir();
    if (!scenarios)
        return NULL;
    char *dir = xasprintf("%s/%s", scenarios, arg);
    char *probe = xasprintf("%s/leaky.yaml", dir);
    free(scenarios);
    if (!exists(probe)) {
        free(dir);
        dir = NULL;
    }
    free(probe);
    return dir;
}

char **drip_cli_pattern_args(char *const *args, size_t n)
{
    char **out = xcalloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i] = pattern_dir(args[i]);
        if (!out[i])
            out[i] = xstrdup(args[i]);
    }
    return out;
}

void drip_cli_pattern_args_free(char **args, size_t n)
{
    for (size_t i = 0; args && i < n; i++)
        free(args[i]);
    free(args);
}
