/* spark.h - a one-line chart of a series, for the terminal.
 *
 *   ▁▁▂▂▃▃▄▄▅▅▆▆▇▇██      (utf8)
 *   __..--::==++**##      (ASCII)
 */
#ifndef DRIP_SPARK_H
#define DRIP_SPARK_H

#include <stdbool.h>
#include <stddef.h>

/* Draw v[0..n-1] in `width` columns (fewer when n < width): each column is
 * the mean of its share of the samples, scaled from the series' minimum
 * (lowest mark) to its maximum (highest); a constant series is all lowest
 * marks.  NaN samples are skipped.  utf8 picks the eight block characters
 * U+2581..U+2588, else eight ASCII marks.  Returns a malloc'd string ("" for
 * n == 0 or width == 0); aborts only when memory runs out (xmalloc). */
char *drip_sparkline(const double *v, size_t n, size_t width, bool utf8);

#endif /* DRIP_SPARK_H */
