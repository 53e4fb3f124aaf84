/* json_keys.h - the shape of a results.json key table (internal to the
 * results module).
 *
 * results.json is described once, as tables of rows (json_keys.c): a row
 * is one key of an object and says where its value lives in the model and
 * of what kind it is.  The writer (json_write.c) turns the model into
 * jansson values row by row, the reader (json_read.c) fills the model from
 * them row by row, so the two directions cannot disagree: a field added to
 * the model and given a row is written by `drip run`, read back by `drip
 * diff` and `drip merge`, and written again by `drip merge`.
 *
 * A row addresses its field from a base pointer (the struct its table
 * describes): `off` is offsetof(struct, field).  Inside an EACH or a LIST
 * (one object per index k of a name table) the scalar rows address
 * element k of an array field: base + off + k * the scalar's size.
 */
#ifndef DRIP_RESULTS_JSON_KEYS_H
#define DRIP_RESULTS_JSON_KEYS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results.h"
#include "util/util.h"

typedef enum drip_jkind {
    DRIP_J_STR,      /* char *: a string, or null for NULL */
    DRIP_J_U64,      /* uint64_t: a non-negative integer */
    DRIP_J_SEED,     /* uint64_t seed: as U64, at most DRIP_RESULTS_INT_MAX */
    DRIP_J_UINT,     /* unsigned: at most UINT32_MAX */
    DRIP_J_SIZE,     /* size_t */
    DRIP_J_INT,      /* int: a non-negative integer, at most INT_MAX */
    DRIP_J_NUM,      /* double: NaN and infinities are null (read back as NaN) */
    DRIP_J_BOOL,     /* bool */
    DRIP_J_ENUM,     /* an int-sized enum, by name (.names); null when it has none */
    DRIP_J_OBJECT,   /* an object: .sub's rows over base + off */
    DRIP_J_ARRAY,    /* an array of objects: .sub's rows over each of the *count elements
                        (.size bytes each) that the pointer at off points to */
    DRIP_J_EACH,     /* no key of its own: one object per name k of .names, in the
                        current object, .sub's rows indexed by k */
    DRIP_J_LIST,     /* an array of objects, one per index k of .names for which .has holds
                        (all without it), each naming k under .name_key, then .sub's rows
                        indexed by k */
    DRIP_J_CUSTOM,   /* .put and .get do it all */
} drip_jkind;

/* An enum's names, by a function so that a module's own naming (its
 * fallbacks for values outside the enum included) is what gets written:
 * name(v) for v in [0, count); NULL when v has no name. */
typedef struct drip_jenum {
    const char *(*name)(int v);
    int count;
} drip_jenum;

typedef struct drip_jreader drip_jreader;
typedef struct drip_jtable drip_jtable;

typedef struct drip_jrow {
    const char *key;
    drip_jkind  kind;
    size_t      off;                      /* the field, from the base */
    const drip_jenum  *names;             /* ENUM, EACH, LIST */
    const drip_jtable *sub;               /* OBJECT, ARRAY, EACH, LIST */
    size_t      count;                    /* ARRAY: offset of the size_t element count */
    size_t      size;                     /* ARRAY: the size of an element */
    const char *name_key;                 /* LIST: the key naming each element's index */

    /* A value that may be absent.  The writer asks present(base, k) (or,
     * without it, the bool at flag - 1, when flag is set); when false the
     * key is written null, or left out when omit is set (an EACH row,
     * having no key, must set omit).  The reader takes null for "absent"
     * (and leaves the field alone) unless omit is set, for then a null is
     * the value's own (a NaN); it sets the bool at flag - 1 for a value
     * that is not null. */
    bool      (*present)(const void *base, int k);
    size_t      flag;                     /* offsetof(bool) + 1; 0: none */
    bool        omit;

    /* LIST: is index k there to write (without has: every index), and the
     * reader's mark that it was read (checked[k] = true...). */
    bool      (*has)(const void *base, int k);
    void      (*mark)(void *base, int k);

    /* Hooks, for CUSTOM rows and for the few values derived from others.
     * put returns the row's value (a new reference, never NULL: presence is
     * decided by present/omit before); without put a CUSTOM row is not
     * written.  get reads the row's key of obj (json_object_get(obj,
     * row->key), NULL when missing) into base; false after recording an
     * error with drip__jfail.  Without get the key is not read: a value
     * derived from others, computed again when written. */
    json_t   *(*put)(const struct drip_jrow *row, const void *base, int k);
    bool      (*get)(drip_jreader *rd, json_t *obj, const struct drip_jrow *row, void *base,
                     int k);
} drip_jrow;

struct drip_jtable {
    const drip_jrow *rows;
    size_t nrows;
    /* reader: defaults before the keys (NaN for measurements...) */
    void (*init)(void *base);
    /* reader: after the keys; false after recording an error */
    bool (*check)(drip_jreader *rd, void *base);
};

/* The size of a scalar kind's field; 0 for the others.  Element k of an
 * indexed row's field is k times this past its offset. */
