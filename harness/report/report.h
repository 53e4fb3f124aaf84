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


/* ---- the report directory (write_dir.c) ----------------------------------
 * Every file of a report is created under the directory's fd, never
 * through a path: a link planted in the folder (results.json.tmp pointing
 * at a file elsewhere) is never followed, whatever its name. */

/* Create dir and its missing parents, and open it.  Returns the directory's
 * fd (close-on-exec; the caller closes it), or -1 with *err malloc'd
 * ("cannot create DIR: Not a directory").  dir itself may be a link to a
 * directory (the user's choice); what is inside is never followed. */
int drip_report_dir_open(const char *dir, char **err);

/* Can a report be written into dirfd?  Creates a probe file there (fresh,
 * O_EXCL | O_NOFOLLOW) and removes it.  Returns 0, or -1 with *err
 * malloc'd ("cannot write to the report directory DIR: Permission
 * denied"); dir names the directory in the message.  Call it before the
 * first scenario starts: a run whose report cannot be written should not
 * run.  Leaves nothing behind; a directory that becomes unwritable later
 * is still reported by drip_report_write_dir. */
int drip_report_dir_check(int dirfd, const char *dir, char **err);

/* Write results.json, junit.xml, report.html and <name>.csv for each
 * scenario into the directory dirfd (and, for a scenario with a site
 * profile, <name>.heap.pb.gz, <name>.growth.pb.gz, <name>.heap.folded and
 * <name>.growth.folded).  Each file is written to a fresh temporary
 * (NAME.<pid>-<n>.tmp, O_EXCL | O_NOFOLLOW) and renamed into place with
 * renameat, so a reader never sees half a file and no link in the folder
 * is ever written through.  dir names the directory in messages only.
 * On failure returns -1 and sets *err to a malloc'd message ("cannot write
 * DIR/results.json: Is a directory"); files already renamed stay, the
 * temporary is removed. */
int drip_report_write_dir(const drip_run_results *run, int dirfd, const char *dir, char **err);

#endif /* DRIP_REPORT_H */
