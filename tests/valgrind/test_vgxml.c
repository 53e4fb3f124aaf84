/* test_vgxml.c - Check suite for harness/valgrind/vgxml: valgrind's XML.
 *
 * "core" parses small hand-written documents (the rules, the damaged and the
 * foreign files).  "totals" and "errors" run real valgrind: the programs in
 * tests/vgxml/ are compiled with `cc -g -O0` into a temporary directory and
 * each is run twice under memcheck, once with --xml=yes and once with text
 * output (valgrind writes no text LEAK SUMMARY when --xml=yes is on, not even
 * to --log-file), and the parsed XML must agree with the text exactly.
 * The programs are deterministic, so both runs see the same heap.
 *
 * A missing valgrind or cc FAILS those cases with a message: CI has both,
 * and a skipped check must never look like a passed one.
 *
 * The sources are found under DRIP_SOURCE_DIR (set by CMake's
 * drip_check_test), or "." when built by hand from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "util/util.h"
#include "valgrind/vgxml.h"

#ifndef DRIP_SOURCE_DIR
#define DRIP_SOURCE_DIR "."
#endif

extern char **environ;

/* ---- helpers --------------------------------------------------------------- */

static char *write_temp(const char *text, size_t len)
{
    char path[] = "/tmp/drip-vgxml-doc-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return xstrdup(path);
}

/* Parse `text` as a file; the temp file is gone on return. */
static int parse_text(const char *text, size_t len, drip_vg_report *r)
{
    char *path = write_temp(text, len);
    int rc = drip_vg_parse_file(path, r);
    unlink(path);
    free(path);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    strbuf sb = { 0 };
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb_take(&sb);
}

/* Run argv with stdout and stderr to /dev/null; the exit status, or -1 with
 * errno set when it could not start (ENOENT: not installed). */
static int run(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        errno = err;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- the valgrind runs: done once, before the cases fork ------------------- */

typedef struct vg_run {
    char *xml, *log;      /* paths of the two outputs */
} vg_run;

static char   *tmpdir;
static char   *setup_problem;   /* why the runs could not be made, or NULL */
static vg_run  leaks_run, errors_run;

static const char *const vg_flags[] = {
    "valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=all",
};
#define NFLAGS (sizeof vg_flags / sizeof *vg_flags)

static int make_run(const char *name, vg_run *out)
{
    char *src = xasprintf("%s/tests/vgxml/%s.c", DRIP_SOURCE_DIR, name);
    char *exe = xasprintf("%s/%s", tmpdir, name);
    out->xml = xasprintf("%s/%s.xml", tmpdir, name);
    out->log = xasprintf("%s/%s.log", tmpdir, name);
    char *xmlopt = xasprintf("--xml-file=%s", out->xml);
    char *logopt = xasprintf("--log-file=%s", out->log);
    int rc = -1;

    char *cc[] = { "cc", "-g", "-O0", "-w", "-o", exe, src, NULL };
    int st = run(cc);
    if (st != 0) {
        setup_problem = st < 0 ? xasprintf("cannot run cc (%s): it is needed to build %s",
                                           strerror(errno), src)
                               : xasprintf("cc failed (status %d) on %s", st, src);
        goto cleanup;
    }
    char *argv[NFLAGS + 4];
    for (size_t i = 0; i < NFLAGS; i++)
        argv[i] = (char *)vg_flags[i];
    argv[NFLAGS] = "--xml=yes";                /* the XML run */
    argv[NFLAGS + 1] = xmlopt;
    argv[NFLAGS + 2] = exe;
    argv[NFLAGS + 3] = NULL;
    if (run(argv) < 0) {
        setup_problem = xasprintf("valgrind is not installed or cannot run (%s): "
                                  "these checks need it", strerror(errno));
        goto cleanup;
    }
    argv[NFLAGS] = logopt;                     /* the text run */
    argv[NFLAGS + 1] = exe;
    argv[NFLAGS + 2] = NULL;
    run(argv);
    rc = 0;
cleanup:
    unlink(exe);
    free(src);
    free(exe);
    free(xmlopt);
    free(logopt);
    return rc;
}

static void runs_setup(const char *name, vg_run *out)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    tmpdir = xasprintf("%s/drip-vgxml-XXXXXX", base);
    if (!mkdtemp(tmpdir)) {
        setup_problem = xasprintf("mkdtemp %s: %s", tmpdir, strerror(errno));
        return;
    }
    make_run(name, out);
}

