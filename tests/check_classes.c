/* check_classes.c - every built-in workload gets the class its pattern's
 * README promises.
 *
 *   check_classes REPORT_DIR SCENARIOS_DIR
 *
 * Reads REPORT_DIR/results.json (a `drip run --valgrind` of SCENARIOS_DIR)
 * and, for each scenario whose workload is a built-in of a pattern (the
 * workload name is `<pattern>-<variant>` and SCENARIOS_DIR/<pattern>/README.md
 * exists), compares its classification with the README line
 * `- Class (<variant>): <class>` (or `<class> or <class>` where the verdict
 * between two honestly depends on timing, e.g. `none or bounded` for a
 * fixed variant whose samples catch tasks in flight).  Patterns added later
 * are covered without
 * a change here.  Also fails when a README has no Class line, when a Class
 * line names a variant no scenario ran, or when a scenario did not pass.
 * Exit 0 when everything matches, 1 otherwise (each mismatch on stderr).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINES 64

typedef struct class_line {
    char *pattern, *variant, *cls;
    bool seen;
} class_line;

static class_line lines[MAX_LINES];
static size_t nlines;
static char *patterns[MAX_LINES];
static size_t npatterns;

/* Is `got` the class `want` names, or one of its "A or B" alternatives? */
static bool class_matches(const char *got, const char *want)
{
    size_t n = strlen(got);
    for (const char *p = want; p;) {
        if (strncmp(p, got, n) == 0 && (p[n] == '\0' || strncmp(p + n, " or ", 4) == 0))
            return true;
        p = strstr(p, " or ");
        if (p)
            p += 4;
    }
    return false;
}

/* Read the `- Class (VARIANT): CLASS` lines of one README. */
static int read_readme(const char *dir, const char *pattern)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/leaky.yaml", dir, pattern);
    if (access(path, F_OK) != 0)
        return 0;                            /* not a pattern folder (services/...) */
    snprintf(path, sizeof path, "%s/%s/README.md", dir, pattern);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;                            /* not a pattern folder */
    patterns[npatterns++] = strdup(pattern);
    char buf[1024];
    int found = 0;
    while (fgets(buf, sizeof buf, f)) {
        char variant[256], cls[256];
        buf[strcspn(buf, "\r\n")] = '\0';
        if (sscanf(buf, "- Class (%255[^)]): %255[^\n]", variant, cls) != 2)
            continue;
        if (nlines == MAX_LINES)
            break;
        lines[nlines++] = (class_line){strdup(pattern), strdup(variant), strdup(cls), false};
        found++;
    }
    fclose(f);
    if (!found) {
        fprintf(stderr, "%s: no '- Class (variant): class' line\n", path);
        return -1;
    }
    return 0;
}

/* The README line for workload name w, or NULL; *pattern_known says
 * whether w belongs to a pattern at all. */
static class_line *line_for(const char *w, bool *pattern_known)
{
    size_t best = 0;
    const char *pat = NULL;
    for (size_t i = 0; i < npatterns; i++) {
        size_t n = strlen(patterns[i]);
        if (n > best && strncmp(w, patterns[i], n) == 0 && w[n] == '-') {
            best = n;
            pat = patterns[i];
        }
    }
    *pattern_known = pat != NULL;
    if (!pat)
        return NULL;
    for (size_t i = 0; i < nlines; i++)
        if (strcmp(lines[i].pattern, pat) == 0 && strcmp(lines[i].variant, w + best + 1) == 0)
            return &lines[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: check_classes REPORT_DIR SCENARIOS_DIR\n");
        return 2;
    }
    int bad = 0;
    DIR *d = opendir(argv[2]);
    if (!d) {
        perror(argv[2]);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d)) && npatterns < MAX_LINES)
        if (e->d_name[0] != '.' && read_readme(argv[2], e->d_name) < 0)
            bad++;
    closedir(d);

    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", argv[1]);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) {
        fprintf(stderr, "%s: %s\n", path, err.text);
        return 1;
    }
    json_t *scs = json_object_get(root, "scenarios"), *sc;
    size_t i, checked = 0;
    json_array_foreach(scs, i, sc) {
        const char *name = json_string_value(json_object_get(sc, "name"));
        const char *w = json_string_value(json_object_get(sc, "workload"));
        const char *status = json_string_value(json_object_get(sc, "status"));
        json_t *c = json_object_get(sc, "classification");
        const char *got = json_string_value(json_object_get(c, "class"));
        const char *why = json_string_value(json_object_get(c, "why"));
        const char *basis = json_string_value(json_object_get(c, "basis"));
        bool known;
        class_line *l = w ? line_for(w, &known) : NULL;
        if (!w || !known)
            continue;
        checked++;
        if (!l) {
            fprintf(stderr, "%s: workload %s has no Class line in its pattern's README\n", name, w);
            bad++;
            continue;
        }
        l->seen = true;
        if (!status || strcmp(status, "pass") != 0) {
            fprintf(stderr, "%s: status %s, not pass\n", name, status ? status : "?");
            bad++;
        }
        if (!basis || strcmp(basis, "counters and valgrind") != 0) {
            fprintf(stderr, "%s: classified from %s, not from the counters and valgrind\n", name,
                    basis ? basis : "nothing");
            bad++;
        }
        bool ok = got && class_matches(got, l->cls);
        printf("%-28s %-18s %s  (%s)\n", name, got ? got : "-", ok ? "ok" : "MISMATCH",
               why ? why : "");
        if (!ok) {
            fprintf(stderr, "%s: class '%s', README says '%s'\n", name, got ? got : "(none)",
                    l->cls);
            bad++;
        }
    }
    for (size_t k = 0; k < nlines; k++)
        if (!lines[k].seen) {
            fprintf(stderr, "%s README: no scenario ran workload %s-%s\n", lines[k].pattern,
                    lines[k].pattern, lines[k].variant);
            bad++;
        }
    if (!checked) {
        fprintf(stderr, "no built-in pattern workload in %s\n", path);
        bad++;
    }
    printf("%zu scenarios checked, %d problem%s\n", checked, bad, bad == 1 ? "" : "s");
    json_decref(root);
    for (size_t k = 0; k < nlines; k++) {
        free(lines[k].pattern);
        free(lines[k].variant);
        free(lines[k].cls);
    }
    for (size_t k = 0; k < npatterns; k++)
        free(patterns[k]);
    return bad ? 1 : 0;
}
