/* sampler.c - metrics from the counting allocator and /proc/self. */
#define _GNU_SOURCE
#include "sampler.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <drip/rt.h>

#include "alloc.h"
#include "util/util.h"

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

long drip_proc_rss_bytes(pid_t pid)
{
    char path[64], buf[256];
    if (pid)
        snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/statm");
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    char *p = strchr(buf, ' ');           /* size resident shared ... */
    if (!p)
        return -1;
    return strtol(p + 1, NULL, 10) * sysconf(_SC_PAGESIZE);
}

long drip_proc_threads(void)
{
    char buf[1024];
    if (read_small("/proc/self/stat", buf, sizeof buf) < 0)
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

long drip_proc_fds(void)
{
    int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    return count - 1;                     /* not the directory fd itself */
}

bool drip_sampler_has(int metric)
{
    switch (metric) {
    case DRIP_M_HEAP_BYTES:
    case DRIP_M_HEAP_OBJECTS:
    case DRIP_M_ALLOCS:
        return drip_alloc_active();
    default:
        return true;
    }
}

void drip_sampler_take(drip_sample *s, uint64_t iter, uint64_t t0_ns)
{
    drip_alloc_stats st;
    drip_alloc_read(&st);
    s->v[DRIP_COL_ITER] = (double)iter;
    s->v[DRIP_COL_TIME] = (double)(drip_now_ns() - t0_ns) / 1e9;
    s->v[DRIP_COL_METRIC(DRIP_M_HEAP_BYTES)] = (double)st.live_bytes;
    s->v[DRIP_COL_METRIC(DRIP_M_HEAP_OBJECTS)] = (double)st.live_objects;
    s->v[DRIP_COL_METRIC(DRIP_M_ALLOCS)] = (double)st.allocs;
    s->v[DRIP_COL_METRIC(DRIP_M_RSS)] = (double)drip_proc_rss_bytes(0);
    s->v[DRIP_COL_METRIC(DRIP_M_THREADS)] = (double)drip_proc_threads();
    s->v[DRIP_COL_METRIC(DRIP_M_FDS)] = (double)drip_proc_fds();
    drip_rt_gauges g;
    drip_rt_gauges_read(&g);
    s->v[DRIP_COL_METRIC(DRIP_M_TASKS)] = (double)g.tasks;
    s->v[DRIP_COL_METRIC(DRIP_M_TIMERS)] = (double)g.timers;
    s->v[DRIP_COL_METRIC(DRIP_M_CONNS)] = (double)g.conns;
}
