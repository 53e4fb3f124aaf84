/* builtin.c - lookups over the built-in workload table. */
#include "builtin.h"

#include <string.h>

const drip_workload *drip_builtin_find(const char *name)
{
    for (size_t i = 0; drip_builtins[i]; i++)
        if (strcmp(drip_builtins[i]->name, name) == 0)
            return drip_builtins[i];
    return NULL;
}

const char *const *drip_builtin_names(void)
{
    static const char *names[256];
    if (!names[0])
        for (size_t i = 0; drip_builtins[i] && i + 1 < sizeof names / sizeof names[0]; i++)
            names[i] = drip_builtins[i]->name;
    return names;
}
