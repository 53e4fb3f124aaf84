/* goroutines.h - Go's goroutine profile in text form
 * (/debug/pprof/goroutine?debug=1), read: where a Go program's goroutines
 * are parked, stack by stack, most goroutines first (issue 16,
 * `metrics.goroutine_profile`).
 *
 * The text is a header line "goroutine profile: total N", then blocks
 * separated by blank lines: "COUNT @ 0xPC 0xPC ..." and one line per frame
 * "#\t0xPC\tFUNCTION+0xOFF\tFILE:LINE" (runtime frames are already left
 * out by Go).  A pure function over a buffer: no I/O, no globals.
 *
 * Ownership: the stacks and their strings are malloc'd for the caller
 * (drip_goroutines_free); error messages too.
 */
#ifndef DRIP_SCRAPE_GOROUTINES_H
#define DRIP_SCRAPE_GOROUTINES_H

#include <stddef.h>
#include <stdint.h>

typedef struct drip_goroutine_stack {
    uint64_t count;              /* goroutines parked on this stack */
    char    *frames;             /* "fn (file.go:LINE) < caller (file.go:LINE) < ...", at most
                                    max_frames, file names without their folder; "" when the
                                    block has no frame line */
} drip_goroutine_stack;

/* Parse len bytes into *out (malloc'd, *n stacks, most goroutines first;
 * equal counts keep the page's order).  Reads nothing past text + len
 * (no NUL needed after it), in time n log n of the page's stacks.  Returns 0, or -1 with *err
 * ("line 3: ...") and nothing to free when the text is not a goroutine
 * profile. */
int drip_goroutines_parse(const char *text, size_t len, size_t max_frames,
                          drip_goroutine_stack **out, size_t *n, char **err);
void drip_goroutines_free(drip_goroutine_stack *s, size_t n);

#endif /* DRIP_SCRAPE_GOROUTINES_H */
