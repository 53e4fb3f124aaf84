/* svg.c - one metric's chart for report.html, as inline SVG.
 *
 *    MiB |        warm-up |                    .·'  ◆   samples, fit, limits,
 *      4 |░░░░░░░░░░░░░░░░|              .·'´      |   the value after teardown
 *      2 |░░░░░░░░░░░.·'´ |- - - - - - - - - - -  |   in a gutter on the right
 *      0 +----------------+------------------------+
 *        0               5k                  10k
 *
 * Axes get round 1-2-5 ticks in a unit scaled to the data (KiB/MiB for
 * bytes, k/M for counts).  The fitted line is the Theil-Sen line over the
 * window (slope from the fit, intercept the median of y - slope * x); the
 * max_slope / min_slope limits are dashed lines of their slope through the
 * fitted line's start, so a leak that breaks a max_slope is a solid line
 * climbing away from a dashed one.  Colours and strokes come from the
 * page's CSS (classes c-*, in html.c).  Nothing here knows about results:
 * html.c fills a drip_chart.
 */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* ---- axes ------------------------------------------------------------------ */

/* 1, 2 or 5 times a power of ten, at least span / want. */
static double nice_step(double span, int want, int *decimals)
{
    double raw = span / want;
    int e = (int)floor(log10(raw));
    double p = pow(10, e);
    double f = raw / p;
    double m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    if (m == 10) {
        m = 1;
        e++;
        p *= 10;
    }
    *decimals = e < 0 ? -e : 0;
    return m * p;
}

drip_axis drip__axis_make(double min, double max, double min_span, int want, bool bytes)
{
    if (!isfinite(min) || !isfinite(max) || min > max)
        min = max = 0;
    if (!(min_span > 0))
        min_span = 1;
    if (want < 2)
        want = 2;
    bool nonneg = min >= 0;
    if (max - min < min_span) {              /* widen around the data */
        double mid = (min + max) / 2;
        min = mid - min_span / 2;
        max = mid + min_span / 2;
        if (nonneg && min < 0) {
            max -= min;
            min = 0;
        }
    }

    drip_axis a = {.scale = 1, .suffix = ""};
    double big = fmax(fabs(min), fabs(max));
    if (bytes) {
        static const char *const units[] = {" B", " KiB", " MiB", " GiB", " TiB"};
        int u = 0;
        while (u < 4 && big >= 900 * a.scale) {    /* the axis rounds 953 MiB up: 1.0 GiB */
            a.scale *= 1024;
            u++;
        }
        a.suffix = units[u];
    } else if (big >= 1e4) {                 /* 5000 stays 5000; 20000 reads 20k */
        static const char *const units[] = {"k", "M", "G", "T"};
        int u = 0;
        a.scale = 1e3;
        while (u < 3 && big >= 900 * a.scale) {
            a.scale *= 1e3;
            u++;
        }
        a.suffix = units[u];
    }
    double step = nice_step((max - min) / a.scale, want, &a.decimals);
    a.step = step * a.scale;
    a.lo = floor(min / a.step) * a.step;
    a.hi = ceil(max / a.step) * a.step;
    if (nonneg && a.lo < 0)
        a.lo = 0;
    if (a.hi <= a.lo)
        a.hi = a.lo + a.step;
    return a;
}

const char *drip__axis_label(const drip_axis *a, double v, char *buf, size_t n)
{
    double s = v / a->scale;
    if (fabs(s) < 1e-9 * (a->step / a->scale))   /* -0 and rounding dust read "0" */
        s = 0;
    if (s == 0)
        snprintf(buf, n, "0");
    else
        snprintf(buf, n, "%.*f%s", a->decimals, s, a->suffix);
    return buf;
}

/* ---- the fitted line ---------------------------------------------------- */

/* ---- drawing ----------------------------------------------------------- */

#define W        440.0
#define H        200.0
#define ML       56.0       /* room for the value labels */
#define MR       14.0
#define MT       10.0
#define MB       24.0       /* room for the iteration labels */
#define GUTTER   34.0       /* the after-teardown column */
#define DOTS_MAX 80         /* more samples than this: a line without dots */

