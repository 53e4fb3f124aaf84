/* test_pprof.c - a scenario's profile as pprof's profile.proto and as
 * folded stacks (harness/report/pprof.c).
 *
 * "core": the heap and growth profiles of a two-site model, gunzipped and
 * decoded here with a small protobuf reader (field numbers from pprof's
 * profile.proto): the sample types, one sample per site with the values
 * the model holds, the locations' function names, files and lines.
 * "folded": one line per site that grew, outermost frame first, names with
 * ';' or ' ' made safe, shrinking sites left out.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check_main.h"
#include "report/report.h"
#include "util/util.h"

/* ---- a model ------------------------------------------------------------------ */

static void frame(drip_prof_site *s, const char *fn, const char *file, int line)
{
    s->frames = xrealloc(s->frames, (s->nframes + 1) * sizeof *s->frames);
    s->frames[s->nframes++] = (drip_prof_frame){xstrdup(fn), xstrdup(file), line};
}

static void model(drip_run_results *run)
{
    drip_result *r = drip_run_results_add(run);
    r->name = xstrdup("m");
    drip_profile_result *p = &r->profile;
    p->ran = true;
    p->mode = xstrdup("sampled");
    p->rate = 4096;
    p->early_iteration = 100;
    p->late_iteration = 1100;
    p->sites = xcalloc(2, sizeof *p->sites);
    p->nsites = 2;
    drip_prof_site *leak = &p->sites[0], *gone = &p->sites[1];
    frame(leak, "render", "cache.c", 59);
    frame(leak, "cache iterate;x", "cache.c", 80);     /* a name folded output must mend */
    leak->early_bytes = 1000, leak->late_bytes = 65000;
    leak->early_objects = 10, leak->late_objects = 650;
    leak->alloc_bytes = 70000, leak->alloc_objects = 700;
    frame(gone, "scratch", "tmp.c", 7);
    gone->early_bytes = 5000, gone->late_bytes = 1000;   /* shrank */
    gone->early_objects = 5, gone->late_objects = 1;
    gone->alloc_bytes = 9000, gone->alloc_objects = 9;
}

/* ---- reading the protobuf back ------------------------------------------------ */

typedef struct pb {
    const unsigned char *p, *end;
} pb;

static uint64_t varint(pb *b)
{
    uint64_t v = 0;
    for (int shift = 0; b->p < b->end; shift += 7) {
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    ck_abort_msg("truncated varint");
    return 0;
}

/* The next field of b: its number, and its payload (length-delimited,
 * *delimited set) or value (varint). */
static bool delimited;
static int next(pb *b, pb *payload, uint64_t *value)
{
    if (b->p >= b->end)
        return 0;
    uint64_t key = varint(b);
    delimited = (key & 7) == 2;
    if (delimited) {
        uint64_t n = varint(b);
        ck_assert(b->p + n <= b->end);
        *payload = (pb){b->p, b->p + n};
        b->p += n;
    } else {
        ck_assert_int_eq(key & 7, 0);
        *value = varint(b);
    }
    return (int)(key >> 3);
}

typedef struct decoded {
    char     strings[64][64];
    int      nstrings;
    int64_t  types[4][2];                 /* (type, unit) string indexes */
    int      ntypes;
    int64_t  values[8][4];                /* per sample */
    uint64_t first_location[8];
    int      nsamples;
    uint64_t loc_function[16], loc_line[16];   /* by location id */
    uint64_t fn_name[16], fn_file[16];         /* by function id */
} decoded;

/* A packed (or single) varint list into out, at most max. */
static int packed(pb *f, uint64_t value, bool is_packed, int64_t *out, int max)
{
    if (!is_packed) {
        out[0] = (int64_t)value;
        return 1;
    }
    int n = 0;
    while (f->p < f->end && n < max)
        out[n++] = (int64_t)varint(f);
    return n;
}

static void decode_sub(int field, pb *f, decoded *d)
{
    pb g;
    uint64_t v = 0, id = 0, a = 0, b = 0;
    int k;
    if (field == 6) {                             /* string_table */
        snprintf(d->strings[d->nstrings++], 64, "%.*s", (int)(f->end - f->p), f->p);
    } else if (field == 1) {                      /* sample_type: ValueType */
        while ((k = next(f, &g, &v)))
            d->types[d->ntypes][k - 1] = (int64_t)v;
        d->ntypes++;
    } else if (field == 2) {                      /* sample: location_id = 1, value = 2 */
        int64_t locs[16];
        int nvalues = 0;
        bool seen_location = false;
        while ((k = next(f, &g, &v))) {
            bool is_packed = delimited;
            if (k == 1 && !seen_location && packed(&g, v, is_packed, locs, 16) > 0) {
                d->first_location[d->nsamples] = (uint64_t)locs[0];
                seen_location = true;
            } else if (k == 2 && nvalues < 4) {
                nvalues += packed(&g, v, is_packed, d->values[d->nsamples] + nvalues,
                                  4 - nvalues);
            }
        }
        d->nsamples++;
    } else if (field == 4) {                      /* location: id 1, line 4 (Line: function_id 1, line 2) */
        while ((k = next(f, &g, &v))) {
            if (k == 1)
                id = v;
            else if (k == 4) {
                pb h;
                uint64_t w;
                int j;
                while ((j = next(&g, &h, &w)))
                    *(j == 1 ? &a : &b) = w;
            }
        }
        d->loc_function[id] = a, d->loc_line[id] = b;
    } else if (field == 5) {                      /* function: id 1, name 2, filename 4 */
        while ((k = next(f, &g, &v)))
            if (k == 1)
                id = v;
            else if (k == 2)
                a = v;
            else if (k == 4)
                b = v;
        d->fn_name[id] = a, d->fn_file[id] = b;
    }
}

static void decode(const drip_result *r, bool growth, decoded *d)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(drip_report_pprof(r, growth, f), 0);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    gzFile gz = gzdopen(fd, "rb");
    static unsigned char raw[1 << 16];
    int n = gzread(gz, raw, sizeof raw);
    gzclose(gz);
    ck_assert_int_gt(n, 0);
    memset(d, 0, sizeof *d);
    pb top = {raw, raw + n}, f1;
    uint64_t v;
    int field;
    while ((field = next(&top, &f1, &v)))
        decode_sub(field, &f1, d);
}

