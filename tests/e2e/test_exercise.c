/* test_exercise.c - end to end: `drip exercise` and `drip new`.
 *
 * The grading of each pattern's exercise.c (fails, naming a metric) and
 * solution.c (passes) is one ctest per pattern (tests/exercise_check.cmake);
 * here are the command's other paths: listing, unknown patterns, files
 * that do not compile, a missing compiler, a crashing plugin (exit 3, the
 * line it crashed at), a hanging one (exit 3), a half fix credited for
 * what it fixed; and `drip
 * new`, whose skeleton must build, pass its own scenario, turn red when
 * its error path leaks, and never be written over.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e.h"

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* drip with up to 4 arguments (the first NULL ends them). */
static proc drip(const char *cwd, const char *cc, const char *a1, const char *a2,
                 const char *a3, const char *a4)
{
    const char *argv[] = {DRIP_BIN, a1, a2, a3, a4, NULL};
    char setcc[256];
    snprintf(setcc, sizeof setcc, "CC=%s", cc ? cc : "");
    const char *env[] = {cc ? setcc : "CC", "NO_COLOR=1", NULL};
    return run_cmd(cwd, env, argv);
}

/* ---- drip exercise ------------------------------------------------------------ */

START_TEST(exercise_lists_patterns)
{
    proc p = drip(NULL, NULL, "exercise", NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 0);
    const char *want[] = {"blocked-channel", "global-map", "slice-retention", "time-after",
                          "unclosed-body"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(strstr(p.out, want[i]), "missing %s in: %s", want[i], p.out);
    proc_free(&p);
}
END_TEST

START_TEST(exercise_bad_command_lines)
{
    proc p = drip(NULL, NULL, "exercise", "blocked-channel", NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "expected a pattern and one C file"));
    proc_free(&p);

    p = drip(NULL, NULL, "exercise", "blocked-chanel", "x.c", NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "no exercise for pattern 'blocked-chanel' (did you mean "
                         "'blocked-channel'?)"), "%s", p.err);
    proc_free(&p);

    p = drip(NULL, NULL, "exercise", "../../etc", "x.c", NULL);   /* not a name */
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "no exercise for pattern"));
    proc_free(&p);

    p = drip(NULL, NULL, "exercise", "time-after", "/nonexistent/fix.c", NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "cannot read /nonexistent/fix.c") &&
                  strstr(p.err, "exercise/exercise.c"), "%s", p.err);
    proc_free(&p);

    p = drip(NULL, NULL, "exercise", "--seed", "x", NULL);
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);
}
END_TEST

/* A file that does not compile: the compiler's own message, then ours,
 * and nothing runs. */
START_TEST(exercise_compile_error)
{
    char *dir = tmpdir(), src[512];
    snprintf(src, sizeof src, "%s/broken.c", dir);
    spit(src, "#include <drip/workload.h>\nint broken(void) { return undeclared_thing; }\n");
    proc p = drip(NULL, NULL, "exercise", "time-after", src, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "undeclared_thing") && strstr(p.err, "does not compile"),
                  "%s", p.err);
    ck_assert_msg(strstr(p.err, "-shared -fPIC -I "), "the plugin line is shown: %s", p.err);
    ck_assert_ptr_null(strstr(p.out, "fixed"));
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(exercise_missing_compiler)
{
    char src[512];
    snprintf(src, sizeof src, "%s/scenarios/time-after/exercise/solution.c", DRIP_SOURCE_DIR);
    proc p = drip(NULL, "/nonexistent/bin/cc", "exercise", "time-after", src, NULL);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "cannot run the compiler '/nonexistent/bin/cc'"), "%s", p.err);
    proc_free(&p);
}
END_TEST

/* --go without a Go toolchain: a clear error, exit 2, nothing run. */
START_TEST(exercise_go_missing)
{
    const char *argv[] = {DRIP_BIN, "exercise", "--go", "missing-cancel",
                          SRC("scenarios/missing-cancel/go/main.go"), NULL};
    const char *env[] = {"GO=/nonexistent/bin/go", "NO_COLOR=1", NULL};
    proc p = run_cmd(NULL, env, argv);
    ck_assert_msg(p.status == 2, "exit %d: %s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.err, "cannot run the Go toolchain '/nonexistent/bin/go'") &&
                  strstr(p.err, "golang-go"), "%s", p.err);
    ck_assert_ptr_null(strstr(p.out, "fixed"));
    proc_free(&p);

    const char *nogo[] = {DRIP_BIN, "exercise", "--go", "missing-cancl", "main.go", NULL};
    p = run_cmd(NULL, env, nogo);
    ck_assert_int_eq(p.status, 2);
    ck_assert_msg(strstr(p.err, "no Go exercise for pattern 'missing-cancl' (did you mean "
                         "'missing-cancel'?)"), "%s", p.err);
    proc_free(&p);
}
END_TEST

