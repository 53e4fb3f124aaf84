/* progress.h - the line a person watches while a scenario runs.
 *
 *   ...  global-map-leaky  12.3k/20.0k it  8.12k it/s  heap 2.40 MiB +310 B/iter  ETA 0:02
 *   ...  soak-leaky  1.23M it  0:32/2:00  37.5k it/s  heap 12.3 MiB +48.0 B/iter
 *
 * That is: iterations done (of planned; for a timed run, and the time run
 * of the duration), the rate, the live heap at the last sample and its
 * slope so far (after warm-up), and for a counted run the ETA.
 * The runner fills a drip_progress snapshot (results/progress.h) and hands
 * it to a callback; the CLI formats it with drip_progress_format and
 * rewrites one terminal line with it.  Only on a TTY: CI logs get one line
 * per scenario and nothing else.
 */
#ifndef DRIP_PROGRESS_H
#define DRIP_PROGRESS_H

#include <stddef.h>

#include "results/progress.h"

/* Format p as one line, without "\r" or a newline, cut to at most
 * width - 1 columns (width <= 0: no limit) so that it never wraps, into
 * buf of n bytes (cut there too).  The text is ASCII.  Returns buf.
 * Pure: the same snapshot gives the same line.  Cannot fail. */
const char *drip_progress_format(const drip_progress *p, int width, char *buf, size_t n);

/* A count with at most three digits and a suffix: 999, 1.00k, 12.3k,
 * 1.23M, 45.6G.  Into buf (at least 16 bytes); returns buf. */
const char *drip_fmt_count(double v, char *buf, size_t n);

/* A duration as M:SS or H:MM:SS (rounded down to the second; negative as
 * 0:00).  Into buf (at least 24 bytes); returns buf. */
const char *drip_fmt_clock(double seconds, char *buf, size_t n);

#endif /* DRIP_PROGRESS_H */
