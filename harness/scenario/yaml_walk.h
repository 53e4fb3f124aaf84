/* yaml_walk.h - private to harness/scenario: the YAML event walker.
 *
 * yaml_load.c reads libyaml's event stream, generic nodes and documents;
 * yaml_fields.c reads mappings against tables of drip__field; the schema
 * (yaml_schema.c) says which keys a scenario has and what they mean, mostly
 * as such tables.  Nothing outside harness/scenario includes this.
 *
 * Conventions for everything below:
 *   - A function handed the first event of a node (`const yaml_event_t *v`)
 *     borrows that event and must consume the rest of the node, if it is a
 *     mapping or a sequence (drip__skip when there is nothing to keep).
 *   - Problems are reported as they are found (drip__problem) and the walk
 *     goes on; such functions return 0.  They return -1 only after a libyaml
 *     syntax error, when the event stream is over (ld->fatal is set) and
 *     every caller must unwind.
 */
#ifndef DRIP_YAML_WALK_H
#define DRIP_YAML_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "scenario.h"

/* An `expect:` key that names no Drip metric, read before `workload:`:
 * it may name a custom metric of the program's metrics.map, which is not
 * known yet.  Its expects (first..first+count) have metric -1 until the
 * document's end settles them (drip__scenario_settle). */
typedef struct drip__later {
    char    *name;
    drip_pos at;
    size_t   first, count;
} drip__later;

typedef struct drip__loader {
    yaml_parser_t parser;
    const char   *file;         /* for messages and for resolving plugin paths */
    const char   *text;         /* the whole input: positions of encoding errors */
    size_t        len;
    drip_diags   *diags;
    bool          fatal;        /* a syntax error was reported: stop reading */
    size_t        depth;        /* collections open at the last event read */
    drip__later  *later;        /* this document's expect keys to settle at its end */
    size_t        nlater;
} drip__loader;

/* Room for a value shown in a message: at most 40 bytes of it, plus quotes
 * and "...". */
#define DRIP__SHOWN 64

/* ---- positions and messages ---------------------------------------------- */

drip_pos drip__pos(const yaml_event_t *ev);
void     drip__problem(drip__loader *ld, drip_pos at, const char *fmt, ...)
         __attribute__((format(printf, 3, 4)));
/* s cut to 40 bytes (on a UTF-8 boundary, "..." appended) with control
 * characters as '?', written to buf[DRIP__SHOWN]; returns buf. */
const char *drip__shown(const char *s, char *buf);
/* What a node is, for "got ...": "a mapping", "a sequence", "a string"
 * (quoted scalar), "a tagged value" (!!int 5), "an empty value", "null", or
 * 'value' (a plain scalar, quoted and shortened).  Uses buf[DRIP__SHOWN]. */
const char *drip__got(const yaml_event_t *v, char *buf);
/* "parent.key", or "key" when parent is "".  Caller frees. */
char       *drip__path(const char *parent, const char *key);

/* ---- nodes ---------------------------------------------------------------- */

bool drip__is_plain(const yaml_event_t *v);   /* plain, untagged scalar */
bool drip__is_null(const yaml_event_t *v);    /* plain "", "~", "null" */
/* Consume the rest of the node v starts (nothing for a scalar). */
int  drip__skip(drip__loader *ld, const yaml_event_t *v);
/* v must be a non-null scalar without NUL bytes: 1 and *text (borrowed from
 * v) when it is; otherwise "'path' must be WANT, got ..." and 0. */
int  drip__text(drip__loader *ld, const yaml_event_t *v, const char *path,
                const char *want, const char **text);
/* drip__text for a path that must not be empty: an empty one is reported
 * as "'PATH' must be MUST, got an empty string" and gives 0. */
int  drip__path_text(drip__loader *ld, const yaml_event_t *v, const char *path,
                     const char *want, const char *must, const char **text);
/* v must be one of the n plain words names[] (WANT says them: "off,
 * sampled or precise"): 1 and *index when it is; otherwise "'path' must
 * be WANT, got ..." and 0 (-1 after a syntax error, as drip__text). */
int  drip__choice(drip__loader *ld, const yaml_event_t *v, const char *path, const char *want,
                  const char *const *names, int n, int *index);
/* v must be true or false: 1 and *value when it is; otherwise "'path'
 * must be true or false, got ..." and 0 (-1 after a syntax error, as
 * drip__choice). */
