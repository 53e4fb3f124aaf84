/* program_profile.c - the allocation-site profile of an external program
 * (program.h), through the preload's sampling (src/alloc/preload_profile.c).
 *
 * The preload samples the program's allocations and, when asked through
 * the counters file (prof_request), writes its sites with raw return
 * addresses to PREFIX.N.  Two snapshots, as the worker takes them for a
 * plugin (worker/profile.c): when the warm-up ends and after the last
 * unit, both at quiescent samples.  The addresses are named here against
 * the files the program had mapped (/proc/PID/maps, read at the last
 * snapshot, each at its load bias), and the sites go into r->profile, from
 * which the reports write the "grows at" lines and the pprof file.
 */
#define _GNU_SOURCE
#include "program.h"

#include <elf.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload_shm.h"
#include "symbols/symbols.h"
#include "util/util.h"

#define SNAP_WAIT_NS   (3ULL * 1000000000ULL)  /* the helper polls every 2 ms */
#define SITES_KEPT     300                      /* as the worker sends at most */
#define MAPS_MAX       256
#define FRAMES_KEPT    32

/* ---- a snapshot ----------------------------------------------------------- */

/* Read PATH (preload_profile.c's format) into *s, stacks of several
 * threads summed.  -1 when it cannot be read or is malformed. */
static int read_sites(const char *path, drip__psnap *s)
{
    FILE *f = fopen(path, "r");
    unsigned long long rate, n, dropped;
    int rc = -1;
    if (!f || fscanf(f, "drip-preload-profile 1 %llu %llu %llu", &rate, &n, &dropped) != 3)
        goto cleanup;
    s->sites = xcalloc(n + 1, sizeof *s->sites);
    s->dropped = dropped;
    for (unsigned long long i = 0; i < n; i++) {
        drip_alloc_site st = {0};
        unsigned long long v[4], npc, pc;
        if (fscanf(f, "%llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &npc) != 5 ||
            npc > DRIP_ALLOC_MAX_FRAMES)
            goto cleanup;
        st.objects = (double)v[0], st.bytes = (double)v[1];
        st.live_objects = (double)v[2], st.live_bytes = (double)v[3];
        st.npc = (int)npc;
        for (int k = 0; k < st.npc; k++) {
            if (fscanf(f, "%llx", &pc) != 1)
                goto cleanup;
            st.pc[k] = (void *)(uintptr_t)pc;
        }
        size_t j = 0;                                 /* the same stack: one entry */
        while (j < s->n && (s->sites[j].npc != st.npc ||
                            memcmp(s->sites[j].pc, st.pc, (size_t)st.npc * sizeof *st.pc)))
            j++;
        if (j == s->n)
            s->sites[s->n++] = st;
        else {
            s->sites[j].objects += st.objects, s->sites[j].bytes += st.bytes;
            s->sites[j].live_objects += st.live_objects;
            s->sites[j].live_bytes += st.live_bytes;
        }
    }
    rc = 0;
cleanup:
    if (f)
        fclose(f);
    return rc;
}

int drip__program_snapshot(drip__program *p, uint64_t it, drip__psnap *s, char **why)
{
    drip_shm_header *h = p->shm;
    uint64_t req = ++p->prof_req, until = drip_now_ns() + SNAP_WAIT_NS;
    memset(s, 0, sizeof *s);
    __atomic_store_n(&h->prof_request, req, __ATOMIC_RELEASE);
    while (__atomic_load_n(&h->prof_done, __ATOMIC_ACQUIRE) != req) {
        if (drip_now_ns() >= until || !drip__program_alive(p)) {
            *why = xasprintf("the program did not write its allocation-site profile within "
                             "%.0f s", (double)SNAP_WAIT_NS / 1e9);
            return -1;
        }
        usleep(1000);
    }
    char *path = xasprintf("%s.%llu", p->prof_prefix, (unsigned long long)req);
    int rc = read_sites(path, s);
    if (rc < 0)
        *why = xasprintf("cannot read the program's allocation-site profile %s", path);
    unlink(path);
    free(path);
    s->iteration = it;
    s->taken = rc == 0;
    return rc;
}

void drip__psnap_free(drip__psnap *s)
{
    free(s->sites);
    memset(s, 0, sizeof *s);
}

/* ---- the program's files ----------------------------------------------------- */

/* The lowest page-aligned p_vaddr of path's PT_LOAD segments (0 for a PIE
 * or a shared library), or -1 when path is not a readable 64-bit ELF. */
static long long first_vaddr(const char *path)
{
    Elf64_Ehdr eh;
    long long low = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh &&
        memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64) {
        for (int i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize)) !=
                (ssize_t)sizeof ph)
                break;
            if (ph.p_type == PT_LOAD) {
                low = (long long)(ph.p_vaddr & ~(Elf64_Addr)0xfff);
                break;
            }
        }
    }
    close(fd);
    return low;
}