static void leaks_setup(void)  { runs_setup("leaks", &leaks_run); }
static void errors_setup(void) { runs_setup("errors", &errors_run); }

static void run_free(vg_run *r)
{
    if (r->xml)
        unlink(r->xml);
    if (r->log)
        unlink(r->log);
    free(r->xml);
    free(r->log);
    memset(r, 0, sizeof *r);
}

static void runs_teardown(void)
{
    run_free(&leaks_run);
    run_free(&errors_run);
    rmdir(tmpdir);
    free(tmpdir);
    free(setup_problem);
    tmpdir = setup_problem = NULL;
}

#define REQUIRE_RUNS() ck_assert_msg(!setup_problem, "%s", setup_problem)

/* ---- valgrind's text summary ------------------------------------------------ */

typedef struct text_summary {
    bool     found[VG_NKINDS];
    uint64_t bytes[VG_NKINDS], blocks[VG_NKINDS];
    bool     all_freed;        /* "All heap blocks were freed -- no leaks are possible" */
    bool     have_errors;
    uint64_t errors;           /* "ERROR SUMMARY: N errors from M contexts" */
} text_summary;

static uint64_t ungroup(const char *s)     /* "1,024" -> 1024 */
{
    uint64_t v = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            v = v * 10 + (uint64_t)(*s - '0');
    return v;
}

static void read_summary(const char *log, text_summary *ts)
{
    static const char *const labels[VG_NKINDS] = {
        "definitely lost: ", "indirectly lost: ", "possibly lost: ", "still reachable: ",
    };
    memset(ts, 0, sizeof *ts);
    FILE *f = fopen(log, "r");
    ck_assert_msg(f, "cannot open valgrind's log %s", log);
    char line[1024];
    bool in_summary = false;
    while (fgets(line, sizeof line, f)) {
        char a[64], b[64];
        const char *s;
        if (strstr(line, "LEAK SUMMARY:"))
            in_summary = true;
        if (strstr(line, "All heap blocks were freed"))
            ts->all_freed = true;
        if ((s = strstr(line, "ERROR SUMMARY: ")) && sscanf(s + 15, "%63[0-9,] errors", a) == 1) {
            ts->have_errors = true;
            ts->errors = ungroup(a);
        }
        for (int k = 0; in_summary && k < VG_NKINDS; k++)
            if ((s = strstr(line, labels[k]))
                && sscanf(s + strlen(labels[k]), "%63[0-9,] bytes in %63[0-9,] blocks", a, b) == 2) {
                ts->found[k] = true;
                ts->bytes[k] = ungroup(a);
                ts->blocks[k] = ungroup(b);
            }
    }
    fclose(f);
}

static bool stack_has_fn(const drip_vg_stack *st, const char *fn)
{
    for (size_t i = 0; i < st->nframes; i++)
        if (st->frames[i].fn && strcmp(st->frames[i].fn, fn) == 0)
            return true;
    return false;
}

/* ---- core: hand-written documents ------------------------------------------- */

#define DOC_HEAD "<?xml version=\"1.0\"?>\n<valgrindoutput>\n" \
                 "<protocolversion>4</protocolversion>\n<protocoltool>memcheck</protocoltool>\n"
#define LEAK(uniq, kind, text, bytes, blocks, fn) \
    "<error><unique>" uniq "</unique><tid>1</tid><kind>" kind "</kind>\n" \
    "  <xwhat><text>" text "</text><leakedbytes>" bytes "</leakedbytes>" \
    "<leakedblocks>" blocks "</leakedblocks></xwhat>\n" \
    "  <stack><frame><ip>0x48417B4</ip><fn>malloc</fn></frame>" \
    "<frame><ip>0x10A</ip><obj>/x/prog</obj><fn>" fn "</fn><dir>/src</dir>" \
    "<file>prog.c</file><line>12</line></frame></stack>\n</error>\n"

