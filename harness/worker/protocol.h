/* protocol.h - what a worker tells the runner, one text line at a time.
 *
 * The worker writes lines to the fd the runner gave it (fd 3 by default);
 * each line is a single write() shorter than PIPE_BUF, so lines from
 * different threads never interleave.  Fields are separated by one space.
 * The free text of `warn`, `error` and `site` runs to the end of the line
 * (newlines replaced by spaces); the names in `fault`, `profile` and
 * `psite` are single fields with spaces, '%' and newlines written %XX and
 * an empty name written "-".
 *
 * One formatter (drip_proto_format) and one parser (drip_proto_parse) over
 * one message struct: whatever the worker can send, the runner can read,
 * and tests/test_protocol.c round-trips every kind.  The parser is strict:
 * a line with a field missing, a field too many or a number that does not
 * parse is rejected with the reason, and the runner turns that into
 * `protocol violation: ...` (a workload shares the worker's process and
 * can write to the pipe: nothing it writes may be taken on trust).
 *
 * The other way, the runner gives a run worker a control pipe
 * (`--control-fd 4`): a byte on it, or its end, asks the run to end at its
 * next epoch boundary (a graceful Ctrl-C).
 *
 * A run worker says:
 *   measured M0 .. Mk          1/0 per metric in drip_metrics order
 *   metric K NAME              the workload's own metric (drip_metric_add) in
 *                              custom slot K (0-based, < DRIP_METRIC_CUSTOM_MAX) is
 *                              NAME; sent once, before the first sample that holds it
 *   sample ITER TIME_S M0 .. Mk [C0 .. Cj]
 *                              every Drip metric, then the values of custom slots
 *                              0 .. j (a running total each; 0 until first reported)
 *   fault POINT ASKED FIRED [FIRST_ITERATION ...]
 *   profile MODE RATE EARLY_ITER LATE_ITER STACKS DROPPED PARTIAL
 *                              PARTIAL 1: the run ended early (heap ceiling,
 *                              stop asked): the late snapshot is of then
 *   psite EB EO LB LO AB AO USER NFRAMES [FN FILE LINE] ...
 *                              one allocation site of the profile: live bytes
 *                              and objects early and late, all it allocated,
 *                              the index of its user frame (-1: none)
 *   warn TEXT
 *   unused TEXT                a warning about configuration the workload never
 *                              used (a fault point never asked, a param never
 *                              read): fails the scenario under --strict
 *   error TEXT                 the scenario cannot be judged (setup failed...)
 *   ceiling LIVE_BYTES ITER    the heap ceiling was passed; the worker exits
 *   teardown ITER TIME_S M0 .. Mk [C0 .. Cj]   every metric once teardown returned
 *   stopped ITER               the runner asked to stop (control pipe): the run ended
 *                              early, at the epoch boundary ITER (before done)
 *   settle SAMPLES UNSETTLED TOTAL_NS MAX_NS
 *                              how the runtime settled before its samples
 *                              (drip_tasks_quiesce): samples settled, how many
 *                              gave up with tasks still running, nanoseconds in
 *                              all and at most (before done)
 *   done ITERATIONS FAILED     all iterations ran (or the run was stopped) and
 *                              teardown returned
 *   crashmod BASE PATH         a file mapped in the worker that a crash's stack
 *                              passes through: its load bias (hex, 0x...) and its
 *                              path (to the end of the line)
 *   crash SIGNO NFRAMES PC ... the workload crashed (SIGSEGV, SIGBUS, SIGFPE,
 *                              SIGILL, SIGABRT): the faulting thread's stack as raw
 *                              addresses (hex), the faulting instruction first, then
 *                              return addresses outward; after its crashmod lines.
 *                              Sent from the signal handler, which then lets the
 *                              signal kill the worker (worker/crash.c)
 *
 * A sweep worker (`drip worker --sweep MODE --from K`) says instead:
 *   trial 0                    the reference trial starts (its clock starts: start-up
 *                              before it is bounded by run.timeout, not sweep.timeout)
 *   reference BYTES BLOCKS ALLOCS   what an unfaulted iteration leaves; its allocations
 *   trial K                    trial K starts (a crash or hang now is K's)
 *   result K FIRED RC BYTES BLOCKS  trial K ended: faults fired, iterate's result, leak
 *   site K BYTES BLOCKS STACK  one leaked site of trial K, biggest first
 *   end K                      no fault fired in trial K: the mode is done
 *   limit MAX_K                max_k trials ran without reaching the end
 * and `warn` and `error` as above.
 */
