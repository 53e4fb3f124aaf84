/* read_csv.c - a scenario's samples back from NAME.csv (csv.c's mirror). */
#define _GNU_SOURCE                      /* getline */
#include "read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* The sample column a header name stands for in r (Drip's metrics and the
 * custom ones r's table names: results.json is read first), or -1
 * (ignored). */
static int column_of(const drip_result *r, const char *name)
{
    if (strcmp(name, "iteration") == 0)
        return DRIP_COL_ITER;
    if (strcmp(name, "time_s") == 0)
        return DRIP_COL_TIME;
    int m = drip_result_metric_find(r, name);
    return m < 0 ? -1 : DRIP_COL_METRIC(m);
}

/* Split line (newline stripped) at commas in place; returns the field count
 * and fills fields[0..max). */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line;; p++) {
        char *comma = strchr(p, ',');
        if (n < max)
            fields[n] = p;
        n++;
        if (!comma)
            break;
        *comma = '\0';
        p = comma;
    }
    return n;
}

#define CSV_MAX_COLS 64

/* The header line: each column's sample index (-1: ignored) into cols,
 * their count into *ncols.  0, or -1 with *err set. */
static int read_header(FILE *f, const char *name, const drip_result *r, char **line,
                       size_t *cap, int *cols, size_t *ncols, char **err)
{
    char *fields[CSV_MAX_COLS];
    if (getline(line, cap, f) < 0) {
        *err = xasprintf("%s: empty: no header line", name);
        return -1;
    }
    *ncols = split(*line, fields, CSV_MAX_COLS);
    if (*ncols > CSV_MAX_COLS || strcmp(fields[0], "iteration") != 0) {
        *err = xasprintf("%s:1: not a drip samples CSV (the header starts 'iteration,time_s')",
                         name);
        return -1;
    }
    for (size_t i = 0; i < *ncols; i++)
        cols[i] = column_of(r, fields[i]);
    return 0;
}

int drip_results_read_csv_stream(FILE *f, const char *name, drip_result *r, char **err)
{
    char *line = NULL, *fields[CSV_MAX_COLS];
    int cols[CSV_MAX_COLS];
    size_t cap = 0, ncols = 0, lineno = 1;
    int rc = -1;

    *err = NULL;
    if (read_header(f, name, r, &line, &cap, cols, &ncols, err) < 0)
        goto cleanup;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        size_t n = split(line, fields, CSV_MAX_COLS);
        if (n != ncols) {
            *err = xasprintf("%s:%zu: %zu fields, the header has %zu", name, lineno, n, ncols);
            goto cleanup;
        }
        drip_sample s;
        for (int c = 0; c < DRIP_SAMPLE_COLS; c++)
            s.v[c] = c < DRIP_COL_METRIC(drip_result_nmetrics(r)) ? NAN : 0;
        for (size_t i = 0; i < n; i++) {
            if (cols[i] < 0 || !*fields[i])
                continue;                      /* an unknown column; not measured */
            char *end;
            errno = 0;
            double v = strtod(fields[i], &end);
            if (*end || errno == ERANGE) {
                *err = xasprintf("%s:%zu: '%s' is not a number", name, lineno, fields[i]);
                goto cleanup;
            }
            s.v[cols[i]] = v;
        }
        drip_result_add_sample(r, &s);
    }
    if (ferror(f)) {
        *err = xasprintf("%s: cannot read: %s", name, strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(line);
    return rc;
}

int drip_results_read_csv(const char *path, drip_result *r, char **err)
{
    *err = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        *err = xasprintf("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    int rc = drip_results_read_csv_stream(f, path, r, err);
    fclose(f);
    return rc;
}
