/* slice.c - Go slices over reference-counted backing arrays (drip/slice.h).
 *
 * Layout.  A backing array is ONE allocation: a drip_array header (atomic
 * reference count and capacity in bytes) followed by the elements, aligned
 * for any type.  A drip_slice is a view on it (off, len, cap in elements)
 * and owns one reference; sub-slicing takes another, so the array lives as
 * long as its last view, however small that view is.
 *
 * Nil slices.  A slice with .arr == NULL and off == len == cap == 0 (what
 * drip_slice_release leaves, or `(drip_slice){ .elem = sizeof(T) }`) is Go's
 * nil slice: append, clone, release and backing_bytes accept it.  drip_sub
 * does not (there is no array to share), and every function that returns a
 * slice returns .arr == NULL only on failure.
 *
 * Growth.  drip_append follows growslice from Go 1.18+ (runtime/slice.go):
 *   needed = len + n;
 *   if needed > 2*cap             newcap = needed
 *   else if cap < 256             newcap = 2*cap
 *   else repeat newcap += (newcap + 3*256) / 4   until newcap >= needed
 * so appending one element at a time from cap 0 gives 1, 2, 4, ..., 256,
 * 512, 832, 1232, 1732, ... (256 -> 512 is still a doubling; the factor
 * then eases from 2x towards 1.25x).  Go additionally rounds the byte size
 * up to a malloc size class (roundupsize), which we do not: for 8-byte
 * elements our capacities equal Go's up to 512 and fall slightly below
 * from there (Go: 848 after 512).  Thresholds count elements, not bytes.
 *
 * Failure.  Allocation failure and size overflow return .arr == NULL with
 * errno ENOMEM, bad bounds .arr == NULL with EINVAL; the inputs are then
 * untouched (append keeps its reference on failure).
 */
#include "drip/slice.h"

#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct drip_array {
    _Atomic size_t refs;                        /* views holding the array */
    size_t         bytes;                       /* capacity in bytes */
    alignas(max_align_t) unsigned char data[];  /* the elements */
};

#define GROW_THRESHOLD 256   /* Go's growslice threshold, in elements */

/* A failed result: .arr NULL and errno `err`. */
static drip_slice slice_fail(size_t elem, int err)
{
    drip_slice r = { .arr = NULL, .elem = elem };

    errno = err;
    return r;
}

/* A new array of cap elements of elem bytes with refcount 1.  `zero` asks
 * for zeroed bytes (otherwise the caller fills them).  NULL with errno
 * ENOMEM when elem * cap overflows or malloc fails. */
static drip_array *array_new(size_t elem, size_t cap, int zero)
{
    drip_array *a;
    size_t bytes;

    if (elem != 0 && cap > (SIZE_MAX - sizeof *a) / elem) {
        errno = ENOMEM;
        return NULL;
    }
    bytes = elem * cap;
    a = zero ? calloc(1, sizeof *a + bytes) : malloc(sizeof *a + bytes);
    if (!a) {
        errno = ENOMEM;
        return NULL;
    }
    atomic_init(&a->refs, 1);
    a->bytes = bytes;
    return a;
}

/* Take another reference on `a` (a view is being copied).  Can't fail. */
static void array_retain(drip_array *a)
{
    atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
}

