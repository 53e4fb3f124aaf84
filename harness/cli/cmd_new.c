/* cmd_new.c - `drip new NAME [DIR]`: a workload skeleton and its scenario.
 *
 * Writes DIR/NAME.c (a plugin with setup, a commented iterate and
 * teardown, and the line that builds it) and DIR/NAME.yaml (the plugin
 * next to it, a run, and the default expectations: nothing grows), never
 * overwriting anything.  Built and run as written, the scenario passes.
 * `drip new --command NAME [DIR]` writes DIR/NAME.yaml alone: a scenario
 * for a program (an external workload, docs/EXTERNAL.md) that runs Drip's
 * example key-value service as written, for the user to replace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"

static const char new_usage[] =
    "usage: drip new NAME [DIR]\n"
    "       drip new --command NAME [DIR]\n"
    "\n"
    "Write a workload skeleton DIR/NAME.c and its scenario DIR/NAME.yaml (DIR\n"
    "defaults to the current directory and is created if missing).  Existing\n"
    "files are never overwritten.  Then build and run it:\n"
    "\n"
    "  cc $(pkg-config --cflags drip) -g -O2 -fno-omit-frame-pointer -shared -fPIC NAME.c -o libNAME.so\n"
    "  drip run NAME.yaml\n"
    "\n"
    "With --command, write only DIR/NAME.yaml: a scenario for a program Drip\n"
    "starts, drives and measures (docs/EXTERNAL.md).  As written it runs Drip's\n"
    "example key-value service; put your program's command in its place.\n"
    "\n"
    "NAME: letters, digits, '.', '_' and '-', not starting with '.' or '-'.\n"
    "Exit status: 0 written, 1 a file exists or cannot be written, 2 bad command line.\n";

static const char skeleton_c[] =
    "/* @NAME@.c - a Drip workload (written by `drip new @NAME@`).\n"
    " *\n"
    " * Build it as a plugin, against an installed Drip:\n"
    " *     cc $(pkg-config --cflags drip) -g -O2 -fno-omit-frame-pointer -shared -fPIC @NAME@.c \\\n"
    " *         -o lib@NAME@.so\n"
    " * (or, in a Drip source tree: cc -g -O2 -fno-omit-frame-pointer -shared -fPIC -I include\n"
    " * @NAME@.c -o lib@NAME@.so; -g names the file and line a leak grows at,\n"
    " * -fno-omit-frame-pointer keeps the profiler's stacks whole and cheap)\n"
    " * and run its scenario:\n"
    " *     drip run @NAME@.yaml\n"
    " *\n"
    " * Drip calls iterate() thousands of times, measures the process every\n"
    " * run.sample_every iterations and fits a slope per metric (heap bytes and\n"
    " * blocks, fds, threads, tasks, timers...).  Put the code you suspect of\n"
    " * leaking in iterate(); the contract is in <drip/workload.h>.\n"
    " */\n"
    "#include <drip/workload.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "\n"
    "typedef struct state {\n"
    "    size_t bytes;                   /* params: { bytes: N } in @NAME@.yaml */\n"
    "} state;\n"
    "\n"
    "/* Once, before the iterations: build what they share.  0, or -1 to stop. */\n"
    "static int setup(drip_ctx *ctx, void **out)\n"
    "{\n"
    "    state *s = calloc(1, sizeof *s);\n"
    "    if (!s)\n"
    "        return -1;\n"
    "    s->bytes = (size_t)drip_param_int(ctx, \"bytes\", 256);\n"
    "    *out = s;\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "/* One unit of work: a request, a loop turn.  Returns 0, or non-zero for a\n"
    " * failed iteration (counted, not fatal).  It runs on run.threads threads\n"
    " * at once: guard anything shared. */\n"
    "static int iterate(drip_ctx *ctx, void *arg)\n"
    "{\n"
    "    state *s = arg;\n"
    "    char *buf = malloc(s->bytes);    /* the work: replace it with yours */\n"
    "    if (!buf)\n"
    "        return -1;\n"
    "    memset(buf, 'x', s->bytes);\n"
    "\n"
    "    /* A fault point fires at the rate @NAME@.yaml gives it, on the same\n"
    "     * iterations for the same seed: the way into error paths.  To see a\n"
    "     * leak caught, drop the free() below and run again: heap_bytes then\n"
    "     * grows by about rate x bytes per iteration. */\n"
    "    if (drip_fault(ctx, \"error\")) {\n"
    "        free(buf);\n"
    "        return -1;                   /* the error path cleans up too */\n"
    "    }\n"
    "    free(buf);\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "/* Once, after the iterations: release what setup built. */\n"
    "static void teardown(drip_ctx *ctx, void *arg)\n"
    "{\n"
    "    (void)ctx;\n"
    "    free(arg);\n"
    "}\n"
    "\n"
    "const drip_workload drip_plugin = {\n"
    "    .abi = DRIP_WORKLOAD_ABI,\n"
    "    .name = \"@NAME@\",\n"
    "    .summary = \"@NAME@: describe the work in one line\",\n"
    "    .setup = setup,\n"
    "    .iterate = iterate,\n"
    "    .teardown = teardown,\n"
    "};\n";

