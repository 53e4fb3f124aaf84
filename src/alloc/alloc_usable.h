/* alloc_usable.h - private to src/alloc: malloc_usable_size for blocks that
 * are glibc's (alloc_usable.c), for the core's pass-through mode.  libc
 * only; the lookup never calls malloc.
 */
#ifndef DRIP_ALLOC_USABLE_H
#define DRIP_ALLOC_USABLE_H

#include <stddef.h>

/* malloc_usable_size in pass-through mode: glibc's (or valgrind's), found
 * once in libc's ELF symbol table (dlsym may allocate).  0 when it cannot
 * be found: too small is safe, too big is not. */
size_t drip__alloc_usable_passthrough(void *p) __attribute__((visibility("hidden")));

#endif /* DRIP_ALLOC_USABLE_H */