/* A first leak search (kept, but not in the totals), then the last one. */
static const char doc_two_searches[] =
    DOC_HEAD
    LEAK("0x0", "Leak_DefinitelyLost", "8 bytes in 1 blocks are definitely lost in loss record 1 of 1",
         "8", "1", "early")
    "<error><unique>0x1</unique><kind>InvalidWrite</kind><what>Invalid write of size 1</what>"
    "<stack><frame><ip>0x1</ip><fn>scribble</fn><file>w.c</file><line>3</line></frame></stack>"
    "<auxwhat>Address 0x0 is not stack'd, malloc'd or (recently) free'd</auxwhat></error>\n"
    LEAK("0x2", "Leak_IndirectlyLost", "1,500 bytes in 2 blocks are indirectly lost in loss record 1 of 4",
         "1500", "2", "child")
    LEAK("0x3", "Leak_DefinitelyLost",
         "1,516 (16 direct, 1,500 indirect) bytes in 1 blocks are definitely lost in loss record 2 of 4",
         "1516", "1", "parent")
    LEAK("0x4", "Leak_PossiblyLost", "200 bytes in 1 blocks are possibly lost in loss record 3 of 4",
         "200", "1", "middle")
    LEAK("0x5", "Leak_StillReachable", "2,048 bytes in 2 blocks are still reachable in loss record 4 of 4",
         "2048", "2", "global")
    "<errorcounts><pair><count>5</count><unique>0x1</unique></pair>"
    "<pair><count>1</count><unique>0x3</unique></pair></errorcounts>\n"
    "<suppcounts></suppcounts>\n</valgrindoutput>\n";

START_TEST(test_kind_names)
{
    ck_assert_str_eq(drip_vg_kind_name(VG_DEFINITELY), "definitely_lost");
    ck_assert_str_eq(drip_vg_kind_name(VG_INDIRECTLY), "indirectly_lost");
    ck_assert_str_eq(drip_vg_kind_name(VG_POSSIBLY), "possibly_lost");
    ck_assert_str_eq(drip_vg_kind_name(VG_REACHABLE), "still_reachable");
    ck_assert_str_eq(drip_vg_kind_name(VG_NKINDS), "unknown");
    drip_vg_report_free(NULL);
}
END_TEST

START_TEST(test_direct_split_and_last_search)
{
    drip_vg_report r;
    ck_assert_int_eq(parse_text(doc_two_searches, sizeof doc_two_searches - 1, &r), 0);
    ck_assert(r.complete);
    ck_assert_ptr_null(r.problem);
    ck_assert_int_eq(r.protocol_version, 4);
    ck_assert_uint_eq(r.nleaks, 5);             /* both searches' records */
    ck_assert_uint_eq(r.nsearches, 2);          /* the record number restarts */
    ck_assert_ptr_null(r.searches[0].label);
    ck_assert_uint_eq(r.searches[0].bytes[VG_DEFINITELY], 8);
    ck_assert_uint_eq(r.searches[0].bytes[VG_REACHABLE], 0);
    ck_assert_uint_eq(r.searches[1].bytes[VG_DEFINITELY], 16);
    ck_assert_uint_eq(r.leaks[0].search, 0);
    ck_assert_uint_eq(r.leaks[1].search, 1);
    ck_assert_uint_eq(r.bytes[VG_DEFINITELY], 16);
    ck_assert_uint_eq(r.blocks[VG_DEFINITELY], 1);
    ck_assert_uint_eq(r.bytes[VG_INDIRECTLY], 1500);
    ck_assert_uint_eq(r.blocks[VG_INDIRECTLY], 2);
    ck_assert_uint_eq(r.bytes[VG_POSSIBLY], 200);
    ck_assert_uint_eq(r.bytes[VG_REACHABLE], 2048);
    ck_assert_uint_eq(r.blocks[VG_REACHABLE], 2);

    const drip_vg_leak *l = &r.leaks[2];
    ck_assert_int_eq(l->kind, VG_DEFINITELY);
    ck_assert_uint_eq(l->bytes, 16);
    ck_assert_uint_eq(l->indirect_bytes, 1500);
    ck_assert_uint_eq(l->record, 2);
    ck_assert_uint_eq(l->stack.nframes, 2);
    ck_assert_str_eq(l->stack.frames[1].fn, "parent");
    ck_assert_str_eq(l->stack.frames[1].file, "prog.c");
    ck_assert_str_eq(l->stack.frames[1].dir, "/src");
    ck_assert_str_eq(l->stack.frames[1].obj, "/x/prog");
    ck_assert_int_eq(l->stack.frames[1].line, 12);
    ck_assert_uint_eq(l->stack.frames[1].ip, 0x10A);
    ck_assert_ptr_null(l->stack.frames[0].file);

    /* the non-leak error, and only its count (not the leak's) */
    ck_assert_uint_eq(r.nerrors, 1);
    ck_assert_str_eq(r.errors[0].kind, "InvalidWrite");
    ck_assert_str_eq(r.errors[0].what, "Invalid write of size 1");
    ck_assert_uint_eq(r.errors[0].unique, 1);
    ck_assert_str_eq(r.errors[0].stack.frames[0].fn, "scribble");
    ck_assert_ptr_nonnull(r.errors[0].auxwhat);
    ck_assert_uint_eq(r.errors[0].aux_stack.nframes, 0);
    ck_assert_uint_eq(r.error_count, 5);
    drip_vg_report_free(&r);
    ck_assert_ptr_null(r.leaks);
}
END_TEST

