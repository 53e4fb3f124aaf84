/* wrapper.h - which function names are allocation wrappers, for the
 * profile's user frame (profile.c, docs/SCENARIOS.md "The user frame").
 */
#ifndef DRIP_WORKER_WRAPPER_H
#define DRIP_WORKER_WRAPPER_H

#include <stdbool.h>
#include <stddef.h>

/* Is fn an allocation wrapper: one of skip[0..nskip) (the scenario's
 * profile.skip), a known allocator or wrapper name (malloc, strdup, xnew,
 * g_malloc0, sqlite3_malloc64, ...), or a name with an allocator word in it
 * as a word of its own (split at '_', at digits and at a lower-to-upper
 * case change): malloc, calloc, realloc, zalloc, strdup, strndup, memdup
 * and their x/e-prefixed forms (my_malloc, sqlite3DbMallocRaw, xzalloc,
 * xcharalloc).  A word that merely begins with one is not: allocate_session
 * and reallocation_count are user code.  Never fails; fn may be "". */
bool drip_wrapper_name(const char *fn, const char *const *skip, size_t nskip);

#endif /* DRIP_WORKER_WRAPPER_H */
