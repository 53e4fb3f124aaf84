/* slowmkdir.c - a preload for tests: mkdir() and mkdirat() of a folder
 * whose name starts with "run-" (drip's default report folder) wait 200 ms
 * first.
 *
 * It widens the window between "is the name free?" and "create it" that a
 * default report folder chosen by stat-then-mkdir leaves open, so that two
 * `drip run` started at one instant race for the same name every time,
 * not once in a while.  A folder created atomically (mkdir without -p,
 * EEXIST: try the next name) is not affected by the wait.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

static void slow(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path;
    if (base && strncmp(base, "run-", 4) == 0) {
        struct timespec t = {0, 200 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
}

int mkdir(const char *path, mode_t mode)
{
    static int (*real)(const char *, mode_t);
    if (!real)
        real = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
    slow(path);
    return real(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    static int (*real)(int, const char *, mode_t);
    if (!real)
        real = (int (*)(int, const char *, mode_t))dlsym(RTLD_NEXT, "mkdirat");
    slow(path);
    return real(dirfd, path, mode);
}
