/* results.c - the results model: building it up and tearing it down. */
#include "results.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* The array may move: a pointer returned earlier is stale after the next
 * call.  Aborts (xrealloc) when memory runs out. */
drip_result *drip_run_results_add(drip_run_results *run)
{
    XGROW(run->scenarios, run->cap, run->count);
    drip_result *r = &run->scenarios[run->count++];
    memset(r, 0, sizeof *r);
    r->ns_per_iter = NAN;       /* until the judge times the samples */
    return r;
}

void drip_result_add_warning(drip_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *warning = xvasprintf(fmt, ap);
    va_end(ap);
    /* warnings are few: grow one slot at a time */
    r->warnings = xrealloc(r->warnings, (r->nwarnings + 1) * sizeof *r->warnings);
    r->warnings[r->nwarnings++] = warning;
}

void drip_result_add_sample(drip_result *r, const drip_sample *s)
{
    XGROW(r->samples, r->samples_cap, r->nsamples);
    r->samples[r->nsamples++] = *s;
}

static void valgrind_result_free(drip_valgrind_result *v)
{
    free(v->skipped);
    free(v->problem);
    free(v->xml_file);
    free(v->first_error);
    free(v->top_leak);
    free(v->growth.problem);
    free(v->growth.xml_file);
    free(v->growth.top_lost);
    free(v->growth.top_reachable);
}

const drip_metric_info *drip_result_metric_info(const drip_result *r, int m)
{
    if (m >= 0 && m < DRIP_M_COUNT)
        return &drip_metrics[m];
    if (drip_metric_is_custom(m) && (size_t)(m - DRIP_M_COUNT) < r->ncustom)
        return &r->custom[m - DRIP_M_COUNT];
    return NULL;
}

int drip_result_nmetrics(const drip_result *r)
{
    return DRIP_M_COUNT + (int)r->ncustom;
}

int drip_result_metric_find(const drip_result *r, const char *name)
{
    int m = drip_metric_find(name);
    for (size_t k = 0; m < 0 && k < r->ncustom; k++)
        if (strcmp(r->custom[k].name, name) == 0)
            m = DRIP_M_COUNT + (int)k;
    return m;
}

int drip_result_custom_add(drip_result *r, const char *name, const char *unit,
                           bool cumulative)
{
    int m = drip_result_metric_find(r, name);
    if (m >= 0)
        return m;
    if (r->ncustom >= DRIP_METRIC_CUSTOM_MAX)
        return -1;
    drip_metric_info *c = &r->custom[r->ncustom];
    c->name = xstrdup(name);
    c->unit = xstrdup(unit && *unit ? unit : "units");
    c->bytes = false;
    c->cumulative = cumulative;
    c->resolution = DRIP_CUSTOM_RESOLUTION;
    c->what = "the workload's own metric";
    return DRIP_M_COUNT + (int)r->ncustom++;
}

bool drip_result_metric_shown(const drip_result *r, int m)
{
    const drip_metric_result *mr = &r->metrics[m];
    const drip_metric_info *info = drip_result_metric_info(r, m);
    if (!info)
        return false;
    if (mr->measured && !info->cumulative &&
        (mr->fit.verdict == DRIP_VERDICT_GROWING || mr->fit.verdict == DRIP_VERDICT_BOUNDED))
        return true;
    for (size_t i = 0; i < r->nexpects && r->expect_mode == DRIP_EXPECT_RULES; i++)
        if (r->expects[i].metric == m)
            return true;
    return false;
}

double drip_result_late_start(const drip_result *r, int m)
{
    const drip_metric_result *mr = &r->metrics[m];
    size_t ws = mr->fit.window_start;
    if (!mr->measured || mr->fit.verdict != DRIP_VERDICT_GROWING || ws >= r->nsamples ||
        !(mr->fit.change_at > r->samples[ws].v[DRIP_COL_ITER]))
        return NAN;
    return mr->fit.change_at;
}

