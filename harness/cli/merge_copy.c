/* merge_copy.c - `drip merge`: copy a shard's other files (workers' logs,
 * valgrind XML, suppressions) into the merged report.
 *
 * A shard folder is input Drip did not necessarily write: only regular
 * files are copied, each opened under the shard directory's fd with
 * O_NOFOLLOW, so a link planted in a shard (`x.log -> ~/.ssh/id_rsa`)
 * is never followed out of it: it is skipped with a warning.  Copies are
 * created under the merged directory's fd, fresh (O_EXCL | O_NOFOLLOW).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"

/* Copy everything from fd in to fd out.  0, or -1 with errno set. */
static int copy_fd(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (drip_write_all(out, buf, (size_t)n) < 0)
            return -1;
    }
}

/* Do fds a and b (both read from their start) hold the same bytes?  False
 * when either cannot be read. */
static bool same_content(int a, int b)
{
    char x[8192], y[8192];
    if (lseek(a, 0, SEEK_SET) < 0 || lseek(b, 0, SEEK_SET) < 0)
        return false;
    for (;;) {
        ssize_t n = read(a, x, sizeof x);
        if (n < 0)
            return false;
        size_t got = 0;
        while (got < (size_t)n) {          /* b in the same amount as a gave */
            ssize_t m = read(b, y + got, (size_t)n - got);
            if (m <= 0)
                return false;
            got += (size_t)m;
        }
        if (memcmp(x, y, (size_t)n) != 0)
            return false;
        if (n == 0)
            return read(b, y, 1) == 0;
    }
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Copy the regular file `name` of the directory in_fd into out_fd.  A name
 * already in out_fd is left alone, with a warning when it is not a CSV (the
 * writer makes those) and its bytes differ.  0, or -1 after printing why. */
static int copy_one(const char *label, int in_fd, const char *in_dir, const char *name,
                    int out_fd, const char *out_dir)
{
    int in = openat(in_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), out = -1;
    int rc = 0;
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
        goto cleanup;                      /* gone, or swapped for something else: skip */
    out = openat(out_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out >= 0) {
        if (copy_fd(in, out) < 0) {
            drip_cli_error("cannot copy %s/%s to %s: %s", in_dir, name, out_dir, strerror(errno));
            rc = -1;
        }
        goto cleanup;
    }
    if (errno != EEXIST) {
        drip_cli_error("cannot copy %s/%s to %s: %s", in_dir, name, out_dir, strerror(errno));
        rc = -1;
        goto cleanup;
    }
    if (!ends_with(name, ".csv")) {         /* drip-runtime.supp: in every shard */
        int there = openat(out_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (there < 0 || !same_content(in, there))
            fprintf(stderr, "drip: warning: %s: %s is in the merged report already; kept the "
                    "first\n", label, name);
        if (there >= 0)
            close(there);
    }
cleanup:
    if (out >= 0 && close(out) != 0 && rc == 0) {
        drip_cli_error("cannot copy %s/%s to %s: %s", in_dir, name, out_dir, strerror(errno));
        rc = -1;
    }
    if (in >= 0)
        close(in);
    return rc;
}

int drip__merge_copy_rest(const char *label, const char *in_dir, int out_fd, const char *out_dir)
{
    int fd = open(in_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        drip_cli_error("cannot list %s: %s", in_dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        const char *n = e->d_name;
        if (n[0] == '.' || strcmp(n, "results.json") == 0 || strcmp(n, "junit.xml") == 0 ||
            strcmp(n, "report.html") == 0 || ends_with(n, ".tmp"))     /* the writer's */
            continue;
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISLNK(st.st_mode))
            fprintf(stderr, "drip: warning: %s: %s is a symbolic link: not copied (a merge "
                    "copies regular files only)\n", label, n);
        else if (S_ISREG(st.st_mode))
            rc = copy_one(label, dirfd(d), in_dir, n, out_fd, out_dir);
    }
    closedir(d);
    return rc;
}
