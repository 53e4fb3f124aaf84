/* report.h - report formats over the results model.
 *
 * Each writer takes the model read-only and a stdio stream it does not
 * close; it returns 0, or -1 when writing failed (errno set by stdio).
 */
#ifndef DRIP_REPORT_H
#define DRIP_REPORT_H

#include <stdio.h>

#include "results/results.h"

/* results.json: see docs/REPORTS.md for every key. */
int drip_report_json(const drip_run_results *run, FILE *out);

/* junit.xml: one <testsuite name="drip">, one <testcase> per scenario with
 * <failure> for fail and <error> for error. */
int drip_report_junit(const drip_run_results *run, FILE *out);

/* One scenario's samples as CSV with a header line. */
int drip_report_csv(const drip_result *r, FILE *out);

/* A scenario's allocation-site profile (r->profile; nothing to write when
 * it did not run): pprof's profile.proto, gzipped - the heap profile
 * (alloc_objects, alloc_space, inuse_objects, inuse_space), or with growth
 * the change of inuse_* between the warm-up's end and the last iteration -
 * and the same as folded stacks ("outer;...;inner bytes" per line, positive
 * weights only) for flame graphs. */
int drip_report_pprof(const drip_result *r, bool growth, FILE *out);
int drip_report_folded(const drip_result *r, bool growth, FILE *out);

/* report.html: one self-contained page (inline CSS and SVG charts, no
 * script, nothing loaded from elsewhere) with the summary and, per
 * scenario, its verdicts, a chart per measured metric, faults, valgrind and
 * sweep findings.  Text from scenario files and plugins is escaped; the
 * markup is also well-formed XML. */
int drip_report_html(const drip_run_results *run, FILE *out);

/* The terminal: drip_report_terminal_line prints one scenario's verdict
 * line (as the run goes); drip_report_terminal_summary prints, after the
 * run, the lines of the scenarios that did not pass, the totals, the
 * report directory and its report.html. */
int drip_report_terminal_line(const drip_result *r, FILE *out, bool color);
int drip_report_terminal_summary(const drip_run_results *run, const char *report_dir,
                                 FILE *out, bool color);

/* The file in a report folder for scenario `name` with extension ext
 * (".csv", ".heap.pb.gz"...).  Loaded names are [A-Za-z0-9._-]+ already;
 * anything else (a '/' above all) becomes '_' so a file never lands
 * outside the folder.  Caller frees. */
char *drip_report_file_name(const char *name, const char *ext);

/* Write results.json, junit.xml, report.html and <name>.csv for each
 * scenario into dir (and, for a scenario with a site profile,
 * <name>.heap.pb.gz, <name>.growth.pb.gz, <name>.heap.folded and
 * <name>.growth.folded)
 * (created if missing).  Each file is written to a temporary name and renamed
 * into place, so a reader never sees half a file.  On failure returns -1 and
 * sets *err to a malloc'd message. */
int drip_report_write_dir(const drip_run_results *run, const char *dir, char **err);

#endif /* DRIP_REPORT_H */
