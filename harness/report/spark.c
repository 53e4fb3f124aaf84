/* spark.c - a one-line chart of a series (see spark.h). */
#include "spark.h"

#include <math.h>
#include <stdlib.h>

#include "util/util.h"

static const char *const blocks[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char ascii[8] = {'_', '.', '-', ':', '=', '+', '*', '#'};

char *drip_sparkline(const double *v, size_t n, size_t width, bool utf8)
{
    strbuf sb = {0};
    if (n == 0 || width == 0)
        return sb_take(&sb);
    if (width > n)
        width = n;
    double *col = xcalloc(width, sizeof *col);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t c = 0; c < width; c++) {
        size_t from = c * n / width, to = (c + 1) * n / width;   /* [from, to), never empty */
        double sum = 0;
        size_t k = 0;
        for (size_t i = from; i < to; i++)
            if (!isnan(v[i])) {
                sum += v[i];
                k++;
            }
        col[c] = k ? sum / (double)k : NAN;
        if (k) {
            lo = col[c] < lo ? col[c] : lo;
            hi = col[c] > hi ? col[c] : hi;
        }
    }
    for (size_t c = 0; c < width; c++) {
        int level = 0;
        if (!isnan(col[c]) && hi > lo) {
            level = (int)((col[c] - lo) / (hi - lo) * 8.0);
            level = level > 7 ? 7 : level < 0 ? 0 : level;
        }
        if (isnan(col[c]))
            sb_append(&sb, " ");
        else if (utf8)
            sb_append(&sb, blocks[level]);
        else
            sb_appendn(&sb, &ascii[level], 1);
    }
    free(col);
    return sb_take(&sb);
}
