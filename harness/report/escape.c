/* escape.c - one escaper for report.html and junit.xml (escape.h). */
#include "escape.h"

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

/* The reference for code point cp in flavour f, NULL when cp is written as
 * it is, "" when it is dropped. */
static const char *reference(uint32_t cp, drip_esc f)
{
    bool html = f == DRIP_ESC_HTML_TEXT || f == DRIP_ESC_HTML_ATTR;
    bool attr = f == DRIP_ESC_HTML_ATTR || f == DRIP_ESC_XML_ATTR;
    switch (cp) {
    case '&':  return "&amp;";
    case '<':  return "&lt;";
    case '>':  return "&gt;";
    case '"':  return "&quot;";
    case '\'': return html ? "&#39;" : "&apos;";
    case '\r': return html ? "" : "&#13;";
    case '\n': return attr ? "&#10;" : NULL;
    case '\t': return attr ? "&#9;" : NULL;
    case 0xFFFE:
    case 0xFFFF: return "";                  /* not XML characters */
    default:
        if (cp < 0x20)
            return "";                       /* C0 controls: not XML characters */
        if (html && cp >= 0x7f && cp < 0xa0)
            return "";                       /* DEL and C1: nothing a browser shows */
        return NULL;
    }
}

void drip__escape(FILE *out, const char *s, drip_esc flavour)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = drip_utf8_decode(p, &cp);
        if (n == 0) {                         /* not UTF-8: one byte, one U+FFFD */
            fputs("\xEF\xBF\xBD", out);
            p++;
            continue;
        }
        const char *ref = reference(cp, flavour);
        if (ref)
            fputs(ref, out);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
}
