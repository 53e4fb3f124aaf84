/* write_dir.c - the report directory: results.json, junit.xml, report.html,
 * NAME.csv and the profile files.
 *
 * Everything is created under the directory's fd, never through a path
 * that a link planted in the folder could redirect: each file is written
 * to a fresh temporary NAME.<pid>-<n>.tmp made with O_EXCL | O_NOFOLLOW
 * (an existing entry of that name, a link included, is never opened) and
 * renamed over NAME with renameat (which replaces a link of that name, not
 * what it points to).  A CI job that picks the directory up never reads
 * half a file.  The first failure stops the whole write; files already
 * renamed into place stay; no temporary is left behind.
 */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "util/util.h"

#define TMP_ATTEMPTS 100          /* temporary names tried before giving up */

typedef int (*writer_fn)(const void *what, FILE *out);

static int write_json(const void *run, FILE *out)  { return drip_report_json(run, out); }
static int write_junit(const void *run, FILE *out) { return drip_report_junit(run, out); }
static int write_html(const void *run, FILE *out) { return drip_report_html(run, out); }
static int write_csv(const void *r, FILE *out)     { return drip_report_csv(r, out); }
static int write_heap_pb(const void *r, FILE *out)     { return drip_report_pprof(r, false, out); }
static int write_growth_pb(const void *r, FILE *out)   { return drip_report_pprof(r, true, out); }
static int write_heap_fold(const void *r, FILE *out)   { return drip_report_folded(r, false, out); }
static int write_growth_fold(const void *r, FILE *out) { return drip_report_folded(r, true, out); }

/* Create a fresh temporary for `name` in dirfd: NAME.<pid>-<n>.tmp, with
 * O_EXCL | O_NOFOLLOW, trying the next n while the name is taken (by
 * another writer, or by anything planted there).  Returns the fd with its
 * name in tmp (at least 300 bytes), or -1 with errno set. */
static int create_tmp(int dirfd, const char *name, char *tmp, size_t size)
{
    static unsigned counter;
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        snprintf(tmp, size, "%s.%ld-%u.tmp", name, (long)getpid(), counter++);
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Write NAME in dirfd through a fresh temporary (see the top of the file).
 * dir names the directory in messages.  Returns 0, or -1 with *err set and
 * the temporary removed. */
static int write_file(int dirfd, const char *dir, const char *name, writer_fn fn,
                      const void *what, char **err)
{
    char tmp[300];
    int rc = -1, e = 0;
    bool made = false;

    int fd = create_tmp(dirfd, name, tmp, sizeof tmp);
    if (fd < 0) {
        e = errno;
        goto done;
    }
    made = true;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        e = errno;
        close(fd);
        goto done;
    }
    errno = 0;
    if (fn(what, f) != 0) {
        e = errno ? errno : EIO;            /* stdio does not always set errno */
        fclose(f);
        goto done;
    }
    if (fclose(f) != 0 || renameat(dirfd, tmp, dirfd, name) != 0) {
        e = errno;
        goto done;
    }
    made = false;                           /* it is NAME now */
    rc = 0;
done:
    if (made)
        unlinkat(dirfd, tmp, 0);
    if (rc != 0)
        *err = xasprintf("cannot write %s/%s: %s", dir, name, strerror(e));
    return rc;
}

int drip_report_dir_open(const char *dir, char **err)
{
    *err = NULL;
    if (drip_mkdir_p(dir) != 0) {
        *err = xasprintf("cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        *err = xasprintf("cannot open %s: %s", dir, strerror(errno));
    return fd;
}

int drip_report_dir_check(int dirfd, const char *dir, char **err)
{
    char probe[300];
    *err = NULL;
    int fd = create_tmp(dirfd, ".drip-probe", probe, sizeof probe);
    if (fd < 0) {
        *err = xasprintf("cannot write to the report directory %s: %s", dir, strerror(errno));
        return -1;
    }
    close(fd);
    if (unlinkat(dirfd, probe, 0) != 0) {
        *err = xasprintf("cannot remove %s/%s from the report directory: %s", dir, probe,
                         strerror(errno));
        return -1;
    }
    return 0;
}

int drip_report_write_dir(const drip_run_results *run, int dirfd, const char *dir, char **err)
{
    *err = NULL;
    if (write_file(dirfd, dir, "results.json", write_json, run, err) != 0 ||
        write_file(dirfd, dir, "junit.xml", write_junit, run, err) != 0 ||
        write_file(dirfd, dir, "report.html", write_html, run, err) != 0)
        return -1;
    static const struct { const char *ext; writer_fn fn; bool profile; } files[] = {
        {".csv", write_csv, false},
        {".heap.pb.gz", write_heap_pb, true},
        {".growth.pb.gz", write_growth_pb, true},
        {".heap.folded", write_heap_fold, true},
        {".growth.folded", write_growth_fold, true},
    };
    for (size_t i = 0; i < run->count; i++) {
        const drip_result *r = &run->scenarios[i];
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            if (files[f].profile && (!r->profile.ran || r->profile.read_back))
                continue;
            char *name = drip_results_file_name(r->name, files[f].ext);
            int rc = write_file(dirfd, dir, name, files[f].fn, r, err);
            free(name);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}
