/* test_escape.c - the report module's one escaper (harness/report/escape.h)
 * in its four flavours: report.html's text and attributes, junit.xml's
 * (XML 1.0).  "core": what each flavour writes for the characters where
 * they differ, and for those where they agree. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "report/escape.h"

static char *escaped(const char *s, drip_esc f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(out);
    drip__escape(out, s, f);
    ck_assert_int_eq(fclose(out), 0);
    return buf;
}

static void expect(const char *s, drip_esc f, const char *want)
{
    static const char *const names[] = {"html text", "html attr", "xml text", "xml attr"};
    char *got = escaped(s, f);
    ck_assert_msg(strcmp(got, want) == 0, "%s: '%s' became '%s', not '%s'", names[f], s, got,
                  want);
    free(got);
}

/* The same in every flavour: the markup characters, U+FFFD for each
 * invalid byte, C0 controls and U+FFFE/U+FFFF dropped, text kept. */
START_TEST(test_common)
{
    for (int f = DRIP_ESC_HTML_TEXT; f <= DRIP_ESC_XML_ATTR; f++) {
        expect("<a href=\"x\">&</a>", f, "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
        expect("bad\xff\xfe end \xc3\xa9 \xf0\x9f\x98\x80", f,
               "bad\xef\xbf\xbd\xef\xbf\xbd end \xc3\xa9 \xf0\x9f\x98\x80");
        expect("a\x01" "b\x1f" "c\xef\xbf\xbe" "d\xef\xbf\xbf" "e", f, "abcde");
        expect("\xe2\x80\xa8\xef\xbf\xbd", f, "\xe2\x80\xa8\xef\xbf\xbd");   /* U+2028, U+FFFD */
        expect(NULL, f, "");
        expect("", f, "");
    }
}
END_TEST

/* Where they differ: the apostrophe, CR, DEL and C1 controls, tab and
 * newline (escape.h's table). */
START_TEST(test_flavours)
{
    static const char *const s = "it's\r\x7f\xc2\x85\t\n.";
    expect(s, DRIP_ESC_HTML_TEXT, "it&#39;s\t\n.");
    expect(s, DRIP_ESC_HTML_ATTR, "it&#39;s&#9;&#10;.");
    expect(s, DRIP_ESC_XML_TEXT, "it&apos;s&#13;\x7f\xc2\x85\t\n.");
    expect(s, DRIP_ESC_XML_ATTR, "it&apos;s&#13;\x7f\xc2\x85&#9;&#10;.");
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("escape");
    drip_tcase(s, "core", test_common, test_flavours, NULL);
    return s;
}
