/* drive_impl.h - private to harness/drive: the driver object the three
 * kinds share.  drive.c dispatches and holds the interval driver, http.c
 * the HTTP one (libcurl), command.c the client command one. */
#ifndef DRIP_DRIVE_IMPL_H
#define DRIP_DRIVE_IMPL_H

#include "drive.h"

struct drip__http;

struct drip_driver {
    drip_drive_opts    o;
    char              *last_error;     /* why the last unit failed, or NULL */
    struct drip__http *http;           /* DRIP_DRIVE_HTTP: the connections */
};

/* Note why a unit failed (replaces the last reason). */
void drip__driver_fail(drip_driver *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is *stop set? */
static inline bool drip__driver_stopped(const drip_driver *d)
{
    return d->o.stop && *d->o.stop;
}

/* http.c: set up concurrency connections (0, or -1 with *err); run a
 * batch (DRIP_DRIVE_*); release them. */
int  drip__http_open(drip_driver *d, char **err);
int  drip__http_run(drip_driver *d, uint64_t first, uint64_t n, uint64_t deadline_ns,
                    drip_drive_counts *c);
void drip__http_close(drip_driver *d);

/* command.c: run a batch of client commands (DRIP_DRIVE_*, or -1 with
 * *err when the command cannot be started). */
int  drip__command_run(drip_driver *d, uint64_t first, uint64_t n, uint64_t deadline_ns,
                       drip_drive_counts *c, char **err);

#endif /* DRIP_DRIVE_IMPL_H */
