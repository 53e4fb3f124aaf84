/* loop.c - the loop turn shared by the time-after workloads.
 *
 * Go original:
 *
 *     for {
 *         select {
 *         case v := <-data:
 *             handle(v)
 *         case <-time.After(time.Minute):   // a new timer on every turn
 *             return
 *         }
 *     }
 *
 * Before Go 1.23 the timer time.After creates stays in the runtime's timer
 * heap until it fires, however soon the other case won: one armed timer
 * (and its channel) per turn for a whole minute.
 */
#include "loop.h"

#include <stdlib.h>

int loop_setup(drip_ctx *ctx, void **state, const timeout_ops *ops)
{
    loop *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    l->ops = ops;
    l->timeout_ns = (uint64_t)drip_param_int(ctx, "timeout_s", 3600) * 1000000000ULL;
    l->data = drip_chan_new(sizeof(uint64_t), 256);   /* room for every thread's turn */
    if (!l->data) {
        free(l);
        return -1;
    }
    pthread_mutex_init(&l->lock, NULL);
    *state = l;
    return 0;
}

int loop_iterate(drip_ctx *ctx, void *state)
{
    loop *l = state;
    uint64_t v = drip_iteration(ctx), got = 0;
    if (drip_chan_send(l->data, &v) != 0)             /* the data that always wins */
        return -1;
    void *token = NULL;
    drip_chan *timeout = l->ops->open(l, &token);
    if (!timeout) {
        drip_chan_recv(l->data, &got, NULL);          /* keep the channel balanced */
        return -1;
    }
    drip_select_case cases[] = {
        {.chan = l->data, .op = DRIP_RECV, .elem = &got},
        {.chan = timeout, .op = DRIP_RECV},
    };
    int which = drip_select(cases, 2, DRIP_SELECT_FOREVER);
    l->ops->done(l, token);
    return which == 0 ? 0 : -1;
}

void loop_teardown(drip_ctx *ctx, void *state)
{
    (void)ctx;
    loop *l = state;
    for (size_t i = 0; i < l->nidle; i++)
        drip_timer_free(l->idle[i]);
    drip_chan_release(l->data);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