/* The directory drip kept for the student ("kept in DIR"), removed. */
static void remove_kept(const char *err)
{
    const char *kept = strstr(err, "kept in ");
    if (kept) {
        char dir[512];
        snprintf(dir, sizeof dir, "%.*s", (int)strcspn(kept + 8, "\n"), kept + 8);
        ck_assert_ptr_nonnull(strstr(dir, "drip-exercise-"));
        rm_rf(dir);
    }
}

/* A plugin that crashes: exit 3, the line it crashed at (outside libc),
 * the way to run it alone and the hints; CC may carry flags. */
START_TEST(exercise_crash_is_reported)
{
    char src[512];
    snprintf(src, sizeof src, "%s/tests/plugins/crash.c", DRIP_SOURCE_DIR);
    proc p = drip(NULL, "cc -O0", "exercise", "time-after", src, NULL);
    ck_assert_int_eq(p.status, 3);
    ck_assert_msg(strstr(p.out, "crashed: time-after") && strstr(p.out, "SIGSEGV") &&
                  strstr(p.out, "at iterate (crash.c:9)"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "drip worker --plugin ") &&
                  strstr(p.out, "time-after/exercise/HINTS.md"), "%s", p.out);
    ck_assert_msg(strstr(p.err, "the worker's log is kept in"), "%s", p.err);
    remove_kept(p.err);
    proc_free(&p);
}
END_TEST

/* A fix that crashes in the student's own code: the grader names the
 * function and line, and the stack outward, and exits 3. */
START_TEST(exercise_crash_site)
{
    char *dir = tmpdir(), fix[512];
    char *text = slurp(SRC("scenarios/blocked-channel/exercise/exercise.c"));
    const char *at = strstr(text, "static int iterate(");
    const char *timeout = strstr(text, "        rc = -1;   /* LESSON: timed out");
    ck_assert(at && timeout && at < timeout);
    snprintf(fix, sizeof fix, "%s/my_fix.c", dir);
    FILE *f = fopen(fix, "w");
    ck_assert_ptr_nonnull(f);
    /* a "fix" that clears the job the worker still owns: through NULL */
    fprintf(f, "%.*sstatic void forget(job *j)\n{\n    j->answer = NULL;\n}\n\n%.*s"
            "        forget(NULL);\n%s", (int)(at - text), text, (int)(timeout - at), at, timeout);
    fclose(f);
    free(text);
    text = slurp(fix);                   /* the line of `j->answer = NULL;` */
    int line = 1;
    for (const char *c = text; c < strstr(text, "    j->answer = NULL;"); c++)
        line += *c == '\n';
    free(text);

    proc p = drip(dir, NULL, "exercise", "blocked-channel", "my_fix.c", NULL);
    ck_assert_msg(p.status == 3, "exit %d\n%s%s", p.status, p.out, p.err);
    char want[128];
    snprintf(want, sizeof want, "at forget (my_fix.c:%d)", line);
    ck_assert_msg(strstr(p.out, "crashed: blocked-channel (my_fix.c): SIGSEGV") &&
                  strstr(p.out, want), "want '%s' in:\n%s", want, p.out);
    snprintf(want, sizeof want, "\n    forget (my_fix.c:%d)\n    iterate (my_fix.c:", line);
    ck_assert_msg(strstr(p.out, want), "want the stack '%s' in:\n%s", want, p.out);
    ck_assert_msg(strstr(p.out, "blocked-channel/exercise/HINTS.md"), "%s", p.out);
    remove_kept(p.err);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* A fix that hangs: exit 3, said so, with the hints (the exercise's own
 * 60 s timeout: the slowest test here). */
START_TEST(exercise_hang)
{
    char src[512];
    snprintf(src, sizeof src, "%s/tests/plugins/hang.c", DRIP_SOURCE_DIR);
    proc p = drip(NULL, NULL, "exercise", "time-after", src, NULL);
    ck_assert_msg(p.status == 3, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "hung: time-after (") && strstr(p.out, "timeout after 60 s") &&
                  strstr(p.out, "time-after/exercise/HINTS.md"), "%s", p.out);
    remove_kept(p.err);
    proc_free(&p);
}
END_TEST

