/* symbols.c - capture stacks with libunwind, name them with libdwfl. */
#define _GNU_SOURCE
#include "symbols.h"

#include <elfutils/libdwfl.h>
#include <libunwind.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct drip_symbols {
    Dwfl *dwfl;
};

int drip_stack_walk(void **pcs, int max)
{
    return unw_backtrace(pcs, max);
}

static const Dwfl_Callbacks proc_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

drip_symbols *drip_symbols_open(void)
{
    drip_symbols *sym = calloc(1, sizeof *sym);
    if (!sym)
        return NULL;
    sym->dwfl = dwfl_begin(&proc_callbacks);
    if (!sym->dwfl)
        goto fail;
    if (dwfl_linux_proc_report(sym->dwfl, getpid()) != 0)
        goto fail;
    if (dwfl_report_end(sym->dwfl, NULL, NULL) != 0)
        goto fail;
    return sym;
fail:
    if (sym->dwfl)
        dwfl_end(sym->dwfl);
    free(sym);
    return NULL;
}

void drip_symbols_close(drip_symbols *sym)
{
    if (!sym)
        return;
    dwfl_end(sym->dwfl);
    free(sym);
}

void drip_symbols_frame(drip_symbols *sym, void *pc, char *buf, size_t len, char *fn,
                        size_t fnlen)
{
    Dwarf_Addr addr = (Dwarf_Addr)(uintptr_t)pc;
    if (addr > 0)
        addr -= 1;                       /* inside the call, not after it */
    if (fn && fnlen)
        fn[0] = '\0';
    Dwfl_Module *mod = sym ? dwfl_addrmodule(sym->dwfl, addr) : NULL;
    if (!mod) {
        snprintf(buf, len, "%p", pc);
        return;
    }
    GElf_Off off = 0;
    GElf_Sym es;
    const char *name = dwfl_module_addrinfo(mod, addr, &off, &es, NULL, NULL, NULL);
    if (name && fn && fnlen)
        snprintf(fn, fnlen, "%s", name);

    int line = 0;
    const char *file = NULL;
    Dwfl_Line *dl = dwfl_module_getsrc(mod, addr);
    if (dl)
        file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
    if (name && file) {
        const char *base = strrchr(file, '/');
        snprintf(buf, len, "%s (%s:%d)", name, base ? base + 1 : file, line);
        return;
    }
    const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    const char *mbase = modname ? strrchr(modname, '/') : NULL;
    mbase = mbase ? mbase + 1 : modname ? modname : "?";
    if (name)
        snprintf(buf, len, "%s+0x%llx (%s)", name, (unsigned long long)off, mbase);
    else
        snprintf(buf, len, "%p (%s)", pc, mbase);
}

/* Functions that belong to the allocation itself, not to its site. */
static bool is_allocator(const char *fn)
{
    static const char *const names[] = {
        "malloc", "calloc", "realloc", "reallocarray", "free", "strdup", "strndup",
        "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc",
        "drip_stack_walk", "unw_backtrace", "_ULx86_64_step", "__strdup", "__strndup",
    };
    if (!fn[0])
        return false;
    if (strncmp(fn, "alloc__", 7) == 0 || strncmp(fn, "track_", 6) == 0 ||
        strncmp(fn, "malloc_", 7) == 0)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(fn, names[i]) == 0)
            return true;
    return false;
}

int drip_symbols_stack(drip_symbols *sym, void *const *pcs, int npc, int depth, char *buf,
                       size_t len)
{
    size_t used = 0;
    int written = 0;
    bool in_site = sym == NULL;       /* without names nothing can be skipped */
    if (len)
        buf[0] = '\0';
    for (int i = 0; i < npc && written < depth; i++) {
        char frame[256], fn[128];
        drip_symbols_frame(sym, pcs[i], frame, sizeof frame, fn, sizeof fn);
        if (!in_site && (is_allocator(fn) || !fn[0]))
            continue;                    /* still inside malloc & co. */
        in_site = true;
        if (strcmp(fn, "trial") == 0 || strcmp(fn, "run_iterations") == 0)
            break;                       /* the harness's loop that called iterate */
        int n = snprintf(buf + used, len > used ? len - used : 0, "%s%s",
                         written ? " < " : "", frame);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
        written++;
    }
    return written;
}
