/* scenario.c - the scenario model: defaults, lookups, uniqueness, release.
 *
 * The YAML loader (yaml_load.c, yaml_schema.c) fills these structs; this
 * file holds what is true of a scenario however it was made.
 */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

#include "external.h"
#include "util/util.h"

/* Fill *run with the documented defaults.  sample_every follows the default
 * iteration count (10000 / 200); a loader that changes iterations without
 * an explicit sample_every recomputes it.  Can't fail. */
void drip_run_spec_defaults(drip_run_spec *run)
{
    memset(run, 0, sizeof *run);                 /* no duration, timeout not written */
    run->iterations = 10000;
    run->threads = 1;
    run->sample_every = run->iterations / 200;
    run->warmup = 0.2;
    run->timeout_ns = 60ULL * 1000000000ULL;
    run->seed = 1;
    run->heap_ceiling = 1ULL << 30;
}

const char *drip_profile_mode_name(drip_profile_mode m)
{
    switch (m) {
    case DRIP_PROFILE_OFF:     return "off";
    case DRIP_PROFILE_PRECISE: return "precise";
    case DRIP_PROFILE_DEFAULT:
    case DRIP_PROFILE_SAMPLED: return "sampled";
    }
    return "sampled";
}

uint64_t drip_duration_timeout(uint64_t duration_ns)
{
    const uint64_t margin = 60ULL * 1000000000ULL + duration_ns / 10;
    return duration_ns > UINT64_MAX - margin ? UINT64_MAX : duration_ns + margin;
}

void drip_run_spec_set_duration(drip_run_spec *run, uint64_t duration_ns)
{
    run->duration_ns = duration_ns;
    run->iterations = 0;
    run->sample_every = 0;
    uint64_t t = drip_duration_timeout(duration_ns);
    if (!run->timeout_set || run->timeout_ns < t)
        run->timeout_ns = t;
}

/* Fill *sw with the documented sweep defaults.  Can't fail. */
void drip_sweep_spec_defaults(drip_sweep_spec *sw)
{
    memset(sw, 0, sizeof *sw);
    sw->modes = DRIP_SWEEP_TRANSIENT | DRIP_SWEEP_PERSISTENT;
    sw->warmup = 2;
    sw->max_k = 10000;
    sw->timeout_ns = 10ULL * 1000000000ULL;
}

/* The scenario's param called `key`, or NULL when it has none.  The result
 * is borrowed from the scenario and lives as long as it does. */
const drip_param *drip_scenario_param(const drip_scenario *s, const char *key)
{
    if (!s || !key)
        return NULL;
    for (size_t i = 0; i < s->nparams; i++)
        if (strcmp(s->params[i].key, key) == 0)
            return &s->params[i];
    return NULL;
}

/* ---- uniqueness ------------------------------------------------------------ */

typedef struct named {
    const char *name;
    size_t      index;                  /* position in the list */
} named;

static int named_cmp(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* Report every scenario whose name an earlier one in the list already has,
 * at the later scenario's document position, naming where the first one is.
 * Sorting keeps this O(n log n) however many files were loaded; the
 * problems still come out in list order.  Scenarios without a name are
 * ignored.  Returns the number of problems added; can't fail otherwise. */
int drip_scenario_check_unique(const drip_scenario_list *list, drip_diags *diags)
{
    size_t n = 0;
    int problems = 0;
    named *byname = NULL;
    size_t *first = NULL;              /* first[i]: index of i's first namesake */

    if (list->count < 2)
        return 0;
    byname = xmalloc(list->count * sizeof *byname);
    first = xmalloc(list->count * sizeof *first);
    for (size_t i = 0; i < list->count; i++) {
        first[i] = i;
        if (list->items[i].name)
            byname[n++] = (named){list->items[i].name, i};
    }
    qsort(byname, n, sizeof *byname, named_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(byname[i].name, byname[i - 1].name) == 0)
            first[byname[i].index] = first[byname[i - 1].index];

    for (size_t i = 0; i < list->count; i++) {
        if (first[i] == i)
            continue;
        const drip_scenario *s = &list->items[i], *f = &list->items[first[i]];
        drip_diags_add(diags, s->file, s->pos.line, s->pos.col,
                       "duplicate scenario name '%s' (first in %s:%d)",
                       s->name, f->file ? f->file : "<input>", f->pos.line);
        problems++;
    }
    free(first);
    free(byname);
    return problems;
}

/* ---- release --------------------------------------------------------------- */

static void scenario_free(drip_scenario *s)
{
    free(s->name);
    free(s->description);
    free(s->file);
    free(s->workload);
    free(s->plugin);
    drip_external_spec_free(s->external);
    for (size_t i = 0; i < s->valgrind.nsuppressions; i++)
        free(s->valgrind.suppressions[i]);
    free(s->valgrind.suppressions);
    for (size_t i = 0; i < s->profile.nskip; i++)
        free(s->profile.skip[i]);
    free(s->profile.skip);
    for (size_t i = 0; i < s->nparams; i++) {
        free(s->params[i].key);
        free(s->params[i].value);
    }
    free(s->params);
    for (size_t i = 0; i < s->nfaults; i++) {
        free(s->faults[i].point);
        free(s->faults[i].nth);
    }
    free(s->faults);
    free(s->expects);
    for (size_t k = 0; k < s->nwmetrics; k++)
        free(s->wmetrics[k]);
}

/* Release every scenario, every string in them and the array, leaving
 * *list empty and reusable.  drip_scenario_list_free(NULL) is a no-op. */
void drip_scenario_list_free(drip_scenario_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        scenario_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = list->cap = 0;
    for (size_t i = 0; i < list->ntexts; i++)
        free(list->texts[i]);
    free(list->texts);
    list->texts = NULL;
    list->ntexts = 0;
}
