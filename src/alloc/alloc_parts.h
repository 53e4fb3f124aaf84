/* alloc_parts.h - private to src/alloc: what alloc.c needs from the
 * files beside it.  Each part depends on libc only and never calls malloc.
 */
#ifndef DRIP_ALLOC_PARTS_H
#define DRIP_ALLOC_PARTS_H

#include <stddef.h>

/* malloc_usable_size in pass-through mode: glibc's (or valgrind's), found
 * once in libc's ELF symbol table (dlsym may allocate).  0 when it cannot
 * be found: too small is safe, too big is not.  (alloc_usable.c) */
size_t drip__alloc_usable_passthrough(void *p);

#endif /* DRIP_ALLOC_PARTS_H */
