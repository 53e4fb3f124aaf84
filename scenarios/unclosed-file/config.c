/* config.c - the request shared by the unclosed-file workloads.
 *
 * Go original:
 *
 *     func loadConfig(path string) (*Config, error) {
 *         f, err := os.Open(path)
 *         if err != nil {
 *             return nil, err
 *         }
 *         cfg, err := parse(f)
 *         if err != nil {
 *             return nil, err       // f is never closed
 *         }
 *         f.Close()
 *         return cfg, nil
 *     }
 *
 * The error path returns before Close: one file descriptor (and the
 * stream's buffer) per failed parse, until the process hits its limit.
 *
 * The file is written once at setup in $TMPDIR (or /tmp).  Whether a parse
 * fails is decided by the fault point `parse.error`, so the leak rate is
 * the fault rate, the same for every seed and thread count.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int config_parse(drip_ctx *ctx, FILE *f)
{
    bool corrupt = drip_fault(ctx, "parse.error");  /* asked once per parse */
    char line[128];
    int entries = 0;

    while (fgets(line, sizeof line, f)) {
        if (corrupt || !strchr(line, '='))
            return -1;                              /* malformed line */
        entries++;
    }
    return entries > 0 ? 0 : -1;
}

/* Write the config file: `lines` lines of `key = value`.  0 or -1 (then
 * no file is left). */
static int write_config(configs *c, int lines)
{
    const char *dir = getenv("TMPDIR");
    FILE *f = NULL;
    int fd, rc = -1;

    if (!dir || !*dir || strlen(dir) > sizeof c->path - 24)
        dir = "/tmp";
    snprintf(c->path, sizeof c->path, "%s/drip-config-XXXXXX", dir);
    fd = mkstemp(c->path);
    if (fd < 0)
        return -1;
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        goto cleanup;
    }
    for (int i = 0; i < lines; i++)
        fprintf(f, "key%d = value%d\n", i, i);
    if (fclose(f) == 0)
        rc = 0;

cleanup:
    if (rc != 0)
        unlink(c->path);
    return rc;
}

int configs_setup(drip_ctx *ctx, void **state, load_fn load)
{
    configs *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->load = load;
    if (write_config(c, (int)drip_param_int(ctx, "lines", 16)) != 0) {
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

int configs_iterate(drip_ctx *ctx, void *state)
{
    configs *c = state;
    return c->load(ctx, c->path);
}

void configs_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    configs *c = state;
    unlink(c->path);               /* leaked streams keep it open, unnamed */
    free(c);
}