static inline size_t drip__jscalar_size(drip_jkind kind)
{
    switch (kind) {
    case DRIP_J_STR:  return sizeof(char *);
    case DRIP_J_U64:
    case DRIP_J_SEED: return sizeof(uint64_t);
    case DRIP_J_UINT: return sizeof(unsigned);
    case DRIP_J_SIZE: return sizeof(size_t);
    case DRIP_J_INT:
    case DRIP_J_ENUM: return sizeof(int);
    case DRIP_J_NUM:  return sizeof(double);
    case DRIP_J_BOOL: return sizeof(bool);
    default:          return 0;
    }
}

#define DRIP_JTABLE(rows_, init_, check_) \
    {(rows_), sizeof(rows_) / sizeof((rows_)[0]), (init_), (check_)}

/* The key table: the document (a drip_run_results, json_keys.c) and its
 * parts in json_passes.c. */
extern const drip_jtable drip__j_run;
extern const drip_jtable drip__j_valgrind;    /* a drip_valgrind_result */
extern const drip_jtable drip__j_sweep;       /* a drip_sweep_result */
extern const drip_jtable drip__j_profile;     /* a drip_profile_result */

/* ---- the reader's state (json_read.c), for hooks --------------------------- */

/* An integer too large for jansson (beyond 2^63 - 1) in the text: read as a
 * real so that the key that holds it can be named. */
typedef struct drip_jbig {
    double value;
    char  *digits;
} drip_jbig;

struct drip_jreader {
    const char       *file;
    char             *err;           /* the first error, malloc'd */
    strbuf            path;          /* the key path being read: "scenarios[2].metrics" */
    drip_run_results *run;
    uint64_t         *nsamples;      /* per scenario: its `samples` key */
    drip_jbig        *big;
    size_t            nbig;
};

/* Record "FILE: PATH.KEY: message" (key may be NULL: "FILE: PATH: message")
 * unless an error is recorded already.  Returns false. */
bool drip__jfail(drip_jreader *rd, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Read obj's keys into base by table t (its init first, its check last),
 * with the path extended by ".key" (key may be NULL: the path stays), and
 * "[index]" when index >= 0; k indexes the rows (EACH, LIST).  obj must be
 * an object ("expected an object" otherwise).  False after an error, the
 * path then left where the error was. */
bool drip__jget_object(drip_jreader *rd, json_t *obj, const drip_jtable *t, void *base, int k,
                       const char *key, long index);

/* Read obj's key row->key into base by one row of a table, as the row
 * says (hooks included).  False after an error. */
bool drip__jget_row(drip_jreader *rd, json_t *obj, const drip_jrow *row, void *base, int k);

/* The key path: extend it by ".key" (no dot at the start; key may be
 * NULL) and "[index]" when index >= 0, returning the length to restore;
 * and restore it. */
size_t drip__jpush(drip_jreader *rd, const char *key, long index);
void drip__jpop(drip_jreader *rd, size_t len);

/* ---- the writer's pieces (json_write.c), for hooks --------------------------- */

/* Set obj's keys from base by table t (k indexes the rows).  jansson's
 * allocations are checked: running out of memory aborts, as xmalloc does. */
void drip__jput_rows(json_t *obj, const drip_jtable *t, const void *base, int k);

/* The value of one row, as the row says (its put hook included), whatever
 * its presence.  A new reference; never NULL. */
json_t *drip__jput_value(const drip_jrow *row, const void *base, int k);

/* obj[key] = v, taking v's reference; aborts when v is NULL (jansson ran out
 * of memory) or cannot be set. */
void drip__jset(json_t *obj, const char *key, json_t *v);
/* v, or an abort when it is NULL (jansson ran out of memory). */
json_t *drip__jnew(json_t *v);

/* results.json as jansson values (a new reference), and their text as
 * drip_results_json_text writes it (malloc'd, its length in *len; may be
 * NULL): the two halves of the writer, apart for tests. */
json_t *drip__jdocument(const drip_run_results *run);
char *drip__jtext(json_t *doc, size_t *len);

/* A number as drip writes it: null for NaN and infinities, an integer when
 * "%.15g" prints one (-0 too, as 0), else a real. */
json_t *drip__jnumber(double v);

/* A uint64_t: an integer, or a real above DRIP_RESULTS_INT_MAX (no JSON
 * reader holds those exactly). */
json_t *drip__juint(uint64_t v);

/* A string, or null for NULL; invalid UTF-8 bytes each become U+FFFD. */
json_t *drip__jstring(const char *s);

/* ---- the text (json_text.c) --------------------------------------------------- */

/* jansson's pretty-printed text in the forms drip has always written: an
 * array of integers on one line ("[3, 7, 8]"), exponents with a sign and
 * two digits ("1e-07", "1e+20"), control characters escaped as \u00xx in
 * lower case (\b and \f included).  Takes text[0..n) as json_dumpb wrote
 * it; returns a malloc'd NUL-terminated string, its length in *len. */
char *drip__jclassic(const char *text, size_t n, size_t *len);

#endif /* DRIP_RESULTS_JSON_KEYS_H */
