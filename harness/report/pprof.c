/* pprof.c - a scenario's allocation-site profile as pprof's profile.proto
 * (gzipped) and as folded stacks for flame graphs.
 *
 * The protobuf is written by hand: the profile format uses five small
 * messages, and a varint/length-delimited writer is less code than a
 * generated one.  Field numbers follow github.com/google/pprof's
 * proto/profile.proto.  Locations carry names and lines already (the
 * worker symbolized them), so the one mapping says so and pprof does not
 * try to symbolize again.
 *
 *   heap   sample types alloc_objects, alloc_space, inuse_objects,
 *          inuse_space (Go's heap profile): what each site allocated in
 *          all, and what was live after the last iteration.
 *   growth inuse_objects, inuse_space: live after the last iteration minus
 *          live when the warm-up ended (negative where a site shrank), as
 *          `pprof -diff_base` would show.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/util.h"

/* ---- a byte buffer and the protobuf wire format ---------------------------- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void varint(buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = v & 0x7f;
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    put(b, tmp, n);
}

static void field_varint(buf *b, int field, uint64_t v)
{
    if (!v)
        return;                          /* proto3: zero is the default */
    varint(b, (uint64_t)field << 3);
    varint(b, v);
}

static void field_bytes(buf *b, int field, const void *data, size_t n)
{
    varint(b, (uint64_t)field << 3 | 2);
    varint(b, n);
    put(b, data, n);
}

static void field_msg(buf *b, int field, buf *msg)
{
    field_bytes(b, field, msg->p, msg->len);
    msg->len = 0;
}

/* ---- strings ------------------------------------------------------------------ */

typedef struct strtab {
    char  **s;
    size_t  n, cap;
} strtab;

/* The index of s in the table, added if new (index 0 is ""). */
static int64_t intern(strtab *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->s[i], s) == 0)
            return (int64_t)i;
    XGROW(t->s, t->cap, t->n);
    t->s[t->n] = xstrdup(s);
    return (int64_t)t->n++;
}

/* ---- functions and locations: one per distinct (fn, file) and (fn, file, line) --- */

typedef struct key_list {
    char  **fn, **file;
    int    *line;
    size_t  n, cap;
} key_list;

/* 1-based id of (fn, file, line) in l, added if new; line < 0 ignores lines. */
static uint64_t key_id(key_list *l, const char *fn, const char *file, int line)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->fn[i], fn) == 0 && strcmp(l->file[i], file) == 0 &&
            (line < 0 || l->line[i] == line))
            return i + 1;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->fn = xrealloc(l->fn, l->cap * sizeof *l->fn);
        l->file = xrealloc(l->file, l->cap * sizeof *l->file);
        l->line = xrealloc(l->line, l->cap * sizeof *l->line);
    }
    l->fn[l->n] = (char *)fn;            /* borrowed from the results model */
    l->file[l->n] = (char *)file;
    l->line[l->n] = line;
    return ++l->n;
}

static int64_t rounded(double v)
{
    return (int64_t)llround(isfinite(v) ? v : 0);
}

