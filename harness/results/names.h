/* names.h - the words the results model is written in.
 *
 * One table per enum of the model (and per indexed check), read by the
 * results.json writer and reader, the other report formats, the runner and
 * the scenario loader alike: a name is spelled here and nowhere else.  The
 * names are a contract (results.json, YAML keys, command-line words):
 * extend a table, never rename an entry.  Verdicts and rules are named by
 * the stats module (stats.h), metrics by the metric table (metrics.h).
 */
#ifndef DRIP_RESULTS_NAMES_H
#define DRIP_RESULTS_NAMES_H

/* A table of names: names[v] names the value v, for v in [0, count); a
 * NULL entry is a value without a name. */
typedef struct drip_names {
    const char *const *names;
    int count;
} drip_names;

/* The name of value v in t, or NULL when v is outside the table or has no
 * name.  Cannot fail. */
const char *drip_names_get(const drip_names *t, int v);

/* The value named s (compared exactly) in t, or -1 when no entry is s (or
 * s is NULL).  Cannot fail. */
int drip_names_find(const drip_names *t, const char *s);

/* The failure sweep's modes, indexed 0 = transient, 1 = persistent (the
 * bit 1 << mode in drip_sweep_result.modes): "transient", "persistent". */
#define DRIP_SWEEP_MODES 2
extern const drip_names drip_sweep_mode_names;
/* The name of mode m & 1 (the model never holds another): cannot fail. */
const char *drip_sweep_mode_name(int m);

/* The valgrind pass's checks: the four leak kinds in bytes, then errors.
 * Keys in results.json and in a scenario's `valgrind:` section. */
#define DRIP_VG_KINDS  4
#define DRIP_VG_CHECKS 5
extern const char *const drip_vg_check_names[DRIP_VG_CHECKS];  /* "definitely_lost", ...,
                                                                  "errors" */
/* ... the same for people: "definitely lost", ..., "still reachable", "errors". */
extern const char *const drip_vg_check_labels[DRIP_VG_CHECKS];
extern const drip_names drip_vg_kind_names;    /* the first DRIP_VG_KINDS names */
extern const drip_names drip_vg_check_table;   /* all DRIP_VG_CHECKS names */

/* The failure sweep's checks: "leaked_bytes", "leaked_blocks", "crashes",
 * "hangs".  Keys in results.json and in a scenario's `sweep:` section. */
#define DRIP_SWEEP_CHECKS 4
extern const char *const drip_sweep_check_names[DRIP_SWEEP_CHECKS];
extern const drip_names drip_sweep_check_table;

/* Statuses ("pass", "fail", "error"), trial outcomes ("leak", "crash",
 * "hang", "error"), leak classes ("none", ..., "unaccounted RSS growth"; value 0,
 * unknown, has no name), by the enums of results.h.  The typed lookups
 * (drip_status_name...) are declared there. */
extern const drip_names drip_status_names;
extern const drip_names drip_outcome_names;
extern const drip_names drip_class_names;

/* An outcome counted: "leaks", "crashes", "hangs", "errors" (terminal.c). */
extern const char *const drip_outcome_plurals[];

#endif /* DRIP_RESULTS_NAMES_H */
