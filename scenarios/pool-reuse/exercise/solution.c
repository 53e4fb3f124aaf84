/* pool-reuse solution: buffers from a pool, reset before reuse.
 *
 * The reference fix for exercise.c: a drip_pool (Go's sync.Pool) of
 * buffers.  Get, Reset, use, Put: once each thread has had its buffer, a
 * response allocates nothing.
 *
 * Build and grade:   drip exercise pool-reuse solution.c
 * By hand:           cc -shared -fPIC -I include solution.c -o x.so
 */
#include <drip/pool.h>
#include <drip/workload.h>
#include <stdlib.h>
#include <string.h>

#define LINES 64
#define LINE  64

/* ---- bytes.Buffer -------------------------------------------------------- */

typedef struct buffer {
    char  *data;
    size_t len, cap;
} buffer;

static buffer *buffer_new(void)          /* new(bytes.Buffer) */
{
    return calloc(1, sizeof(buffer));
}

static void buffer_free(buffer *b)
{
    if (b)
        free(b->data);
    free(b);
}

static void buffer_reset(buffer *b)      /* buf.Reset(): keeps the storage */
{
    b->len = 0;
}

/* Grow like bytes.Buffer: a new array of twice the size, the old copied. */
static int buffer_write(buffer *b, const void *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        if (cap < b->len + n)
            cap = b->len + n;
        char *data = malloc(cap);
        if (!data)
            return -1;
        if (b->len)
            memcpy(data, b->data, b->len);
        free(b->data);
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* ---- the handler ------------------------------------------------------------ */

typedef struct renderer {
    buffer    *want;                     /* the correct response, made at setup */
    drip_pool *pool;                     /* LESSON: sync.Pool{New: new(bytes.Buffer)} */
} renderer;

static void *pool_make(void *arg)        /* the pool's New */
{
    (void)arg;
    return buffer_new();
}

static void pool_release(void *obj, void *arg)
{
    (void)arg;
    buffer_free(obj);
}

static int render(buffer *b)
{
    static const char hex[] = "0123456789abcdef";
    char line[LINE];
    memset(line, ' ', sizeof line);
    memcpy(line, "item 0000:", 10);
    line[LINE - 1] = '\n';
    for (size_t i = 0; i < LINES; i++) {
        for (size_t k = 0; k < 4; k++)
            line[8 - k] = hex[(i >> (4 * k)) & 15];
        if (buffer_write(b, line, sizeof line) != 0)
            return -1;
    }
    return 0;
}

static int setup(drip_ctx *ctx, void **state)
{
    (void)ctx;
    renderer *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    drip_pool_opts o = {.make = pool_make, .release = pool_release};
    r->pool = drip_pool_new(&o);
    r->want = buffer_new();
    if (!r->pool || !r->want || render(r->want) != 0) {
        buffer_free(r->want);
        drip_pool_free(r->pool);
        free(r);
        return -1;
    }
    *state = r;
    return 0;
}

static int iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    renderer *r = state;
    buffer *b = drip_pool_get(r->pool);  /* LESSON: buf := pool.Get(), grown by an earlier response */
    if (!b)
        return -1;
    buffer_reset(b);                     /* LESSON: buf.Reset(): the last response is still in it */
    int rc = render(b);
    /* What the client gets must be exactly one response. */
    if (rc == 0 && (b->len != r->want->len || memcmp(b->data, r->want->data, b->len) != 0))
        rc = -1;
    drip_pool_put(r->pool, b);           /* LESSON: pool.Put(buf): for the next response */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    renderer *r = state;
    buffer_free(r->want);
    drip_pool_free(r->pool);
    free(r);
}

const drip_workload drip_plugin = {
    .abi = DRIP_WORKLOAD_ABI,
    .name = "pool-reuse-exercise",
    .summary = "pool-reuse exercise: a response buffer per request",
    .setup = setup,
    .iterate = iterate,
    .teardown = teardown,
};
