/* vgxml.c - stream valgrind's XML through expat into a drip_vg_report.
 *
 * The parser keeps a stack of the open elements (as tags: only the ones it
 * reads have names) and the character data since the last tag.  Leaves are
 * stored when they close, according to their parent chain; an <error> is
 * built in `cur` and appended to the report when it closes, so an error cut
 * off by the end of the file never reaches the report.
 */
#include "vgxml.h"

#include <errno.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "results/names.h"
#include "util/util.h"

#define VG_CHUNK     65536
#define VG_MAX_DEPTH 32      /* deeper elements are walked but never read */

typedef enum tag {
    T_OTHER = 0, T_ROOT, T_PROTOCOLVERSION, T_ERROR, T_UNIQUE, T_KIND, T_WHAT,
    T_XWHAT, T_TEXT, T_LEAKEDBYTES, T_LEAKEDBLOCKS, T_AUXWHAT, T_STACK, T_FRAME,
    T_IP, T_OBJ, T_FN, T_DIR, T_FILE, T_LINE, T_ERRORCOUNTS, T_PAIR, T_COUNT, T_CLIENTMSG,
} tag;

static const char *const tag_names[] = {
    [T_ROOT] = "valgrindoutput", [T_PROTOCOLVERSION] = "protocolversion",
    [T_ERROR] = "error", [T_UNIQUE] = "unique", [T_KIND] = "kind", [T_WHAT] = "what",
    [T_XWHAT] = "xwhat", [T_TEXT] = "text", [T_LEAKEDBYTES] = "leakedbytes",
    [T_LEAKEDBLOCKS] = "leakedblocks", [T_AUXWHAT] = "auxwhat", [T_STACK] = "stack",
    [T_FRAME] = "frame", [T_IP] = "ip", [T_OBJ] = "obj", [T_FN] = "fn", [T_DIR] = "dir",
    [T_FILE] = "file", [T_LINE] = "line", [T_ERRORCOUNTS] = "errorcounts",
    [T_PAIR] = "pair", [T_COUNT] = "count", [T_CLIENTMSG] = "clientmsg",
};

/* One <error> being read. */
typedef struct pending {
    char         *kind, *what, *xtext, *auxwhat;
    uint64_t      unique, leakedbytes, leakedblocks;
    drip_vg_stack stacks[2];   /* the error's, then the one after <auxwhat> */
    size_t        nstacks, cap[2];
    drip_vg_frame frame;       /* the <frame> being read */
} pending;

typedef struct parser {
    XML_Parser      xp;
    drip_vg_report *out;
    size_t          leakcap, errcap, searchcap;
    char           *label;           /* a <clientmsg> not yet given to a search */
    bool            new_search;      /* a <clientmsg> came: the next record starts one */
    tag             open[VG_MAX_DEPTH];
    int             depth;           /* elements open now */
    bool            seen_root, root_closed, bad_root;
    bool            in_error;
    pending         cur;
    strbuf          text;            /* character data since the last tag */
    uint64_t        pair_count, pair_unique;
    bool            seen_counts;
    uint64_t       *counts;          /* <errorcounts>: count, unique pairs */
    size_t          ncounts, countcap;
} parser;

/* ---- small helpers --------------------------------------------------------- */

const char *drip_vg_kind_name(drip_vg_kind k)
{
    _Static_assert(VG_NKINDS == DRIP_VG_KINDS, "the leak kinds of results/names.h");
    const char *name = drip_names_get(&drip_vg_kind_names, (int)k);
    return name ? name : "unknown";
}

static int leak_kind(const char *xmlkind, drip_vg_kind *k)
{
    static const char *const kinds[VG_NKINDS] = {
        "Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost", "Leak_StillReachable",
    };
    for (int i = 0; i < VG_NKINDS; i++)
        if (xmlkind && strcmp(xmlkind, kinds[i]) == 0) {
            *k = (drip_vg_kind)i;
            return 0;
        }
    return -1;
}

static tag tag_of(const char *name)
{
    for (size_t i = 1; i < sizeof tag_names / sizeof *tag_names; i++)
        if (strcmp(name, tag_names[i]) == 0)
            return (tag)i;
    return T_OTHER;
}

