/* hostile.h - helpers for test_hostile.c: drip started as the leader of a
 * session of its own, and the checks that nothing it started is left.
 *
 * Every process drip starts stays in its session (workers get a process
 * group of their own, not a session), so "nothing is left" is: no live
 * process whose session or process group is drip's.  A workload that
 * calls setsid() leaves that net; the tests follow such a daemon by the
 * pid it writes to a file.  Failures abort the current Check test.
 */
#ifndef DRIP_TEST_HOSTILE_H
#define DRIP_TEST_HOSTILE_H

#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "e2e.h"

#define HOSTILE_PLUGIN TST("plugins/libtest_attack.so")

typedef struct session {
    pid_t pid;                   /* drip: leader of its session and process group */
    char *out_path, *err_path;   /* its stdout (unless given a fd) and stderr */
    int   status;                /* after session_wait: exit code, or 128 + signal */
    char *out, *err;             /* after session_wait: what it printed (malloc'd) */
} session;

/* The drip under test: $DRIP_HOSTILE_BIN when set (an older build, to see
 * these tests fail there), else the one built here. */
const char *hostile_bin(void);

/* Call once in main before running the suite: a table, shared with the
 * forked tests, of the sessions they start.  hostile_cleanup, after the
 * suite, kills whatever is left in them (a test that failed or timed out
 * may have left drip or its workers running). */
void hostile_init(void);
void hostile_cleanup(void);

/* Start drip with args (NULL-terminated) in a new session, in directory
 * cwd (NULL: this one), stdin from in_fd (-1: /dev/null), stdout to
 * out_fd (-1: the file dir/stdout), stderr to dir/stderr. */
session session_start(const char *dir, const char *cwd, int in_fd, int out_fd,
                      const char *const *args);

/* A start line: sessions started while it is open wait just before their
 * exec until it is released, so that they start at the same instant. */
void start_line_open(void);
void start_line_release(void);

/* Wait for drip to end and read its output into s; then fail the test if
 * any process of its session or process group is alive (they are killed
 * and named in the message).  Returns s->status. */
int session_wait(session *s);

/* How many live processes (zombies are dead) have session or process
 * group sid; their pids and names in *what (malloc'd) when what is not
 * NULL; each killed with SIGKILL when kill_them. */
size_t session_leftovers(pid_t sid, char **what, bool kill_them);

/* Is pid a live process (not a zombie, not gone)? */
bool alive(pid_t pid);

/* Poll until path exists; fail the test if s's drip ends first. */
void wait_for_file(const session *s, const char *path);

/* Poll until a live child of parent appears; returns its pid. */
pid_t wait_for_child(pid_t parent);

/* Send sig to pid and wait until it is no longer pending, so that a
 * second signal is not merged with it. */
void deliver(pid_t pid, int sig);

/* The report in dir is whole: results.json parses (returned), junit.xml
 * and report.html are well-formed XML. */
json_t *whole_report(const char *dir);

/* Write printf-style text to dir/name; returns the path (malloc'd). */
char *write_file(const char *dir, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a va_list (the caller's va_start and va_end). */
char *vwrite_file(const char *dir, const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The whole file as text (malloc'd); fails the test when it cannot be read. */
char *must_slurp(const char *path);

/* Free a session's strings. */
void session_free(session *s);

/* `drip ARGS` in a session (stdout and stderr in files in dir), to its
 * end; nothing of it may be left (session_wait). */
session drip_in(const char *dir, const char *const *args);

/* "dir/name", malloc'd. */
char *path_in(const char *dir, const char *name);

/* An integer member of obj, or 0. */
json_int_t int_at(json_t *obj, const char *key);

/* Scenario `name` of results.json's root has status `want`, and its reason
 * holds `part` (NULL: any reason). */
void assert_outcome(json_t *root, const char *name, const char *want, const char *part);

/* One drip of a test: a temporary folder, the report folder in it, the
 * scenario file, the session and (once read) the whole report. */
typedef struct hostile_run {
    char    *dir, *report, *yaml;
    session  s;
    json_t  *root;
} hostile_run;

/* A new temporary folder (dir) and its report's path (report, not made);
 * nothing run yet.  hostile_run_free removes and frees it all. */
hostile_run hostile_run_new(void);

/* Write the printf-style fmt to h->dir/s.yaml and run `drip CMD --no-color
 * -o REPORT YAML` in h->dir to its end.  With want >= 0, the exit status
 * must be want and the report whole (read into h->root); with want < 0 the
 * caller checks both, in its own order. */
void hostile_run_drip(hostile_run *h, const char *cmd, int want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Remove h's folder and free what h holds. */
void hostile_run_free(hostile_run *h);

/* The cases that need the lead's CLI work (test_hostile_lead.c), tagged
 * "lead". */
TCase *hostile_lead_tcase(void);

#endif /* DRIP_TEST_HOSTILE_H */
