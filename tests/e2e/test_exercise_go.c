/* test_exercise_go.c - end to end: `drip exercise --go PATTERN main.go`.
 *
 * A participant's main.go is built offline beside the pattern's go.mod and
 * graded by the pattern's go-fixed.yaml, started without -fixed: the Go
 * original as it is (leaky unless run with -fixed) fails naming the metric
 * that grows; the same file with the lesson's line fixed (missing-cancel's
 * `s.cancel()`) passes; a file that does not build shows go build's
 * message.  Skipped (exit 77) when there is no Go toolchain; the error
 * drip gives then is tested in test_exercise.c (exercise_go_missing).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "e2e.h"
#include "util/util.h"

#define PATTERN "missing-cancel"
#define ORIGINAL SRC("scenarios/" PATTERN "/go/main.go")

/* drip exercise --go PATTERN main_go, in no particular directory. */
static proc grade(const char *main_go)
{
    const char *argv[] = {DRIP_BIN, "exercise", "--go", PATTERN, main_go, NULL};
    const char *env[] = {"NO_COLOR=1", NULL};
    return run_cmd(NULL, env, argv);
}

/* DIR/main.go holding the original with the first `from` replaced by `to`
 * (which must be there); malloc'd path. */
static char *edited_copy_as(const char *dir, const char *name, const char *from,
                            const char *to)
{
    char *text = slurp(ORIGINAL);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "%s no longer holds '%s'", ORIGINAL, from);
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    fclose(f);
    free(text);
    return path;
}

static char *edited_copy(const char *dir, const char *from, const char *to)
{
    return edited_copy_as(dir, "main.go", from, to);
}

/* The Go original untouched: leaky without -fixed, so not fixed yet. */
START_TEST(go_leaky_fails)
{
    proc p = grade(ORIGINAL);
    ck_assert_msg(p.status == 1, "exit %d: %s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "not fixed yet: " PATTERN) &&
                  strstr(p.out, "tasks still grows"), "%s", p.out);
    ck_assert_msg(strstr(p.out, "The Go original under Drip"), "%s", p.out);
    ck_assert_msg(strstr(p.err, "go build"), "the build line is shown: %s", p.err);
    proc_free(&p);
}
END_TEST

/* The lesson's line fixed in a copy: passes, without any -fixed flag. */
START_TEST(go_fixed_passes)
{
    char *dir = tmpdir();
    char *src = edited_copy(dir, "// missing: s.cancel()", "s.cancel()");
    proc p = grade(src);
    ck_assert_msg(p.status == 0, "exit %d: %s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.out, "fixed: " PATTERN) && strstr(p.out, "go/main.go"), "%s", p.out);
    proc_free(&p);
    free(src);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* A syntax error: go build's own message (file and line), then ours, exit 2,
 * and nothing runs. */
START_TEST(go_build_error)
{
    char *dir = tmpdir();
    char *src = edited_copy(dir, "func main() {", "func main() { if {");
    proc p = grade(src);
    ck_assert_msg(p.status == 2, "exit %d: %s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.err, "main.go:") && strstr(p.err, "does not build"), "%s", p.err);
    ck_assert_ptr_null(strstr(p.out, "fixed"));
    proc_free(&p);
    free(src);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* The same in a file not called main.go: go build names the copy
 * (./main.go), so drip says which file that is. */
START_TEST(go_build_error_names_the_file)
{
    char *dir = tmpdir();
    char *src = edited_copy_as(dir, "mine.go", "func main() {", "func main() { if {");
    proc p = grade(src);
    ck_assert_msg(p.status == 2, "exit %d: %s%s", p.status, p.out, p.err);
    ck_assert_msg(strstr(p.err, "their ./main.go is ") && strstr(p.err, "mine.go, copied"), "%s",
                  p.err);
    proc_free(&p);
    free(src);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* Without a Go toolchain the suite is skipped, never passed. */
int drip_test_before(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (system("command -v \"${GO:-go}\" >/dev/null 2>&1") != 0) {
        printf("skipped: no Go toolchain (go not on PATH)\n");
        return 77;
    }
    return -1;
}

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("exercise_go");
    TCase *tc = drip_tcase(s, "go", go_leaky_fails, go_fixed_passes, go_build_error,
                           go_build_error_names_the_file, NULL);
    tcase_set_timeout(tc, 240);
    return s;
}