/* Searches marked by client messages (VALGRIND_PRINTF), as drip's worker
 * does: a search is told apart even when its record numbers go on growing
 * (valgrind numbers a later search's records after the earlier ones' when
 * they are still known), and each carries its label. */
START_TEST(test_labelled_searches)
{
    static const char doc[] =
        DOC_HEAD
        "<clientmsg><tid>1</tid><text>drip: before teardown\n  </text></clientmsg>\n"
        LEAK("0x0", "Leak_StillReachable", "64 bytes in 4 blocks are still reachable in loss record 1 of 2",
             "64", "4", "grow")
        LEAK("0x1", "Leak_DefinitelyLost", "8 bytes in 1 blocks are definitely lost in loss record 2 of 2",
             "8", "1", "lose")
        "<clientmsg><tid>1</tid><text>drip: teardown</text></clientmsg>\n"
        LEAK("0x2", "Leak_DefinitelyLost", "8 bytes in 1 blocks are definitely lost in loss record 3 of 3",
             "8", "1", "lose")
        "</valgrindoutput>\n";
    drip_vg_report r;
    ck_assert_int_eq(parse_text(doc, sizeof doc - 1, &r), 0);
    ck_assert_uint_eq(r.nsearches, 2);
    ck_assert_str_eq(r.searches[0].label, "drip: before teardown");
    ck_assert_str_eq(r.searches[1].label, "drip: teardown");
    ck_assert_uint_eq(r.searches[0].bytes[VG_REACHABLE], 64);
    ck_assert_uint_eq(r.searches[0].blocks[VG_REACHABLE], 4);
    ck_assert_uint_eq(r.searches[1].bytes[VG_REACHABLE], 0);
    ck_assert_uint_eq(r.bytes[VG_REACHABLE], 0);          /* totals: the last search */
    ck_assert_uint_eq(r.bytes[VG_DEFINITELY], 8);
    ck_assert_int_eq(drip_vg_find_search(&r, "drip: before teardown"), 0);
    ck_assert_int_eq(drip_vg_find_search(&r, "drip: teardown"), 1);
    ck_assert_int_eq(drip_vg_find_search(&r, "nothing"), -1);
    const drip_vg_leak *top[2];
    ck_assert_uint_eq(drip_vg_top_leaks_in(&r, 0, VG_REACHABLE, top, 2), 1);
    ck_assert_str_eq(top[0]->stack.frames[1].fn, "grow");
    ck_assert_uint_eq(drip_vg_top_leaks(&r, VG_REACHABLE, top, 2), 0);
    drip_vg_report_free(&r);
    ck_assert_ptr_null(r.searches);
}
END_TEST

