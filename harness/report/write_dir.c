/* write_dir.c - the report directory: results.json, junit.xml, report.html,
 * NAME.csv and the profile files.
 *
 * Every file is written to NAME.tmp and renamed over NAME, so a CI job that
 * picks the directory up never reads half a file.  The first failure stops
 * the whole write; files already renamed into place stay.
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/util.h"

typedef int (*writer_fn)(const void *what, FILE *out);

static int write_json(const void *run, FILE *out)  { return drip_report_json(run, out); }
static int write_junit(const void *run, FILE *out) { return drip_report_junit(run, out); }
static int write_html(const void *run, FILE *out) { return drip_report_html(run, out); }
static int write_csv(const void *r, FILE *out)     { return drip_report_csv(r, out); }
static int write_heap_pb(const void *r, FILE *out)     { return drip_report_pprof(r, false, out); }
static int write_growth_pb(const void *r, FILE *out)   { return drip_report_pprof(r, true, out); }
static int write_heap_fold(const void *r, FILE *out)   { return drip_report_folded(r, false, out); }
static int write_growth_fold(const void *r, FILE *out) { return drip_report_folded(r, true, out); }

/* Write dir/name through dir/name.tmp.  Returns 0, or -1 with *err set and
 * the temporary file removed. */
static int write_file(const char *dir, const char *name, writer_fn fn, const void *what,
                      char **err)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *tmp = xasprintf("%s.tmp", path);
    int rc = -1, e = 0;

    FILE *f = fopen(tmp, "w");
    if (!f) {
        e = errno;
        goto done;
    }
    errno = 0;
    if (fn(what, f) != 0) {
        e = errno ? errno : EIO;            /* stdio does not always set errno */
        fclose(f);
        goto remove_tmp;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        e = errno;
        goto remove_tmp;
    }
    rc = 0;
    goto done;
remove_tmp:
    remove(tmp);
done:
    if (rc != 0)
        *err = xasprintf("cannot write %s: %s", path, strerror(e));
    free(tmp);
    free(path);
    return rc;
}

char *drip_report_file_name(const char *name, const char *ext)
{
    strbuf sb = {0};
    name = name && *name ? name : "scenario";
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        sb_appendn(&sb, ok ? &c : "_", 1);
    }
    sb_append(&sb, ext);
    return sb_take(&sb);
}

int drip_report_write_dir(const drip_run_results *run, const char *dir, char **err)
{
    *err = NULL;
    if (drip_mkdir_p(dir) != 0) {
        *err = xasprintf("cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (write_file(dir, "results.json", write_json, run, err) != 0 ||
        write_file(dir, "junit.xml", write_junit, run, err) != 0 ||
        write_file(dir, "report.html", write_html, run, err) != 0)
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
            if (files[f].profile && (!r->profile.ran || r->profile.partial))
                continue;
            char *name = drip_report_file_name(r->name, files[f].ext);
            int rc = write_file(dir, name, files[f].fn, r, err);
            free(name);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}
