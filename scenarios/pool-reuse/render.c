/* render.c - the handler shared by the pool-reuse workloads.
 *
 * Go original:
 *
 *     func render(w io.Writer, items []Item) error {
 *         buf := new(bytes.Buffer)         // a new buffer for every response
 *         for _, it := range items {
 *             fmt.Fprintf(buf, "%-63s\n", it)
 *         }
 *         _, err := w.Write(buf.Bytes())
 *         return err
 *     }
 *
 * Nothing leaks: the buffer is garbage once the response is written.  But
 * each response pays for a buffer and for every step of its growth (64,
 * 128, ... 4096 bytes), and the collector pays again to free them.  The
 * pooled version takes a buffer from a sync.Pool, resets it, and puts it
 * back: after the first few responses, no allocation at all.
 *
 * Each iteration renders the same `lines` x 64-byte response and checks
 * its length, first and last line: a reused buffer that was not reset still holds
 * the previous response, so the check fails (the iteration is counted as
 * failed) and the buffer grows by a response each time.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#define LINE 64
#define FIRST_CAP 64                 /* bytes.Buffer's smallest allocation */

buffer *buffer_new(void)
{
    return calloc(1, sizeof(buffer));
}

void buffer_free(buffer *b)
{
    if (b)
        free(b->data);
    free(b);
}

void buffer_reset(buffer *b)
{
    b->len = 0;
}

/* buf.Write(p): grow like bytes.Buffer (a new array of twice the capacity,
 * or what is needed, the old one copied and dropped).  0, or -1 when
 * memory runs out (the buffer is unchanged). */
static int buffer_write(buffer *b, const void *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? 2 * b->cap : FIRST_CAP;
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

/* Write the response: `lines` lines of 63 characters and a newline, each
 * numbered with four hex digits. */
static int render(buffer *b, size_t lines)
{
    static const char hex[] = "0123456789abcdef";
    char line[LINE];
    memset(line, ' ', sizeof line);
    memcpy(line, "item 0000:", 10);
    line[LINE - 1] = '\n';
    for (size_t i = 0; i < lines; i++) {
        for (size_t k = 0; k < 4; k++)
            line[8 - k] = hex[(i >> (4 * k)) & 15];
        if (buffer_write(b, line, sizeof line) != 0)
            return -1;
    }
    return 0;
}

static void *pool_make(void *arg)
{
    (void)arg;
    return buffer_new();
}

static void pool_release(void *obj, void *arg)
{
    (void)arg;
    buffer_free(obj);
}

int render_setup(drip_ctx *ctx, void **state, const buffer_ops *ops)
{
    renderer *r = calloc(1, sizeof *r);
    buffer *b = buffer_new();
    if (!r || !b)
        goto fail;
    r->ops = ops;
    r->lines = (size_t)drip_param_int(ctx, "lines", 64);
    if (r->lines == 0)
        r->lines = 1;
    drip_pool_opts o = {.make = pool_make, .release = pool_release, .max_idle = 64};
    r->pool = drip_pool_new(&o);
    if (!r->pool || render(b, r->lines) != 0)
        goto fail;
    r->want = b;                                     /* what a response must be */
    b = NULL;
    *state = r;
    return 0;

fail:
    buffer_free(b);
    if (r)
        drip_pool_free(r->pool);
    free(r);
    return -1;
}

int render_iterate(drip_ctx *ctx, void *state)
{
    (void)ctx;
    renderer *r = state;
    buffer *b = r->ops->get(r);
    if (!b)
        return -1;
    int rc = render(b, r->lines);
    /* w.Write(buf.Bytes()): the client checks the length, the first and
     * the last line (cheap: the lesson is the allocations, not the check). */
    size_t n = r->want->len;
    if (rc == 0 && (b->len != n || memcmp(b->data, r->want->data, LINE) != 0 ||
                    memcmp(b->data + n - LINE, r->want->data + n - LINE, LINE) != 0))
        rc = -1;                                     /* stale bytes from a previous response */
    r->ops->put(r, b);
    return rc;
}

void render_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    renderer *r = state;
    drip_pool_free(r->pool);
    buffer_free(r->want);
    free(r);
}
