/* json_text.c - jansson's text of results.json in the forms drip has
 * always written, so that a report keeps its bytes across the change of
 * writer (docs/REPORTS.md): three differences of form, none of value.
 *
 *   jansson                       drip
 *   "nth": [\n  2,\n  5\n]        "nth": [2, 5]      an array of integers on one line
 *   1.5e-7, 1e20                  1.5e-07, 1e+20     "%.15g"'s exponents (sign, 2 digits)
 *   "\b", "\f", "\u001F"          "\u0008", "\u000c", "\u001f"
 *
 * The input is what json_dumpb wrote, so the scan is simple: outside
 * strings there are only punctuation, whitespace, numbers and the words
 * true, false and null.
 */
#include "json_keys.h"

#include <ctype.h>
#include <string.h>

/* An escape inside a string at s (s[0] == '\\'): appended in drip's form;
 * returns the bytes of s it took. */
static size_t escape(strbuf *out, const char *s, size_t left)
{
    if (left >= 2 && (s[1] == 'b' || s[1] == 'f')) {
        sb_append(out, s[1] == 'b' ? "\\u0008" : "\\u000c");
        return 2;
    }
    if (left >= 6 && s[1] == 'u') {
        char u[7] = {'\\', 'u'};
        for (int i = 2; i < 6; i++)
            u[i] = (char)tolower((unsigned char)s[i]);
        sb_appendn(out, u, 6);
        return 6;
    }
    sb_appendn(out, s, left >= 2 ? 2 : left);
    return left >= 2 ? 2 : left;
}

/* An array at s (s[0] == '[') holding only integers: appended on one line,
 * returning the bytes of s it took; 0 when it holds anything else. */
static size_t integer_array(strbuf *out, const char *s, size_t left)
{
    size_t end = 1;
    bool digit = false;
    while (end < left && strchr("0123456789-, \n", s[end]) && s[end])
        digit |= isdigit((unsigned char)s[end++]);
    if (end >= left || s[end] != ']' || !digit)
        return 0;
    sb_append(out, "[");
    for (size_t i = 1; i < end; i++) {
        if (s[i] == ',')
            sb_append(out, ", ");
        else if (s[i] != ' ' && s[i] != '\n')
            sb_appendn(out, &s[i], 1);
    }
    sb_append(out, "]");
    return end + 1;
}

/* An exponent at s (s[0] == 'e', after a digit): "e-7" as "e-07", "e20" as
 * "e+20"; returns the bytes of s it took. */
static size_t exponent(strbuf *out, const char *s, size_t left)
{
    size_t i = 1;
    sb_append(out, "e");
    if (i < left && (s[i] == '-' || s[i] == '+'))
        sb_appendn(out, &s[i++], 1);
    else
        sb_append(out, "+");
    size_t digits = 0;
    while (i + digits < left && isdigit((unsigned char)s[i + digits]))
        digits++;
    if (digits == 1)
        sb_append(out, "0");
    sb_appendn(out, s + i, digits);
    return i + digits;
}

char *drip__jclassic(const char *text, size_t n, size_t *len)
{
    strbuf out = {0};
    bool in_string = false;
    for (size_t i = 0; i < n;) {
        char c = text[i];
        size_t took = 0;
        if (in_string && c == '\\')
            took = escape(&out, text + i, n - i);
        else if (!in_string && c == '[')
            took = integer_array(&out, text + i, n - i);
        else if (!in_string && c == 'e' && i > 0 && isdigit((unsigned char)text[i - 1]))
            took = exponent(&out, text + i, n - i);
        if (!took) {
            if (c == '"')
                in_string = !in_string;
            sb_appendn(&out, &c, 1);
            took = 1;
        }
        i += took;
    }
    *len = out.len;
    return out.buf ? sb_take(&out) : xstrdup("");
}
