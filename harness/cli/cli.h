/* cli.h - the drip command line: exit codes, commands, shared helpers. */
#ifndef DRIP_CLI_H
#define DRIP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <signal.h>

#include "runner/runner.h"
#include "scenario/scenario.h"

/* Exit codes: users' CI scripts depend on these. */
#define DRIP_EXIT_OK      0   /* every scenario passed (or the command succeeded) */
#define DRIP_EXIT_FAILED  1   /* a scenario failed or errored */
#define DRIP_EXIT_USAGE   2   /* bad command line or invalid scenario file: nothing ran */

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_exercise(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* The drip executable to start workers from: argv[0] resolved to an
 * absolute path (through PATH when it has no slash), else /proc/self/exe.
 * (Under valgrind /proc/self/exe is valgrind's tool, not drip.)  Set by
 * main; static storage. */
extern const char *drip_self_exe;
void drip_cli_set_self(const char *argv0);

/* Where the patterns' files (README.md, exercise/) and the public headers
 * are: next to an installed drip (BIN/../share/drip/scenarios,
 * BIN/../include), else in the source tree this drip was built from.
 * malloc'd; NULL when neither exists.  (paths.c) */
char *drip_cli_scenarios_dir(void);
char *drip_cli_include_dir(void);

/* The scenario arguments of run, sweep and validate with every argument
 * that names no file or directory here but a built-in pattern
 * ("global-map": a folder of the scenarios directory above with a
 * leaky.yaml) replaced by that pattern's folder, so `drip run global-map`
 * works from an installed drip anywhere.  A file of that name here wins.
 * Returns n malloc'd strings (and a NULL after them); free with
 * drip_cli_pattern_args_free.  Cannot fail.  (paths.c) */
char **drip_cli_pattern_args(char *const *args, size_t n);
void drip_cli_pattern_args_free(char **args, size_t n);

/* Print "drip: error: ..." to stderr. */
void drip_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load scenarios from files and directories (searched recursively for
 * regular *.yaml and *.yml files, in sorted order; a directory met again
 * through a link is skipped with a warning on stderr), then check what the
 * loader cannot: unique names across the run, built-in workloads that
 * exist, plugins that are readable regular files.  Each file is read once
 * (a pipe or /dev/stdin too): its text is kept in *list for the workers.
 * Problems go to *diags; returns their number. */
int drip_cli_load(char *const *paths, size_t npaths, drip_scenario_list *list, drip_diags *diags);

/* --profile's value: off, sampled or precise into *out; false (and an
 * error printed) otherwise. */
bool drip_cli_parse_profile(const char *s, drip_profile_mode *out);

/* Is `s` an integer within [min, max]?  Used for option values. */
bool drip_cli_parse_u64(const char *opt, const char *s, unsigned long long min,
                        unsigned long long max, unsigned long long *out);

/* --shard K/N (shard.c).  drip_cli_parse_shard parses "K/N" (1 <= K <= N <=
 * DRIP_SHARD_MAX) into *k and *n, or prints why not and returns false.
 * drip_cli_shard_select sets selected[i] for the candidates (candidate[i]:
 * the scenario passed the filters) that shard k of n runs: sorted by name,
 * the i-th goes to shard (i mod n) + 1.  Cannot fail. */
#define DRIP_SHARD_MAX 10000
bool drip_cli_parse_shard(const char *s, unsigned *k, unsigned *n);
void drip_cli_shard_select(const char *const *names, const bool *candidate, size_t count,
                           unsigned k, unsigned n, bool *selected);

/* ---- shared by run, sweep, exercise and worker (runopts.c) ---- */

/* The run options' getopt codes; DRIP_RUN_LONGOPTS lists them for a
 * `struct option` table. */
enum { DRIP_OPT_SEED = 0x100, DRIP_OPT_THREADS, DRIP_OPT_ITERATIONS, DRIP_OPT_DURATION,
       DRIP_OPT_PROFILE, DRIP_OPT_BAD_VALUE };
#define DRIP_RUN_LONGOPTS                                              \
    {"seed", required_argument, NULL, DRIP_OPT_SEED},                   \
    {"threads", required_argument, NULL, DRIP_OPT_THREADS},             \
    {"iterations", required_argument, NULL, DRIP_OPT_ITERATIONS},       \
    {"duration", required_argument, NULL, DRIP_OPT_DURATION},           \
    {"profile", required_argument, NULL, DRIP_OPT_PROFILE}

/* --color, --no-color and --help, in the `struct option` tables of the
 * commands that print in colour; DRIP_HELP_LONGOPT alone for the others. */
#define DRIP_HELP_LONGOPT {"help", no_argument, NULL, 'h'}
#define DRIP_COLOR_LONGOPTS                                            \
    {"color", no_argument, NULL, 'C'},                                  \
    {"no-color", no_argument, NULL, 'c'},                               \
    DRIP_HELP_LONGOPT

/* Take an option that is not the command's own: 'C' and 'c' (--color and
 * --no-color) set *color to 1 or 0 (color may be NULL where the table has
 * neither), 'h' prints usage to stdout, anything else is a bad option and
 * prints usage to stderr (getopt has said why).  Returns -1 to go on
 * parsing, else the exit status: DRIP_EXIT_OK after --help, else
 * DRIP_EXIT_USAGE. */
int drip_cli_shared_option(int opt, int *color, const char *usage);

/* Parse the options of a command that takes --help and flags alone: flags
 * is a NULL-ended list of {name, *value} (each --name sets its bool; at
 * most 8), bad_usage is what an unknown option prints to stderr.  Returns
 * -1 to go on with the operands at argv[optind], else the exit status of
 * drip_cli_shared_option. */
typedef struct drip_cli_flag {
    const char *name;
    bool       *value;
} drip_cli_flag;
int drip_cli_flags(int argc, char **argv, const drip_cli_flag *flags, const char *usage,
                   const char *bad_usage);

/* Take option opt (a DRIP_OPT_* code) with its argument into o.  Returns
 * 1 when it was one of them, 0 when it is not a run option, -1 when its
 * value is bad (the error is printed). */
int drip_cli_run_option(int opt, const char *arg, drip_runner_opts *o);

/* getopt_long over argv until an option that is not a run option: the run
 * options on the way go into o.  Returns that option's getopt code, -1 at
 * the end of the options, or DRIP_OPT_BAD_VALUE after a run option's bad
 * value (the error is printed). */
struct option;
int drip_cli_next_option(int argc, char **argv, const char *shortopts,
                         const struct option *longopts, drip_runner_opts *o);

/* Set by SIGINT, SIGTERM and SIGHUP after drip_cli_catch_signals: 1 after
 * the first (end the running scenario at its next boundary, judge it,
 * write the whole report), 2 or more after another (kill it now). */
extern volatile sig_atomic_t drip_cli_interrupted;

/* Install those handlers, and ignore SIGPIPE (a closed stdout ends the
 * printing, never the run or its report). */
void drip_cli_catch_signals(void);

/* Open the report folder *dir (made with its parents when missing) or,
 * when *dir is NULL, a new one reports/KIND-DATE-TIME[-N] that no other
 * run can share (*dir is then set, malloc'd, and *made_default true), and
 * check that a file can be created in it: before the first scenario, not
 * after the last.  Returns the folder's fd (close-on-exec), or -1 after
 * printing why. */
int drip_cli_open_report_dir(char **dir, const char *kind, bool *made_default);

/* Point reports/latest at dir (a "reports/..." path), atomically; a
 * failure is harmless and ignored. */
void drip_cli_link_latest(const char *dir);

/* `drip merge` (merge_copy.c): copy the files of the report directory
 * in_dir that the report writer does not write (workers' logs, valgrind
 * XML...; not results.json, junit.xml, report.html, dot-files or *.tmp)
 * into the directory out_fd.  Only regular files are copied, opened under
 * in_dir's fd with O_NOFOLLOW: a symbolic link is never followed out of
 * the shard but skipped with a warning naming it (label: the report as
 * given).  A name already in out_fd is kept (a warning when it is not a
 * CSV and its bytes differ).  0, or -1 after printing why. */
int drip__merge_copy_rest(const char *label, const char *in_dir, int out_fd, const char *out_dir);

#endif /* DRIP_CLI_H */
