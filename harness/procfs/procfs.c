/* procfs.c - resident memory, threads and open fds from /proc/PID. */
#define _GNU_SOURCE
#include "procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Read a small /proc file into buf (NUL-terminated); -1 on failure. */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t got = read(fd, buf, n - 1);
    close(fd);
    if (got < 0)
        return -1;
    buf[got] = '\0';
    return got;
}

/* "/proc/PID/NAME", or "/proc/self/NAME" for pid 0, into path. */
static void proc_path(char *path, size_t n, pid_t pid, const char *name)
{
    if (pid)
        snprintf(path, n, "/proc/%d/%s", (int)pid, name);
    else
        snprintf(path, n, "/proc/self/%s", name);
}

long drip_procfs_rss_bytes(pid_t pid)
{
    char path[64], buf[256];
    proc_path(path, sizeof path, pid, "statm");
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    char *p = strchr(buf, ' ');           /* size resident shared ... */
    if (!p)
        return -1;
    return strtol(p + 1, NULL, 10) * sysconf(_SC_PAGESIZE);
}

long drip_procfs_threads(pid_t pid)
{
    char path[64], buf[1024];
    proc_path(path, sizeof path, pid, "stat");
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    /* The command name may hold spaces and parens: skip past the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* After ')': state(3) ... num_threads is field 20, i.e. the 18th after. */
    int field = 2;
    for (p++; *p && field < 20; p++)
        if (*p == ' ')
            field++;
    return field == 20 ? strtol(p, NULL, 10) : -1;
}

long drip_procfs_fds(pid_t pid)
{
    char path[64];
    proc_path(path, sizeof path, pid, "fd");
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    char buf[4096];
    long count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            if (d->d_name[0] != '.')
                count++;
            off += d->d_reclen;
        }
    }
    close(dfd);
    return pid ? count : count - 1;       /* our own: not the directory fd itself */
}
