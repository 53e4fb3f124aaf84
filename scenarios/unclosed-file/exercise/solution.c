/* solution.c - unclosed-file, the reference fix: the file is closed on
 * every path, with a cleanup attribute on the FILE pointer (C's nearest
 * thing to Go's `defer f.Close()`).
 *
 *     drip exercise unclosed-file solution.c
 */
#include <drip/workload.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct config_file {
    char path[64];
} config_file;

/* Read every `key = value` line; -1 on a malformed one (the fault). */
static int parse(drip_ctx *ctx, FILE *f)
{
    bool corrupt = drip_fault(ctx, "parse.error");
    char line[128];
    int entries = 0;

    while (fgets(line, sizeof line, f)) {
        if (corrupt || !strchr(line, '='))
            return -1;
        entries++;
    }
    return entries > 0 ? 0 : -1;
}

static void close_file(FILE **f)
{
    if (*f)
        fclose(*f);
}

static int load(drip_ctx *ctx, const char *path)
{
    /* LESSON: defer f.Close(): the file is closed on every path out of load */
    FILE *f __attribute__((cleanup(close_file))) = fopen(path, "r");
    if (!f)
        return -1;
    if (parse(ctx, f) != 0)
        return -1;                /* closed on the way out */
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    (void)ctx;
    config_file *c = calloc(1, sizeof *c);
    FILE *f;
    int fd;

    if (!c)
        return -1;
    snprintf(c->path, sizeof c->path, "/tmp/drip-exercise-XXXXXX");
    fd = mkstemp(c->path);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        if (fd >= 0) {
            close(fd);
            unlink(c->path);
        }
        free(c);
        return -1;
    }
    for (int i = 0; i < 16; i++)
        fprintf(f, "key%d = value%d\n", i, i);
    fclose(f);
    *state = c;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    config_file *c = state;
    return load(ctx, c->path);
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    config_file *c = state;
    unlink(c->path);
    free(c);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "unclosed-file-exercise",
    .summary = "solution: the config file is closed on every path",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