/* Half a fix: the fd is closed but the FILE's buffer leaks.  fds is
 * credited ("fds: fixed"), the heap still grows, with where. */
START_TEST(exercise_half_fix)
{
    char *dir = tmpdir(), fix[512];
    char *text = slurp(SRC("scenarios/unclosed-file/exercise/exercise.c"));
    const char *early = "        return -1;                /* LESSON: an early return";
    char *at = strstr(text, early);
    ck_assert_ptr_nonnull(at);
    snprintf(fix, sizeof fix, "%s/my_fix.c", dir);
    FILE *f = fopen(fix, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*s        { close(fileno(f)); return -1; }\n%s", (int)(at - text), text,
            strchr(at, '\n') + 1);
    fclose(f);
    free(text);
    proc p = drip(dir, NULL, "exercise", "unclosed-file", "my_fix.c", NULL);
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "not fixed yet: unclosed-file (my_fix.c)") &&
                  strstr(p.out, "\n    fds: fixed (flat, as in the fixed code)\n") &&
                  strstr(p.out, "\n    heap_bytes still grows: +") &&
                  strstr(p.out, "\n      grows at: "), "%s", p.out);
    ck_assert_ptr_null(strstr(p.out, "fds still grows"));
    /* as `drip run` says it: the allocating frame and the user frame (in
     * my_fix.c), not the first four frames */
    const char *line = strstr(p.out, "\n      grows at: ") + 1;
    size_t len = strcspn(line, "\n"), frames = 1;
    for (const char *c = line; (c = strstr(c, " < ")) && c < line + len; c += 3)
        frames += strncmp(c, " < ... < ", 9) != 0;
    ck_assert_msg(frames <= 2 && strstr(line, "(my_fix.c:") &&
                  strstr(line, "(my_fix.c:") < line + len, "%.*s", (int)len, line);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* s with the first `from` replaced by `to` (malloc'd); from must be there. */
static char *replaced(char *s, const char *from, const char *to)
{
    char *at = strstr(s, from), *r;
    ck_assert_msg(at != NULL, "'%s' is not in the exercise", from);
    if (asprintf(&r, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from)) < 0)
        abort();
    free(s);
    return r;
}

/* A global-map "fix" that stops caching (renders every request and frees
 * it): nothing grows, but the workload's own metric cache.hits says the
 * cache no longer does its job. */
