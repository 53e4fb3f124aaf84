/* merge.c - runs combined into one (merge.h): the checks that they are the
 * shards of one split, and the combination. */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int drip_merge_check_names(const drip_merge_input *in, size_t n, char **err)
{
    *err = NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < in[i].run.count; a++)
            for (size_t j = 0; j <= i; j++)
                for (size_t b = 0; b < (j == i ? a : in[j].run.count); b++)
                    if (strcmp(in[i].run.scenarios[a].name, in[j].run.scenarios[b].name) == 0) {
                        *err = xasprintf("scenario '%s' is in %s and in %s: refusing to merge "
                                         "(were these shards of one split?)",
                                         in[i].run.scenarios[a].name, in[j].path, in[i].path);
                        return -1;
                    }
    return 0;
}

/* One N, each K once: 0 and *count = N, or -1 with *err. */
static int one_split(const drip_merge_input *in, size_t n, unsigned *count, char **err)
{
    const drip_merge_input *first = NULL;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const drip_run_results *r = &in[i].run;
        if (!r->shard_count)
            continue;
        if (!first) {
            first = &in[i];
            *count = r->shard_count;
        } else if (r->shard_count != *count) {
            *err = xasprintf("%s is shard %u/%u but %s is of a split in %u: not one split run",
                             in[i].path, r->shard_index, r->shard_count, first->path, *count);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (in[j].run.shard_count && in[j].run.shard_index == r->shard_index) {
                *err = xasprintf("%s and %s are both shard %u/%u", in[j].path, in[i].path,
                                 r->shard_index, *count);
                return -1;
            }
    }
    return 0;
}

int drip_merge_check_shards(const drip_merge_input *in, size_t n, unsigned *count,
                            unsigned *missing, char **absent, char **err)
{
    *missing = 0;
    *absent = NULL;
    *err = NULL;
    if (one_split(in, n, count, err) != 0)
        return -1;
    strbuf sb = {0};
    for (unsigned k = 1; k <= *count; k++) {
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = in[i].run.shard_count && in[i].run.shard_index == k;
        if (!seen) {
            sb_appendf(&sb, "%s%u", *missing ? ", " : "", k);
            ++*missing;
        }
    }
    *absent = sb.len ? sb_take(&sb) : NULL;
    return 0;
}

void drip_merge_move_path(char **path, const char *from_dir, const char *to_dir)
{
    size_t n = strlen(from_dir);
    if (*path && strncmp(*path, from_dir, n) == 0 && (*path)[n] == '/') {
        const char *rest = *path + n;
        while (*rest == '/')
            rest++;
        char *moved = xasprintf("%s/%s", to_dir, rest);
        free(*path);
        *path = moved;
    }
}

void drip_merge_move_log_path(char **text, const char *from_dir, const char *to_dir)
{
    char *needle = xasprintf("worker output: %s/", from_dir);
    char *at = *text ? strstr(*text, needle) : NULL;
    if (at) {
        const char *rest = at + strlen(needle);
        while (*rest == '/')
            rest++;
        char *moved = xasprintf("%.*sworker output: %s/%s", (int)(at - *text), *text, to_dir,
                                rest);
        free(*text);
        *text = moved;
    }
    free(needle);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const drip_result *)a)->name, ((const drip_result *)b)->name);
}

/* in's scenarios appended to out (moved: in keeps none), their paths into
 * out_dir. */
/* Did every report of in[0..n) say the same isolation (n > 0)? */
static bool same_isolation(const drip_merge_input *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!in[i].run.isolation || strcmp(in[i].run.isolation, in[0].run.isolation) != 0)
            return false;
    return true;
}

static void move_scenarios(drip_merge_input *in, const char *out_dir, drip_run_results *out)
{
    drip_run_results *r = &in->run;
    for (size_t k = 0; k < r->count; k++) {
        drip_result *d = drip_run_results_add(out);
        *d = r->scenarios[k];
        drip_merge_move_path(&d->valgrind.xml_file, in->dir, out_dir);
        drip_merge_move_path(&d->valgrind.growth.xml_file, in->dir, out_dir);
        drip_merge_move_log_path(&d->reason, in->dir, out_dir);
    }
    r->count = 0;
}

void drip_merge_combine(drip_merge_input *in, size_t n, const char *out_dir, unsigned missing,
                        const char *version, drip_run_results *out, bool *versions_differ)
{
    bool same_seed = n > 0, same_version = true;
    memset(out, 0, sizeof *out);
    out->complete = missing == 0;
    for (size_t i = 0; i < n; i++) {
        const drip_run_results *r = &in[i].run;
        same_seed = same_seed && r->seed_set && r->seed == in[0].run.seed;
        same_version = same_version && r->drip_version && in[0].run.drip_version &&
                       strcmp(r->drip_version, in[0].run.drip_version) == 0;
        out->complete = out->complete && r->complete;
        out->duration_s += r->duration_s == r->duration_s ? r->duration_s : 0;   /* NaN: 0 */
        out->planned += r->planned;
        if (r->started_at && (!out->started_at || strcmp(r->started_at, out->started_at) < 0)) {
            free(out->started_at);
            out->started_at = xstrdup(r->started_at);
        }
        move_scenarios(&in[i], out_dir, out);
    }
    if (missing)
        out->planned = 0;                  /* the missing shards' share is unknown */
    out->seed_set = same_seed;
    out->seed = same_seed ? in[0].run.seed : 0;
    *versions_differ = !same_version;
    out->drip_version = xstrdup(same_version && n ? in[0].run.drip_version : version);
    out->isolation = n && same_isolation(in, n) ? xstrdup(in[0].run.isolation) : NULL;
    if (out->count)
        qsort(out->scenarios, out->count, sizeof *out->scenarios, by_name);
}

void drip_merge_note_missing(const drip_merge_input *in, size_t n, unsigned count,
                             drip_run_results *out)
{
    for (unsigned k = 1; k <= count; k++) {
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = in[i].run.shard_count && in[i].run.shard_index == k;
        if (seen)
            continue;
        out->missing_shards = xrealloc(out->missing_shards,
                                       (out->nmissing_shards + 1) * sizeof *out->missing_shards);
        out->missing_shards[out->nmissing_shards++] = k;
    }
    out->missing_of = out->nmissing_shards ? count : 0;
}