/* The tag `up` levels above the element closing now (0: itself). */
static tag parent(const parser *p, int up)
{
    int i = p->depth - 1 - up;
    return i >= 0 && i < VG_MAX_DEPTH ? p->open[i] : T_OTHER;
}

/* A number as valgrind writes it: decimal, or hex with 0x; 0 if unreadable
 * (the fields are informational; a garbled one must not stop the parse). */
static uint64_t num(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    return errno || end == s || *s == '-' ? 0 : (uint64_t)v;
}

/* A number with thousands separators ("1,024") at *s; advances *s past it.
 * -1 when there is no digit there. */
static int grouped_num(const char **s, uint64_t *out)
{
    const char *q = *s;
    uint64_t v = 0;
    if (*q < '0' || *q > '9')
        return -1;
    for (; (*q >= '0' && *q <= '9') || (*q == ',' && q[1] >= '0' && q[1] <= '9'); q++)
        if (*q != ',')
            v = v * 10 + (uint64_t)(*q - '0');
    *s = q;
    *out = v;
    return 0;
}

/* From "96 (16 direct, 80 indirect) bytes in 1 blocks are definitely lost in
 * loss record 6 of 14": the direct part (if split) and the record number. */
static void parse_leak_text(const char *t, bool *split, uint64_t *direct, unsigned *record)
{
    uint64_t total, d, ind;
    const char *s = t;
    *split = false;
    if (t && grouped_num(&s, &total) == 0 && strncmp(s, " (", 2) == 0) {
        s += 2;
        if (grouped_num(&s, &d) == 0 && strncmp(s, " direct, ", 9) == 0) {
            s += 9;
            if (grouped_num(&s, &ind) == 0 && strncmp(s, " indirect)", 10) == 0) {
                *split = true;
                *direct = d;
            }
        }
    }
    const char *r = t ? strstr(t, "loss record ") : NULL;
    uint64_t n = 0;
    *record = 0;
    if (r) {
        r += strlen("loss record ");
        if (grouped_num(&r, &n) == 0 && n <= 0xffffffffu)
            *record = (unsigned)n;
    }
}

static void stack_free(drip_vg_stack *st)
{
    for (size_t i = 0; i < st->nframes; i++) {
        drip_vg_frame *f = &st->frames[i];
        free(f->fn);
        free(f->dir);
        free(f->file);
        free(f->obj);
    }
    free(st->frames);
    st->frames = NULL;
    st->nframes = 0;
}

static void frame_clear(drip_vg_frame *f)
{
    free(f->fn);
    free(f->dir);
    free(f->file);
    free(f->obj);
    memset(f, 0, sizeof *f);
}

static void pending_clear(pending *c)
{
    free(c->kind);
    free(c->what);
    free(c->xtext);
    free(c->auxwhat);
    stack_free(&c->stacks[0]);
    stack_free(&c->stacks[1]);
    frame_clear(&c->frame);
    memset(c, 0, sizeof *c);
}

static void leak_free(drip_vg_leak *l)
{
    stack_free(&l->stack);
}

static void error_free(drip_vg_error *e)
{
    free(e->kind);
    free(e->what);
    free(e->auxwhat);
    stack_free(&e->stack);
    stack_free(&e->aux_stack);
}

/* Store a leaf's text in *slot (the first one wins for what/auxwhat). */
static void keep(char **slot, strbuf *text, bool replace)
{
    if (*slot && !replace)
        return;
    free(*slot);
    *slot = sb_take(text);
}

/* ---- building records ------------------------------------------------------ */

static void finish_leak(parser *p, drip_vg_kind k)
{
    drip_vg_report *r = p->out;
    pending *c = &p->cur;
    drip_vg_leak l = { .kind = k, .blocks = c->leakedblocks };
    bool split;
    uint64_t direct = 0;
    parse_leak_text(c->xtext, &split, &direct, &l.record);
    l.bytes = split && direct <= c->leakedbytes ? direct : c->leakedbytes;
    l.indirect_bytes = c->leakedbytes - l.bytes;

    /* A record number that does not grow, or a client message, starts a new
     * leak search. */
    if (!r->nsearches || p->new_search ||
        (l.record && l.record <= r->leaks[r->nleaks - 1].record)) {
        XGROW(r->searches, p->searchcap, r->nsearches);
        r->searches[r->nsearches++] = (drip_vg_search){ .label = p->label };
        p->label = NULL;
        p->new_search = false;
    }
    l.search = r->nsearches - 1;
    l.stack = c->stacks[0];
    c->stacks[0] = (drip_vg_stack){ 0 };
    XGROW(r->leaks, p->leakcap, r->nleaks);
    r->leaks[r->nleaks++] = l;
}