/* The profile message for p, uncompressed, into out. */
static void encode(const drip_profile_result *p, bool growth, buf *out)
{
    strtab st = {0};
    key_list funcs = {0}, locs = {0};
    buf m = {0}, sub = {0}, packed = {0};
    intern(&st, "");

    static const char *const heap_types[4][2] = {
        {"alloc_objects", "count"}, {"alloc_space", "bytes"},
        {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
    int first = growth ? 2 : 0;
    for (int t = first; t < 4; t++) {
        field_varint(&sub, 1, (uint64_t)intern(&st, heap_types[t][0]));
        field_varint(&sub, 2, (uint64_t)intern(&st, heap_types[t][1]));
        field_msg(out, 1, &sub);
    }

    /* samples: one per site, locations innermost first as pprof expects */
    for (size_t i = 0; i < p->nsites; i++) {
        const drip_prof_site *s = &p->sites[i];
        int64_t v[4] = {rounded(s->alloc_objects), rounded(s->alloc_bytes),
                        rounded(s->late_objects), rounded(s->late_bytes)};
        if (growth) {
            v[2] = rounded(s->late_objects - s->early_objects);
            v[3] = rounded(s->late_bytes - s->early_bytes);
        }
        for (size_t f = 0; f < s->nframes; f++) {
            const drip_prof_frame *fr = &s->frames[f];
            key_id(&funcs, fr->fn, fr->file, -1);
            varint(&packed, key_id(&locs, fr->fn, fr->file, fr->line));
        }
        if (packed.len)
            field_msg(&m, 1, &packed);
        for (int t = first; t < 4; t++)
            varint(&packed, (uint64_t)v[t]);       /* int64 as varint: two's complement */
        field_msg(&m, 2, &packed);
        field_msg(out, 2, &m);
    }

    /* one mapping that says everything is symbolized already */
    field_varint(&m, 1, 1);
    field_varint(&m, 5, (uint64_t)intern(&st, "drip"));
    field_varint(&m, 7, 1);
    field_varint(&m, 8, 1);
    field_varint(&m, 9, 1);
    field_msg(out, 3, &m);

    for (size_t i = 0; i < locs.n; i++) {
        field_varint(&m, 1, i + 1);
        field_varint(&m, 2, 1);
        field_varint(&sub, 1, key_id(&funcs, locs.fn[i], locs.file[i], -1));
        field_varint(&sub, 2, (uint64_t)(locs.line[i] > 0 ? locs.line[i] : 0));
        field_msg(&m, 4, &sub);
        field_msg(out, 4, &m);
    }
    for (size_t i = 0; i < funcs.n; i++) {
        field_varint(&m, 1, i + 1);
        field_varint(&m, 2, (uint64_t)intern(&st, funcs.fn[i]));
        field_varint(&m, 3, (uint64_t)intern(&st, funcs.fn[i]));
        field_varint(&m, 4, (uint64_t)intern(&st, funcs.file[i]));
        field_msg(out, 5, &m);
    }

    /* period: one sample per `rate` bytes on average */
    field_varint(&sub, 1, (uint64_t)intern(&st, "space"));
    field_varint(&sub, 2, (uint64_t)intern(&st, "bytes"));
    field_msg(out, 11, &sub);
    field_varint(out, 12, p->rate);
    char comment[160];
    snprintf(comment, sizeof comment, "drip %s profile, %s, iterations %llu..%llu",
             growth ? "growth" : "heap", p->mode ? p->mode : "sampled",
             (unsigned long long)p->early_iteration, (unsigned long long)p->late_iteration);
    int64_t c = intern(&st, comment);
    int64_t def = intern(&st, "inuse_space");
    for (size_t i = 0; i < st.n; i++)       /* the string table last: it is complete now */
        field_bytes(out, 6, st.s[i], strlen(st.s[i]));
    varint(&packed, (uint64_t)c);
    field_msg(out, 13, &packed);
    field_varint(out, 14, (uint64_t)def);

    for (size_t i = 0; i < st.n; i++)
        free(st.s[i]);
    free(st.s);
    free(funcs.fn);
    free(funcs.file);
    free(funcs.line);
    free(locs.fn);
    free(locs.file);
    free(locs.line);
    free(m.p);
    free(sub.p);
    free(packed.p);
}

int drip_report_pprof(const drip_result *r, bool growth, FILE *out)
{
    buf pb = {0};
    encode(&r->profile, growth, &pb);
    int rc = -1;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        goto cleanup;
    unsigned char chunk[16384];
    z.next_in = pb.p;
    z.avail_in = (uInt)pb.len;
    int zr;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = deflate(&z, Z_FINISH);
        size_t have = sizeof chunk - z.avail_out;
        if (zr == Z_STREAM_ERROR || fwrite(chunk, 1, have, out) != have) {
            deflateEnd(&z);
            goto cleanup;
        }
    } while (zr != Z_STREAM_END);
    deflateEnd(&z);
    rc = ferror(out) ? -1 : 0;
cleanup:
    free(pb.p);
    return rc;
}

int drip_report_folded(const drip_result *r, bool growth, FILE *out)
{
    const drip_profile_result *p = &r->profile;
    for (size_t i = 0; i < p->nsites; i++) {
        const drip_prof_site *s = &p->sites[i];
        int64_t v = growth ? rounded(s->late_bytes - s->early_bytes) : rounded(s->late_bytes);
        if (v <= 0 || !s->nframes)
            continue;                        /* flame graphs take positive weights */
        for (size_t f = s->nframes; f-- > 0;) {  /* outermost first */
            for (const char *c = s->frames[f].fn; *c; c++)
                fputc(*c == ';' || *c == ' ' ? '_' : *c, out);
            fputs(f ? ";" : "", out);
        }
        fprintf(out, " %lld\n", (long long)v);
    }
    return ferror(out) ? -1 : 0;
}
