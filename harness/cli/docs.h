/* docs.h - the built-in patterns' explanations, embedded at build time
 * from scenarios/<pattern>/README.md (cmake/embed_docs.cmake). */
#ifndef DRIP_DOCS_H
#define DRIP_DOCS_H

#include <stddef.h>

typedef struct drip_doc {
    const char *pattern;     /* the folder name under scenarios/ */
    const char *text;        /* the README's Markdown, NUL-terminated */
    size_t      len;
} drip_doc;

/* Terminated by an entry with pattern == NULL. */
extern const drip_doc drip_docs[];

#endif /* DRIP_DOCS_H */
