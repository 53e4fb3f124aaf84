/* tree.c - find a child's descendants through /proc and kill them all.
 *
 * The runner is a child subreaper (proc.c), so a process a child orphans
 * is re-parented to the runner, not to init.  A child's tree is then: the
 * processes whose parent chain leads to the child, plus the runner's
 * children that it is not watching (orphans of some child's tree) and
 * their own descendants.  Killing goes in rounds: kill what a scan finds,
 * reap what became the runner's zombies, scan again; a process forking
 * while it is killed leaves children that the next round finds.
 */
#define _GNU_SOURCE
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS_MAX 500            /* a 1 ms pause after each: about half a second */

typedef struct pinfo {
    pid_t pid, ppid;
    char  state;                  /* 'Z' for a zombie */
} pinfo;

/* pid, state and parent of /proc/PID/stat; false when it is gone. */
static bool read_stat(pid_t pid, pinfo *out)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');           /* the name may hold spaces and parens */
    int ppid;
    char state;
    if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
        return false;
    *out = (pinfo){pid, (pid_t)ppid, state};
    return true;
}

/* Every process on the system, malloc'd (*n of them); NULL when /proc
 * cannot be read. */
static pinfo *scan(size_t *n)
{
    DIR *d = opendir("/proc");
    if (!d)
        return NULL;
    size_t cap = 256, count = 0;
    pinfo *all = malloc(cap * sizeof *all);
    struct dirent *e;
    while (all && (e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (count == cap) {
            pinfo *bigger = realloc(all, 2 * cap * sizeof *all);
            if (!bigger)
                break;
            all = bigger;
            cap *= 2;
        }
        if (read_stat((pid_t)pid, &all[count]))
            count++;
    }
    closedir(d);
    *n = count;
    return all;
}

static bool kept(pid_t pid, const pid_t *keep, size_t nkeep)
{
    for (size_t i = 0; i < nkeep; i++)
        if (keep[i] == pid)
            return true;
    return false;
}

/* Mark in[] the tree: descendants of root, and orphans of ours (not
 * kept) with their descendants.  Returns how many are marked. */
static size_t mark_tree(const pinfo *all, size_t n, bool *in, pid_t root, const pid_t *keep,
                        size_t nkeep)
{
    pid_t self = getpid();
    size_t marked = 0;
    for (size_t i = 0; i < n; i++) {
        in[i] = all[i].pid != root && all[i].pid != self &&
                (all[i].ppid == root ||
                 (all[i].ppid == self && !kept(all[i].pid, keep, nkeep)));
        marked += in[i];
    }
    for (bool grew = true; grew;) {            /* children of marked ones, to a fixpoint */
        grew = false;
        for (size_t i = 0; i < n; i++) {
            if (in[i])
                continue;
            for (size_t j = 0; j < n; j++)
                if (in[j] && all[i].ppid == all[j].pid) {
                    in[i] = true;
                    marked++;
                    grew = true;
                    break;
                }
        }
    }
    return marked;
}

/* The system's processes and which of them are root's tree (mark_tree). */
typedef struct tree {
    pinfo  *all;        /* n of them, malloc'd */
    size_t  n;
    bool   *in;         /* malloc'd; NULL when memory ran out (nothing marked) */
    size_t  marked;
} tree;

/* Scan the system into *t and mark root's tree; tree_free(t) releases it.
 * Returns 0, or -1 (nothing to free) when /proc cannot be read. */
static int scan_tree(tree *t, pid_t root, const pid_t *keep, size_t nkeep)
{
    t->n = 0;
    t->all = scan(&t->n);
    if (!t->all)
        return -1;
    t->in = calloc(t->n + 1, sizeof *t->in);
    t->marked = t->in ? mark_tree(t->all, t->n, t->in, root, keep, nkeep) : 0;
    return 0;
}

static void tree_free(tree *t)
{
    free(t->in);
    free(t->all);
}

size_t drip__proc_kill_descendants(pid_t root, const pid_t *keep, size_t nkeep)
{
    pid_t self = getpid();
    size_t killed = 0;
    for (int round = 0; round < ROUNDS_MAX; round++) {
        tree t;
        if (scan_tree(&t, root, keep, nkeep) < 0)
            return killed;
        for (size_t i = 0; t.in && i < t.n; i++) {
            if (!t.in[i])
                continue;
            if (t.all[i].state != 'Z') {
                kill(t.all[i].pid, SIGKILL);
                killed++;
            }
            if (t.all[i].ppid == self)      /* ours to reap (a zombie now or soon) */
                waitpid(t.all[i].pid, NULL, WNOHANG);
        }
        tree_free(&t);
        if (t.marked == 0)
            break;
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    return killed;
}

bool drip__proc_any_descendant(pid_t root, const pid_t *keep, size_t nkeep)
{
    tree t;
    if (scan_tree(&t, root, keep, nkeep) < 0)
        return false;
    tree_free(&t);
    return t.marked > 0;
}
