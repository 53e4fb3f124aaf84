/* prom.h - the Prometheus text exposition format (0.0.4), read.
 *
 * A program under Drip may publish its own metrics at a URL such as
 * /metrics; a scenario maps Drip metric names to series there
 * (`metrics: { prometheus: URL, map: { sessions: kv_sessions_open } }`).
 * This module reads such a page and finds one series in it.  Pure
 * functions over a buffer: no I/O, no globals, libc only, so they can be
 * unit-tested and fuzzed on their own.
 *
 * What is read: lines `name value [timestamp]` and
 * `name{label="v",...} value [timestamp]` (a trailing comma in the label
 * set is allowed; label values may hold the escapes \\ \" \n); values are
 * floats in Go's syntax, including NaN, +Inf, -Inf; `# HELP` and `# TYPE`
 * lines are checked for a metric name, other `#` lines are comments; blank
 * lines are skipped; lines end with \n (a \r before it is dropped).
 *
 * Ownership: a drip_prom_doc and a drip_prom_selector own every string in
 * them; the *_free functions release them and leave them empty.  Error
 * messages are malloc'd; the caller frees them.
 */
#ifndef DRIP_SCRAPE_PROM_H
#define DRIP_SCRAPE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pages longer than this are refused (a /metrics page is a few KiB). */
#define DRIP_PROM_MAX_BYTES (16u << 20)
/* A series or selector with more labels than this is an error (real ones
 * have a handful). */
#define DRIP_PROM_MAX_LABELS 64

typedef struct drip_prom_label {
    char *name, *value;          /* value unescaped */
} drip_prom_label;

typedef struct drip_prom_series {
    char            *name;
    drip_prom_label *labels;     /* in the order written */
    size_t           nlabels;
    double           value;
    bool             has_timestamp;
    int64_t          timestamp;  /* ms since the epoch, as written */
    int              line;       /* 1-based, in the page */
} drip_prom_series;

typedef struct drip_prom_doc {
    drip_prom_series *series;
    size_t            count, cap;
} drip_prom_doc;

/* Parse len bytes of exposition text into *doc (zeroed by the caller).
 * Returns 0, or -1 with *err set to "line N: what is wrong" (malloc'd) and
 * *doc left empty.  The text need not be NUL-terminated and may hold NUL
 * bytes (an error).  Fails with an error, never aborts, when memory runs
 * out. */
int drip_prom_parse(const char *text, size_t len, drip_prom_doc *doc, char **err);
void drip_prom_doc_free(drip_prom_doc *doc);

/* What a scenario's map names: `name` or `name{label="v",...}`. */
typedef struct drip_prom_selector {
    char            *name;
    drip_prom_label *labels;
    size_t           nlabels;
} drip_prom_selector;

/* Parse a selector (NUL-terminated) into *sel (zeroed by the caller).
 * Returns 0, or -1 with *err set (malloc'd) and *sel left empty. */
int drip_prom_selector_parse(const char *s, drip_prom_selector *sel, char **err);
void drip_prom_selector_free(drip_prom_selector *sel);

/* The value of the one series in doc that sel matches: its name is sel's
 * and it has every label of sel with the same value (more labels are
 * fine).  Returns 0 and *value; -1 and *err (malloc'd) when no series
 * matches ("no series kv_keys") or more than one does ("kv_keys matches 3
 * series; add labels to pick one").  Series are searched in page order. */
int drip_prom_lookup(const drip_prom_doc *doc, const drip_prom_selector *sel, double *value,
                     char **err);

#endif /* DRIP_SCRAPE_PROM_H */