static const char skeleton_yaml[] =
    "# @NAME@.yaml - the scenario for @NAME@.c (written by `drip new @NAME@`).\n"
    "#   build: cc $(pkg-config --cflags drip) -g -O2 -fno-omit-frame-pointer -shared -fPIC @NAME@.c \\\n"
    "#            -o lib@NAME@.so\n"
    "#   run:   drip run @NAME@.yaml\n"
    "# Every key is described in Drip's docs/SCENARIOS.md.\n"
    "name: @NAME@\n"
    "description: The work in @NAME@.c, which should leave nothing behind.\n"
    "workload: { plugin: ./lib@NAME@.so }     # relative to this file\n"
    "params: { bytes: 256 }\n"
    "run: { iterations: 4000, threads: 1, sample_every: 20, warmup: 0.2, timeout: 60s, seed: 1,\n"
    "       strict: true }                   # a fault point never asked, a param never read: fail\n"
    "faults:\n"
    "  - { point: error, rate: 0.1 }         # drip_fault(ctx, \"error\")\n"
    "# No `expect`: the default checks that nothing grows (flat or bounded,\n"
    "# judged with the slopes' intervals), and a leak fails.  Say more once\n"
    "# you know more, e.g.\n"
    "#   expect:\n"
    "#     heap_bytes: { growing: false, max_after_teardown: 0 }\n"
    "#     fds: { verdict: flat }\n"
    "# or `expect: none` to check nothing.\n";

static const char skeleton_command_yaml[] =
    "# @NAME@.yaml - a scenario for a program (written by `drip new --command @NAME@`).\n"
    "#   run: drip run @NAME@.yaml\n"
    "# Drip starts the program, waits until it is ready, drives it (one\n"
    "# iteration = one HTTP request here), samples it between batches and fits\n"
    "# a slope per metric.  As written it runs Drip's example key-value service\n"
    "# (drip-kvd, found in {bin}); put your program in `command` and your\n"
    "# request in `drive`.  Every key is described in Drip's docs/EXTERNAL.md.\n"
    "name: @NAME@\n"
    "description: The program in @NAME@.yaml, which should keep its memory and fds flat.\n"
    "workload:\n"
    "  command: [\"{bin}/drip-kvd\", --port, \"{port}\", --capacity, \"256\"]   # relative "
    "paths: from this file\n"
    "  ready: { tcp: \"{port}\" }              # or { log: REGEX } or { delay: 500ms }\n"
    "  preload: true                         # heap_bytes from Drip's allocator (false: Go, "
    "static binaries)\n"
    "  drive:                                # one iteration; or command: [...], or "
    "interval: 100ms\n"
    "    http: { url: \"http://127.0.0.1:{port}/get?k={iteration}\", method: GET, "
    "concurrency: 1 }\n"
    "  stop: { signal: TERM, grace: 5s }\n"
    "run: { iterations: 4000, sample_every: 40, warmup: 0.2, timeout: 120s, seed: 1 }\n"
    "expect:                                 # slopes are per iteration\n"
    "  heap_bytes: { verdict: bounded }      # flat, or grew and stopped (a cache filling)\n"
    "  fds: { verdict: flat }\n"
    "  threads: { verdict: flat }\n";

