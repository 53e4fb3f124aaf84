/* ready.h - when a program Drip started counts as ready (`workload.ready`,
 * scenario/external.h): a TCP connect to 127.0.0.1:PORT succeeds, a line
 * of its output matches a regex, or a delay has passed since it started.
 * Without `ready:` it is ready at once.
 *
 * The runner reads the program's stdout and stderr anyway (to write its
 * capped log), so the output reaches the waiter by drip_ready_feed, or
 * drip_ready_wait reads it from a pipe itself and hands every byte on to
 * a sink.  The wait ends at a deadline (waiting counts against
 * run.timeout) or when the program exits (a pidfd turns readable).
 *
 * Ownership: a drip_ready is the caller's (drip_ready_free); it copies
 * what it needs of the spec.  Error messages are malloc'd.
 */
#ifndef DRIP_READY_H
#define DRIP_READY_H

#include <stddef.h>
#include <stdint.h>

#include "scenario/external.h"
#include "scenario/template.h"

typedef struct drip_ready drip_ready;

/* A waiter for spec, started now (a delay counts from this call).  vars
 * gives {port} for `tcp`.  NULL with *err set when the regex does not
 * compile or the port does not expand to 1..65535. */
drip_ready *drip_ready_new(const drip_ready_spec *spec, const drip_template_vars *vars,
                           char **err);
void drip_ready_free(drip_ready *r);

/* n bytes of the program's output, in order.  Lines (up to 4 KiB each;
 * longer ones are matched on their first 4 KiB) are matched as they end. */
void drip_ready_feed(drip_ready *r, const char *buf, size_t n);

/* Is the program ready now?  1 yes (and from then on), 0 not yet.  For
 * `tcp` this tries one connect (at most 50 ms); for `log`, complete lines
 * fed so far and, when flush is set, the last unfinished line too. */
int drip_ready_check(drip_ready *r, int flush);

enum {
    DRIP_READY_OK = 0,
    DRIP_READY_TIMEOUT = 1,          /* the deadline came first */
    DRIP_READY_EXITED = 2,           /* the program ended first (pidfd readable) */
};

typedef struct drip_ready_io {
    int   out_fd;                    /* the program's output (read end, non-blocking or
                                        not); -1: the caller feeds it */
    void (*sink)(void *arg, const char *buf, size_t n);   /* every byte read; may be NULL */
    void *arg;
    int   pidfd;                     /* the program's pidfd, or -1 */
} drip_ready_io;

/* Wait until ready, the deadline (CLOCK_MONOTONIC ns) or the program's
 * end: DRIP_READY_OK, DRIP_READY_TIMEOUT or DRIP_READY_EXITED.  Checks
 * about every 10 ms.  EOF on out_fd is not an end by itself (a program
 * may close its stdout); the pidfd says when it has ended. */
int drip_ready_wait(drip_ready *r, const drip_ready_io *io, uint64_t deadline_ns);

#endif /* DRIP_READY_H */
