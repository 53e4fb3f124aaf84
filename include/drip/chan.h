/* drip/chan.h - channels and select with Go's semantics.
 *
 * A channel carries fixed-size elements.  Unbuffered (cap 0): a send waits
 * for a receiver and hands the element over (rendezvous).  Buffered: a send
 * waits only while the buffer is full.  Closing wakes every waiter:
 * receivers drain what is buffered, then get the zero value and ok = false;
 * a send on a closed channel returns DRIP_ECLOSED (Go panics) and a second
 * close returns DRIP_ECLOSED too.
 *
 * Channels are reference counted, since C has no garbage collector: the
 * creator holds one reference, drip_chan_retain adds one (e.g. for a task
 * that will use it), drip_chan_release drops one and frees the channel with
 * the last.  A task blocked forever on a channel keeps its reference, and so
 * the channel and its buffer, alive: exactly the memory a Go program leaks.
 *
 * All functions are thread-safe.
 */
#ifndef DRIP_CHAN_H
#define DRIP_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_chan drip_chan;

/* A channel of elements of elem_size bytes (1..65536) with a buffer of cap
 * elements (0: unbuffered).  Returns NULL with errno ENOMEM or EINVAL. */
drip_chan *drip_chan_new(size_t elem_size, size_t cap);

drip_chan *drip_chan_retain(drip_chan *c);          /* returns c */
void       drip_chan_release(drip_chan *c);         /* NULL is a no-op */

/* Send *elem (elem_size bytes copied).  Blocks until delivered or buffered.
 * 0, or DRIP_ECLOSED when the channel is or becomes closed. */
int drip_chan_send(drip_chan *c, const void *elem);

/* Receive into *elem (may be NULL to discard).  Blocks until an element or
 * close.  *ok (may be NULL) is true for a real element, false when the
 * channel is closed and drained (then *elem is zeroed).  Returns 0. */
int drip_chan_recv(drip_chan *c, void *elem, bool *ok);

/* Close; 0, or DRIP_ECLOSED if already closed. */
int drip_chan_close(drip_chan *c);

size_t drip_chan_len(drip_chan *c);                 /* buffered elements now */
size_t drip_chan_cap(const drip_chan *c);

/* ---- select ----------------------------------------------------------------- */

typedef enum drip_select_op { DRIP_SEND, DRIP_RECV } drip_select_op;

typedef struct drip_select_case {
    drip_chan     *chan;     /* NULL: a case that never fires (Go's nil channel) */
    drip_select_op op;
    void          *elem;     /* SEND: element to send; RECV: where to receive (may be NULL) */
    bool           ok;       /* RECV: set like drip_chan_recv's ok when this case fires */
} drip_select_case;

#define DRIP_SELECT_TIMEOUT (-1)   /* the timeout passed, nothing fired */
#define DRIP_SELECT_DEFAULT (-2)   /* timeout_ns == 0 and nothing was ready */
#define DRIP_SELECT_FOREVER UINT64_MAX

/* Wait until one case can proceed and perform it; returns its index.
 * When several are ready, one is chosen uniformly at random, as in Go.
 * timeout_ns: DRIP_SELECT_FOREVER blocks, 0 is Go's `default:` (returns
 * DRIP_SELECT_DEFAULT at once when nothing is ready), otherwise returns
 * DRIP_SELECT_TIMEOUT after that long.  A SEND case on a closed channel
 * fires and the call returns DRIP_ECLOSED (Go panics there).  Returns
 * DRIP_ENOMEM if it cannot allocate its wait records (n > 8 only). */
int drip_select(drip_select_case *cases, size_t n, uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif /* DRIP_CHAN_H */
