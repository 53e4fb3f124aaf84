/* html_text.c - text from scenario files and plugins, made safe for HTML.
 *
 * Names, descriptions, reasons, warnings and stacks all come from outside
 * Drip: a description may hold "<script>", a plugin's message invalid
 * UTF-8.  Everything such goes through drip__html_escape (see html.h), the
 * HTML flavours of the report module's one escaper (escape.h).
 */
#include "html.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "escape.h"
#include "util/util.h"

void drip__html_escape(FILE *out, const char *s, bool attr)
{
    drip__escape(out, s, attr ? DRIP_ESC_HTML_ATTR : DRIP_ESC_HTML_TEXT);
}

void drip__html_escapef(FILE *out, const char *fmt, ...)
{
    strbuf sb = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vappendf(&sb, fmt, ap);
    va_end(ap);
    drip__html_escape(out, sb.buf, false);
    sb_free(&sb);
}

/* ---- small pieces ------------------------------------------------------- */

#define DASH "\xE2\x80\x93"                /* an en dash: no value */

void drip__html_status(FILE *out, drip_status s)
{
    const char *name = drip_status_name(s);
    const char *label = s == DRIP_STATUS_PASS ? "PASS" : s == DRIP_STATUS_FAIL ? "FAIL" : "ERROR";
    fprintf(out, "<span class=\"pill %s\">%s</span>", name, label);
}

void drip__html_verdict(FILE *out, drip_verdict v)
{
    const char *name = drip_verdict_name(v);
    fprintf(out, "<span class=\"v %s\">%s</span>", name, name);
}

void drip__html_value(FILE *out, const drip_metric_info *info, double v)
{
    char buf[64];
    if (!isfinite(v) || !info)
        fputs(DASH, out);
    else if (info->bytes)
        fputs(drip_fmt_bytes(v, buf, sizeof buf), out);
    else
        fprintf(out, "%s %s", drip_fmt_num(v, buf, sizeof buf), info->unit);
}

void drip__html_slope(FILE *out, const drip_metric_info *info, double slope)
{
    char buf[64];
    if (!isfinite(slope) || !info)
        fputs(DASH, out);
    else
        fputs(drip_metric_info_fmt_slope(info, slope, buf, sizeof buf), out);
}

void drip__html_duration(FILE *out, double s)
{
    if (!isfinite(s) || s < 0)
        fputs(DASH, out);
    else if (s < 60)
        fprintf(out, "%.2f s", s);
    else if (s < 3600)
        fprintf(out, "%dm %02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        fprintf(out, "%dh %02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}
