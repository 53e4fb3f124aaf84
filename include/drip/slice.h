/* drip/slice.h - Go slices: views on reference-counted backing arrays.
 *
 * A drip_slice is a small value (pass and copy it freely) that references a
 * backing array.  Sub-slicing shares the array and keeps ALL of it alive,
 * however small the view: a 16-byte sub-slice of a 1 MiB batch pins the
 * megabyte.  drip_slice_clone copies the view into a new array of its own
 * length.  drip_append grows like Go's append: in place while capacity
 * lasts (other views of the same array see the write, as in Go), else into
 * a new array with doubled capacity (1.25x past 256 elements, as Go 1.18+).
 *
 * Each slice value that is kept must be released once with
 * drip_slice_release (the array is freed with its last reference).
 * Functions returning a slice return one with .arr == NULL and errno =
 * ENOMEM on failure; the inputs are then unchanged.
 */
#ifndef DRIP_SLICE_H
#define DRIP_SLICE_H

#include <stddef.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drip_array drip_array;        /* opaque: refcount + bytes */

typedef struct drip_slice {
    drip_array *arr;
    size_t      elem;                        /* element size in bytes */
    size_t      off, len, cap;               /* view: elements [off, off+len), cap from off */
} drip_slice;

/* make([]T, len, cap): zeroed.  cap < len is taken as len. */
drip_slice drip_make(size_t elem, size_t len, size_t cap);

/* s[lo:hi] sharing the array (a new reference).  Bounds are checked:
 * lo <= hi <= cap(s), else .arr NULL and errno EINVAL. */
drip_slice drip_sub(drip_slice s, size_t lo, size_t hi);

/* A copy of the view in a new array with cap == len. */
drip_slice drip_slice_clone(drip_slice s);

/* append(s, elems...): consumes s's reference (the result holds one, the
 * same array or a new one).  On failure s is still valid and unchanged. */
drip_slice drip_append(drip_slice s, const void *elems, size_t n);

/* Element i of the view (no bounds check beyond an assert in debug). */
void *drip_slice_at(drip_slice s, size_t i);

/* Bytes of the backing array (what the slice keeps alive). */
size_t drip_slice_backing_bytes(drip_slice s);

void drip_slice_release(drip_slice *s);      /* sets s->arr = NULL */

#ifdef __cplusplus
}
#endif

#endif /* DRIP_SLICE_H */