START_TEST(test_top_leaks)
{
    static const char doc[] =
        DOC_HEAD
        LEAK("0x0", "Leak_DefinitelyLost", "10 bytes in 1 blocks are definitely lost in loss record 1 of 5",
             "10", "1", "a")
        LEAK("0x1", "Leak_DefinitelyLost", "30 (8 direct, 22 indirect) bytes in 1 blocks are definitely "
             "lost in loss record 2 of 5", "30", "1", "b")
        LEAK("0x2", "Leak_StillReachable", "99 bytes in 1 blocks are still reachable in loss record 3 of 5",
             "99", "1", "c")
        LEAK("0x3", "Leak_DefinitelyLost", "10 bytes in 1 blocks are definitely lost in loss record 4 of 5",
             "10", "1", "d")
        LEAK("0x4", "Leak_DefinitelyLost", "20 bytes in 1 blocks are definitely lost in loss record 5 of 5",
             "20", "1", "e")
        "</valgrindoutput>\n";
    drip_vg_report r;
    ck_assert_int_eq(parse_text(doc, sizeof doc - 1, &r), 0);
    const drip_vg_leak *top[3];
    ck_assert_uint_eq(drip_vg_top_leaks(&r, VG_DEFINITELY, top, 3), 3);
    ck_assert_str_eq(top[0]->stack.frames[1].fn, "b");   /* 8 + 22 */
    ck_assert_str_eq(top[1]->stack.frames[1].fn, "e");
    ck_assert_str_eq(top[2]->stack.frames[1].fn, "a");   /* ties: file order */
    ck_assert_uint_eq(drip_vg_top_leaks(&r, VG_REACHABLE, top, 3), 1);
    ck_assert_uint_eq(drip_vg_top_leaks(&r, VG_POSSIBLY, top, 3), 0);
    ck_assert_uint_eq(drip_vg_top_leaks(&r, VG_DEFINITELY, top, 0), 0);
    /* no <errorcounts>: each error counts once; the totals add direct parts */
    ck_assert_uint_eq(r.bytes[VG_DEFINITELY], 48);
    ck_assert_uint_eq(r.error_count, 0);
    drip_vg_report_free(&r);
}
END_TEST

START_TEST(test_not_valgrind_xml)
{
    static const char *const bad[] = {
        "",                                        /* empty */
        "==123== Memcheck, a memory error detector\n",   /* text output, not XML */
        "\x89PNG\r\n\x1a\n\0\0\0",                 /* binary */
        "<?xml version=\"1.0\"?>\n<html><body/></html>\n",   /* another document */
        "   \n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        drip_vg_report r;
        size_t len = i == 2 ? 11 : strlen(bad[i]);
        ck_assert_int_eq(parse_text(bad[i], len, &r), -1);
        ck_assert_msg(r.problem, "no problem for case %zu", i);
        ck_assert(!r.complete);
        ck_assert_uint_eq(r.nleaks + r.nerrors, 0);
        drip_vg_report_free(&r);
    }
    drip_vg_report r;
    ck_assert_int_eq(drip_vg_parse_file("/nonexistent/vg.xml", &r), -1);
    ck_assert_ptr_nonnull(strstr(r.problem, "/nonexistent/vg.xml"));
    drip_vg_report_free(&r);
}
END_TEST

START_TEST(test_malformed_middle)
{
    /* valgrind XML broken in the middle: kept up to there, not complete */
    static const char doc[] =
        DOC_HEAD
        LEAK("0x0", "Leak_DefinitelyLost", "10 bytes in 1 blocks are definitely lost in loss record 1 of 2",
             "10", "1", "a")
        "<error><kind>Leak_DefinitelyLost</kind></oops>\n</valgrindoutput>\n";
    drip_vg_report r;
    ck_assert_int_eq(parse_text(doc, sizeof doc - 1, &r), 0);
    ck_assert(!r.complete);
    ck_assert_ptr_nonnull(strstr(r.problem, "malformed at line"));
    ck_assert_uint_eq(r.nleaks, 1);
    ck_assert_uint_eq(r.bytes[VG_DEFINITELY], 10);
    drip_vg_report_free(&r);
}
END_TEST

/* ---- totals: a real run against valgrind's own text ----------------------- */