static void sweep_result_free(drip_sweep_result *sw)
{
    for (size_t i = 0; i < sw->nfindings; i++) {
        drip_sweep_finding *f = &sw->findings[i];
        free(f->detail);
        for (size_t j = 0; j < f->nsites; j++)
            free(f->sites[j].stack);
        free(f->sites);
    }
    free(sw->findings);
}

void drip_fault_result_set_schedule(drip_fault_result *r, uint64_t every, const uint64_t *nth,
                                    size_t nnth)
{
    free(r->nth);
    r->every = every;
    r->nth = NULL;
    r->nnth = nnth;
    if (nnth) {
        r->nth = xmalloc(nnth * sizeof *r->nth);
        memcpy(r->nth, nth, nnth * sizeof *r->nth);
    }
}

void drip_fault_result_clear(drip_fault_result *r)
{
    free(r->point);
    free(r->nth);
    r->point = NULL;
    r->nth = NULL;
    r->nnth = 0;
}

double drip_prof_site_growth(const drip_profile_result *p, const drip_prof_site *s)
{
    if (p->late_iteration <= p->early_iteration)
        return NAN;
    return (s->late_bytes - s->early_bytes) / (double)(p->late_iteration - p->early_iteration);
}

double drip_prof_site_growth_pm(const drip_profile_result *p, const drip_prof_site *s)
{
    double g = drip_prof_site_growth(p, s);
    if (isnan(g) || p->rate <= 1)
        return isnan(g) ? NAN : 0;
    double rate = (double)p->rate;
    double size = s->late_objects > 0 ? s->late_bytes / s->late_objects : rate;
    double q = exp(-size / rate), prob = 1 - q;        /* q = 1 - p */
    if (prob <= 0)
        return NAN;
    double bytes = fmax(s->late_bytes, 0) + fmax(s->early_bytes, 0);
    double var = bytes * size * q / prob;
    return 1.96 * sqrt(var) / (double)(p->late_iteration - p->early_iteration);
}

static void append_frame(strbuf *sb, const drip_prof_frame *f)
{
    if (f->line)
        sb_appendf(sb, "%s (%s:%d)", f->fn, f->file, f->line);
    else
        sb_appendf(sb, "%s (%s)", f->fn, f->file && f->file[0] ? f->file : "?");
}

char *drip_prof_site_stack(const drip_prof_site *s, size_t depth)
{
    strbuf sb = {0};
    for (size_t i = 0; i < s->nframes && i < depth; i++) {
        sb_append(&sb, i ? " < " : "");
        append_frame(&sb, &s->frames[i]);
    }
    if (!sb.len)
        sb_append(&sb, "(no stack)");
    return sb_take(&sb);
}

static bool same_frame(const drip_prof_frame *a, const drip_prof_frame *b)
{
    return a->line == b->line && strcmp(a->fn, b->fn) == 0 &&
           strcmp(a->file ? a->file : "", b->file ? b->file : "") == 0;
}

char *drip_prof_site_where(const drip_prof_site *s, size_t depth)
{
    if (!s->user.fn || !s->nframes)
        return drip_prof_site_stack(s, depth);
    strbuf sb = {0};
    append_frame(&sb, &s->frames[0]);
    if (!same_frame(&s->frames[0], &s->user)) {
        /* " < " when the user frame called the allocating one, else " < ... < " */
        bool next = s->nframes > 1 && same_frame(&s->frames[1], &s->user);
        sb_append(&sb, next ? " < " : " < ... < ");
        append_frame(&sb, &s->user);
    }
    return sb_take(&sb);
}

static const drip_profile_result *g_sort_profile;   /* qsort has no context argument */

static int cmp_growth_desc(const void *a, const void *b)
{
    const drip_prof_site *x = &g_sort_profile->sites[*(const size_t *)a];
    const drip_prof_site *y = &g_sort_profile->sites[*(const size_t *)b];
    double gx = x->late_bytes - x->early_bytes, gy = y->late_bytes - y->early_bytes;
    return gx < gy ? 1 : gx > gy ? -1 : 0;
}

