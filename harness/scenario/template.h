/* template.h - the placeholders of an external workload's strings.
 *
 * A program's command, environment, URLs and its driver's command may hold
 * placeholders that Drip fills in when it runs the scenario:
 *
 *   {port}       a free 127.0.0.1 TCP port picked for the scenario
 *   {iteration}  the iteration number, from 0 (drive.http.url, drive.command)
 *   {seed}       the scenario's seed
 *   {bin}        the folder of Drip's own programs (build/bin in a build
 *                tree, PREFIX/libexec/drip once installed): the example
 *                services are found there
 *
 * "{{" and "}}" stand for literal braces.  Which placeholders a string may
 * hold depends on where it is (a program starts before the first
 * iteration, so its command cannot hold {iteration}): the loader checks
 * each string once with drip_template_check, and the runner expands it as
 * often as it needs with drip_template_expand.  Pure functions over
 * strings: no I/O, no globals; libc only.
 */
#ifndef DRIP_TEMPLATE_H
#define DRIP_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

/* One bit per placeholder, for the `allowed` sets. */
enum {
    DRIP_TPL_PORT      = 1u << 0,
    DRIP_TPL_ITERATION = 1u << 1,
    DRIP_TPL_SEED      = 1u << 2,
    DRIP_TPL_BIN       = 1u << 3,
    DRIP_TPL_GO_BIN    = 1u << 4,
};

/* The values placeholders expand to.  bin may be NULL when no string
 * uses {bin} (expanding one then fails). */
typedef struct drip_template_vars {
    unsigned    port;
    uint64_t    iteration;
    uint64_t    seed;
    const char *bin;
    const char *go_bin;          /* {go_bin}; may be NULL as bin */
} drip_template_vars;

/* "{port}", "{iteration}", ... for a DRIP_TPL_* bit; NULL for anything else. */
const char *drip_template_name(unsigned bit);

/* Check template t: every "{...}" must name a placeholder in `allowed`.
 * Returns 0 when it does (*used, when not NULL, gets the bits of the
 * placeholders t holds).  Otherwise returns -1, *off the byte offset of
 * the offending '{' or '}' in t, and *why a malloc'd message such as
 * "unknown placeholder '{prot}' (did you mean '{port}'?)" or
 * "'{iteration}' cannot be used here"; the caller frees it and says where
 * "here" is. */
int drip_template_check(const char *t, unsigned allowed, unsigned *used, size_t *off,
                        char **why);

/* t with its placeholders replaced by vars' values, malloc'd (caller
 * frees); NULL when t is malformed (it was not checked) or uses {bin}
 * while vars->bin is NULL, or when memory runs out. */
char *drip_template_expand(const char *t, const drip_template_vars *vars);

/* Is url (expanded: no placeholders left) an http:// URL on a loopback
 * host: 127.0.0.0/8 written as four decimal numbers, localhost or [::1],
 * with an optional port 1..65535 and no user info?  Drip connects to
 * nothing else.  0, or -1 with *why set (malloc'd: "the host 'example.com'
 * is not a loopback address (127.x.x.x, localhost or [::1])"). */
int drip_url_check_loopback(const char *url, char **why);

#endif /* DRIP_TEMPLATE_H */