START_TEST(test_totals_match_text_summary)
{
    REQUIRE_RUNS();
    drip_vg_report r;
    int rc = drip_vg_parse_file(leaks_run.xml, &r);
    ck_assert_msg(rc == 0, "parse %s: %s", leaks_run.xml, r.problem);
    ck_assert(r.complete);
    ck_assert_int_eq(r.protocol_version, 4);

    text_summary ts;
    read_summary(leaks_run.log, &ts);
    for (int k = 0; k < VG_NKINDS; k++) {
        ck_assert_msg(ts.found[k], "no '%s' line in %s", drip_vg_kind_name(k), leaks_run.log);
        ck_assert_msg(r.bytes[k] == ts.bytes[k] && r.blocks[k] == ts.blocks[k],
                      "%s: XML %llu bytes in %llu blocks, text %llu bytes in %llu blocks",
                      drip_vg_kind_name(k), (unsigned long long)r.bytes[k],
                      (unsigned long long)r.blocks[k], (unsigned long long)ts.bytes[k],
                      (unsigned long long)ts.blocks[k]);
    }
    /* and the numbers tests/vgxml/leaks.c was written to produce */
    ck_assert_uint_eq(r.bytes[VG_DEFINITELY], 16 + 24 + 40 + 16);
    ck_assert_uint_eq(r.blocks[VG_DEFINITELY], 4);
    ck_assert_uint_eq(r.bytes[VG_INDIRECTLY], 32 + 48 + 64 + 80 + 96 + 112 + 1500 + 2500);
    ck_assert_uint_eq(r.blocks[VG_INDIRECTLY], 8);
    ck_assert_uint_eq(r.bytes[VG_POSSIBLY], 200 + 1000);
    ck_assert_uint_eq(r.blocks[VG_POSSIBLY], 2);
    ck_assert_uint_eq(r.bytes[VG_REACHABLE], 100 + 1024 + 2048);
    ck_assert_uint_eq(r.blocks[VG_REACHABLE], 3);

    /* the biggest definitely-lost record: "4,016 (16 direct, 4,000 indirect)" */
    const drip_vg_leak *top[1];
    ck_assert_uint_eq(drip_vg_top_leaks(&r, VG_DEFINITELY, top, 1), 1);
    ck_assert_uint_eq(top[0]->bytes, 16);
    ck_assert_uint_eq(top[0]->indirect_bytes, 4000);
    ck_assert(stack_has_fn(&top[0]->stack, "lose_parent"));
    ck_assert(stack_has_fn(&top[0]->stack, "main"));
    ck_assert_uint_eq(r.nerrors, 0);
    drip_vg_report_free(&r);
}
END_TEST

START_TEST(test_truncated_real_xml)
{
    REQUIRE_RUNS();
    size_t len;
    char *full = slurp(leaks_run.xml, &len);
    ck_assert_ptr_nonnull(full);
    drip_vg_report whole;
    ck_assert_int_eq(parse_text(full, len, &whole), 0);

    /* cut in the middle, as a killed run leaves it */
    drip_vg_report r;
    ck_assert_int_eq(parse_text(full, len / 2, &r), 0);
    ck_assert(!r.complete);
    ck_assert_str_eq(r.problem, "valgrind XML ends early: no </valgrindoutput> (was the run killed?)");
    ck_assert_int_eq(r.protocol_version, 4);
    ck_assert_uint_gt(r.nleaks, 0);                 /* what came before is kept */
    ck_assert_uint_lt(r.nleaks, whole.nleaks);
    for (size_t i = 0; i < r.nleaks; i++) {         /* ...and is the same as in the whole */
        ck_assert_uint_eq(r.leaks[i].bytes, whole.leaks[i].bytes);
        ck_assert_uint_eq(r.leaks[i].stack.nframes, whole.leaks[i].stack.nframes);
    }
    drip_vg_report_free(&r);

    /* every cut point: never a crash or leak, never complete, 0 once the
     * root element has started */
    const char *root = strstr(full, "<valgrindoutput>");
    ck_assert_ptr_nonnull(root);
    size_t root_end = (size_t)(root - full) + strlen("<valgrindoutput>");
    for (size_t cut = 0; cut < len - 2; cut += 13) {
        int rc = parse_text(full, cut, &r);
        ck_assert_msg(!r.complete && r.problem, "cut at %zu", cut);
        if (cut >= root_end)
            ck_assert_msg(rc == 0, "cut at %zu: %s", cut, r.problem);
        else
            ck_assert_int_eq(rc, -1);
        drip_vg_report_free(&r);
    }
    drip_vg_report_free(&whole);
    free(full);
}
END_TEST

