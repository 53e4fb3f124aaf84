/* zleak.c - test plugin for stacks through code without frame pointers:
 * built WITHOUT -fno-omit-frame-pointer (tests/CMakeLists.txt), as
 * workload.h's build line builds a plugin, and leaking through zlib,
 * which Debian builds without them too.  Every iteration opens an inflate
 * stream (inflateInit: zlib allocates its ~7 KiB state inside libz) and
 * never closes it (no inflateEnd).  A precise profile must name this
 * file's leak_stream among the frames of the growing site: a
 * frame-pointer walk skips from libz straight to the harness. */
#include "test_plugin.h"
#include <stdlib.h>
#include <zlib.h>

typedef struct open_stream {
    struct open_stream *next;
    z_stream z;
} open_stream;

static open_stream *g_open;

__attribute__((noinline)) static int leak_stream(void)
{
    open_stream *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    if (inflateInit(&s->z) != Z_OK) {
        free(s);
        return -1;
    }
    s->next = g_open;                  /* kept, never inflateEnd'ed */
    g_open = s;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    return leak_stream();
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    (void)state;
    while (g_open) {
        open_stream *next = g_open->next;
        inflateEnd(&g_open->z);
        free(g_open);
        g_open = next;
    }
}

DRIP_TEST_PLUGIN("zleak", "inflateInit without inflateEnd, in a plugin without frame pointers",
                 .iterate = iterate, .teardown = teardown);