int  drip__bool(drip__loader *ld, const yaml_event_t *v, const char *path, bool *value);
/* v must start a node of `type` (a mapping or a sequence): 1 when it does;
 * 0 when v is null (an empty value stands for an empty collection); else
 * "'path' must be a mapping, got ..." and 0. */
int  drip__want(drip__loader *ld, const yaml_event_t *v, const char *path,
                yaml_event_type_t type);

/* ---- collections ------------------------------------------------------------ */

/* Called once per mapping entry whose key is a string not seen before in
 * that mapping.  `key` and the events are borrowed; fn must consume the
 * value node.  v is NULL when the value was an alias (already reported):
 * the key was given, but there is no value to read. */
typedef int (*drip__entry_fn)(drip__loader *ld, void *ctx, const char *key,
                              const yaml_event_t *k, const yaml_event_t *v);
/* Called once per sequence item that is not an alias (index is 0-based). */
typedef int (*drip__item_fn)(drip__loader *ld, void *ctx, size_t index,
                             const yaml_event_t *v);

/* Walk a mapping whose MAPPING-START was just read, up to and including its
 * MAPPING-END.  Reports aliases, non-string keys and duplicate keys itself.
 * Returns the number of entries in the mapping, or -1. */
long drip__walk_map(drip__loader *ld, drip__entry_fn fn, void *ctx);
/* The same for a sequence whose SEQUENCE-START was just read; 0 or -1. */
int  drip__walk_seq(drip__loader *ld, drip__item_fn fn, void *ctx);

/* ---- table-driven mappings (yaml_fields.c) --------------------------------------- */

typedef enum drip__kind {
    DRIP__K_STR,     /* any string, quoted or not; an empty value is "absent" */
    DRIP__K_NAME,    /* a string matching [A-Za-z0-9._-]+, at most DRIP_NAME_MAX bytes */
    DRIP__K_UINT,    /* plain decimal integer in [umin, umax] */
    DRIP__K_NUM,     /* plain decimal number in [dmin, dmax] (a double) */
    DRIP__K_DUR,     /* plain duration with a unit, in ns, in [umin, umax] */
    DRIP__K_SIZE,    /* plain size with an optional unit, in [umin, umax] */
    DRIP__K_CUSTOM,  /* fn reads the value */
} drip__kind;

/* Reads the value v of a key into obj (the walk's object); path is the
 * key's full name for messages ("run.threads"). */
typedef int (*drip__field_fn)(drip__loader *ld, void *obj, const yaml_event_t *v,
                              const char *path);

typedef struct drip__field {
    const char    *key;
    drip__kind     kind;
    bool           required;
    size_t         off, size;     /* where in obj the value goes (not CUSTOM);
                                     size 4 or 8 for the unsigned kinds */
    uint64_t       umin, umax;    /* UINT, DUR, SIZE */
    double         dmin, dmax;    /* NUM */
    const char    *range;         /* said when the value is out of range */
    drip__field_fn fn;            /* CUSTOM */
} drip__field;

typedef struct drip__seen {
    drip_pos key, val;            /* line 0: the key was not given */
} drip__seen;

typedef struct drip__mapwalk {
    const drip__field *fields;
    size_t             nfields;
    const char        *path;      /* "" for the document, "run", "faults[0]" */
    const char        *noun;      /* "unknown NOUN 'x'": "key", "rule" */
    const char        *where;     /* after that: "in 'run'"; NULL = from path */
    void              *obj;
    drip__seen        *seen;      /* out: nfields entries, zeroed by the caller */
} drip__mapwalk;

/* Read one value v (its first event, borrowed; the node is consumed) into
 * obj as row f says, with the checks and messages of a mapping entry; path
 * names the value ("run.threads", "faults[0].nth[1]").  A bad value is
 * reported and leaves obj as it was.  0, or -1 after a syntax error. */
int  drip__read_field(drip__loader *ld, const drip__field *f, void *obj,
                      const yaml_event_t *v, const char *path);

/* Walk a mapping (start is its MAPPING-START, just read) against a field
 * table: unknown keys (with a did-you-mean), wrong types, bad values and
 * missing required keys are reported; good values are stored in w->obj.
 * Returns the number of entries in the mapping, or -1. */
long drip__walk_fields(drip__loader *ld, const yaml_event_t *start,
                       const drip__mapwalk *w);

