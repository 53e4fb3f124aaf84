/* builtin.h - the workloads compiled into drip (scenarios/builtins.c). */
#ifndef DRIP_BUILTIN_H
#define DRIP_BUILTIN_H

#include <drip/workload.h>

/* NULL-terminated table of built-in workloads, in `drip list` order. */
extern const drip_workload *const drip_builtins[];

/* The built-in named `name`, or NULL. */
const drip_workload *drip_builtin_find(const char *name);

/* NULL-terminated array of the built-in names (static storage). */
const char *const *drip_builtin_names(void);

#endif /* DRIP_BUILTIN_H */
