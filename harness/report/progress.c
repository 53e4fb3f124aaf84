/* progress.c - formatting the progress line (see progress.h). */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

const char *drip_fmt_count(double v, char *buf, size_t n)
{
    static const char suffix[] = " kMGTP";
    if (!isfinite(v) || v < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (v < 999.5) {
        snprintf(buf, n, "%.0f", v);
        return buf;
    }
    size_t k = 0;
    while (v >= 999.5 && k + 1 < sizeof suffix - 1) {    /* 999.5 would round to 1000 */
        v /= 1000;
        k++;
    }
    /* three significant digits, kept when they are zeros: 1.00k, 12.3k, 456k */
    snprintf(buf, n, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c", v, suffix[k]);
    return buf;
}

/* Bytes with three significant digits: 512 B, 89.8 B, 16.5 MiB, 1.02 GiB
 * (the summary's drip_fmt_bytes keeps two decimals: too wide here). */
static const char *fmt_bytes_short(double v, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    size_t k = 0;
    double a = fabs(v);
    while (a >= 999.5 && k + 1 < sizeof unit / sizeof *unit) {
        a /= 1024;
        k++;
    }
    const char *sign = v < 0 ? "-" : "";
    snprintf(buf, n, a < 9.995 ? "%s%.2f %s" : a < 99.95 ? "%s%.1f %s" : "%s%.0f %s", sign,
             a, unit[k]);
    return buf;
}

const char *drip_fmt_clock(double seconds, char *buf, size_t n)
{
    unsigned long long s = isfinite(seconds) && seconds > 0 ? (unsigned long long)seconds : 0;
    if (s >= 3600)
        snprintf(buf, n, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, n, "%llu:%02llu", s / 60, s % 60);
    return buf;
}

const char *drip_progress_format(const drip_progress *p, int width, char *buf, size_t n)
{
    strbuf sb = {0};
    char a[32], b[32], c[32];

    sb_appendf(&sb, "  ...  %s  ", p->name ? p->name : "?");
    if (p->planned)
        sb_appendf(&sb, "%s/%s it", drip_fmt_count((double)p->iterations, a, sizeof a),
                   drip_fmt_count((double)p->planned, b, sizeof b));
    else
        sb_appendf(&sb, "%s it  %s/%s", drip_fmt_count((double)p->iterations, a, sizeof a),
                   drip_fmt_clock(p->elapsed_s, b, sizeof b),
                   drip_fmt_clock(p->duration_s, c, sizeof c));
    if (isfinite(p->rate))
        sb_appendf(&sb, "  %s it/s", drip_fmt_count(p->rate, a, sizeof a));
    if (isfinite(p->heap_bytes))
        sb_appendf(&sb, "  heap %s", fmt_bytes_short(p->heap_bytes, a, sizeof a));
    if (isfinite(p->heap_bytes) && isfinite(p->slope)) {
        const char *sign = p->slope > 0 ? "+" : "";
        sb_appendf(&sb, " %s%s/iter", sign, fmt_bytes_short(p->slope, a, sizeof a));
    }
    if (p->stopping)
        sb_append(&sb, "  stopping at the next sample...");
    else if (isfinite(p->eta_s) && p->planned)      /* a timed run shows elapsed/duration */
        sb_appendf(&sb, "  ETA %s", drip_fmt_clock(p->eta_s, a, sizeof a));

    size_t len = sb.len;
    if (width > 0 && len > (size_t)width - 1)
        len = (size_t)width - 1;
    if (n) {
        if (len > n - 1)
            len = n - 1;
        memcpy(buf, sb.buf, len);
        buf[len] = '\0';
    }
    sb_free(&sb);
    return buf;
}