/* drip__walk_fields over a section's mapping (start, just read and checked
 * to be one) into obj, its keys fields[0..n): what a section's setter does
 * once it has the mapping.  0, or -1 after a syntax error. */
int drip__walk_section(drip__loader *ld, const yaml_event_t *start, const char *path,
                       const drip__field *fields, size_t n, void *obj);

/* ---- a set of strings, for duplicate detection -------------------------------- */

typedef struct drip__keyset {
    struct drip__keyslot { char *key; int line; } *slot;
    size_t cap, count;
} drip__keyset;

/* Add key first seen at `line` (>= 1): 0 if it is new, else the line where
 * it was first seen.  Copies key. */
int  drip__keyset_add(drip__keyset *ks, const char *key, int line);
void drip__keyset_free(drip__keyset *ks);

/* ---- the schema (yaml_schema.c) --------------------------------------------------- */

/* Read one document's root node (root is its first event) into sc, whose
 * file, index, position and run defaults are already set.  `doc` is where
 * the document starts.  0, or -1 after a syntax error. */
int drip__scenario_document(drip__loader *ld, const yaml_event_t *root, drip_pos doc,
                            drip_scenario *sc);

/* ---- shared by the schema files --------------------------------------------- */

/* Make room for element n of an array without a capacity field (grows to
 * the next power of two).  Aborts when memory runs out. */
void *drip__grow_to(void *items, size_t n, size_t size);

/* A path from a scenario file (plugin, suppression file) made absolute or
 * relative to the file's directory; always holds a '/'.  Caller frees. */
char *drip__resolve_path(const char *file, const char *rel);

/* ---- external workloads (yaml_workload.c, yaml_external.c) ---------------------- */

/* `workload: { plugin: PATH }` or `workload: { command: [...], ... }` (v
 * is the MAPPING-START): fills sc->plugin, or sc->external.  0, or -1
 * after a syntax error. */
int drip__workload_mapping(drip__loader *ld, const yaml_event_t *v, const char *path,
                           drip_scenario *sc);

/* The metric an `expect:` key names when it is not one of Drip's: a
 * custom metric of sc's program, or for a plugin or built-in workload its
 * own metric (drip_metric_add; added to sc->wmetrics unless the name is a
 * likely typo of a Drip metric: drip_metric_name_reserved), as an index;
 * or -1.  When it cannot be told yet (no workload read so far) *later is
 * set and nothing reported; otherwise "unknown metric" is reported at
 * `at`, with a did-you-mean. */
int drip__expect_metric(drip__loader *ld, drip_scenario *sc, const char *key,
                        drip_pos at, bool *later);
/* Remember expects first..first+count for the document's end. */
void drip__later_add(drip__loader *ld, const char *name, drip_pos at, size_t first,
                     size_t count);
/* At a document's end (also after a syntax error, to release what was
 * remembered): settle the later expect keys, then check what a program's
 * scenario may not hold (params, run.threads, faults other than alloc, a
 * sweep section, expectations on metrics nothing measures). */
void drip__scenario_settle(drip__loader *ld, drip_scenario *sc);

/* Program sections of the workload mapping (yaml_external.c); obj is the
 * drip_external_spec. */
int drip__set_ready(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path);
int drip__set_drive(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path);
int drip__set_metrics(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path);

/* Read a sequence of strings (an argv) at v into *argv (NULL-terminated,
 * replacing nothing: *argv must be NULL) and *n, each checked as a
 * template with `allowed` placeholders; a relative argv[0] with a '/' and
 * any argument starting "./" or "../" are made absolute from the scenario
 * file's folder.  Nothing is stored when a problem was found.  0, or -1
 * after a syntax error. */
int drip__read_argv(drip__loader *ld, const yaml_event_t *v, const char *path, unsigned allowed,
                    char ***argv, size_t *n);
/* The text of scalar v checked as a template with `allowed` placeholders:
 * 1 and *text (borrowed from v) when good; else the problem is reported
 * (a mapping gets a hint: placeholders must be quoted) and 0, or -1
 * after a syntax error. */
int drip__template_text(drip__loader *ld, const yaml_event_t *v, const char *path,
                        const char *want, unsigned allowed, const char **text);

/* The extra passes' sections (yaml_passes.c), for the root table. */
int drip__set_valgrind(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path);
int drip__set_sweep(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path);
int drip__set_profile(drip__loader *ld, void *obj, const yaml_event_t *v, const char *path);

#endif /* DRIP_YAML_WALK_H */
