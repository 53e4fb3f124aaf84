/* protocol.h - what a worker tells the runner, one text line at a time.
 *
 * The worker writes lines to the fd the runner gave it (fd 3 by default);
 * each line is a single write() shorter than PIPE_BUF, so lines from
 * different threads never interleave.  Fields are separated by one space;
 * the last field of error and warn is free text (newlines replaced).
 * The runner may send the worker SIGUSR1 to end the run at its next epoch
 * boundary (a graceful Ctrl-C); until the worker installs its handler the
 * signal is ignored (the runner sets SIG_IGN before exec and repeats it).
 *
 *   measured M0 .. Mk          1/0 per metric in drip_metrics order
 *   sample ITER TIME_S M0 .. Mk
 *   fault POINT ASKED FIRED [FIRST_ITERATION ...]
 *   warn TEXT
 *   error TEXT                 the scenario cannot be judged (setup failed...)
 *   ceiling LIVE_BYTES ITER    the heap ceiling was passed; the worker exits
 *   teardown ITER TIME_S M0 .. Mk   every metric once teardown returned
 *   stopped ITER               the runner asked to stop (SIGUSR1): the run ended
 *                              early, at the epoch boundary ITER (before done)
 *   done ITERATIONS FAILED     all iterations ran (or the run was stopped) and
 *                              teardown returned
 *
 * A sweep worker (`drip worker --sweep MODE --from K`) says instead:
 *
 *   reference BYTES BLOCKS ALLOCS   what an unfaulted iteration leaves; its allocations
 *   trial K                    trial K starts (a crash or hang now is K's)
 *   result K FIRED RC BYTES BLOCKS  trial K ended: faults fired, iterate's result, leak
 *   site K BYTES BLOCKS STACK  one leaked site of trial K, biggest first
 *   end K                      no fault fired in trial K: the mode is done
 *   limit MAX_K                max_k trials ran without reaching the end
 */
#ifndef DRIP_PROTOCOL_H
#define DRIP_PROTOCOL_H

#define DRIP_WORKER_FD 3
#define DRIP_PROTO_MAX_LINE 4000

#endif /* DRIP_PROTOCOL_H */
