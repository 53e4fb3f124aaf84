/* cmd_explain.c - `drip explain PATTERN`: a pattern's explanation. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "docs.h"
#include "util/util.h"

static const char explain_usage[] =
    "usage: drip explain PATTERN\n"
    "\n"
    "Print the explanation of a built-in leak pattern: the Go original, the C\n"
    "analog, why it leaks, the fix, the predicted slopes and which measurements\n"
    "catch it.  Without PATTERN, list the patterns.\n";

int cmd_explain(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(explain_usage, stdout);
        return DRIP_EXIT_OK;
    }
    if (argc < 2) {
        for (size_t i = 0; drip_docs[i].pattern; i++)
            printf("%s\n", drip_docs[i].pattern);
        return DRIP_EXIT_OK;
    }
    if (argc > 2) {
        fputs(explain_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; drip_docs[i].pattern; i++) {
        if (strcmp(drip_docs[i].pattern, argv[1]) == 0) {
            fwrite(drip_docs[i].text, 1, drip_docs[i].len, stdout);
            return DRIP_EXIT_OK;
        }
        if (n + 1 < sizeof names / sizeof names[0])
            names[n++] = drip_docs[i].pattern;
    }
    names[n] = NULL;
    const char *near = drip_did_you_mean(argv[1], names);
    if (near)
        drip_cli_error("no pattern '%s' (did you mean '%s'?)", argv[1], near);
    else
        drip_cli_error("no pattern '%s' (`drip explain` lists them)", argv[1]);
    return DRIP_EXIT_USAGE;
}
