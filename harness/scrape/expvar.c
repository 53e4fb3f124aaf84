/* expvar.c - Go's expvar JSON read with jansson, numbers found by dotted
 * paths (expvar.h). */
#define _GNU_SOURCE
#include "expvar.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMPONENTS 32

struct drip_expvar_doc {
    json_t *root;
};

/* *err = a malloc'd message (NULL when even that fails). */
static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0)
        *err = NULL;
    va_end(ap);
}

static const char *type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:  return "an object";
    case JSON_ARRAY:   return "an array";
    case JSON_STRING:  return "a string";
    case JSON_TRUE:
    case JSON_FALSE:   return "a boolean";
    case JSON_NULL:    return "null";
    default:           return "a number";
    }
}

/* See expvar.h.  JSON_REJECT_DUPLICATES: a document that says two things
 * for one key is malformed rather than silently the last. */
drip_expvar_doc *drip_expvar_parse(const char *text, size_t len, char **err)
{
    json_error_t je;
    drip_expvar_doc *doc;

    *err = NULL;
    if (len > DRIP_EXPVAR_MAX_BYTES) {
        set_err(err, "document larger than %u MiB", DRIP_EXPVAR_MAX_BYTES >> 20);
        return NULL;
    }
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        set_err(err, "line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        set_err(err, "the top level is %s, not an object", type_name(root));
        json_decref(root);
        return NULL;
    }
    doc = malloc(sizeof *doc);
    if (!doc) {
        json_decref(root);
        set_err(err, "out of memory");
        return NULL;
    }
    doc->root = root;
    return doc;
}

void drip_expvar_free(drip_expvar_doc *doc)
{
    if (!doc)
        return;
    json_decref(doc->root);
    free(doc);
}

int drip_expvar_path_check(const char *path, char **err)
{
    size_t components = 1, len = 0;

    *err = NULL;
    for (const char *p = path;; p++) {
        if (*p == '.' || *p == '\0') {
            if (len == 0) {
                set_err(err, "'%s' has an empty component (a path is keys separated by dots, "
                        "such as memstats.HeapInuse)", path);
                return -1;
            }
            if (!*p)
                break;
            if (++components > MAX_COMPONENTS) {
                set_err(err, "'%s' has more than %d components", path, MAX_COMPONENTS);
                return -1;
            }
            len = 0;
            continue;
        }
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            set_err(err, "a path holds no spaces or control characters");
            return -1;
        }
        len++;
    }
    return 0;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 9)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* One step of a path: the member `key` (n bytes) of object j, or element
 * `key` of array j.  NULL with *err set when there is none. */
static json_t *step(json_t *j, const char *key, size_t n, const char *walked, char **err)
{
    const char *where = *walked ? walked : "the top level";

    if (json_is_object(j)) {
        json_t *m = json_object_getn(j, key, n);
        if (!m)
            set_err(err, "%s has no key '%.*s'", where, (int)n, key);
        return m;
    }
    if (json_is_array(j)) {
        if (!all_digits(key, n)) {
            set_err(err, "%s is an array: '%.*s' is not an index", where, (int)n, key);
            return NULL;
        }
        size_t i = (size_t)strtoul(key, NULL, 10);
        json_t *m = json_array_get(j, i);
        if (!m)
            set_err(err, "%s has %zu elements: no index %zu", where, json_array_size(j), i);
        return m;
    }
    set_err(err, "%s is %s: it has no '%.*s'", where, type_name(j), (int)n, key);
    return NULL;
}

/* See expvar.h. */
int drip_expvar_lookup(const drip_expvar_doc *doc, const char *path, double *value, char **err)
{
    json_t *j = doc->root;
    const char *p = path;

    if (drip_expvar_path_check(path, err) < 0)
        return -1;
    while (j) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char *walked = strndup(path, (size_t)(p - path) ? (size_t)(p - path) - 1 : 0);
        if (!walked) {
            set_err(err, "out of memory");
            return -1;
        }
        j = step(j, p, n, walked, err);
        free(walked);
        if (!j)
            return -1;
        if (!dot)
            break;
        p = dot + 1;
    }
    if (!json_is_number(j)) {
        set_err(err, "%s is %s, not a number", path, type_name(j));
        return -1;
    }
    *value = json_number_value(j);
    return 0;
}
