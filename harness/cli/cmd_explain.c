/* cmd_explain.c - `drip explain PATTERN`: a pattern's explanation, and
 * where the files it cites are in this drip's copy (installed or source
 * tree): the pattern's own code (fetch.c, leaky.c), the public headers
 * (include/drip/chan.h) and the runtime's sources (src/rt/timer.c). */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "docs.h"
#include "util/util.h"

static const char explain_usage[] =
    "usage: drip explain PATTERN\n"
    "\n"
    "Print the explanation of a built-in leak pattern: the Go original, the C\n"
    "analog, why it leaks, the fix, the predicted slopes and which measurements\n"
    "catch it; then where the files it cites are on this machine.  Without\n"
    "PATTERN, list the patterns.\n";

#define CITED_MAX 64

/* Is s (len bytes, from between backquotes) a file name: [A-Za-z0-9_./-]+
 * ending in .c, .h, .yaml or .md? */
static bool looks_like_file(const char *s, size_t len)
{
    if (len < 3 || len > 200)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-", s[i]))
            return false;
    static const char *const ext[] = {".c", ".h", ".yaml", ".md"};
    for (size_t e = 0; e < 4; e++) {
        size_t n = strlen(ext[e]);
        if (len > n && memcmp(s + len - n, ext[e], n) == 0)
            return true;
    }
    return false;
}

/* Where `cited` is in this drip's copy, realpath'd and malloc'd, or NULL:
 * in the pattern's folder, the public headers (include/...), or beside
 * the scenarios (src/rt/... is installed in share/drip/src/rt). */
static char *resolve(const char *scenarios, const char *pattern, const char *include,
                     const char *cited)
{
    char *cand[3] = {xasprintf("%s/%s/%s", scenarios, pattern, cited), NULL, NULL};
    if (include && strncmp(cited, "include/", 8) == 0)
        cand[1] = xasprintf("%s/%s", include, cited + 8);
    else
        cand[1] = xasprintf("%s/../%s", scenarios, cited);
    char real[PATH_MAX], *found = NULL;
    for (int i = 0; i < 2 && !found; i++)
        if (access(cand[i], R_OK) == 0 && realpath(cand[i], real))
            found = xstrdup(real);
    free(cand[0]);
    free(cand[1]);
    return found;
}

/* After the text: each file it cites (in backquotes) that this drip has,
 * with its path here. */
static void print_cited(const char *pattern, const char *text)
{
    char *scenarios = drip_cli_scenarios_dir(), *include = drip_cli_include_dir();
    char *names[CITED_MAX], *paths[CITED_MAX];
    size_t n = 0, width = 0;
    for (const char *p = text; scenarios && (p = strchr(p, '`')) && n < CITED_MAX;) {
        const char *end = strchr(p + 1, '`');
        if (!end)
            break;
        size_t len = (size_t)(end - p - 1);
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = strlen(names[i]) == len && memcmp(names[i], p + 1, len) == 0;
        if (!seen && looks_like_file(p + 1, len)) {
            char *name = xstrndup(p + 1, len), *path = resolve(scenarios, pattern, include, name);
            if (path) {
                names[n] = name;
                paths[n++] = path;
                width = len > width ? len : width;
            } else {
                free(name);
            }
        }
        p = end + 1;
    }
    if (n)
        printf("\n---\nFiles cited above, in this drip's copy:\n");
    for (size_t i = 0; i < n; i++) {
        printf("  %-*s  %s\n", (int)width, names[i], paths[i]);
        free(names[i]);
        free(paths[i]);
    }
    free(scenarios);
    free(include);
}

int cmd_explain(int argc, char **argv)
{
    int status = drip_cli_flags(argc, argv, NULL, explain_usage, explain_usage);
    if (status >= 0)
        return status;
    if (optind == argc) {
        for (size_t i = 0; drip_docs[i].pattern; i++)
            printf("%s\n", drip_docs[i].pattern);
        return DRIP_EXIT_OK;
    }
    if (argc - optind > 1) {
        fputs(explain_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    const char *want = argv[optind];
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; drip_docs[i].pattern; i++) {
        if (strcmp(drip_docs[i].pattern, want) == 0) {
            fwrite(drip_docs[i].text, 1, drip_docs[i].len, stdout);
            print_cited(drip_docs[i].pattern, drip_docs[i].text);
            return DRIP_EXIT_OK;
        }
        if (n + 1 < sizeof names / sizeof names[0])
            names[n++] = drip_docs[i].pattern;
    }
    names[n] = NULL;
    const char *near = drip_did_you_mean(want, names);
    if (near)
        drip_cli_error("no pattern '%s' (did you mean '%s'?)", want, near);
    else
        drip_cli_error("no pattern '%s' (`drip explain` lists them)", want);
    return DRIP_EXIT_USAGE;
}
