/* yaml_load.c - the scenario loader's engine: libyaml events in, checked
 * values and positioned problems out.
 *
 * libyaml's event API hands over a flat stream (STREAM-START, DOCUMENT-START,
 * MAPPING-START, SCALAR, ..., MAPPING-END, ...).  The walker reads it by
 * recursive descent, guided by the schema in yaml_schema.c: one call per
 * node the schema expects; yaml_fields.c reads mappings whose keys are a
 * fixed table.  This file holds the rest: reading events, generic nodes
 * and collections, duplicate keys, documents and files.  Whatever is wrong
 * becomes a diag at the event's position, the offending node is skipped
 * (iteratively, so nesting depth costs nothing) and the walk goes on, so one
 * pass reports every problem.  A libyaml syntax error is the one thing that
 * ends the walk: the event stream stops there.
 *
 * yaml_walk.h states the conventions (who consumes which events, what the
 * return values mean) that every function here follows.
 */
#include "yaml_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

#define MAX_FILE_BYTES (16u << 20)    /* a scenario file is a few KiB */
/* Collections nested deeper than this end the walk like a syntax error: a
 * scenario needs 6 levels, and libyaml's scanner takes time quadratic in
 * the nesting of flow collections ("[[[[..." of 400 KB: minutes). */
#define MAX_DEPTH 64

/* ---- positions and messages ------------------------------------------------ */

