/* html.h - the pieces of report.html: escaped text and SVG charts.
 *
 * Internal to harness/report (html.c, html_text.c, svg.c); the entry point
 * is drip_report_html in report.h.  Everything written here is XHTML-
 * compatible HTML5: void elements self-closed, only the five XML entities
 * and numeric references, so an XML parser reads the page as well as a
 * browser does.
 */
#ifndef DRIP_HTML_H
#define DRIP_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- text (html_text.c) ---------------------------------------------------- */

/* Write s (NULL writes nothing) as HTML text or as an attribute value
 * (escape.h's DRIP_ESC_HTML_TEXT, DRIP_ESC_HTML_ATTR): the five special
 * characters become references (&amp; &lt; &gt; &quot; &#39;); control
 * characters other than tab and newline are dropped, as are U+FFFE and
 * U+FFFF; each invalid UTF-8 byte becomes U+FFFD.  In an attribute (attr
 * true) newline and tab are written as &#10; and &#9;.  Cannot fail beyond
 * the stream's own errors (ferror). */
void drip__html_escape(FILE *out, const char *s, bool attr);

/* printf into a buffer, then drip__html_escape it as text.  For messages
 * that mix our words with strings from scenario files or plugins. */
void drip__html_escapef(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Small pieces every section uses.  Each writes markup (never text from
 * outside Drip unescaped) and cannot fail beyond the stream's errors. */
#include "results/results.h"

/* <span class="pill pass">PASS</span> */
void drip__html_status(FILE *out, drip_status s);
/* <span class="v growing">growing</span> */
void drip__html_verdict(FILE *out, drip_verdict v);
/* A metric's value with its unit: "1.50 MiB", "12 objects"; "–" for NaN. */
void drip__html_value(FILE *out, const drip_metric_info *info, double v);
/* A slope per iteration: "+310 B/iter"; "–" for NaN. */
void drip__html_slope(FILE *out, const drip_metric_info *info, double slope);
/* A duration: "0.45 s", "2m 03s", "1h 05m"; "–" when not finite. */
void drip__html_duration(FILE *out, double s);

/* ---- a scenario's metrics as the page reads them (html_metric.c) ---- */

/* <span class="v TONE">verdict</span>: TONE "bad" when an expectation on
 * metric m broke, "held" when it has expectations and all held, "rate" for
 * a running total (allocs) without any, else the verdict's own class. */
void drip__html_metric_verdict(FILE *out, const drip_result *r, int m);
/* Was metric m measured and 0 at every sample (and after teardown)?  Such
 * a metric gets one line, not a chart. */
bool drip__html_all_zero(const drip_result *r, int m);
/* The profile's top growing site, two frames and its growth per
 * iteration; a dash when none grew. */
void drip__html_top_site(FILE *out, const drip_result *r);
/* Seconds until the live heap reaches r->heap_ceiling at heap_bytes'
 * slope and r's speed (0 when past it); NaN when the heap does not grow
 * or the speed is not known. */
double drip__html_ceiling_s(const drip_result *r);
/* The speed: brief, "1500 10.4k/s" for the summary; else meta spans, per
 * iteration and per second, and the time to the heap ceiling when the heap
 * grows. */
void drip__html_speed(FILE *out, const drip_result *r, bool brief);

/* One scenario's section (html_scenario.c); index makes its ids unique
 * ("s3", "s3-heap_bytes-clip"). */
void drip__html_scenario(FILE *out, const drip_result *r, size_t index);

/* ---- axes (svg.c) ---------------------------------------------------------- */

/* An axis over [lo, hi] with round ticks lo, lo + step, ... <= hi, labelled
 * in a unit scaled to the data: KiB/MiB/GiB for bytes, k/M/G for counts. */
typedef struct drip_axis {
    double lo, hi, step;     /* lo and hi are multiples of step; lo < hi */
    double scale;            /* a tick's label is value / scale ... */
    const char *suffix;      /* ... followed by this: " MiB", "k", "" */
    int decimals;            /* digits after the point in a label */
} drip_axis;

/* The axis for data spanning [min, max] (finite, min <= max) with about
 * `want` ticks (>= 2).  The span is widened to at least `min_span` (> 0)
 * around the data, then rounded out to multiples of a 1-2-5 step; an axis
 * over non-negative data never starts below 0.  Cannot fail. */
drip_axis drip__axis_make(double min, double max, double min_span, int want, bool bytes);

/* A tick's label ("1.5 MiB", "20k", "0") into buf (>= 32 bytes). */
const char *drip__axis_label(const drip_axis *a, double v, char *buf, size_t n);

/* ---- charts (svg.c) -------------------------------------------------------- */

/* One metric's chart: its samples against the iteration, the fitted line
 * over the window (samples from window_start on; the ones before are the
 * warm-up, shaded), the expectations' limits as dashed lines, and the value
 * after teardown beside the last sample.  Every number may be NaN: what is
 * NaN is not drawn.  Arrays are borrowed. */
typedef struct drip_chart {
    const char   *id;               /* unique in the page: clip path ids */
    const char   *title;            /* the metric's name: the SVG's aria-label */
    const double *x, *y;            /* iteration, value; NaN values are skipped */
    size_t        n;
    size_t        window_start;     /* index of the first fitted sample */
    double        slope;            /* fit over the window, unit per iteration */
    bool          bytes;            /* value axis in B/KiB/MiB */
    const char   *unit;             /* the metric's unit ("B", "objects") */
    double        min_span;         /* smallest value span drawn (the metric's resolution) */
    double        max_slope, min_slope;      /* expectation limits, NaN when none */
    double        after_teardown;            /* measured after teardown, NaN when not */
    double        max_after_teardown;        /* expectation limit, NaN when none */
} drip_chart;


/* Write the chart as an inline <svg> element.  With no usable sample it
 * is a framed box saying so.  Returns 0, or -1 when the stream has an error. */
int drip__svg_chart(FILE *out, const drip_chart *c);

#endif /* DRIP_HTML_H */