static void finish_error(parser *p)
{
    drip_vg_report *r = p->out;
    pending *c = &p->cur;
    drip_vg_kind k;
    if (leak_kind(c->kind, &k) == 0) {
        finish_leak(p, k);
    } else {
        drip_vg_error e = {
            .kind = c->kind ? c->kind : xstrdup("unknown"),
            .what = c->what ? c->what : c->xtext ? c->xtext : xstrdup(""),
            .unique = c->unique,
            .stack = c->stacks[0],
            .auxwhat = c->auxwhat,
            .aux_stack = c->stacks[1],
        };
        if (e.what == c->xtext)
            c->xtext = NULL;
        else if (e.what == c->what)
            c->what = NULL;
        c->kind = c->auxwhat = NULL;
        c->stacks[0] = c->stacks[1] = (drip_vg_stack){ 0 };
        XGROW(r->errors, p->errcap, r->nerrors);
        r->errors[r->nerrors++] = e;
    }
    pending_clear(c);
}

/* ---- expat callbacks --------------------------------------------------------- */

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    parser *p = ud;
    (void)attrs;
    tag t = tag_of(name);
    if (p->depth == 0) {
        if (p->seen_root || t != T_ROOT) {   /* not valgrind's XML: stop here */
            p->bad_root = true;
            XML_StopParser(p->xp, XML_FALSE);
            return;
        }
        p->seen_root = true;
    }
    if (p->depth < VG_MAX_DEPTH)
        p->open[p->depth] = t;
    p->depth++;
    sb_free(&p->text);

    pending *c = &p->cur;
    if (t == T_ERROR && parent(p, 1) == T_ROOT) {
        pending_clear(c);
        p->in_error = true;
    } else if (t == T_STACK && p->in_error && parent(p, 1) == T_ERROR) {
        c->nstacks++;
    } else if (t == T_FRAME && p->in_error) {
        frame_clear(&c->frame);
    } else if (t == T_ERRORCOUNTS && parent(p, 1) == T_ROOT) {
        p->ncounts = 0;          /* the last <errorcounts> wins */
        p->seen_counts = true;
    } else if (t == T_PAIR) {
        p->pair_count = p->pair_unique = 0;
    }
}

static void on_frame_end(parser *p)
{
    pending *c = &p->cur;
    if (c->nstacks == 0 || c->nstacks > 2) {   /* a third stack: nothing keeps it */
        frame_clear(&c->frame);
        return;
    }
    size_t i = c->nstacks - 1;
    drip_vg_stack *st = &c->stacks[i];
    XGROW(st->frames, c->cap[i], st->nframes);
    st->frames[st->nframes++] = c->frame;
    memset(&c->frame, 0, sizeof c->frame);
}

