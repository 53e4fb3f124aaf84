/* merge.h - runs combined into one: the shards of a split run (`drip run
 * --shard K/N`) as if one run had run them all.
 *
 * Pure functions over the results model: `drip merge` (cli/cmd_merge.c)
 * reads the reports, checks them with these, combines them and writes the
 * result, and copies the reports' other files.  Messages name the inputs
 * by the paths they were given as.
 */
#ifndef DRIP_RESULTS_MERGE_H
#define DRIP_RESULTS_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "results.h"

/* One run to merge: read from path, whose report directory is dir (paths
 * inside it are rewritten to the merged report's directory).  The caller
 * owns everything; drip_merge_combine takes the run's scenarios. */
typedef struct drip_merge_input {
    const char       *path;
    const char       *dir;
    drip_run_results  run;
} drip_merge_input;

/* Is no scenario name in two of in[0..n) (or twice in one)?  0, or -1 with
 * *err set to a malloc'd "scenario 'NAME' is in A and in B: refusing to
 * merge (...)". */
int drip_merge_check_names(const drip_merge_input *in, size_t n, char **err);

/* Are the sharded runs of in[0..n) the shards of one split: one N, each K
 * once?  Runs that were not sharded are left out of it.  Returns 0 and sets
 * *count to N (0 when no run was sharded), *missing to how many of the
 * shards 1..N are absent and *absent to them, "2, 4" (malloc'd; NULL when
 * none is); or -1 with *err set to a malloc'd message (two splits, a shard
 * twice). */
int drip_merge_check_shards(const drip_merge_input *in, size_t n, unsigned *count,
                            unsigned *missing, char **absent, char **err);

/* Move the scenarios of in[0..n) into *out (zeroed first), sorted by name,
 * leaving each input's run without scenarios, and combine the run fields:
 * complete when every run was and no shard is missing; the durations summed
 * (NaN counts 0); the earliest start; planned summed (0 when shards are
 * missing: their share is unknown); the seed kept when every run had the
 * same --seed; the drip version when every run had the same, else
 * `version`, and *versions_differ set.  The valgrind XML paths and the
 * "(worker output: DIR/x.log)" of a reason move from each input's dir to
 * out_dir.  Not sharded (shard 0/0).  Cannot fail (aborts when memory runs
 * out, as xmalloc does). */
void drip_merge_combine(drip_merge_input *in, size_t n, const char *out_dir, unsigned missing,
                        const char *version, drip_run_results *out, bool *versions_differ);

/* Record in out the shards 1..count (count 0: none) that no run of
 * in[0..n) is: out->missing_shards, nmissing_shards and missing_of (0 when
 * none is missing).  Cannot fail. */
void drip_merge_note_missing(const drip_merge_input *in, size_t n, unsigned count,
                             drip_run_results *out);

/* *path, when it names a file inside from_dir ("FROM/x.xml"), rewritten
 * into to_dir ("TO/x.xml", malloc'd; the old string freed); otherwise left
 * alone.  NULL is left alone. */
void drip_merge_move_path(char **path, const char *from_dir, const char *to_dir);

/* In *text, "worker output: FROM/x.log" becomes "worker output: TO/x.log"
 * (the log was copied); otherwise, and for NULL, left alone. */
void drip_merge_move_log_path(char **text, const char *from_dir, const char *to_dir);

#endif /* DRIP_RESULTS_MERGE_H */
