/* cgroup.c - a cgroup v2 leaf per child, where one can be made.
 *
 * Under the runner's own cgroup v2 directory (from /proc/self/cgroup's
 * "0::PATH" line and the cgroup2 mount in /proc/self/mountinfo), a leaf
 * "drip-PID-N" is made for each child; the child moves itself into it
 * before exec (by writing "0" to the leaf's cgroup.procs, opened by the
 * parent), so everything it forks, setsid() or not, is in the leaf.
 * Ending it: "1" to cgroup.kill (Linux 5.14) kills every member at once,
 * forks in flight included; the leaf is removed once empty.
 * No controllers are enabled, so the leaf limits nothing: it is a bag to
 * find and kill processes by.  Where the directory is not writable (a
 * user's session without delegation, cgroup v1 only), nothing here is
 * used and tree.c's /proc walk does the job alone.
 */
#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *g_base;              /* the runner's cgroup directory, or NULL */
static unsigned g_seq;

/* The cgroup2 mount point from mountinfo (malloc'd), or NULL. */
static char *cgroup2_mount(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return NULL;
    char line[4096], *found = NULL;
    while (!found && fgets(line, sizeof line, f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPER */
        char root[1024], point[1024];
        char *dash = strstr(line, " - ");
        if (!dash || strncmp(dash + 3, "cgroup2 ", 8) != 0)
            continue;
        if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) == 2 && strcmp(root, "/") == 0)
            found = strdup(point);
    }
    fclose(f);
    return found;
}

/* This process's cgroup v2 path ("/..."), malloc'd, or NULL. */
static char *own_cgroup(void)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return NULL;
    char line[4096], *found = NULL;
    while (!found && fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            found = strdup(line + 3);
        }
    fclose(f);
    return found;
}

bool drip__cgroup_probe(void)
{
    static bool probed;
    if (g_base || probed)
        return g_base != NULL;
    probed = true;
    const char *off = getenv("DRIP_NO_CGROUP");      /* the /proc walk alone (tests) */
    if (off && *off && strcmp(off, "0") != 0)
        return false;
    char *mount = cgroup2_mount(), *own = own_cgroup();
    if (mount && own) {
        char *base = NULL;
        if (asprintf(&base, "%s%s", mount, strcmp(own, "/") == 0 ? "" : own) >= 0) {
            /* usable when a leaf can be made and holds a cgroup.kill */
            char *probe = NULL;
            if (asprintf(&probe, "%s/drip-probe-%d", base, (int)getpid()) >= 0 &&
                mkdir(probe, 0755) == 0) {
                char *kill_file = NULL;
                if (asprintf(&kill_file, "%s/cgroup.kill", probe) >= 0 &&
                    access(kill_file, W_OK) == 0)
                    g_base = base, base = NULL;
                free(kill_file);
                rmdir(probe);
            }
            free(probe);
            free(base);
        }
    }
    free(mount);
    free(own);
    return g_base != NULL;
}

int drip__cgroup_new(char **path, int *dirfd, int *procs_fd)
{
    *path = NULL;
    *dirfd = *procs_fd = -1;
    if (!g_base || asprintf(path, "%s/drip-%d-%u", g_base, (int)getpid(), g_seq++) < 0)
        return -1;
    if (mkdir(*path, 0755) < 0)
        goto fail;
    *dirfd = open(*path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0)
        goto fail;
    *procs_fd = openat(*dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (*procs_fd < 0)
        goto fail;
    return 0;
fail:
    if (*dirfd >= 0)
        close(*dirfd);
    rmdir(*path);
    free(*path);
    *path = NULL;
    *dirfd = *procs_fd = -1;
    return -1;
}

void drip__cgroup_kill(int dirfd)
{
    int fd = openat(dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, "1", 1);
        close(fd);
    }
}

void drip__cgroup_remove(char *path, int dirfd)
{
    if (dirfd >= 0)
        close(dirfd);
    if (!path)
        return;
    /* members leave when they exit; give the last ones a moment */
    for (int i = 0; i < 200 && rmdir(path) < 0 && errno == EBUSY; i++) {
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    free(path);
}