void drip__program_maps(drip__program *p)
{
    char path[64], line[4200];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)p->proc.pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f) && p->nmaps < MAPS_MAX) {
        unsigned long long start, end, off;
        int at = 0;
        if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &off, &at) < 3 ||
            !at || line[at] != '/' || off != 0)
            continue;                     /* the first mapping of each file */
        line[strcspn(line, "\n")] = '\0';
        long long low = first_vaddr(line + at);
        if (low < 0)
            continue;
        p->maps = xrealloc(p->maps, (p->nmaps + 1) * sizeof *p->maps);
        p->bias = xrealloc(p->bias, (p->nmaps + 1) * sizeof *p->bias);
        p->maps[p->nmaps] = xstrdup(line + at);
        p->bias[p->nmaps++] = start - (unsigned long long)low;
    }
    if (f)
        fclose(f);
}

/* ---- the result ------------------------------------------------------------------ */

/* The estimates of the stack st in snapshot s (zeros when absent). */
static const drip_alloc_site *find(const drip__psnap *s, const drip_alloc_site *st)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->sites[i].npc == st->npc &&
            !memcmp(s->sites[i].pc, st->pc, (size_t)st->npc * sizeof *st->pc))
            return &s->sites[i];
    return NULL;
}

/* One site of r's profile from the late stack st, named with sym. */
static void add_site(drip_profile_result *pr, drip_symbols *sym, const drip_alloc_site *st,
                     const drip_alloc_site *early)
{
    drip_frame fr[FRAMES_KEPT];
    int n = drip_symbols_site(sym, st->pc, st->npc, fr, FRAMES_KEPT);
    pr->sites = xrealloc(pr->sites, (pr->nsites + 1) * sizeof *pr->sites);
    drip_prof_site *s = &pr->sites[pr->nsites++];
    memset(s, 0, sizeof *s);
    s->early_bytes = early ? early->live_bytes : 0;
    s->early_objects = early ? early->live_objects : 0;
    s->late_bytes = st->live_bytes;
    s->late_objects = st->live_objects;
    s->alloc_bytes = st->bytes;
    s->alloc_objects = st->objects;
    s->frames = xcalloc((size_t)n + 1, sizeof *s->frames);
    int user = -1;
    for (int i = 0; i < n; i++) {
        s->frames[i] = (drip_prof_frame){xstrdup(fr[i].fn), xstrdup(fr[i].file), fr[i].line};
        if (user < 0 && fr[i].line > 0)
            user = i;                     /* the first frame with a source line: its own code */
    }
    s->nframes = (size_t)n;
    if (n > 0) {
        const drip_prof_frame *u = &s->frames[user < 0 ? 0 : user];
        s->user = (drip_prof_frame){xstrdup(u->fn), xstrdup(u->file), u->line};
    }
}

/* A late stack, its early estimates and its growth, for sorting. */
typedef struct ranked {
    const drip_alloc_site *late, *early;
    double growth;
} ranked;

/* Most grown first (late - early live bytes), then most allocated. */
static int by_growth(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->growth != y->growth)
        return x->growth > y->growth ? -1 : 1;
    return x->late->bytes > y->late->bytes ? -1 : x->late->bytes < y->late->bytes;
}

void drip__program_profile(drip__program *p, bool partial, drip_result *r)
{
    drip__psnap *e = &p->early, *l = &p->late;
    if (!e->taken || !l->taken)
        return;
    drip_symbols *sym = drip_symbols_open_files((const char *const *)p->maps, p->bias, p->nmaps);
    drip_profile_result *pr = &r->profile;
    pr->ran = true;
    pr->partial = partial;
    pr->mode = xstrdup("sampled");
    pr->rate = p->prof_rate;
    pr->early_iteration = e->iteration;
    pr->late_iteration = l->iteration;
    pr->stacks = l->n;
    pr->dropped = l->dropped;
    ranked *rk = xcalloc(l->n + 1, sizeof *rk);
    for (size_t i = 0; i < l->n; i++) {
        rk[i].late = &l->sites[i];
        rk[i].early = find(e, &l->sites[i]);
        rk[i].growth = l->sites[i].live_bytes - (rk[i].early ? rk[i].early->live_bytes : 0);
    }
    qsort(rk, l->n, sizeof *rk, by_growth);
    for (size_t i = 0; i < l->n && i < SITES_KEPT; i++)
        add_site(pr, sym, rk[i].late, rk[i].early);
    free(rk);
    drip_symbols_close(sym);
}