static const char *str(const decoded *d, int64_t i)
{
    ck_assert(i >= 0 && i < d->nstrings);
    return d->strings[i];
}

START_TEST(heap_profile)
{
    drip_run_results run = {0};
    model(&run);
    decoded d;
    decode(&run.scenarios[0], false, &d);
    ck_assert_int_eq(d.ntypes, 4);
    ck_assert_str_eq(str(&d, d.types[0][0]), "alloc_objects");
    ck_assert_str_eq(str(&d, d.types[3][0]), "inuse_space");
    ck_assert_str_eq(str(&d, d.types[3][1]), "bytes");
    ck_assert_int_eq(d.nsamples, 2);
    ck_assert_int_eq(d.values[0][1], 70000);          /* alloc_space of the leak */
    ck_assert_int_eq(d.values[0][3], 65000);          /* inuse_space */
    uint64_t loc = d.first_location[0];
    ck_assert_str_eq(str(&d, (int64_t)d.fn_name[d.loc_function[loc]]), "render");
    ck_assert_str_eq(str(&d, (int64_t)d.fn_file[d.loc_function[loc]]), "cache.c");
    ck_assert_uint_eq(d.loc_line[loc], 59);
    drip_run_results_free(&run);
}
END_TEST

START_TEST(growth_profile)
{
    drip_run_results run = {0};
    model(&run);
    decoded d;
    decode(&run.scenarios[0], true, &d);
    ck_assert_int_eq(d.ntypes, 2);
    ck_assert_str_eq(str(&d, d.types[0][0]), "inuse_objects");
    ck_assert_str_eq(str(&d, d.types[1][0]), "inuse_space");
    ck_assert_int_ge(d.nsamples, 1);
    ck_assert_int_eq(d.values[0][1], 64000);          /* late - early */
    drip_run_results_free(&run);
}
END_TEST

START_TEST(folded)
{
    drip_run_results run = {0};
    model(&run);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(drip_report_folded(&run.scenarios[0], true, f), 0);
    fclose(f);
    ck_assert_str_eq(text, "cache_iterate_x;render 64000\n");   /* scratch shrank: out */
    free(text);
    drip_run_results_free(&run);
}
END_TEST

Suite *drip_test_suite(void)
{
    Suite *s = suite_create("pprof");
    drip_tcase(s, "core", heap_profile, growth_profile, NULL);
    drip_tcase(s, "folded", folded, NULL);
    return s;
}
