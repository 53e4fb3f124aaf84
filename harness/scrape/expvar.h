/* expvar.h - Go's expvar JSON (/debug/vars), read.
 *
 * A scenario maps Drip metric names to numbers in the document by dotted
 * paths (`metrics: { expvar: URL, map: { heap_bytes: memstats.HeapInuse,
 * tasks: goroutines } }`).  A path is a series of object keys separated by
 * dots; a component of digits indexes an array (`memstats.PauseNs.0`).
 * Only numbers are read: a string, a boolean, null, an object or an array
 * at the end of a path is an error.  Pure functions over a buffer, on
 * jansson; no I/O, no globals.
 *
 * Ownership: drip_expvar_doc is opaque, owned by the caller
 * (drip_expvar_free); error messages are malloc'd for the caller to free.
 */
#ifndef DRIP_SCRAPE_EXPVAR_H
#define DRIP_SCRAPE_EXPVAR_H

#include <stddef.h>

/* Documents longer than this are refused. */
#define DRIP_EXPVAR_MAX_BYTES (16u << 20)

typedef struct drip_expvar_doc drip_expvar_doc;

/* Parse len bytes of JSON whose top level must be an object.  Returns the
 * document, or NULL with *err set ("line 3, column 7: ..." or "the top
 * level is an array, not an object"); never aborts. */
drip_expvar_doc *drip_expvar_parse(const char *text, size_t len, char **err);
void drip_expvar_free(drip_expvar_doc *doc);

/* Is path a well-formed dotted path (non-empty components, at most 32,
 * no spaces or control characters)?  0, or -1 with *err set. */
int drip_expvar_path_check(const char *path, char **err);

/* The number at path in doc: 0 and *value; -1 and *err when the path is
 * malformed, a component is missing ("memstats has no key 'HeapInUse'")
 * or the value there is not a number. */
int drip_expvar_lookup(const drip_expvar_doc *doc, const char *path, double *value, char **err);

#endif /* DRIP_SCRAPE_EXPVAR_H */