typedef struct frame {
    drip_axis xa, ya;
    double x0, x1, y0, y1;  /* the plot area in SVG units */
} frame;

static double px(const frame *f, double x)
{
    return f->x0 + (x - f->xa.lo) / (f->xa.hi - f->xa.lo) * (f->x1 - f->x0);
}

static double py(const frame *f, double y)
{
    return f->y1 - (y - f->ya.lo) / (f->ya.hi - f->ya.lo) * (f->y1 - f->y0);
}

static bool usable(const drip_chart *c, size_t i)
{
    return isfinite(c->x[i]) && isfinite(c->y[i]);
}

/* The range the value axis must show: the samples and the fitted line's
 * ends.  Slope limits are clipped, not fitted in: a generous max_slope
 * would flatten the data to a line.  Nor does the value after teardown or
 * its limit set it: one point far from the series (a heap freed at
 * teardown) would squeeze the series against an edge; outside the range
 * they are drawn at the edge, as an arrow with the value. */
static void value_range(const drip_chart *c, double icept, double xw, double xe,
                        double *lo, double *hi)
{
    double v[2] = {NAN, NAN};
    if (isfinite(icept)) {
        v[0] = icept + c->slope * xw;
        v[1] = icept + c->slope * xe;
    }
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++)
        if (usable(c, i)) {
            *lo = fmin(*lo, c->y[i]);
            *hi = fmax(*hi, c->y[i]);
        }
    for (int k = 0; k < 2; k++)
        if (isfinite(v[k])) {
            *lo = fmin(*lo, v[k]);
            *hi = fmax(*hi, v[k]);
        }
}