size_t *drip_prof_growing(const drip_profile_result *p, size_t *n)
{
    size_t *idx = xcalloc(p->nsites + 1, sizeof *idx);
    size_t k = 0;
    for (size_t i = 0; i < p->nsites; i++)
        if (p->sites[i].late_bytes > p->sites[i].early_bytes)
            idx[k++] = i;
    g_sort_profile = p;
    qsort(idx, k, sizeof *idx, cmp_growth_desc);
    g_sort_profile = NULL;
    *n = k;
    return idx;
}

static void profile_result_free(drip_profile_result *p)
{
    for (size_t i = 0; i < p->nsites; i++) {
        for (size_t j = 0; j < p->sites[i].nframes; j++) {
            free(p->sites[i].frames[j].fn);
            free(p->sites[i].frames[j].file);
        }
        free(p->sites[i].frames);
        free(p->sites[i].user.fn);
        free(p->sites[i].user.file);
    }
    free(p->sites);
    free(p->mode);
}

void drip_result_free(drip_result *r)
{
    free(r->name);
    free(r->file);
    free(r->workload);
    free(r->description);
    free(r->reason);
    free(r->crash_stack);
    free(r->samples);
    free(r->expects);
    for (size_t i = 0; i < r->nfaults; i++)
        drip_fault_result_clear(&r->faults[i]);
    free(r->faults);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    valgrind_result_free(&r->valgrind);
    sweep_result_free(&r->sweep);
    profile_result_free(&r->profile);
    free(r->class_why);
    free(r->class_basis);
    free(r->repeat.failed_seeds);
    for (size_t i = 0; i < r->program.ncommand; i++)
        free(r->program.command[i]);
    free(r->program.command);
    free(r->program.exit_signal);
    for (size_t k = 0; k < r->ncustom; k++) {
        free((char *)r->custom[k].name);
        free((char *)r->custom[k].unit);
    }
    memset(r, 0, sizeof *r);
}

/* Frees what the run owns, not the struct itself (callers keep it on the
 * stack or inside their own state), and leaves it zeroed: freeing twice, or
 * freeing a zeroed run, is harmless.  drip_run_results_free(NULL) is a no-op. */
void drip_run_results_free(drip_run_results *run)
{
    if (!run)
        return;
    for (size_t i = 0; i < run->count; i++)
        drip_result_free(&run->scenarios[i]);
    free(run->scenarios);
    free(run->drip_version);
    free(run->started_at);
    free(run->isolation);
    free(run->missing_shards);
    memset(run, 0, sizeof *run);
}

const char *drip_run_results_missing(const drip_run_results *run, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t k = 0; k < run->nmissing_shards && used < len; k++) {
        int n = snprintf(buf + used, len - used, "%s%u", k ? ", " : run->nmissing_shards > 1
                         ? "missing shards " : "missing shard ", run->missing_shards[k]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (run->nmissing_shards && used < len)
        snprintf(buf + used, len - used, " of %u", run->missing_of);
    return buf;
}

drip_run_counts drip_run_results_count(const drip_run_results *run)
{
    drip_run_counts c = {0, 0, 0};
    for (size_t i = 0; i < run->count; i++) {
        switch (run->scenarios[i].status) {
        case DRIP_STATUS_PASS: c.pass++;  break;
        case DRIP_STATUS_FAIL: c.fail++;  break;
        default:               c.error++; break;
        }
    }
    return c;
}

char *drip_results_file_name(const char *name, const char *ext)
{
    strbuf sb = {0};
    name = name && *name ? name : "scenario";
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        sb_appendn(&sb, ok ? &c : "_", 1);
    }
    sb_append(&sb, ext);
    return sb_take(&sb);
}