START_TEST(exercise_fix_without_cache)
{
    char *dir = tmpdir(), fix[512];
    char *text = slurp(SRC("scenarios/global-map/exercise/exercise.c"));
    text = replaced(text, "char *v = drip_map_get(c->map, id);", "char *v = NULL;   /* no cache */");
    text = replaced(text, "if (!v || drip_map_put(c->map, id, v) < 0) {", "if (!v) {");
    text = replaced(text, "(void)sink;", "(void)sink;\n    free(v);");
    snprintf(fix, sizeof fix, "%s/my_fix.c", dir);
    spit(fix, text);
    free(text);
    proc p = drip(dir, NULL, "exercise", "global-map", "my_fix.c", NULL);
    ck_assert_msg(p.status == 1, "exit %d\n%s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "not fixed yet: global-map (my_fix.c)") &&
                  strstr(p.out, "\n    heap_bytes: fixed (") &&
                  strstr(p.out, "\n    cache.hits: none at all: the code no longer reports it "
                                "(drip_metric_add); the fixed code does, at +0.5000 units/iter "
                                "or more"), "%s", p.out);
    ck_assert_ptr_null(strstr(p.out, "cache.hits: fixed"));
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* ---- drip new -------------------------------------------------------------------- */

static proc build_and_run(const char *dir, const char *name)
{
    char so[512], c[512], yaml[512], report[512], inc[512];
    snprintf(so, sizeof so, "lib%s.so", name);
    snprintf(c, sizeof c, "%s.c", name);
    snprintf(yaml, sizeof yaml, "%s.yaml", name);
    snprintf(report, sizeof report, "%s/report", dir);
    snprintf(inc, sizeof inc, "%s/include", DRIP_SOURCE_DIR);
    const char *cc[] = {"/bin/sh", "-c", "exec ${CC:-cc} -Wall -Wextra -Werror -shared -fPIC "
                        "-I \"$1\" \"$2\" -o \"$3\"", "sh", inc, c, so, NULL};
    const char *env[] = {"NO_COLOR=1", NULL};
    proc p = run_cmd(dir, env, cc);
    ck_assert_msg(p.status == 0, "the skeleton does not build: %s", p.err);
    proc_free(&p);
    const char *args[] = {DRIP_BIN, "run", "--no-color", "-o", report, yaml, NULL};
    return run_cmd(dir, env, args);
}

START_TEST(new_builds_runs_and_catches)
{
    char *dir = tmpdir(), sub[512], path[600];
    snprintf(sub, sizeof sub, "%s/work/here", dir);      /* created by drip new */
    snprintf(path, sizeof path, "%s/", sub);              /* a trailing '/' is joined */
    proc p = drip(NULL, NULL, "new", "my-load", path, NULL);
    ck_assert_msg(p.status == 0, "%s", p.err);
    char wrote[1200];
    snprintf(wrote, sizeof wrote, "wrote %s/my-load.c and %s/my-load.yaml\n", sub, sub);
    ck_assert_msg(strstr(p.out, wrote) && !strstr(p.out, "//"), "%s", p.out);
    proc_free(&p);

    p = build_and_run(sub, "my-load");
    ck_assert_msg(p.status == 0, "the skeleton's scenario fails: %s%s", p.out, p.err);
    ck_assert_ptr_nonnull(strstr(p.out, "PASS   my-load"));
    ck_assert_msg(strstr(p.out, "expect: default (nothing grows)"), "%s", p.out);
    proc_free(&p);

    /* Drop the error path's free(), as the skeleton's comment suggests:
     * the same scenario must now fail on heap growth. */
    snprintf(path, sizeof path, "%s/my-load.c", sub);
    char *text = slurp(path);
    const char *needle = "    if (drip_fault(ctx, \"error\")) {\n        free(buf);\n";
    char *at = strstr(text, needle);
    ck_assert_ptr_nonnull(at);
    memmove(at + strlen("    if (drip_fault(ctx, \"error\")) {\n"), at + strlen(needle),
            strlen(at + strlen(needle)) + 1);
    spit(path, text);
    free(text);
    p = build_and_run(sub, "my-load");
    ck_assert_msg(p.status == 1, "the leak was not caught: %s", p.out);
    ck_assert_ptr_nonnull(strstr(p.out, "FAIL   my-load"));
    ck_assert_ptr_nonnull(strstr(p.out, "expect: default (nothing grows): heap_bytes: growing"));
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(new_never_overwrites)
{
    char *dir = tmpdir(), yaml[512];
    snprintf(yaml, sizeof yaml, "%s/x.yaml", dir);
    spit(yaml, "mine\n");
    proc p = drip(NULL, NULL, "new", "x", dir, NULL);
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.err, "x.yaml exists; not overwriting it"), "%s", p.err);
    proc_free(&p);
    char *kept = slurp(yaml), c[512];
    ck_assert_str_eq(kept, "mine\n");
    free(kept);
    snprintf(c, sizeof c, "%s/x.c", dir);
    ck_assert_int_ne(access(c, F_OK), 0);                 /* nothing half-written */

    p = drip(dir, NULL, "new", "y", NULL, NULL);          /* DIR defaults to . */
    ck_assert_int_eq(p.status, 0);
    proc_free(&p);
    p = drip(dir, NULL, "new", "y", NULL, NULL);
    ck_assert_int_eq(p.status, 1);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* drip new --command: a program's scenario alone, which runs as written
 * (Drip's example service) and passes; never overwritten. */
START_TEST(new_command_runs)
{
    char *dir = tmpdir(), yaml[512], c[512], out[512];
    snprintf(yaml, sizeof yaml, "%s/svc.yaml", dir);
    snprintf(c, sizeof c, "%s/svc.c", dir);
    snprintf(out, sizeof out, "%s/r", dir);
    proc p = drip(NULL, NULL, "new", "--command", "svc", dir);
    ck_assert_msg(p.status == 0 && strstr(p.out, "svc.yaml"), "%d %s %s", p.status, p.out, p.err);
    proc_free(&p);
    ck_assert_int_eq(access(yaml, F_OK), 0);
    ck_assert_int_ne(access(c, F_OK), 0);                 /* no plugin for a program */
    char *text = slurp(yaml);
    ck_assert_ptr_nonnull(strstr(text, "command: [\"{bin}/drip-kvd\""));
    free(text);
    p = drip(NULL, NULL, "run", "-o", out, yaml);
    ck_assert_msg(p.status == 0 && strstr(p.out, "PASS   svc"), "%d %s %s", p.status, p.out,
                  p.err);
    proc_free(&p);
    p = drip(NULL, NULL, "new", "--command", "svc", dir);
    ck_assert_int_eq(p.status, 1);
    ck_assert_msg(strstr(p.err, "svc.yaml exists; not overwriting it"), "%s", p.err);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(new_bad_names)
{
    const char *bad[] = {"", "-x", ".hidden", "a b", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        proc p = drip("/tmp", NULL, "new", "--", bad[i], NULL);   /* "-x" is no option */
        ck_assert_msg(p.status == 2, "'%s': %d", bad[i], p.status);
        ck_assert_ptr_nonnull(strstr(p.err, "is not a workload name"));
        proc_free(&p);
    }
    proc p = drip(NULL, NULL, "new", NULL, NULL, NULL);
    ck_assert_int_eq(p.status, 2);
    proc_free(&p);
}
END_TEST

/* The README's plugin example, built as a user would at -O2, leaks: its
 * malloc is not optimized away (the pointer is kept in a volatile). */
START_TEST(readme_plugin_leaks_when_optimized)
{
    char *dir = tmpdir(), path[600];
    char *readme = slurp(SRC("README.md"));
    const char *sec = strstr(readme, "## Writing a workload plugin");
    ck_assert_ptr_nonnull(sec);
    const char *code = strstr(sec, "```c\n"), *end = code ? strstr(code + 5, "```") : NULL;
    ck_assert(code && end);
    snprintf(path, sizeof path, "%s/mine.c", dir);
    char *c = strndup(code + 5, (size_t)(end - code - 5));
    spit(path, c);
    free(c);
    free(readme);
    snprintf(path, sizeof path, "%s/mine.yaml", dir);
    spit(path, "name: readme-plugin\nworkload: { plugin: ./libmine.so }\n"
               "run: { iterations: 2000, sample_every: 20 }\n"
               "faults: [ { point: drop, rate: 0.5 } ]\n"
               "expect: { heap_bytes: { verdict: growing, min_slope: 4 } }\n");
    const char *cc[] = {"/bin/sh", "-c", "exec ${CC:-cc} -O2 -shared -fPIC -I \"$1\" mine.c "
                        "-o libmine.so", "sh", SRC("include"), NULL};
    proc p = run_cmd(dir, NULL, cc);
    ck_assert_msg(p.status == 0, "the README's plugin does not build: %s", p.err);
    proc_free(&p);
    const char *args[] = {DRIP_BIN, "run", "--no-color", "-o", "report", "mine.yaml", NULL};
    p = run_cmd(dir, NULL, args);
    ck_assert_msg(p.status == 0, "the README's plugin leaks nothing at -O2: %s%s", p.out, p.err);
    proc_free(&p);
    rm_rf(dir);
    free(dir);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("exercise");
    TCase *ex = drip_tcase(s, "exercise", exercise_lists_patterns, exercise_bad_command_lines,
            exercise_compile_error, exercise_missing_compiler, exercise_go_missing,
            exercise_crash_is_reported,
            exercise_crash_site, exercise_half_fix, exercise_fix_without_cache, NULL);
    tcase_set_timeout(ex, 120);

    TCase *hang = drip_tcase(s, "hang", exercise_hang, NULL);
    tcase_set_timeout(hang, 200);

    TCase *nw = drip_tcase(s, "new", new_builds_runs_and_catches, new_never_overwrites,
            new_command_runs, new_bad_names, readme_plugin_leaks_when_optimized, NULL);
    tcase_set_timeout(nw, 120);
    return s;
}
