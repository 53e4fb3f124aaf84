/* drive.c - the driver object: made, dispatched by kind, released; and
 * the interval driver, which only lets time pass (drive.h). */
#define _GNU_SOURCE
#include "drive_impl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/util.h"

#define SLICE_NS 100000000ULL             /* look at *stop at least this often */

void drip__driver_fail(drip_driver *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    free(d->last_error);
    d->last_error = msg;
}

bool drip__sockaddr_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

drip_driver *drip_driver_new(const drip_drive_opts *o, char **err)
{
    drip_driver *d;

    if (!o->spec || o->spec->kind < DRIP_DRIVE_HTTP || o->spec->kind > DRIP_DRIVE_INTERVAL) {
        *err = xstrdup("internal error: the drive spec has no kind");
        return NULL;
    }
    d = xcalloc(1, sizeof *d);
    d->o = *o;
    if (o->spec->kind == DRIP_DRIVE_HTTP && drip__http_open(d, err) < 0) {
        drip_driver_free(d);
        return NULL;
    }
    return d;
}

/* Sleep until `until` (CLOCK_MONOTONIC ns) in slices, so that *stop is
 * seen within SLICE_NS.  False when stopped first. */
static bool sleep_until(const drip_driver *d, uint64_t until)
{
    for (;;) {
        uint64_t now = drip_now_ns();
        if (now >= until)
            return true;
        if (drip__driver_stopped(d))
            return false;
        uint64_t wake = until - now > SLICE_NS ? now + SLICE_NS : until;
        struct timespec ts = {(time_t)(wake / 1000000000ULL), (long)(wake % 1000000000ULL)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
}

/* Intervals are laid on the batch's own clock (start + k * interval), so
 * sleeping late once does not shift the rest; the time a sample takes
 * between batches is not an interval. */
static int interval_run(drip_driver *d, uint64_t n, uint64_t deadline_ns, drip_drive_counts *c)
{
    uint64_t start = drip_now_ns(), every = d->o.spec->interval_ns;

    for (uint64_t k = 1; k <= n; k++) {
        uint64_t until = start + k * every;
        if (until > deadline_ns) {
            sleep_until(d, deadline_ns);
            return DRIP_DRIVE_DEADLINE;
        }
        if (!sleep_until(d, until))
            return DRIP_DRIVE_STOPPED;
        c->ok++;
    }
    return DRIP_DRIVE_DONE;
}

int drip_driver_run(drip_driver *d, uint64_t first, uint64_t n, uint64_t deadline_ns,
                    drip_drive_counts *c, char **err)
{
    *err = NULL;
    if (n == 0)
        return DRIP_DRIVE_DONE;
    if (drip__driver_stopped(d))
        return DRIP_DRIVE_STOPPED;
    switch (d->o.spec->kind) {
    case DRIP_DRIVE_HTTP:     return drip__http_run(d, first, n, deadline_ns, c);
    case DRIP_DRIVE_COMMAND:  return drip__command_run(d, first, n, deadline_ns, c, err);
    case DRIP_DRIVE_INTERVAL: return interval_run(d, n, deadline_ns, c);
    }
    *err = xstrdup("internal error: unknown drive kind");
    return -1;
}

const char *drip_driver_last_error(const drip_driver *d)
{
    return d->last_error;
}

void drip_driver_free(drip_driver *d)
{
    if (!d)
        return;
    drip__http_close(d);
    free(d->last_error);
    free(d);
}
