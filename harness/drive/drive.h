/* drive.h - what one iteration of an external workload is: an HTTP
 * request to the program, one run of a client command, or one interval
 * of the program running by itself (`workload.drive`, scenario/external.h).
 *
 * A driver is made once per scenario and asked for a batch of units at a
 * time: drip_driver_run issues units first .. first+n-1 (as many in
 * parallel as drive.http.concurrency allows; commands and intervals one
 * after the other) and returns only when every unit it issued has ended.
 * Between two batches nothing of Drip's is in flight, so a sample taken
 * then is quiescent: the runner runs sample_every units, reads every
 * metric, and so on.
 *
 * Drip connects only to loopback: an HTTP unit whose URL does not expand
 * to an http:// URL on 127.0.0.0/8, localhost or [::1] fails without a
 * connection, and a socket to any other address is refused before it is
 * opened (whatever a name resolves to); proxies from the environment are
 * ignored.
 *
 * Threads: a driver is used by one thread at a time.  Ownership: the
 * driver borrows opts->spec, cwd, envp and bin for its whole life; it owns
 * the rest.  Error messages are malloc'd for the caller to free.
 */
#ifndef DRIP_DRIVE_H
#define DRIP_DRIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenario/external.h"
#include "scenario/template.h"

typedef struct drip_driver drip_driver;

typedef struct drip_drive_opts {
    const drip_drive_spec *spec;
    drip_template_vars vars;          /* port, seed, bin; iteration is set per unit */
    const char *cwd;                  /* command: where it runs (NULL: Drip's cwd) */
    char *const *envp;                /* command: its environment (NULL: Drip's) */
    int         log_fd;               /* command: its stdout and stderr (-1: /dev/null) */
    volatile sig_atomic_t *stop;      /* when non-zero: issue no more units, let those
                                         in flight end, return DRIP_DRIVE_STOPPED */
} drip_drive_opts;

/* Units that ended: ok (HTTP 2xx, exit status 0, an interval) or failed
 * (any other status, a transport error, a timeout, a signal).  Each call
 * of drip_driver_run adds to them. */
typedef struct drip_drive_counts {
    uint64_t ok, failed;
} drip_drive_counts;

enum {
    DRIP_DRIVE_DONE = 0,              /* every unit of the batch ended */
    DRIP_DRIVE_DEADLINE = 1,          /* the deadline came first: units in flight were
                                         abandoned (HTTP) or killed (commands) and are
                                         not counted; later ones were not issued */
    DRIP_DRIVE_STOPPED = 2,           /* *stop was set: the units issued ended */
};

/* A driver for o->spec.  NULL with *err set when the spec's kind is not
 * set or libcurl cannot be set up. */
drip_driver *drip_driver_new(const drip_drive_opts *o, char **err);

/* Run units first .. first+n-1 (their {iteration}), counting into *c, and
 * return when none is in flight: DRIP_DRIVE_DONE, DRIP_DRIVE_DEADLINE
 * (CLOCK_MONOTONIC ns, as drip_now_ns) or DRIP_DRIVE_STOPPED; -1 with
 * *err set when the driver cannot go on at all (a client command that
 * cannot be started: "cannot run ./client: No such file or directory"). */
int drip_driver_run(drip_driver *d, uint64_t first, uint64_t n, uint64_t deadline_ns,
                    drip_drive_counts *c, char **err);

/* Why the last failed unit failed ("GET http://127.0.0.1:4000/get?k=7:
 * HTTP 500", "client: exit status 3", "client: killed after the 10 s
 * timeout"), or NULL when none has.  Borrowed until the next run. */
const char *drip_driver_last_error(const drip_driver *d);

/* Release d (NULL is a no-op); nothing is in flight after a run. */
void drip_driver_free(drip_driver *d);

/* One GET of url for a program's published metrics (named apart from the
 * runtime's drip_http_get, include/drip/http.h: the drip executable
 * exports its symbols to plugins, and a plugin must get the runtime's): loopback only, no
 * proxy, no redirect, at most max_bytes of body, within timeout_ns.
 * Returns 0 with *body (malloc'd, NUL-terminated) and *len; -1 with *err
 * ("HTTP 404", "Connection refused", "more than 16777216 bytes"). */
int drip_drive_http_get(const char *url, uint64_t timeout_ns, size_t max_bytes, char **body,
                  size_t *len, char **err);

/* ---- shared by the drivers (drive.c, http.c, command.c) ---- */

/* Is the socket address a loopback one (127.0.0.0/8, ::1, ::ffff:127.x)? */
struct sockaddr;
bool drip__sockaddr_loopback(const struct sockaddr *sa);

#endif /* DRIP_DRIVE_H */