/* ---- errors: a real run with memory errors ----------------------------------- */

static const drip_vg_error *find_error(const drip_vg_report *r, const char *kind)
{
    for (size_t i = 0; i < r->nerrors; i++)
        if (strcmp(r->errors[i].kind, kind) == 0)
            return &r->errors[i];
    return NULL;
}

START_TEST(test_real_errors)
{
    REQUIRE_RUNS();
    drip_vg_report r;
    int rc = drip_vg_parse_file(errors_run.xml, &r);
    ck_assert_msg(rc == 0, "parse %s: %s", errors_run.xml, r.problem);
    ck_assert(r.complete);

    static const struct { const char *kind, *fn, *what; } want[] = {
        { "InvalidRead",     "read_past_end",    "Invalid read of size 4" },
        { "UninitCondition", "branch_on_uninit", "Conditional jump" },
        { "InvalidFree",     "free_interior",    "Invalid free" },
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const drip_vg_error *e = find_error(&r, want[i].kind);
        ck_assert_msg(e, "no %s error in %s", want[i].kind, errors_run.xml);
        ck_assert_msg(strstr(e->what, want[i].what), "%s: what is '%s'", want[i].kind, e->what);
        ck_assert_msg(stack_has_fn(&e->stack, want[i].fn), "%s: no frame %s", want[i].kind, want[i].fn);
        ck_assert(stack_has_fn(&e->stack, "main"));
    }
    /* the frame of the invalid read: function, file and line of a[4] */
    const drip_vg_error *e = find_error(&r, "InvalidRead");
    ck_assert_str_eq(e->stack.frames[0].fn, "read_past_end");
    ck_assert_str_eq(e->stack.frames[0].file, "errors.c");
    ck_assert_int_gt(e->stack.frames[0].line, 0);
    ck_assert_ptr_nonnull(strstr(e->auxwhat, "after a block of size 16"));
    ck_assert(stack_has_fn(&e->aux_stack, "malloc"));

    /* and valgrind's own count; the program frees everything */
    text_summary ts;
    read_summary(errors_run.log, &ts);
    ck_assert_msg(ts.have_errors, "no ERROR SUMMARY in %s", errors_run.log);
    ck_assert_uint_eq(r.error_count, ts.errors);
    ck_assert_uint_eq(r.error_count, 3);
    ck_assert(ts.all_freed);
    ck_assert_uint_eq(r.nleaks, 0);
    for (int k = 0; k < VG_NKINDS; k++)
        ck_assert_uint_eq(r.bytes[k], 0);
    drip_vg_report_free(&r);
}
END_TEST

/* ---- suite ------------------------------------------------------------------- */

Suite *suite_vgxml(void);

Suite *suite_vgxml(void)
{
    Suite *s = suite_create("vgxml");

    TCase *tc = drip_tcase(s, "core", test_kind_names, test_direct_split_and_last_search,
            test_labelled_searches, test_top_leaks, test_not_valgrind_xml, test_malformed_middle,
            NULL);

    /* Each case's valgrind runs are made once, in the parent, before its tests fork. */
    tc = drip_tcase(s, "totals", test_totals_match_text_summary, test_truncated_real_xml, NULL);
    tcase_add_unchecked_fixture(tc, leaks_setup, runs_teardown);
    tcase_set_timeout(tc, 120);

    tc = drip_tcase(s, "errors", test_real_errors, NULL);
    tcase_add_unchecked_fixture(tc, errors_setup, runs_teardown);
    tcase_set_timeout(tc, 120);
    return s;
}

Suite *drip_test_suite(void)
{
    return suite_vgxml();
}
