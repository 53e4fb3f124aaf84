/* read_json.c - a report directory back into the results model: its
 * results.json (decoded by the results module: results/json.h) and each
 * scenario's samples from its CSV (read_csv.c).
 */
#include "read.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results/json.h"
#include "util/util.h"

/* ---- the file --------------------------------------------------------------- */

char *drip_results_dir_of(const char *path, char **json_path)
{
    struct stat st;
    char *dir;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        dir = xstrdup(path);
        for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
            dir[n - 1] = '\0';            /* "reports/x/" is "reports/x" */
    } else {
        dir = drip_path_dir(path);
    }
    if (json_path)
        *json_path = (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                         ? xasprintf("%s/results.json", dir) : xstrdup(path);
    return dir;
}

/* Each scenario's CSV from dir, checked against the JSON's sample count. */
static int read_samples(const char *dir, drip_run_results *run, const uint64_t *nsamples,
                        size_t *no_samples, char **err)
{
    for (size_t i = 0; i < run->count; i++) {
        drip_result *r = &run->scenarios[i];
        char *name = drip_results_file_name(r->name, ".csv");
        char *path = xasprintf("%s/%s", dir, name);
        int rc = drip_results_read_csv(path, r, err);
        if (rc == 0 && r->nsamples != nsamples[i]) {
            *err = xasprintf("%s: %zu samples, but results.json says %llu", path, r->nsamples,
                             (unsigned long long)nsamples[i]);
            rc = -1;
        }
        free(path);
        free(name);
        if (rc < 0)
            return -1;
        if (rc == 1 && nsamples[i] && no_samples)
            (*no_samples)++;
        /* `first` is the window's first sample: the judge's window (stats.h) */
        size_t ws = r->warmup >= 1 ? r->nsamples
                    : r->warmup > 0 ? (size_t)floor(r->warmup * (double)r->nsamples) : 0;
        for (int m = 0; m < drip_result_nmetrics(r); m++)
            r->metrics[m].fit.window_start = ws;
    }
    return 0;
}

/* The whole file at path into *text (malloc'd, NUL-terminated), its
 * length in *len.  0, or -1 with errno set. */
static int slurp(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    strbuf sb = {0};
    char buf[65536];
    size_t n;
    int e = 0;
    if (!f)
        return -1;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    if (ferror(f))
        e = errno ? errno : EIO;
    fclose(f);
    if (e) {
        sb_free(&sb);
        errno = e;
        return -1;
    }
    *len = sb.len;
    *text = sb_take(&sb);
    return 0;
}

int drip_results_read(const char *path, drip_run_results *run, size_t *no_samples, char **err)
{
    char *json_path = NULL, *text = NULL;
    char *dir = drip_results_dir_of(path, &json_path);
    uint64_t *nsamples = NULL;
    size_t len = 0;
    int rc = -1;

    *err = NULL;
    if (no_samples)
        *no_samples = 0;
    if (slurp(json_path, &text, &len) != 0) {
        *err = xasprintf("%s: cannot read: %s", json_path, strerror(errno));
        goto cleanup;
    }
    if (drip_results_json_decode(text, len, json_path, run, &nsamples, err) != 0)
        goto cleanup;
    if (read_samples(dir, run, nsamples, no_samples, err) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc != 0)
        drip_run_results_free(run);
    free(nsamples);
    free(text);
    free(json_path);
    free(dir);
    return rc;
}
