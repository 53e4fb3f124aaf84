/* test_write_dir.c - the report directory (harness/report/write_dir.c):
 * opened and created, checked for writability, every file written through
 * a fresh temporary under the directory's fd; links planted in the folder,
 * under the temporary or the final names, are never written through.  The
 * model is report_fixtures.h's.
 */
#define _GNU_SOURCE                     /* nftw */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "report/report.h"
#include "util/util.h"

#include "report_fixtures.h"

static char base[] = "/tmp/drip-test-wdir-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void dir_setup(void)
{
    setup();
    strcpy(base, "/tmp/drip-test-wdir-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
}

static void dir_teardown(void)
{
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    teardown();
}

static bool is_file(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool ok = lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    free(path);
    return ok;
}

/* Entries of dir ending in .tmp that are not symbolic links: what a
 * writer left behind (planted links are the test's own). */
static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        struct stat st;
        if (len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0 &&
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode))
            n++;
    }
    closedir(d);
    return n;
}

/* Write the fixture's run into dir (opened, created if missing). */
static int write_into(const char *dir, char **err)
{
    int fd = drip_report_dir_open(dir, err);
    if (fd < 0)
        return -1;
    int rc = drip_report_write_dir(&run, fd, dir, err);
    close(fd);
    return rc;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_write_dir)
{
    /* missing parents are created */
    char *dir = xasprintf("%s/a/b", base);
    char *err = NULL;
    ck_assert_int_eq(write_into(dir, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert(is_file(dir, "results.json"));
    ck_assert(is_file(dir, "junit.xml"));
    ck_assert(is_file(dir, "report.html"));
    ck_assert(is_file(dir, "global-map-leaky.csv"));
    ck_assert(is_file(dir, "global-map-lru.csv"));
    ck_assert(is_file(dir, "crashy.csv"));
    ck_assert_int_eq(count_tmp(dir), 0);
    char *path = xasprintf("%s/results.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    json_decref(root);
    free(path);

    /* writing again replaces the files */
    ck_assert_int_eq(write_into(dir, &err), 0);
    ck_assert_int_eq(count_tmp(dir), 0);
    free(dir);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_dir_open_errors)
{
    /* a directory under a regular file cannot be created */
    char *file = xasprintf("%s/plain", base);
    spit(file, "x");
    char *bad = xasprintf("%s/sub", file);
    char *err = NULL;
    ck_assert_int_eq(drip_report_dir_open(bad, &err), -1);
    char *want = xasprintf("cannot create %s: Not a directory", bad);
    ck_assert_str_eq(err, want);
    free(want);
    free(err);
    ck_assert_int_eq(drip_report_dir_open(file, &err), -1);   /* the file itself */
    ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
    free(err);
    free(bad);
    free(file);
}
END_TEST

/* results.json cannot replace a directory: the error names the file and
 * the temporary is gone */
START_TEST(test_write_over_directory)
{
    char *blocked = xasprintf("%s/blocked", base);
    char *sub = xasprintf("%s/results.json", blocked);
    ck_assert_int_eq(mkdir(blocked, 0777), 0);
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    char *err = NULL;
    ck_assert_int_eq(write_into(blocked, &err), -1);
    char *want = xasprintf("cannot write %s: Is a directory", sub);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(count_tmp(blocked), 0);
    free(want);
    free(err);
    free(blocked);
    free(sub);
}
END_TEST

/* The probe: a writable folder passes and keeps nothing; one where no file
 * can be created (procfs refuses even root) is refused with its name. */
START_TEST(test_dir_check)
{
    char *err = NULL;
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(drip_report_dir_check(fd, base, &err), 0);
    ck_assert_ptr_null(err);
    close(fd);
    DIR *d = opendir(base);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d)))
        entries += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    ck_assert_int_eq(entries, 0);

    fd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(drip_report_dir_check(fd, "/proc/self", &err), -1);
    ck_assert_msg(strncmp(err, "cannot write to the report directory /proc/self: ", 49) == 0,
                  "%s", err);
    free(err);
    close(fd);
}
END_TEST

/* ---- hostile: links planted in the folder ------------------------------------- */

/* Links named like every temporary the old writer used (NAME.tmp), like the
 * final names, and like the first temporaries this process would pick, all
 * pointing at one file outside the folder: that file keeps its bytes, and
 * the report is whole, in regular files. */
START_TEST(test_planted_links)
{
    char *dir = xasprintf("%s/report", base), *victim = xasprintf("%s/victim", base);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    spit(victim, "precious\n");
    const char *names[] = {"results.json.tmp", "junit.xml.tmp", "report.html.tmp",
                           "global-map-leaky.csv.tmp", "crashy.csv.tmp", "crashy.csv",
                           "results.json"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *link = xasprintf("%s/%s", dir, names[i]);
        ck_assert_int_eq(symlink(victim, link), 0);
        free(link);
    }
    for (unsigned k = 0; k < 8; k++) {          /* NAME.<pid>-<n>.tmp: taken, go on */
        char *link = xasprintf("%s/results.json.%ld-%u.tmp", dir, (long)getpid(), k);
        ck_assert_int_eq(symlink(victim, link), 0);
        free(link);
    }
    char *err = NULL;
    ck_assert_msg(write_into(dir, &err) == 0, "%s", err);
    char buf[64] = {0};
    FILE *f = fopen(victim, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f);
    ck_assert_str_eq(buf, "precious\n");
    ck_assert(is_file(dir, "results.json"));           /* the link replaced, not followed */
    ck_assert(is_file(dir, "crashy.csv"));
    ck_assert(is_file(dir, "report.html"));
    ck_assert_int_eq(count_tmp(dir), 0);
    free(victim);
    free(dir);
}
END_TEST

Suite *suite_write_dir(void);

Suite *suite_write_dir(void)
{
    Suite *s = suite_create("write_dir");
    TCase *core = drip_tcase(s, "core", test_write_dir, NULL);
    tcase_add_checked_fixture(core, dir_setup, dir_teardown);
    TCase *errors = drip_tcase(s, "errors", test_dir_open_errors, test_write_over_directory,
            test_dir_check, NULL);
    tcase_add_checked_fixture(errors, dir_setup, dir_teardown);
    TCase *hostile = drip_tcase(s, "hostile", test_planted_links, NULL);
    tcase_add_checked_fixture(hostile, dir_setup, dir_teardown);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_write_dir();
}