drip_pos drip__pos(const yaml_event_t *ev)
{
    return (drip_pos){(int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1};
}

void drip__problem(drip__loader *ld, drip_pos at, const char *fmt, ...)
{
    strbuf msg = {0};
    va_list ap;

    va_start(ap, fmt);
    sb_vappendf(&msg, fmt, ap);
    va_end(ap);
    drip_diags_add(ld->diags, ld->file, at.line, at.col, "%s", msg.buf ? msg.buf : "");
    sb_free(&msg);
}

/* See yaml_walk.h.  Messages are single lines of valid UTF-8 whatever the
 * input held: control characters become '?', and a cut backs up to the
 * start of the character it would split. */
const char *drip__shown(const char *s, char *buf)
{
    size_t n = 0;

    while (s[n] && n < 40) {
        unsigned char c = (unsigned char)s[n];
        buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (s[n]) {                              /* cut: never inside a character */
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

const char *drip__got(const yaml_event_t *v, char *buf)
{
    switch (v->type) {
    case YAML_MAPPING_START_EVENT:  return "a mapping";
    case YAML_SEQUENCE_START_EVENT: return "a sequence";
    case YAML_ALIAS_EVENT:          return "an alias";
    case YAML_SCALAR_EVENT:         break;
    default:                        return "nothing";
    }
    if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return "a string";
    if (!v->data.scalar.plain_implicit)
        return "a tagged value";
    if (v->data.scalar.length == 0)
        return "an empty value";
    if (drip__is_null(v))
        return "null";
    buf[0] = '\'';
    drip__shown((const char *)v->data.scalar.value, buf + 1);
    strcat(buf, "'");
    return buf;
}

char *drip__path(const char *parent, const char *key)
{
    return *parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

/* Anchors are harmless and ignored; an alias would make one node appear in
 * two places, which the one-pass walk cannot follow, so it is refused. */
static void alias_problem(drip__loader *ld, const yaml_event_t *ev)
{
    drip__problem(ld, drip__pos(ev), "YAML aliases are not supported");
}

/* ---- reading events ----------------------------------------------------------- */

/* 1-based line and column of a byte offset into the input.  libyaml gives
 * encoding errors as an offset only. */
static drip_pos offset_pos(const drip__loader *ld, size_t offset)
{
    drip_pos p = {1, 1};
    for (size_t i = 0; i < offset && i < ld->len; i++) {
        if (ld->text[i] == '\n') {
            p.line++;
            p.col = 1;
        } else {
            p.col++;
        }
    }
    return p;
}

/* Report the parser's error, as precisely as libyaml located it. */
static void syntax_problem(drip__loader *ld)
{
    const yaml_parser_t *p = &ld->parser;
    const char *what = p->problem ? p->problem : "unknown error";
    drip_pos at = {(int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1};

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        drip__problem(ld, (drip_pos){0, 0}, "out of memory while parsing YAML");
        break;
    case YAML_READER_ERROR:                  /* bad encoding or control character */
        at = offset_pos(ld, p->problem_offset);
        if (p->problem_value != -1)
            drip__problem(ld, at, "YAML syntax error: %s (#x%X)", what, (unsigned)p->problem_value);
        else
            drip__problem(ld, at, "YAML syntax error: %s", what);
        break;
    default:
        if (p->context)
            drip__problem(ld, at, "YAML syntax error: %s (%s at line %d, column %d)", what,
                          p->context, (int)p->context_mark.line + 1,
                          (int)p->context_mark.column + 1);
        else
            drip__problem(ld, at, "YAML syntax error: %s", what);
        break;
    }
}

/* Count the collections open after ev; false (and a problem reported)
 * when they are more than MAX_DEPTH. */
static bool depth_ok(drip__loader *ld, const yaml_event_t *ev)
{
    if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT)
        ld->depth++;
    else if ((ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) &&
             ld->depth > 0)
        ld->depth--;
    if (ld->depth <= MAX_DEPTH)
        return true;
    drip__problem(ld, drip__pos(ev), "YAML nested more than %d levels deep", MAX_DEPTH);
    return false;
}

/* Read the next event into *ev (which the caller then owns and deletes).
 * On a syntax error or nesting deeper than MAX_DEPTH: report it, set
 * ld->fatal, leave *ev empty, return -1.  Once fatal, every call returns
 * -1, so walkers unwind without looping. */
static int next(drip__loader *ld, yaml_event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    if (ld->fatal)
        return -1;
    if (yaml_parser_parse(&ld->parser, ev) && ev->type != YAML_NO_EVENT) {
        if (depth_ok(ld, ev))
            return 0;
        yaml_event_delete(ev);
        memset(ev, 0, sizeof *ev);
        ld->fatal = true;
        return -1;
    }
    if (ld->parser.error != YAML_NO_ERROR)
        syntax_problem(ld);
    else                                     /* read past the end: a walker bug */
        drip__problem(ld, (drip_pos){0, 0}, "internal error: YAML event stream ended early");
    ld->fatal = true;
    return -1;
}

/* ---- nodes -------------------------------------------------------------------- */

bool drip__is_plain(const yaml_event_t *v)
{
    return v->type == YAML_SCALAR_EVENT && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           v->data.scalar.plain_implicit;
}

bool drip__is_null(const yaml_event_t *v)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (!drip__is_plain(v))
        return false;
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp((const char *)v->data.scalar.value, nulls[i]) == 0)
            return true;
    return false;
}

/* See yaml_walk.h.  A depth counter instead of recursion, so nesting of any
 * depth is skipped in constant stack; aliases inside are still reported. */
int drip__skip(drip__loader *ld, const yaml_event_t *v)
{
    size_t depth = 1;
    yaml_event_t ev;

    if (v->type != YAML_MAPPING_START_EVENT && v->type != YAML_SEQUENCE_START_EVENT)
        return 0;
    while (depth > 0) {
        if (next(ld, &ev) < 0)
            return -1;
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT)
            depth++;
        else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
            depth--;
        else if (ev.type == YAML_ALIAS_EVENT)
            alias_problem(ld, &ev);
        yaml_event_delete(&ev);
    }
    return 0;
}

static bool has_nul(const yaml_event_t *v)
{
    return memchr(v->data.scalar.value, '\0', v->data.scalar.length) != NULL;
}

int drip__text(drip__loader *ld, const yaml_event_t *v, const char *path,
               const char *want, const char **text)
{
    char got[DRIP__SHOWN];

    if (v->type != YAML_SCALAR_EVENT || drip__is_null(v)) {
        drip__problem(ld, drip__pos(v), "'%s' must be %s, got %s", path, want,
                      drip__got(v, got));
        return drip__skip(ld, v) < 0 ? -1 : 0;
    }
    if (has_nul(v)) {                        /* "\0" in a double-quoted string */
        drip__problem(ld, drip__pos(v), "'%s' must not contain NUL characters", path);
        return 0;
    }
    *text = (const char *)v->data.scalar.value;
    return 1;
}

int drip__path_text(drip__loader *ld, const yaml_event_t *v, const char *path,
                    const char *want, const char *must, const char **text)
{
    int r = drip__text(ld, v, path, want, text);
    if (r > 0 && !**text) {
        drip__problem(ld, drip__pos(v), "'%s' must be %s, got an empty string", path, must);
        return 0;
    }
    return r;
}

int drip__choice(drip__loader *ld, const yaml_event_t *v, const char *path, const char *want,
                 const char *const *names, int n, int *index)
{
    const char *text;
    char shown[DRIP__SHOWN];
    int r = drip__text(ld, v, path, want, &text);
    if (r <= 0)
        return r;
    for (int i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0) {
            *index = i;
            return 1;
        }
    drip__problem(ld, drip__pos(v), "'%s' must be %s, got '%s'", path, want,
                  drip__shown(text, shown));
    return 0;
}

int drip__bool(drip__loader *ld, const yaml_event_t *v, const char *path, bool *value)
{
    static const char *const words[] = {"false", "true"};
    int i = 0;
    int r = drip__choice(ld, v, path, "true or false", words, 2, &i);
    if (r > 0)
        *value = i == 1;
    return r;
}

int drip__want(drip__loader *ld, const yaml_event_t *v, const char *path,
               yaml_event_type_t type)
{
    char got[DRIP__SHOWN];

    if (v->type == type)
        return 1;
    if (drip__is_null(v))
        return 0;
    drip__problem(ld, drip__pos(v), "'%s' must be %s, got %s", path,
                  type == YAML_MAPPING_START_EVENT ? "a mapping" : "a sequence",
                  drip__got(v, got));
    return drip__skip(ld, v) < 0 ? -1 : 0;
}

/* ---- collections ------------------------------------------------------------ */

/* Check a mapping key k.  True when it is a usable string; otherwise the
 * problem is reported and a collection key is skipped (*fatal on error). */
static bool key_ok(drip__loader *ld, const yaml_event_t *k, bool *fatal)
{
    char got[DRIP__SHOWN];

    if (k->type == YAML_ALIAS_EVENT) {
        alias_problem(ld, k);
        return false;
    }
    if (k->type != YAML_SCALAR_EVENT) {
        drip__problem(ld, drip__pos(k), "mapping keys must be strings, got %s", drip__got(k, got));
        *fatal = drip__skip(ld, k) < 0;
        return false;
    }
    if (has_nul(k)) {
        drip__problem(ld, drip__pos(k), "mapping keys must not contain NUL characters");
        return false;
    }
    return true;
}

/* See yaml_walk.h.  Keys seen so far live in a hash set (a mapping can be
 * long: params is free-form), so duplicates cost O(1) each.  An entry with
 * a bad or duplicate key is skipped whole, value included. */
long drip__walk_map(drip__loader *ld, drip__entry_fn fn, void *ctx)
{
    drip__keyset seen = {0};
    yaml_event_t k = {0}, v = {0};
    long n = 0, rc = -1;

    for (;; n++) {
        bool fatal = false, ok;
        yaml_event_delete(&k);
        yaml_event_delete(&v);
        if (next(ld, &k) < 0)
            goto cleanup;
        if (k.type == YAML_MAPPING_END_EVENT)
            break;
        ok = key_ok(ld, &k, &fatal);
        if (fatal || next(ld, &v) < 0)
            goto cleanup;
        if (ok) {
            const char *key = (const char *)k.data.scalar.value;
            char shown[DRIP__SHOWN];
            int first = drip__keyset_add(&seen, key, drip__pos(&k).line);
            if (first) {
                drip__problem(ld, drip__pos(&k), "duplicate key '%s' (first at line %d)",
                              drip__shown(key, shown), first);
                ok = false;
            }
        }
        if (v.type == YAML_ALIAS_EVENT)
            alias_problem(ld, &v);
        if (!ok ? drip__skip(ld, &v) < 0
                : fn(ld, ctx, (const char *)k.data.scalar.value, &k,
                     v.type == YAML_ALIAS_EVENT ? NULL : &v) < 0)
            goto cleanup;
    }
    rc = n;
cleanup:
    yaml_event_delete(&k);
    yaml_event_delete(&v);
    drip__keyset_free(&seen);
    return rc;
}

int drip__walk_seq(drip__loader *ld, drip__item_fn fn, void *ctx)
{
    yaml_event_t v = {0};
    int rc = -1;

    for (size_t i = 0;; i++) {
        yaml_event_delete(&v);
        if (next(ld, &v) < 0)
            goto cleanup;
        if (v.type == YAML_SEQUENCE_END_EVENT)
            break;
        if (v.type == YAML_ALIAS_EVENT)
            alias_problem(ld, &v);
        else if (fn(ld, ctx, i, &v) < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    yaml_event_delete(&v);
    return rc;
}

/* ---- a set of strings ------------------------------------------------------------ */

static size_t hash(const char *s)
{
    size_t h = 2166136261u;                  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void keyset_grow(drip__keyset *ks)
{
    size_t ncap = ks->cap ? ks->cap * 2 : 16;
    struct drip__keyslot *slot = xcalloc(ncap, sizeof *slot);

    for (size_t i = 0; i < ks->cap; i++) {
        if (!ks->slot[i].key)
            continue;
        size_t j = hash(ks->slot[i].key) & (ncap - 1);
        while (slot[j].key)
            j = (j + 1) & (ncap - 1);
        slot[j] = ks->slot[i];
    }
    free(ks->slot);
    ks->slot = slot;
    ks->cap = ncap;
}

/* See yaml_walk.h.  Open addressing with linear probing, kept at most half
 * full. */
int drip__keyset_add(drip__keyset *ks, const char *key, int line)
{
    if ((ks->count + 1) * 2 > ks->cap)
        keyset_grow(ks);
    size_t i = hash(key) & (ks->cap - 1);
    for (; ks->slot[i].key; i = (i + 1) & (ks->cap - 1))
        if (strcmp(ks->slot[i].key, key) == 0)
            return ks->slot[i].line;
    ks->slot[i].key = xstrdup(key);
    ks->slot[i].line = line;
    ks->count++;
    return 0;
}

void drip__keyset_free(drip__keyset *ks)
{
    for (size_t i = 0; i < ks->cap; i++)
        free(ks->slot[i].key);
    free(ks->slot);
    ks->slot = NULL;
    ks->cap = ks->count = 0;
}

/* ---- documents and files ------------------------------------------------------------ */

/* Read one document (its DOCUMENT-START, at `start`, was just read) and
 * append its scenario to list if no problem was found in it.  The scenario
 * is built in a one-element list of its own so that every path can release
 * it with drip_scenario_list_free.  0, or -1 after a syntax error. */
static int load_document(drip__loader *ld, const yaml_event_t *start, size_t index,
                         drip_scenario_list *list)
{
    drip_scenario_list one = {0};
    yaml_event_t root = {0}, end = {0};
    size_t problems = ld->diags->count;
    int rc = -1;

    XGROW(one.items, one.cap, 0);
    one.count = 1;
    drip_scenario *sc = memset(&one.items[0], 0, sizeof one.items[0]);
    sc->file = xstrdup(ld->file);
    sc->doc_index = index;
    sc->pos = drip__pos(start);
    drip_run_spec_defaults(&sc->run);
    drip_sweep_spec_defaults(&sc->sweep);

    if (next(ld, &root) < 0)
        goto cleanup;
    if (root.type == YAML_ALIAS_EVENT)
        alias_problem(ld, &root);
    else if (drip__scenario_document(ld, &root, sc->pos, sc) < 0)
        goto cleanup;
    if (next(ld, &end) < 0)                  /* DOCUMENT-END */
        goto cleanup;
    if (ld->diags->count == problems) {
        XGROW(list->items, list->cap, list->count);
        list->items[list->count++] = *sc;
        one.count = 0;                       /* moved: release only the array */
    }
    rc = 0;
cleanup:
    yaml_event_delete(&root);
    yaml_event_delete(&end);
    drip_scenario_list_free(&one);
    return rc;
}

/* Read every document of the stream.  A file with no document at all (empty,
 * or only comments) is a problem without a position. */
static void load_stream(drip__loader *ld, drip_scenario_list *list)
{
    yaml_event_t ev = {0};
    size_t docs = 0;

    if (next(ld, &ev) < 0)                   /* STREAM-START */
        return;
    for (;;) {
        yaml_event_delete(&ev);
        if (next(ld, &ev) < 0 || ev.type == YAML_STREAM_END_EVENT)
            break;
        if (load_document(ld, &ev, docs++, list) < 0)
            break;
    }
    yaml_event_delete(&ev);
    if (docs == 0 && !ld->fatal)
        drip__problem(ld, (drip_pos){0, 0}, "no scenario in file");
}

/* Parse `len` bytes of YAML text at text (owned: kept by the list when a
 * scenario of it was appended, freed otherwise), one scenario per
 * document, appending the good ones to *list and every problem to *diags
 * (path names the text in messages and anchors relative plugin paths).
 * Returns the number of problems added. */
static int load_owned(const char *path, char *text, size_t len, drip_scenario_list *list,
                      drip_diags *diags)
{
    size_t before = diags->count, items = list->count;
    drip__loader ld = {
        .file = path ? path : "<input>",
        .text = text,
        .len = len,
        .diags = diags,
    };

    if (!yaml_parser_initialize(&ld.parser)) {
        drip__problem(&ld, (drip_pos){0, 0}, "out of memory while parsing YAML");
        free(text);
        return 1;
    }
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)ld.text, ld.len);
    load_stream(&ld, list);
    yaml_parser_delete(&ld.parser);
    if (list->count == items) {
        free(text);
    } else {                                 /* the runner hands it to the worker */
        list->texts = xrealloc(list->texts, (list->ntexts + 1) * sizeof *list->texts);
        list->texts[list->ntexts++] = text;
        for (size_t i = items; i < list->count; i++) {
            list->items[i].text = text;
            list->items[i].text_len = len;
        }
    }
    return (int)(diags->count - before);
}

int drip_scenario_load_string(const char *path, const char *text, size_t len,
                              drip_scenario_list *list, drip_diags *diags)
{
    char *copy = xmalloc(len + 1);
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    return load_owned(path, copy, len, list, diags);
}

int drip_scenario_load_fd(const char *path, int fd, drip_scenario_list *list, drip_diags *diags)
{
    size_t len = 0, cap = 8192;
    char *text = xmalloc(cap + 1);

    for (;;) {
        if (len == cap) {
            if (cap > MAX_FILE_BYTES) {
                drip_diags_add(diags, path, 0, 0, "cannot read file: larger than %u MiB",
                               MAX_FILE_BYTES >> 20);
                free(text);
                return 1;
            }
            cap *= 2;
            text = xrealloc(text, cap + 1);
        }
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            drip_diags_add(diags, path, 0, 0, "cannot read file: %s", strerror(errno));
            free(text);
            return 1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > MAX_FILE_BYTES) {
        drip_diags_add(diags, path, 0, 0, "cannot read file: larger than %u MiB",
                       MAX_FILE_BYTES >> 20);
        free(text);
        return 1;
    }
    text[len] = '\0';
    return load_owned(path, text, len, list, diags);
}

/* Open the file at path and load it as drip_scenario_load_fd does.  A file
 * that cannot be opened is one problem without a position ("cannot read
 * file: No such file or directory"). */
int drip_scenario_load_file(const char *path, drip_scenario_list *list, drip_diags *diags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        drip_diags_add(diags, path, 0, 0, "cannot read file: %s", strerror(errno));
        return 1;
    }
    int rc = drip_scenario_load_fd(path, fd, list, diags);
    close(fd);
    return rc;
}
