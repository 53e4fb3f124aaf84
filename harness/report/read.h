/* read.h - reading a report back into the results model.
 *
 * `drip diff` compares two runs and `drip merge` combines shard reports:
 * both start from what a run wrote, not from a run.  The reader is the
 * writer's mirror (json.c, csv.c): what drip_report_json and
 * drip_report_csv wrote, it reads back so that writing the model again
 * gives the same bytes.  What results.json does not hold is left at its
 * zero (or NaN) value: a fit's tail interval, noise and point counts, and
 * the number of scenarios a run had planned (set to the count read).
 */
#ifndef DRIP_REPORT_READ_H
#define DRIP_REPORT_READ_H

#include <stdio.h>

#include "results/results.h"

/* Read a report into *run, which must be zeroed (or freed) first.  `path` is
 * a results.json file, or a report directory holding one.  Each scenario's
 * samples are read from NAME.csv beside the results.json when that file
 * exists; a scenario whose CSV is missing keeps no samples (its JSON
 * `samples` count then reads 0 and its metrics' `first` and `last` null
 * when written again), and is counted in *no_samples (may be NULL).
 *
 * Returns 0, or -1 with *err set to a malloc'd "FILE: what is wrong"
 * (cannot be opened, not JSON, not a drip results.json, a key of the wrong
 * type, a garbled CSV) and *run freed (zeroed).  Never aborts on bad input.
 * The caller frees the run with drip_run_results_free. */
int drip_results_read(const char *path, drip_run_results *run, size_t *no_samples, char **err);

/* Read one scenario's samples from a CSV written by drip_report_csv into r
 * (appended).  Columns are found by their header names; an unknown column
 * is ignored, a missing one reads NaN (not measured).  Returns 0; 1 when
 * the file does not exist (r unchanged); -1 with *err set ("FILE:LINE:
 * what is wrong") when it cannot be read or is not such a CSV, r's samples
 * then partly read. */
int drip_results_read_csv(const char *path, drip_result *r, char **err);

/* The same from an open stream, read to its end (not closed), named `name`
 * in messages; never returns 1.  For drip_results_read_csv and the fuzz
 * target (tests/fuzz). */
int drip_results_read_csv_stream(FILE *f, const char *name, drip_result *r, char **err);

/* The report directory of a results.json path or of a directory: "DIR" for
 * "DIR" or "DIR/results.json", "." for "results.json".  malloc'd; cannot
 * fail (aborts when out of memory).  *json_path (may be NULL) receives the
 * results.json path, malloc'd. */
char *drip_results_dir_of(const char *path, char **json_path);

#endif /* DRIP_REPORT_READ_H */
