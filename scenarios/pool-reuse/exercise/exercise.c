/* pool-reuse exercise: a new buffer for every response.
 *
 * Each iteration renders the same 4 KiB response (64 lines of 64 bytes)
 * into a growable buffer, Go's bytes.Buffer, and checks what would be
 * sent.  Nothing leaks.  But every response allocates its buffer and
 * every step of the buffer's growth.  Make the allocations per iteration
 * go to (nearly) zero without changing what is rendered.
 *
 * Build and grade:   drip exercise pool-reuse exercise.c
 * By hand:           cc -shared -fPIC -I include exercise.c -o x.so
 * Hints:             HINTS.md, one at a time.
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

__attribute__((unused))                  /* not called yet */
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
    buffer *want;                        /* the correct response, made at setup */
} renderer;

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
    r->want = buffer_new();
    if (!r->want || render(r->want) != 0) {
        buffer_free(r->want);
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
    buffer *b = buffer_new();            /* LESSON: a new buffer (and 7 growth steps) per response */
    if (!b)
        return -1;
    int rc = render(b);
    /* What the client gets must be exactly one response. */
    if (rc == 0 && (b->len != r->want->len || memcmp(b->data, r->want->data, b->len) != 0))
        rc = -1;
    buffer_free(b);                      /* LESSON: thrown away, when the next response needs the same */
    return rc;
}

static void teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    renderer *r = state;
    buffer_free(r->want);
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
