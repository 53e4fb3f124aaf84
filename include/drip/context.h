/* drip/context.h - cancellation and deadlines, like Go's context package.
 *
 * A context's done channel (element size 1, never sent on) is closed when
 * the context is canceled or its deadline passes, so it can be a RECV case
 * in drip_select.  Canceling a parent cancels its children.  Contexts are
 * reference counted like channels; the background context is static.
 * Named drip_context (not drip_ctx: that is the workload contract's).
 */
#ifndef DRIP_CONTEXT_H
#define DRIP_CONTEXT_H

#include <stdint.h>

#include "chan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_context drip_context;

/* The root: never canceled, no deadline, not reference counted. */
drip_context *drip_context_background(void);

/* A child canceled by drip_context_cancel or when parent is.  NULL+ENOMEM. */
drip_context *drip_context_with_cancel(drip_context *parent);

/* A child that is also canceled (with DRIP_EDEADLINE) at the monotonic time
 * deadline_ns, or timeout_ns from now.  Uses the timer thread (timer.h). */
drip_context *drip_context_with_deadline(drip_context *parent, uint64_t deadline_ns);
drip_context *drip_context_with_timeout(drip_context *parent, uint64_t timeout_ns);

void drip_context_cancel(drip_context *c);          /* idempotent */

/* The done channel (borrowed: valid while the caller holds the context). */
drip_chan *drip_context_done(drip_context *c);

/* 0 while live, DRIP_ECANCELED or DRIP_EDEADLINE once done. */
int drip_context_err(drip_context *c);

drip_context *drip_context_retain(drip_context *c);
void          drip_context_release(drip_context *c); /* NULL / background: no-op */

#ifdef __cplusplus
}
#endif

#endif /* DRIP_CONTEXT_H */
