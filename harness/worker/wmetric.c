/* wmetric.c - the workload's own metrics: drip_metric_add and the registry
 * the worker samples (wmetric.h). */
#include "wmetric.h"

#include <drip/workload.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

typedef struct wslot {
    char           name[DRIP_WMETRIC_NAME_MAX];   /* written once, before nslots counts it */
    _Atomic double value;
    atomic_bool    reported, announced;
} wslot;

static wslot slots[DRIP_METRIC_CUSTOM_MAX];
static atomic_size_t nslots;
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;   /* adding a slot */
static char ignored_name[DRIP_WMETRIC_NAME_MAX];
static const char *ignored_why;                  /* under add_lock; NULL: none */
static atomic_bool ignored_told;

void drip_wmetric_reset(char *const *names, size_t n)
{
    memset(slots, 0, sizeof slots);
    ignored_why = NULL;
    atomic_store(&ignored_told, false);
    for (size_t k = 0; k < n && k < DRIP_METRIC_CUSTOM_MAX; k++)
        snprintf(slots[k].name, sizeof slots[k].name, "%s", names[k]);
    atomic_store(&nslots, n < DRIP_METRIC_CUSTOM_MAX ? n : DRIP_METRIC_CUSTOM_MAX);
}

/* The slot called name among the first n, or NULL. */
static wslot *find(const char *name, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(slots[k].name, name) == 0)
            return &slots[k];
    return NULL;
}

/* Why name cannot be a workload metric's, or NULL. */
static const char *bad_name(const char *name)
{
    if (!name || strlen(name) >= DRIP_WMETRIC_NAME_MAX || !drip_valid_name(name))
        return "not a name of [A-Za-z0-9._-], shorter than 64 bytes";
    if (drip_metric_name_reserved(name))
        return "a Drip metric's name or too close to one";
    return NULL;
}

/* The slot for name, added under the lock when new; NULL when it is
 * ignored (remembered for the warning).  No allocation. */
static wslot *add_slot(const char *name)
{
    wslot *s = NULL;
    pthread_mutex_lock(&add_lock);
    size_t n = atomic_load(&nslots);
    const char *why = bad_name(name);
    if (!why && !(s = find(name, n))) {
        if (n < DRIP_METRIC_CUSTOM_MAX) {
            s = &slots[n];
            snprintf(s->name, sizeof s->name, "%s", name);
            atomic_store(&nslots, n + 1);
        } else {
            why = "a workload reports at most 16 metrics";
        }
    }
    if (why && !ignored_why) {
        snprintf(ignored_name, sizeof ignored_name, "%.60s", name ? name : "(null)");
        ignored_why = why;
    }
    pthread_mutex_unlock(&add_lock);
    return s;
}

/* Thread-safe: the slot is found without a lock (names never change once
 * counted), the value added by compare-and-swap. */
void drip_metric_add(drip_ctx *ctx, const char *name, double delta)
{
    (void)ctx;
    if (!isfinite(delta))
        return;
    wslot *s = name ? find(name, atomic_load(&nslots)) : NULL;
    if (!s && !(s = add_slot(name)))
        return;
    double old = atomic_load(&s->value);
    while (!atomic_compare_exchange_weak(&s->value, &old, old + delta))
        ;
    atomic_store(&s->reported, true);
}

size_t drip_wmetric_values(double *v)
{
    size_t n = atomic_load(&nslots);
    for (size_t k = 0; k < n; k++)
        v[k] = atomic_load(&slots[k].value);
    return n;
}

bool drip_wmetric_next_announce(size_t *k, const char **name)
{
    size_t n = atomic_load(&nslots);
    for (size_t i = 0; i < n; i++) {
        if (!atomic_load(&slots[i].reported) || atomic_exchange(&slots[i].announced, true))
            continue;
        *k = i;
        *name = slots[i].name;
        return true;
    }
    return false;
}

bool drip_wmetric_reported(size_t k)
{
    return k < DRIP_METRIC_CUSTOM_MAX && atomic_load(&slots[k].reported);
}

bool drip_wmetric_take_ignored(char *buf, size_t n)
{
    pthread_mutex_lock(&add_lock);
    bool tell = ignored_why && !atomic_exchange(&ignored_told, true);
    if (tell)
        snprintf(buf, n, "drip_metric_add: '%s' ignored: %s", ignored_name, ignored_why);
    pthread_mutex_unlock(&add_lock);
    return tell;
}