/* The template with every @NAME@ replaced; malloc'd. */
static char *fill(const char *tmpl, const char *name)
{
    strbuf sb = {0};
    const char *p = tmpl, *at;
    while ((at = strstr(p, "@NAME@"))) {
        sb_appendn(&sb, p, (size_t)(at - p));
        sb_append(&sb, name);
        p = at + strlen("@NAME@");
    }
    sb_append(&sb, p);
    return sb_take(&sb);
}

/* Create `path` (which must not exist) holding `text`.  0, or -1 after
 * saying why (a partly written file is removed). */
static int write_new(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        drip_cli_error("cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            drip_cli_error("cannot write %s: %s", path, strerror(n < 0 ? errno : EIO));
            close(fd);
            unlink(path);
            return -1;
        }
        done += (size_t)n;
    }
    if (close(fd) < 0) {
        drip_cli_error("cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

/* dir/name: one '/' between them, whatever dir ends with ("work/" gives
 * "work/mine.c"); malloc'd. */
static char *join(const char *dir, const char *name, const char *ext)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len == 1 && dir[0] == '/')
        return xasprintf("/%s%s", name, ext);
    return xasprintf("%.*s/%s%s", (int)len, dir, name, ext);
}

/* `drip new --command NAME DIR`: DIR/NAME.yaml alone.  An exit status. */
static int new_command(const char *name, const char *dir)
{
    int rc = DRIP_EXIT_FAILED;
    char *yaml_path = join(dir, name, ".yaml");
    char *yaml_text = fill(skeleton_command_yaml, name);
    struct stat st;
    if (stat(yaml_path, &st) == 0) {
        drip_cli_error("%s exists; not overwriting it (choose another NAME or DIR)", yaml_path);
        goto cleanup;
    }
    if (drip_mkdir_p(dir) < 0) {
        drip_cli_error("cannot create directory %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    if (write_new(yaml_path, yaml_text) < 0)
        goto cleanup;
    printf("wrote %s\n\nnext: put your program in its workload.command, then\n"
           "  drip run %s\n", yaml_path, yaml_path);
    rc = DRIP_EXIT_OK;
cleanup:
    free(yaml_path);
    free(yaml_text);
    return rc;
}

int cmd_new(int argc, char **argv)
{
    bool command = false;
    const drip_cli_flag flags[] = {{"command", &command}, {NULL, NULL}};
    int status = drip_cli_flags(argc, argv, flags, new_usage, new_usage);
    if (status >= 0)
        return status;
    int nargs = argc - optind;
    if (nargs < 1 || nargs > 2) {
        drip_cli_error(nargs < 1 ? "no workload name given" : "too many arguments");
        fputs(new_usage, stderr);
        return DRIP_EXIT_USAGE;
    }
    const char *name = argv[optind], *dir = nargs > 1 ? argv[optind + 1] : ".";
    if (!drip_valid_name(name) || name[0] == '.' || name[0] == '-') {
        drip_cli_error("'%s' is not a workload name: use letters, digits, '.', '_' and '-', "
                       "not first '.' or '-'", name);
        return DRIP_EXIT_USAGE;
    }
    if (command)
        return new_command(name, dir);

    int rc = DRIP_EXIT_FAILED;
    char *c_path = join(dir, name, ".c");
    char *yaml_path = join(dir, name, ".yaml");
    char *c_text = fill(skeleton_c, name), *yaml_text = fill(skeleton_yaml, name);
    struct stat st;
    if (stat(c_path, &st) == 0 || stat(yaml_path, &st) == 0) {   /* neither half-written */
        drip_cli_error("%s exists; not overwriting it (choose another NAME or DIR)",
                       stat(c_path, &st) == 0 ? c_path : yaml_path);
        goto cleanup;
    }
    if (drip_mkdir_p(dir) < 0) {
        drip_cli_error("cannot create directory %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    if (write_new(c_path, c_text) < 0)
        goto cleanup;
    if (write_new(yaml_path, yaml_text) < 0) {
        unlink(c_path);
        goto cleanup;
    }
    printf("wrote %s and %s\n\nnext:\n  cd %s\n"
           "  cc $(pkg-config --cflags drip) -g -O2 -fno-omit-frame-pointer -shared -fPIC %s.c -o lib%s.so\n"
           "  drip run %s.yaml\n", c_path, yaml_path, dir, name, name, name);
    rc = DRIP_EXIT_OK;

cleanup:
    free(c_path);
    free(yaml_path);
    free(c_text);
    free(yaml_text);
    return rc;
}