static void grid(FILE *out, const frame *f)
{
    char label[48];
    for (double t = f->ya.lo; t <= f->ya.hi + f->ya.step / 2; t += f->ya.step) {
        double y = py(f, t);
        fprintf(out, "<line class=\"c-grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                f->x0, y, f->x1, y);
        fprintf(out, "<text class=\"c-tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                f->x0 - 6, y + 3.5, drip__axis_label(&f->ya, t, label, sizeof label));
    }
    for (double t = f->xa.lo; t <= f->xa.hi + f->xa.step / 2; t += f->xa.step) {
        double x = px(f, t);
        fprintf(out, "<line class=\"c-axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                x, f->y1, x, f->y1 + 4);
        fprintf(out, "<text class=\"c-tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                x, f->y1 + 15, drip__axis_label(&f->xa, t, label, sizeof label));
    }
}

/* "max_slope 64 B/iter", "min_slope 0.5 fds/iter" into buf. */
static const char *slope_label(const drip_chart *c, const char *rule, double slope, char *buf,
                               size_t n)
{
    char num[48];
    if (c->bytes)
        snprintf(buf, n, "%s %s/iter", rule, drip_fmt_bytes(slope, num, sizeof num));
    else
        snprintf(buf, n, "%s %s %s/iter", rule, drip_fmt_num(slope, num, sizeof num),
                 c->unit ? c->unit : "");
    return buf;
}

/* A line of the given slope through (xw, yw) to xe, clipped to the plot,
 * with its label at the end: above the line (a max_slope), or below it (a
 * min_slope), so that two limits close together keep their labels apart. */
static void limit_line(FILE *out, const frame *f, const char *clip, double xw, double yw,
                       double xe, double slope, const char *label, bool below)
{
    double ye = yw + slope * (xe - xw);
    fprintf(out, "<line class=\"c-limit\" clip-path=\"url(#%s)\" x1=\"%.1f\" y1=\"%.1f\" "
            "x2=\"%.1f\" y2=\"%.1f\"/>", clip, px(f, xw), py(f, yw), px(f, xe), py(f, ye));
    double ly = below ? fmin(fmax(py(f, ye) + 11, f->y0 + 20), f->y1 - 3)
                      : fmin(fmax(py(f, ye) - 4, f->y0 + 9), f->y1 - 14);
    fprintf(out, "<text class=\"c-limit-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
            f->x1 - 3, ly);
    drip__html_escape(out, label, false);
    fputs("</text>", out);
}

/* The samples: a polyline, with dots when there are few.  A long series is
 * thinned to each pixel column's lowest and highest value, in order, so
 * spikes survive. */
static void samples(FILE *out, const drip_chart *c, const frame *f)
{
    size_t cols = (size_t)(f->x1 - f->x0);
    bool thin = c->n > 2 * cols;
    fputs("<polyline class=\"c-line\" points=\"", out);
    size_t bucket = SIZE_MAX, ilo = 0, ihi = 0;
    for (size_t i = 0; i <= c->n; i++) {
        bool last = i == c->n;
        if (!last && !usable(c, i))
            continue;
        if (!thin) {
            if (!last)
                fprintf(out, "%.1f,%.1f ", px(f, c->x[i]), py(f, c->y[i]));
            continue;
        }
        double col = last ? 0 : px(f, c->x[i]) - f->x0;
        size_t b = last ? SIZE_MAX - 1 : col > 0 ? (size_t)col : 0;
        if (b != bucket) {                    /* flush the column just finished */
            if (bucket != SIZE_MAX) {
                size_t a = ilo < ihi ? ilo : ihi, z = ilo < ihi ? ihi : ilo;
                fprintf(out, "%.1f,%.1f ", px(f, c->x[a]), py(f, c->y[a]));
                if (z != a && fabs(py(f, c->y[z]) - py(f, c->y[a])) >= 0.05)
                    fprintf(out, "%.1f,%.1f ", px(f, c->x[z]), py(f, c->y[z]));
            }
            bucket = b;
            ilo = ihi = i;
        } else {
            if (c->y[i] < c->y[ilo]) ilo = i;
            if (c->y[i] > c->y[ihi]) ihi = i;
        }
    }
    fputs("\"/>", out);
    if (c->n > DOTS_MAX)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (usable(c, i))
            fprintf(out, "<circle class=\"c-dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\"/>",
                    px(f, c->x[i]), py(f, c->y[i]));
}

/* A value in the gutter at x: its y when within the value axis, else the
 * edge it is beyond, with *dir -1 (below) or 1 (above). */
static double gutter_y(const frame *f, double v, int *dir)
{
    *dir = v > f->ya.hi ? 1 : v < f->ya.lo ? -1 : 0;
    return *dir > 0 ? f->y0 : *dir < 0 ? f->y1 : py(f, v);
}

/* An arrow at the edge pointing the way to a value off the axis, labelled
 * with the value. */
static void off_axis(FILE *out, const frame *f, double gx, int dir, double v, const char *cls)
{
    char label[48];
    drip_axis ya = f->ya;
    double y = dir > 0 ? f->y0 + 16 : f->y1 - 2;        /* the tip; above: under "after" */
    fprintf(out, "<path class=\"%s c-off\" d=\"M%.1f %.1fl5 %.1fh-10z\"/>", cls, gx + 1, y,
            dir > 0 ? 8.0 : -8.0);
    fprintf(out, "<text class=\"c-note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
            gx + 2, dir > 0 ? y + 19 : y - 12, drip__axis_label(&ya, v, label, sizeof label));
}

/* The gutter right of the plot: the value measured after teardown as a
 * diamond, its limit as a dashed bar; off the value axis, an arrow at the
 * edge with the value. */
static void teardown_gutter(FILE *out, const drip_chart *c, const frame *f)
{
    double gx = f->x1 + GUTTER / 2;
    int dir;
    fprintf(out, "<line class=\"c-sep\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
            f->x1 + 4, f->y0, f->x1 + 4, f->y1);
    fprintf(out, "<text class=\"c-note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">after</text>",
            gx + 2, f->y0 + 11);
    if (isfinite(c->max_after_teardown)) {
        double y = gutter_y(f, c->max_after_teardown, &dir);
        if (dir)
            off_axis(out, f, gx - 8, dir, c->max_after_teardown, "c-limit-mark");
        else
            fprintf(out, "<line class=\"c-limit\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    "y2=\"%.1f\"/>", gx - 11, y, gx + 13, y);
    }
    if (isfinite(c->after_teardown)) {
        double y = gutter_y(f, c->after_teardown, &dir);
        if (dir)
            off_axis(out, f, gx, dir, c->after_teardown, "c-after");
        else
            fprintf(out, "<path class=\"c-after\" d=\"M%.1f %.1fl5 5l-5 5l-5 -5z\"/>", gx + 1,
                    y - 5);
    }
}

int drip__svg_chart(FILE *out, const drip_chart *c)
{
    bool gutter = isfinite(c->after_teardown) || isfinite(c->max_after_teardown);
    frame f = {.x0 = ML, .x1 = W - MR - (gutter ? GUTTER : 0), .y0 = MT, .y1 = H - MB};
    size_t first = c->n, last = c->n;        /* first and last usable sample */
    for (size_t i = 0; i < c->n; i++)
        if (usable(c, i)) {
            first = first == c->n ? i : first;
            last = i;
        }

    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H);
    drip__html_escape(out, c->title, true);
    fputc('"', out);
    if (first == c->n) {
        fputc('>', out);
        fprintf(out, "<rect class=\"c-bg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
                "<text class=\"c-empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                "no samples</text></svg>", f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0,
                (f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2);
        return ferror(out) ? -1 : 0;
    }

    /* the window: from the first usable sample at or after window_start */
    size_t ws = c->window_start;
    while (ws < c->n && !usable(c, ws))
        ws++;
    double xw = ws < c->n ? c->x[ws] : c->x[last], xe = c->x[last];
    double icept = ws < c->n ? drip_line_intercept(c->x + ws, c->y + ws, c->n - ws, c->slope) : NAN;

    double lo, hi;
    value_range(c, icept, xw, xe, &lo, &hi);
    double min_span = fmax(4 * (c->min_span > 0 ? c->min_span : 1), 0.1 * fmax(fabs(lo), fabs(hi)));
    f.ya = drip__axis_make(lo, hi, min_span, 4, c->bytes);
    f.xa = drip__axis_make(fmin(0, c->x[first]), xe, 1, 5, false);
    /* the value axis's range, for readers of the page (and its tests) */
    fprintf(out, " data-y-lo=\"%.9g\" data-y-hi=\"%.9g\">", f.ya.lo, f.ya.hi);

    char clip[64];
    snprintf(clip, sizeof clip, "%s-clip", c->id);
    fprintf(out, "<defs><clipPath id=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\"/></clipPath></defs>", clip, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    fprintf(out, "<rect class=\"c-bg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
            f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    if (c->window_start > 0) {               /* the warm-up, left out of the fit */
        double wx = px(&f, ws < c->n ? xw : xe);
        fprintf(out, "<rect class=\"c-warmup\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                f.x0, f.y0, wx - f.x0, f.y1 - f.y0);
        if (wx - f.x0 > 46)
            fprintf(out, "<text class=\"c-note\" x=\"%.1f\" y=\"%.1f\">warm-up</text>",
                    f.x0 + 4, f.y0 + 11);
    }
    grid(out, &f);

    if (ws < c->n && xe > xw) {
        double yw = isfinite(icept) ? icept + c->slope * xw : c->y[ws];
        char label[128];
        if (isfinite(c->max_slope))
            limit_line(out, &f, clip, xw, yw, xe, c->max_slope,
                       slope_label(c, "max_slope", c->max_slope, label, sizeof label), false);
        if (isfinite(c->min_slope))
            limit_line(out, &f, clip, xw, yw, xe, c->min_slope,
                       slope_label(c, "min_slope", c->min_slope, label, sizeof label), true);
    }
    if (isfinite(icept) && xe > xw)         /* under the samples: a band they run along */
        fprintf(out, "<line class=\"c-fit\" clip-path=\"url(#%s)\" x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\"/>", clip, px(&f, xw), py(&f, icept + c->slope * xw),
                px(&f, xe), py(&f, icept + c->slope * xe));
    samples(out, c, &f);
    fprintf(out, "<path class=\"c-axis\" d=\"M%.1f %.1fV%.1fH%.1f\"/>", f.x0, f.y0, f.y1, f.x1);
    if (gutter)
        teardown_gutter(out, c, &f);
    fputs("</svg>", out);
    return ferror(out) ? -1 : 0;
}