static void on_end(void *ud, const XML_Char *name)
{
    parser *p = ud;
    (void)name;
    tag t = parent(p, 0), up = parent(p, 1);
    pending *c = &p->cur;
    drip_vg_frame *f = &c->frame;

    if (t == T_PROTOCOLVERSION && up == T_ROOT)
        p->out->protocol_version = (int)num(p->text.buf ? p->text.buf : "");
    else if (up == T_ERROR && p->in_error) {
        switch (t) {
        case T_KIND:    keep(&c->kind, &p->text, true); break;
        case T_WHAT:    keep(&c->what, &p->text, false); break;
        case T_AUXWHAT: keep(&c->auxwhat, &p->text, false); break;
        case T_UNIQUE:  c->unique = num(p->text.buf ? p->text.buf : ""); break;
        default: break;
        }
    } else if (up == T_XWHAT && parent(p, 2) == T_ERROR && p->in_error) {
        const char *s = p->text.buf ? p->text.buf : "";
        if (t == T_TEXT)
            keep(&c->xtext, &p->text, false);
        else if (t == T_LEAKEDBYTES)
            c->leakedbytes = num(s);
        else if (t == T_LEAKEDBLOCKS)
            c->leakedblocks = num(s);
    } else if (up == T_FRAME && p->in_error) {
        const char *s = p->text.buf ? p->text.buf : "";
        switch (t) {
        case T_IP:   f->ip = num(s); break;
        case T_LINE: f->line = (int)num(s); break;
        case T_FN:   keep(&f->fn, &p->text, true); break;
        case T_DIR:  keep(&f->dir, &p->text, true); break;
        case T_FILE: keep(&f->file, &p->text, true); break;
        case T_OBJ:  keep(&f->obj, &p->text, true); break;
        default: break;
        }
    } else if (t == T_FRAME && up == T_STACK && parent(p, 2) == T_ERROR && p->in_error) {
        on_frame_end(p);
    } else if (t == T_ERROR && up == T_ROOT && p->in_error) {
        finish_error(p);
        p->in_error = false;
    } else if (up == T_PAIR && parent(p, 2) == T_ERRORCOUNTS) {
        const char *s = p->text.buf ? p->text.buf : "";
        if (t == T_COUNT)
            p->pair_count = num(s);
        else if (t == T_UNIQUE)
            p->pair_unique = num(s);
    } else if (t == T_PAIR && up == T_ERRORCOUNTS) {
        XGROW(p->counts, p->countcap, 2 * p->ncounts + 1);
        p->counts[2 * p->ncounts] = p->pair_count;
        p->counts[2 * p->ncounts + 1] = p->pair_unique;
        p->ncounts++;
    } else if (t == T_TEXT && up == T_CLIENTMSG && parent(p, 2) == T_ROOT) {
        free(p->label);
        p->label = sb_take(&p->text);
        if (p->label) {
            size_t n = strlen(p->label);
            while (n && (p->label[n - 1] == '\n' || p->label[n - 1] == ' '))
                p->label[--n] = '\0';
        }
    } else if (t == T_CLIENTMSG && up == T_ROOT) {
        p->new_search = true;
    } else if (t == T_ROOT && p->depth == 1) {
        p->root_closed = true;
    }
    p->depth--;
    sb_free(&p->text);
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    parser *p = ud;
    if (p->depth >= 2)       /* only leaves are read; skip the root's whitespace */
        sb_appendn(&p->text, s, (size_t)len);
}

/* ---- the parse --------------------------------------------------------------- */

static void set_problem(drip_vg_report *r, char *msg)
{
    free(r->problem);
    r->problem = msg;
}

/* Totals and the error count, once every record is in. */
static void summarise(parser *p)
{
    drip_vg_report *r = p->out;
    for (size_t i = 0; i < r->nleaks; i++) {
        drip_vg_search *s = &r->searches[r->leaks[i].search];
        s->bytes[r->leaks[i].kind] += r->leaks[i].bytes;
        s->blocks[r->leaks[i].kind] += r->leaks[i].blocks;
    }
    if (r->nsearches) {
        memcpy(r->bytes, r->searches[r->nsearches - 1].bytes, sizeof r->bytes);
        memcpy(r->blocks, r->searches[r->nsearches - 1].blocks, sizeof r->blocks);
    }
    if (!p->seen_counts) {
        r->error_count = r->nerrors;
        return;
    }
    for (size_t i = 0; i < p->ncounts; i++) {
        bool is_error = false;
        for (size_t j = 0; j < r->nerrors && !is_error; j++)
            is_error = r->errors[j].unique == p->counts[2 * i + 1];
        if (is_error)
            r->error_count += p->counts[2 * i];
    }
}

static void discard_records(drip_vg_report *r)
{
    drip_vg_report keepme = { .problem = r->problem };
    r->problem = NULL;
    drip_vg_report_free(r);
    *r = keepme;
}

