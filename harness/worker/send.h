/* send.h - the worker's side of the pipe to the runner: send a line, or
 * end the process when the runner is gone.
 *
 * A worker (a run's, worker.c, or a sweep's, sweep.c) has nobody to report
 * to once the runner has closed the pipe, so a failed write ends it with
 * _exit(1): the runner, if it still exists, sees the worker die.  The
 * protocol module (protocol.h) leaves that decision to its caller; this is
 * the one place that takes it.
 */
#ifndef DRIP_WORKER_SEND_H
#define DRIP_WORKER_SEND_H

#include "protocol.h"

/* Send m on fd (drip_proto_send); does not return when that fails. */
void drip__worker_send(int fd, const drip_proto_msg *m);

/* Send a WARN or ERROR line (kind) with text formatted from fmt on fd
 * (drip_proto_vsendf); does not return when that fails. */
void drip__worker_say(int fd, drip_proto_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* DRIP_WORKER_SEND_H */