#ifndef DRIP_PROTOCOL_H
#define DRIP_PROTOCOL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/metrics.h"

#define DRIP_WORKER_FD 3               /* the worker's lines to the runner */
#define DRIP_CONTROL_FD 4              /* the runner's stop request to the worker */
#define DRIP_PROTO_MAX_LINE 4000      /* bytes, newline included: < PIPE_BUF */
#define DRIP_PROTO_FIRST_MAX 10       /* first iterations a `fault` line lists */
#define DRIP_PROTO_FRAMES_MAX 64      /* frames a `psite` line may hold */
#define DRIP_PROTO_CRASH_FRAMES 48    /* addresses a `crash` line may hold */
#define DRIP_PROTO_BASE_COLS (2 + DRIP_M_COUNT)   /* iteration, time, Drip's metrics */
#define DRIP_PROTO_COLS (2 + DRIP_METRIC_SLOTS)   /* ... and the workload's own */

/* Settling before a sample (worker.c): at most this long in all, and this
 * long without any task parking, waking or ending. */
#define DRIP_SETTLE_TIMEOUT_NS (1000ULL * 1000000ULL)
#define DRIP_SETTLE_QUIET_NS   (100ULL * 1000000ULL)

/* How the runtime settled before a run's samples (the `settle` line). */
typedef struct drip_settle_stats {
    uint64_t samples;      /* samples taken after settling */
    uint64_t unsettled;    /* of them, taken with tasks still running */
    uint64_t total_ns;     /* time spent settling, in all */
    uint64_t max_ns;       /* and the longest */
} drip_settle_stats;

typedef enum drip_proto_kind {
    DRIP_PROTO_MEASURED,
    DRIP_PROTO_SAMPLE,
    DRIP_PROTO_TEARDOWN,
    DRIP_PROTO_FAULT,
    DRIP_PROTO_PROFILE,
    DRIP_PROTO_PSITE,
    DRIP_PROTO_WARN,
    DRIP_PROTO_ERROR,
    DRIP_PROTO_CEILING,
    DRIP_PROTO_STOPPED,
    DRIP_PROTO_DONE,
    DRIP_PROTO_REFERENCE,
    DRIP_PROTO_TRIAL,
    DRIP_PROTO_RESULT,
    DRIP_PROTO_SITE,
    DRIP_PROTO_END,
    DRIP_PROTO_LIMIT,
    DRIP_PROTO_UNUSED,
    DRIP_PROTO_CRASHMOD,
    DRIP_PROTO_CRASH,
    DRIP_PROTO_SETTLE,
    DRIP_PROTO_METRIC,
    DRIP_PROTO_KINDS
} drip_proto_kind;

typedef struct drip_proto_frame {
    const char *fn, *file;       /* "" when unknown */
    int         line;            /* 0 when unknown */
} drip_proto_frame;

/* One line.  Strings are borrowed: from the caller's data when formatting,
 * from the parsed line (decoded in place) when parsing. */
