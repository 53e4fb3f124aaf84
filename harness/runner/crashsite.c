/* crashsite.c - name the stack a crashed worker sent (worker/crash.c).
 *
 * The worker's signal handler sends raw addresses and the files they lie
 * in, with their load biases (`crashmod` and `crash` lines): naming them
 * there would allocate in a process that may have crashed inside malloc.
 * Here, after the worker is gone, the same files are opened at the same
 * biases (symbols.h: drip_symbols_open_files) and the frames named.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symbols.h"
#include "util/util.h"

#define CRASH_MODULES_MAX 64

void drip__crash_take(drip__crash *c, const drip_proto_msg *m)
{
    if (m->kind == DRIP_PROTO_CRASHMOD) {
        if (c->nmods == CRASH_MODULES_MAX)
            return;
        c->paths = xrealloc(c->paths, (c->nmods + 1) * sizeof *c->paths);
        c->bias = xrealloc(c->bias, (c->nmods + 1) * sizeof *c->bias);
        c->paths[c->nmods] = xstrdup(m->u.crashmod.path);
        c->bias[c->nmods++] = m->u.crashmod.base;
    } else if (m->kind == DRIP_PROTO_CRASH && !c->got) {
        c->got = true;
        c->signo = m->u.crash.signo;
        c->npcs = m->u.crash.npcs;
        memcpy(c->pcs, m->u.crash.pcs, c->npcs * sizeof c->pcs[0]);
    }
}

/* One frame as text: "fn (file:line)", "fn (module)", or the address. */
static void frame_text(const drip_frame *f, char *buf, size_t len)
{
    if (f->fn[0] && f->line)
        snprintf(buf, len, "%s (%s:%d)", f->fn, f->file, f->line);
    else if (f->fn[0])
        snprintf(buf, len, "%s (%s)", f->fn, f->file[0] ? f->file : "?");
    else
        snprintf(buf, len, "%p%s%s%s", f->pc, f->file[0] ? " (" : "", f->file,
                 f->file[0] ? ")" : "");
}

/* The file pc lies in: the one loaded at the highest bias at or below it
 * (files do not interleave), or NULL. */
static const char *file_of(const drip__crash *c, uint64_t pc)
{
    const char *best = NULL;
    unsigned long long at = 0;
    for (size_t i = 0; i < c->nmods; i++)
        if (c->bias[i] <= pc && (!best || c->bias[i] >= at)) {
            best = c->paths[i];
            at = c->bias[i];
        }
    return best;
}

/* Is path the C library or another system library, or Drip's runtime:
 * code the crash passes through, not the code to fix? */
static bool library(const char *path)
{
    static const char *const dirs[] = {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"};
    if (!path)
        return false;
    if (strncmp(drip_path_base(path), "libdrip_rt.so", 13) == 0)
        return true;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
            return true;
    return false;
}

char *drip__crash_stack(const drip__crash *c, char **site)
{
    *site = NULL;
    if (!c->got || !c->npcs)
        return NULL;
    drip_symbols *sym = drip_symbols_open_files((const char *const *)c->paths, c->bias,
                                                c->nmods);
    void *pcs[DRIP_PROTO_CRASH_FRAMES];
    for (size_t i = 0; i < c->npcs; i++)
        pcs[i] = (void *)(uintptr_t)c->pcs[i];
    drip_frame frames[DRIP_PROTO_CRASH_FRAMES];
    int n = drip_symbols_crash(sym, pcs, (int)c->npcs, frames, DRIP_PROTO_CRASH_FRAMES);
    drip_symbols_close(sym);
    strbuf sb = {0};
    int at = -1, any = -1;        /* the site: the first frame with a source line
                                     outside the libraries, else with one at all */
    for (int i = 0; i < n; i++) {
        char text[320];
        frame_text(&frames[i], text, sizeof text);
        sb_appendf(&sb, "%s%s", i ? " < " : "", text);
        bool line = frames[i].fn[0] && frames[i].line;
        if (any < 0 && line)
            any = i;
        if (at < 0 && line && !library(file_of(c, (uint64_t)(uintptr_t)frames[i].pc)))
            at = i;
    }
    if (n) {
        char text[320];
        frame_text(&frames[at >= 0 ? at : any >= 0 ? any : 0], text, sizeof text);
        *site = xstrdup(text);
    }
    return n ? sb_take(&sb) : (sb_free(&sb), NULL);
}

void drip__crash_free(drip__crash *c)
{
    for (size_t i = 0; i < c->nmods; i++)
        free(c->paths[i]);
    free(c->paths);
    free(c->bias);
    memset(c, 0, sizeof *c);
}
