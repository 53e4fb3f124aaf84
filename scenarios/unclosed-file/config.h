/* config.h - what both unclosed-file workloads share: a config file read
 * on every request, and its parser.
 *
 * The variants differ only in the loader (leaky.c and fixed.c): whether
 * the file is closed on the parse-error path too.
 */
#ifndef UNCLOSED_FILE_CONFIG_H
#define UNCLOSED_FILE_CONFIG_H

#include <drip/workload.h>
#include <stdio.h>

/* The variant's difference: open `path`, parse it with config_parse,
 * close it.  0, or -1 when it cannot be opened or does not parse (a failed
 * request, counted by Drip). */
typedef int (*load_fn)(drip_ctx *ctx, const char *path);

typedef struct configs {
    load_fn load;                  /* the variant */
    char    path[64];              /* the config file, made at setup */
} configs;

/* Read every `key = value` line of f.  0, or -1 on a malformed line: when
 * the fault point `parse.error` fires, the first line reads as malformed.
 * Does not close f. */
int config_parse(drip_ctx *ctx, FILE *f);

int  configs_setup(drip_ctx *ctx, void **state, load_fn load);
int  configs_iterate(drip_ctx *ctx, void *state);
void configs_teardown(drip_ctx *ctx, void *state);

#endif