typedef struct drip_proto_msg {
    drip_proto_kind kind;
    size_t ncustom;              /* SAMPLE, TEARDOWN: custom slots after Drip's metrics */
    union {
        bool measured[DRIP_M_COUNT];                  /* MEASURED */
        double sample[DRIP_PROTO_COLS];               /* SAMPLE, TEARDOWN: iteration,
                                                         seconds, metric values, then
                                                         ncustom custom values */
        struct { uint64_t k; const char *name; } metric;   /* METRIC */
        struct {
            const char *point;
            uint64_t    asked, fired;
            uint64_t    first[DRIP_PROTO_FIRST_MAX];
            size_t      nfirst;
        } fault;
        struct {
            const char *mode;
            uint64_t    rate, early_iteration, late_iteration, stacks, dropped;
            bool        partial;
        } profile;
        struct {
            double early_bytes, early_objects, late_bytes, late_objects;
            double alloc_bytes, alloc_objects;
            drip_proto_frame frames[DRIP_PROTO_FRAMES_MAX];
            size_t nframes;
            int    user;         /* frames[user]: the first in the workload's own code;
                                    -1 none (one past the frames sent reads -1) */
        } psite;
        const char *text;                             /* WARN, UNUSED, ERROR */
        struct { int64_t live_bytes; uint64_t iteration; } ceiling;
        uint64_t n;                                   /* STOPPED (iteration), TRIAL, END
                                                         (k), LIMIT (max_k) */
        struct { uint64_t iterations, failed; } done;
        drip_settle_stats settle;                     /* SETTLE */
        struct { uint64_t bytes, blocks, allocs; } reference;
        struct { uint64_t k, fired; int rc; uint64_t bytes, blocks; } result;
        struct { uint64_t k, bytes, blocks; const char *stack; } site;
        struct { uint64_t base; const char *path; } crashmod;
        struct {
            int      signo;
            uint64_t pcs[DRIP_PROTO_CRASH_FRAMES];
            size_t   npcs;
        } crash;
    } u;
} drip_proto_msg;

/* The kind's keyword ("sample"...). */
const char *drip_proto_kind_name(drip_proto_kind k);

/* Format m as one line, newline included, into buf (DRIP_PROTO_MAX_LINE
 * bytes at least).  Free text is cut to fit and its newlines replaced; a
 * psite keeps as many whole frames as fit.  Returns the line's length.
 * Cannot fail.  For CRASH and CRASHMOD it calls nothing but memcpy and
 * strlen (no stdio, no malloc): async-signal-safe, as is drip_proto_send
 * of such a line, for the worker's crash handler. */
size_t drip_proto_format(const drip_proto_msg *m, char *buf);

/* Write m to fd as one line in one write() (repeated only on EINTR or a
 * short write).  Returns 0, or -1 with errno set: the caller decides what
 * a lost runner means (the worker exits). */
int drip_proto_send(int fd, const drip_proto_msg *m);

/* Send a WARN or ERROR line whose text is formatted from fmt.  Returns as
 * drip_proto_send. */
int drip_proto_sendf(int fd, drip_proto_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the arguments in ap (a worker's own say()). */
int drip_proto_vsendf(int fd, drip_proto_kind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Parse one line (NUL-terminated, no newline), which is modified: strings
 * in *m point into it.  Returns 0, or -1 with a reason (at most `whylen`
 * bytes, e.g. "sample: 11 fields, expected 13") in why.  Never reads past
 * the line; every number must parse whole. */
int drip_proto_parse(char *line, drip_proto_msg *m, char *why, size_t whylen);

/* ---- splitting a byte stream into lines ---------------------------------- */

typedef struct drip_proto_reader {
    char   buf[DRIP_PROTO_MAX_LINE + 1];
    size_t len;                  /* bytes of a line not finished yet */
    bool   overlong;             /* a line passed DRIP_PROTO_MAX_LINE */
} drip_proto_reader;

/* Feed n bytes read from the pipe; calls line(arg, text) for each complete
 * line (NUL-terminated, without the newline; text may be modified).
 * Returns 0, or -1 once a line is longer than DRIP_PROTO_MAX_LINE (no
 * worker writes one: the stream is not the protocol); the rest of that
 * line is then dropped. */
int drip_proto_feed(drip_proto_reader *r, const char *data, size_t n,
                    void (*line)(void *arg, char *text), void *arg);

#endif /* DRIP_PROTOCOL_H */
