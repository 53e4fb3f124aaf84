/* shard.c - `drip run --shard K/N`: which scenarios shard K runs.
 *
 * The scenarios that pass the filters are sorted by name, and the i-th
 * (from 0) goes to shard (i mod N) + 1.  Round robin over sorted names
 * rather than a hash of each name: shards differ by at most one scenario
 * (a hash leaves a small suite lopsided, even with empty shards), and the
 * split depends only on the set of names, not on the order of the files
 * on the command line or in a directory.  Every shard of one split must
 * run the same files with the same filters; docs/CI.md says so.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/util.h"

bool drip_cli_parse_shard(const char *s, unsigned *k, unsigned *n)
{
    const char *slash = strchr(s, '/');
    uint64_t kv, nv;
    bool ok = false;
    if (slash) {
        char *head = xstrndup(s, (size_t)(slash - s));
        ok = drip_parse_u64(head, &kv) == 0 && drip_parse_u64(slash + 1, &nv) == 0 &&
             nv >= 1 && nv <= DRIP_SHARD_MAX && kv >= 1 && kv <= nv;
        free(head);
    }
    if (!ok) {
        drip_cli_error("--shard must be K/N with 1 <= K <= N <= %d (e.g. 2/4), not '%s'",
                       DRIP_SHARD_MAX, s);
        return false;
    }
    *k = (unsigned)kv;
    *n = (unsigned)nv;
    return true;
}

typedef struct named {
    const char *name;
    size_t      index;
} named;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

void drip_cli_shard_select(const char *const *names, const bool *candidate, size_t count,
                           unsigned k, unsigned n, bool *selected)
{
    named *v = xcalloc(count ? count : 1, sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < count; i++) {
        selected[i] = false;
        if (candidate[i])
            v[m++] = (named){names[i], i};
    }
    qsort(v, m, sizeof *v, by_name);
    for (size_t i = 0; i < m; i++)
        selected[v[i].index] = i % n + 1 == k;
    free(v);
}
