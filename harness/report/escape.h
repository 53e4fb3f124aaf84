/* escape.h - text from outside Drip made safe for markup (internal to the
 * report module): one escaper for report.html and junit.xml, in the
 * flavour each needs.
 *
 * Names, descriptions, reasons, warnings and stacks come from scenario
 * files and plugins: a description may hold "<script>", a plugin's message
 * invalid UTF-8.  In every flavour the five special characters become
 * references (&amp; &lt; &gt; &quot; and the apostrophe), each invalid
 * UTF-8 byte becomes U+FFFD, and the characters XML 1.0 forbids (C0
 * controls other than tab, newline and CR; U+FFFE and U+FFFF) are dropped,
 * so both files are well-formed XML.  The flavours differ in:
 *
 *                      '        CR       DEL, C1 controls   tab, newline
 *   DRIP_ESC_HTML_TEXT &#39;    dropped  dropped            as they are
 *   DRIP_ESC_HTML_ATTR &#39;    dropped  dropped            &#9; &#10;
 *   DRIP_ESC_XML_TEXT  &apos;   &#13;    as they are        as they are
 *   DRIP_ESC_XML_ATTR  &apos;   &#13;    as they are        &#9; &#10;
 *
 * HTML has no &apos; before HTML5, and a browser shows nothing for CR or a
 * C1 control; XML 1.0 allows C1 controls, and a parser turns a literal CR
 * into a newline (and, in an attribute, tab and newline into spaces), so
 * junit.xml writes what must survive as references.
 */
#ifndef DRIP_REPORT_ESCAPE_H
#define DRIP_REPORT_ESCAPE_H

#include <stdio.h>

typedef enum drip_esc {
    DRIP_ESC_HTML_TEXT,
    DRIP_ESC_HTML_ATTR,
    DRIP_ESC_XML_TEXT,
    DRIP_ESC_XML_ATTR,
} drip_esc;

/* Write s (NULL writes nothing) escaped for flavour to out.  Cannot fail
 * beyond the stream's own errors (ferror). */
void drip__escape(FILE *out, const char *s, drip_esc flavour);

#endif /* DRIP_REPORT_ESCAPE_H */
