/* json.h - results.json, the results model's own serialization.
 *
 * Written and read with jansson from one table of keys (json_keys.c), so
 * that what `drip run` writes, `drip diff` and `drip merge` read back whole
 * and `drip merge` writes again unchanged.  docs/REPORTS.md lists every
 * key.  The samples are not in results.json: each scenario's CSV holds
 * them (report/read.h reads a report directory: this and the CSVs).
 */
#ifndef DRIP_RESULTS_JSON_H
#define DRIP_RESULTS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results.h"

/* results.json of run, pretty-printed, ending with a newline: malloc'd,
 * its length in *len (may be NULL).  Cannot fail (aborts when memory runs
 * out, as xmalloc does). */
char *drip_results_json_text(const drip_run_results *run, size_t *len);

/* The same written to out, which is not closed.  Returns 0, or -1 when
 * writing failed (errno set by stdio). */
int drip_results_json_write(const drip_run_results *run, FILE *out);

/* text[0..len) (need not end with a NUL) read as results.json into *run,
 * which must be zeroed (or freed) first; `name` is the file's name in
 * messages.  *nsamples receives a malloc'd array of run->count sample
 * counts (each scenario's `samples` key), for the caller to check the
 * samples it reads from the CSVs against.  What results.json does not
 * hold stays zero (or NaN): a fit's tail interval, noise, point counts and
 * window start; a profile's sites beyond the growing ones (the profile is
 * marked partial); and planned, set to the count read.
 *
 * Returns 0, or -1 with *err set to a malloc'd "NAME: what is wrong" (not
 * JSON, with its line and column; not a drip results.json; a key of the
 * wrong type or out of range, with its path; a seed beyond
 * DRIP_RESULTS_INT_MAX, which drip before 0.2 could write), *run freed
 * (zeroed) and *nsamples NULL.  Never aborts on bad input. */
int drip_results_json_decode(const char *text, size_t len, const char *name,
                             drip_run_results *run, uint64_t **nsamples, char **err);

#endif /* DRIP_RESULTS_JSON_H */