/* Drop one reference; the last one frees the array.  NULL is a no-op. */
static void array_release(drip_array *a)
{
    if (a && atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
        free(a);
}

/* Address of element `i` counted from the start of the array. */
static unsigned char *array_elem(const drip_slice *s, size_t i)
{
    return s->arr->data + i * s->elem;
}

/* make([]T, len, cap): a zeroed array of max(len, cap) elements viewed as
 * [0, len).  The result owns the only reference.  ENOMEM on failure. */
drip_slice drip_make(size_t elem, size_t len, size_t cap)
{
    drip_slice r = { .elem = elem, .off = 0, .len = len };

    if (cap < len)
        cap = len;
    r.arr = array_new(elem, cap, 1);
    if (!r.arr)
        return slice_fail(elem, ENOMEM);
    r.cap = cap;
    return r;
}

/* s[lo:hi]: a new view on s's array (one more reference; s keeps its own).
 * Never allocates.  EINVAL unless lo <= hi <= cap(s) and s has an array. */
drip_slice drip_sub(drip_slice s, size_t lo, size_t hi)
{
    drip_slice r = s;

    if (!s.arr || lo > hi || hi > s.cap)
        return slice_fail(s.elem, EINVAL);
    array_retain(s.arr);
    r.off = s.off + lo;
    r.len = hi - lo;
    r.cap = s.cap - lo;
    return r;
}

/* The view's elements copied into a new array with cap == len (a nil slice
 * clones to an empty one).  The result owns its array; s is untouched.
 * ENOMEM on failure. */
drip_slice drip_slice_clone(drip_slice s)
{
    drip_slice r = { .elem = s.elem, .off = 0, .len = s.len, .cap = s.len };

    r.arr = array_new(s.elem, s.len, 0);
    if (!r.arr)
        return slice_fail(s.elem, ENOMEM);
    if (s.len)
        memcpy(r.arr->data, array_elem(&s, s.off), s.len * s.elem);
    return r;
}

/* Go's growslice capacity for a slice of capacity `cap` that must hold
 * `needed` elements (needed > cap); see the file comment.  0 on overflow. */
static size_t grow_cap(size_t cap, size_t needed)
{
    size_t newcap = cap;

    if (cap > SIZE_MAX / 2 || needed > 2 * cap)
        return needed;
    if (cap < GROW_THRESHOLD)
        return 2 * cap;
    while (newcap < needed) {
        size_t step = (newcap + 3 * GROW_THRESHOLD) / 4;
        if (newcap > SIZE_MAX - step)
            return needed;              /* as Go: fall back to what is needed */
        newcap += step;
    }
    return newcap;
}

/* append(s, elems[0..n)): copies n elements of s.elem bytes from `elems`
 * (NULL appends n zeroed elements; elems may point into s's own array).
 * With room in s's capacity the elements are written in place, where other
 * views of the array see them, and the result is s's view lengthened;
 * otherwise they go with s's view into a new array sized by grow_cap and
 * s's reference to the old array is dropped.  Either way the result takes
 * over s's reference.  On failure (ENOMEM: allocation or size overflow) s
 * still owns its reference and nothing changed. */
drip_slice drip_append(drip_slice s, const void *elems, size_t n)
{
    drip_slice r = s;
    unsigned char *dst;
    size_t needed;

    if (!s.arr && (s.off || s.len || s.cap))
        return slice_fail(s.elem, EINVAL);          /* not a nil slice */
    if (s.len > SIZE_MAX - n)
        return slice_fail(s.elem, ENOMEM);
    needed = s.len + n;
    if (!s.arr || needed > s.cap) {                 /* no room: a new array */
        r.off = 0;
        r.cap = grow_cap(s.cap, needed);
        r.arr = array_new(s.elem, r.cap, 0);
        if (!r.arr)
            return slice_fail(s.elem, ENOMEM);
        if (s.len)
            memcpy(r.arr->data, array_elem(&s, s.off), s.len * s.elem);
        memset(array_elem(&r, needed), 0, (r.cap - needed) * r.elem);  /* Go zeroes the tail */
    }
    r.len = needed;
    dst = array_elem(&r, r.off + s.len);
    if (elems)
        memmove(dst, elems, n * s.elem);            /* elems may overlap dst */
    else
        memset(dst, 0, n * s.elem);
    if (r.arr != s.arr)
        array_release(s.arr);                       /* after the copy: elems may live in it */
    return r;
}

/* Element i of the view: a pointer into the shared array, valid while any
 * view holds it.  No bounds check beyond the debug assert. */
void *drip_slice_at(drip_slice s, size_t i)
{
    assert(s.arr && i < s.len);
    return array_elem(&s, s.off + i);
}

/* The capacity of s's backing array in bytes (all of it, not just the
 * view's part; the small header is not counted); 0 for a nil slice. */
size_t drip_slice_backing_bytes(drip_slice s)
{
    return s.arr ? s.arr->bytes : 0;
}

/* Drop s's reference (the array goes with its last) and leave *s a nil
 * slice of the same element size.  NULL or a nil slice is a no-op. */
void drip_slice_release(drip_slice *s)
{
    if (!s)
        return;
    array_release(s->arr);
    s->arr = NULL;
    s->off = s->len = s->cap = 0;
}
