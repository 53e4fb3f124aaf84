/* send.c - send a line to the runner, or end the worker (send.h). */
#include "send.h"

#include <stdarg.h>
#include <unistd.h>

void drip__worker_send(int fd, const drip_proto_msg *m)
{
    if (drip_proto_send(fd, m) < 0)
        _exit(1);
}

void drip__worker_say(int fd, drip_proto_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = drip_proto_vsendf(fd, kind, fmt, ap);
    va_end(ap);
    if (rc < 0)
        _exit(1);
}
