/* render.h - what both pool-reuse workloads share: a handler that renders
 * a response into a growable byte buffer (Go's bytes.Buffer) and sends it.
 *
 * The variants differ only in where the buffer comes from and where it
 * goes afterwards (the buffer_ops in leaky.c and fixed.c).
 */
#ifndef POOL_REUSE_RENDER_H
#define POOL_REUSE_RENDER_H

#include <drip/pool.h>
#include <drip/workload.h>
#include <stddef.h>
#include <stdint.h>

/* bytes.Buffer: len bytes written into cap bytes of data. */
typedef struct buffer {
    char  *data;
    size_t len, cap;
} buffer;

/* new(bytes.Buffer): empty, no storage yet.  NULL when memory runs out. */
buffer *buffer_new(void);
void    buffer_free(buffer *b);          /* NULL is a no-op */
/* buf.Reset(): empty again, keeping the storage for the next writes. */
void    buffer_reset(buffer *b);

typedef struct renderer renderer;

/* The variant's difference: a buffer for one response, and what becomes
 * of it once the response is sent.  get returns NULL when memory runs out. */
typedef struct buffer_ops {
    buffer *(*get)(renderer *r);
    void    (*put)(renderer *r, buffer *b);
} buffer_ops;

struct renderer {
    const buffer_ops *ops;
    drip_pool        *pool;         /* sync.Pool{New: new(bytes.Buffer)}: used by fixed.c */
    size_t            lines;        /* lines per response, 64 bytes each; at least 1 */
    buffer           *want;         /* a correct response, rendered at setup */
};

int  render_setup(drip_ctx *ctx, void **state, const buffer_ops *ops);
int  render_iterate(drip_ctx *ctx, void *state);
void render_teardown(drip_ctx *ctx, void *state);

#endif