int drip_vg_parse_stream(FILE *f, drip_vg_report *out)
{
    memset(out, 0, sizeof *out);
    parser p = { .out = out };
    p.xp = XML_ParserCreate(NULL);
    if (!p.xp) {
        fprintf(stderr, "drip: fatal: out of memory (creating an XML parser)\n");
        abort();
    }
    XML_SetUserData(p.xp, &p);
    XML_SetElementHandler(p.xp, on_start, on_end);
    XML_SetCharacterDataHandler(p.xp, on_text);

    char *buf = xmalloc(VG_CHUNK);
    size_t total = 0;
    bool syntax = false, read_error = false;
    int read_errno = 0;
    for (;;) {
        size_t n = fread(buf, 1, VG_CHUNK, f);
        total += n;
        if (n == 0) {
            read_error = ferror(f);
            read_errno = errno;
            break;
        }
        if (XML_Parse(p.xp, buf, (int)n, XML_FALSE) != XML_STATUS_OK) {
            syntax = true;
            break;
        }
    }
    /* Errors in a middle chunk are syntax errors; the final call fails
     * when the document is unfinished (an unclosed token or element). */
    bool unfinished = !syntax && !read_error
                      && XML_Parse(p.xp, buf, 0, XML_TRUE) != XML_STATUS_OK;
    free(buf);

    int rc = -1;
    if (read_error)
        set_problem(out, xasprintf("cannot read valgrind XML: %s", strerror(read_errno)));
    else if (total == 0)
        set_problem(out, xstrdup("valgrind XML is empty (did valgrind run with --xml=yes?)"));
    else if (p.bad_root)
        set_problem(out, xstrdup("not valgrind XML: the root element is not <valgrindoutput>"));
    else if (!p.seen_root)
        set_problem(out, xstrdup("not valgrind XML: no XML element found"));
    else {
        rc = 0;
        if (syntax || (unfinished && p.root_closed))
            set_problem(out, xasprintf("valgrind XML is malformed at line %lu: %s",
                                       (unsigned long)XML_GetCurrentLineNumber(p.xp),
                                       XML_ErrorString(XML_GetErrorCode(p.xp))));
        else if (unfinished || !p.root_closed)
            set_problem(out, xstrdup("valgrind XML ends early: no </valgrindoutput> "
                                     "(was the run killed?)"));
        else
            out->complete = true;
    }

    if (rc == 0)
        summarise(&p);
    else
        discard_records(out);
    pending_clear(&p.cur);
    sb_free(&p.text);
    free(p.label);
    free(p.counts);
    XML_ParserFree(p.xp);
    return rc;
}

int drip_vg_parse_file(const char *path, drip_vg_report *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        memset(out, 0, sizeof *out);
        out->problem = xasprintf("cannot open valgrind XML %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = drip_vg_parse_stream(f, out);
    fclose(f);
    return rc;
}

void drip_vg_report_free(drip_vg_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nleaks; i++)
        leak_free(&r->leaks[i]);
    for (size_t i = 0; i < r->nerrors; i++)
        error_free(&r->errors[i]);
    for (size_t i = 0; i < r->nsearches; i++)
        free(r->searches[i].label);
    free(r->leaks);
    free(r->searches);
    free(r->errors);
    free(r->problem);
    memset(r, 0, sizeof *r);
}

long drip_vg_find_search(const drip_vg_report *r, const char *label)
{
    for (size_t i = r ? r->nsearches : 0; i-- > 0;)
        if (r->searches[i].label && label && strcmp(r->searches[i].label, label) == 0)
            return (long)i;
    return -1;
}

size_t drip_vg_top_leaks(const drip_vg_report *r, drip_vg_kind k,
                         const drip_vg_leak **out, size_t n)
{
    return drip_vg_top_leaks_in(r, r && r->nsearches ? r->nsearches - 1 : 0, k, out, n);
}

size_t drip_vg_top_leaks_in(const drip_vg_report *r, size_t search, drip_vg_kind k,
                            const drip_vg_leak **out, size_t n)
{
    size_t got = 0;
    for (size_t i = 0; r && i < r->nleaks && n > 0; i++) {
        const drip_vg_leak *l = &r->leaks[i];
        if (l->kind != k || l->search != search)
            continue;
        uint64_t size = l->bytes + l->indirect_bytes;
        /* insertion into out[0..got), strictly larger moves ahead: stable */
        size_t at = got;
        while (at > 0 && out[at - 1]->bytes + out[at - 1]->indirect_bytes < size)
            at--;
        if (at >= n)
            continue;
        size_t last = got < n ? got : n - 1;
        memmove(&out[at + 1], &out[at], (last - at) * sizeof *out);
        out[at] = l;
        if (got < n)
            got++;
    }
    return got;
}
