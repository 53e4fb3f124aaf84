/* names.c - the tables of names.h: every word of the results model, once. */
#include "names.h"

#include <string.h>

#include "results.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *drip_names_get(const drip_names *t, int v)
{
    return v >= 0 && v < t->count ? t->names[v] : NULL;
}

int drip_names_find(const drip_names *t, const char *s)
{
    for (int i = 0; s && i < t->count; i++)
        if (t->names[i] && strcmp(t->names[i], s) == 0)
            return i;
    return -1;
}

/* ---- the failure sweep ---------------------------------------------------- */

static const char *const sweep_modes[DRIP_SWEEP_MODES] = {"transient", "persistent"};
const drip_names drip_sweep_mode_names = {sweep_modes, DRIP_SWEEP_MODES};

const char *drip_sweep_mode_name(int m)
{
    return sweep_modes[m & 1];
}

const char *const drip_sweep_check_names[DRIP_SWEEP_CHECKS] = {
    "leaked_bytes", "leaked_blocks", "crashes", "hangs",
};
const drip_names drip_sweep_check_table = {drip_sweep_check_names, DRIP_SWEEP_CHECKS};

/* ---- valgrind --------------------------------------------------------------- */

const char *const drip_vg_check_names[DRIP_VG_CHECKS] = {
    "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable", "errors",
};
const char *const drip_vg_check_labels[DRIP_VG_CHECKS] = {
    "definitely lost", "indirectly lost", "possibly lost", "still reachable", "errors",
};
const drip_names drip_vg_kind_names = {drip_vg_check_names, DRIP_VG_KINDS};
const drip_names drip_vg_check_table = {drip_vg_check_names, DRIP_VG_CHECKS};

/* ---- the enums of results.h ---------------------------------------------------- */

static const char *const statuses[] = {
    [DRIP_STATUS_PASS] = "pass", [DRIP_STATUS_FAIL] = "fail", [DRIP_STATUS_ERROR] = "error",
};
const drip_names drip_status_names = {statuses, NELEM(statuses)};

static const char *const outcomes[] = {
    [DRIP_TRIAL_LEAK] = "leak", [DRIP_TRIAL_CRASH] = "crash", [DRIP_TRIAL_HANG] = "hang",
    [DRIP_TRIAL_ERROR] = "error",
};
const drip_names drip_outcome_names = {outcomes, NELEM(outcomes)};

const char *const drip_outcome_plurals[] = {
    [DRIP_TRIAL_LEAK] = "leaks", [DRIP_TRIAL_CRASH] = "crashes", [DRIP_TRIAL_HANG] = "hangs",
    [DRIP_TRIAL_ERROR] = "errors",
};

static const char *const classes[] = {
    [DRIP_CLASS_UNKNOWN] = NULL, [DRIP_CLASS_NONE] = "none", [DRIP_CLASS_BOUNDED] = "bounded",
    [DRIP_CLASS_HEAP_GROWTH] = "heap growth", [DRIP_CLASS_REACHABLE] = "reachable growth",
    [DRIP_CLASS_LOST] = "lost memory", [DRIP_CLASS_BLOCKED] = "blocked tasks",
    [DRIP_CLASS_HANDLE] = "handle leak", [DRIP_CLASS_RSS] = "unaccounted RSS growth",
};
const drip_names drip_class_names = {classes, NELEM(classes)};

/* Not a status: named as the worst one.  Cannot fail. */
const char *drip_status_name(drip_status s)
{
    const char *n = drip_names_get(&drip_status_names, (int)s);
    return n ? n : "error";
}

/* "rules", "default", "none"; anything else is named "rules" (what a
 * report without the key meant).  Cannot fail. */
const char *drip_expect_mode_name(drip_expect_mode m)
{
    switch (m) {
    case DRIP_EXPECT_DEFAULT: return "default";
    case DRIP_EXPECT_NONE:    return "none";
    case DRIP_EXPECT_RULES:   break;
    }
    return "rules";
}

/* Not an outcome: "error".  Cannot fail. */
const char *drip_trial_outcome_name(drip_trial_outcome o)
{
    const char *n = drip_names_get(&drip_outcome_names, (int)o);
    return n ? n : "error";
}

/* NULL for DRIP_CLASS_UNKNOWN and anything outside the enum. */
const char *drip_class_name(drip_leak_class c)
{
    return drip_names_get(&drip_class_names, (int)c);
}
