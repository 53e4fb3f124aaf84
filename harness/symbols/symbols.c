/* symbols.c - capture stacks with libunwind, name them with libdwfl. */
#define _GNU_SOURCE
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#define UNW_LOCAL_ONLY             /* this process's stacks only: the _UL* unwinder */
#include <libunwind.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct drip_symbols {
    Dwfl *dwfl;
};

/* The text of path after its last '/' (all of it when there is none): a
 * pointer into path.  (harness/util's drip_path_base; this module does not
 * link util.) */
static const char *last_part(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int drip_stack_walk(void **pcs, int max)
{
    return unw_backtrace(pcs, max);
}

/* The cursor at the interrupted frame.  On x86-64 libunwind's context is
 * the ucontext the kernel gave the handler: start there.  Elsewhere unwind
 * the handler's own frames until the frame libunwind marks as a signal
 * frame: the interrupted one (its caller is the kernel's trampoline). */
static int cursor_at_fault(unw_cursor_t *cur, void *ucontext)
{
#if defined(__x86_64__)
    if (ucontext)
        return unw_init_local2(cur, (unw_context_t *)ucontext, UNW_INIT_SIGNAL_FRAME);
#endif
    static unw_context_t uc;                 /* only the crash handler gets here, once */
    if (unw_getcontext(&uc) != 0 || unw_init_local(cur, &uc) != 0)
        return -1;
    for (int guard = 0; unw_is_signal_frame(cur) <= 0; guard++)
        if (guard > 32 || unw_step(cur) <= 0)
            return -1;
    return 0;
}

int drip_stack_walk_signal(void *ucontext, void **pcs, int max)
{
    unw_cursor_t cur;
    if (cursor_at_fault(&cur, ucontext) != 0)
        return 0;
    int n = 0;
    do {                                      /* the faulting frame, then its callers */
        unw_word_t ip;
        if (unw_get_reg(&cur, UNW_REG_IP, &ip) != 0)
            break;
        pcs[n++] = (void *)(uintptr_t)ip;
    } while (n < max && unw_step(&cur) > 0);
    return n;
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

static const Dwfl_Callbacks file_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

drip_symbols *drip_symbols_open_files(const char *const *paths, const unsigned long long *bias,
                                      size_t n)
{
    drip_symbols *sym = calloc(1, sizeof *sym);
    if (!sym)
        return NULL;
    sym->dwfl = dwfl_begin(&file_callbacks);
    if (!sym->dwfl) {
        free(sym);
        return NULL;
    }
    dwfl_report_begin(sym->dwfl);
    size_t reported = 0;
    for (size_t i = 0; i < n; i++) {
        if (dwfl_report_elf(sym->dwfl, last_part(paths[i]), paths[i], -1,
                            (GElf_Addr)bias[i], false))
            reported++;
    }
    if (dwfl_report_end(sym->dwfl, NULL, NULL) != 0 || !reported) {
        drip_symbols_close(sym);
        return NULL;
    }
    return sym;
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
        snprintf(buf, len, "%s (%s:%d)", name, last_part(file), line);
        return;
    }
    const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    const char *mbase = modname ? last_part(modname) : "?";
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
    /* src/alloc names every function of its own drip__alloc_* (inlined
     * ones appear too: libdwfl names inline frames); alloc__ and track_
     * are the names it used before. */
    if (strncmp(fn, "drip__alloc_", 12) == 0 ||
        strncmp(fn, "alloc__", 7) == 0 || strncmp(fn, "track_", 6) == 0 ||
        strncmp(fn, "malloc_", 7) == 0)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(fn, names[i]) == 0)
            return true;
    return false;
}

/* The base name of a path, copied into out. */
static void set_base(char *out, size_t len, const char *path)
{
    snprintf(out, len, "%s", last_part(path));
}

/* Name pc into up to max frames: the functions inlined at pc, innermost
 * first, then the function they were inlined into (each with the line it
 * is at: the source line for the innermost, the call line for the
 * others).  Returns how many frames (at least 1). */
static int name_frames(drip_symbols *sym, void *pc, drip_frame *out, int max)
{
    drip_frame *f = &out[0];
    memset(f, 0, sizeof *f);
    f->pc = pc;
    Dwarf_Addr addr = (Dwarf_Addr)(uintptr_t)pc;
    if (addr > 0)
        addr -= 1;                       /* inside the call, not after it */
    Dwfl_Module *mod = sym ? dwfl_addrmodule(sym->dwfl, addr) : NULL;
    if (!mod)
        return 1;
    GElf_Off off = 0;
    GElf_Sym es;
    const char *name = dwfl_module_addrinfo(mod, addr, &off, &es, NULL, NULL, NULL);
    if (name)
        snprintf(f->fn, sizeof f->fn, "%s", name);
    Dwfl_Line *dl = dwfl_module_getsrc(mod, addr);
    const char *file = dl ? dwfl_lineinfo(dl, NULL, &f->line, NULL, NULL, NULL) : NULL;
    if (!file)
        file = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    if (file)
        set_base(f->file, sizeof f->file, file);

    /* Inlined calls: DWARF scopes at addr, innermost first. */
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
    Dwarf_Die *scopes = NULL;
    int nscopes = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (cu && dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
        files = NULL;
    int n = 1;
    for (int i = 0; i < nscopes && n < max; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_inlined_subroutine)
            continue;
        /* scopes[i] is a function inlined into the next enclosing
         * function scope: the frame so far is named after it, and the
         * caller's frame is at its call site. */
        const char *inl = dwarf_diename(&scopes[i]);
        if (inl)
            snprintf(out[n - 1].fn, sizeof out[n - 1].fn, "%s", inl);
        Dwarf_Attribute at;
        Dwarf_Word call_line = 0, call_file = 0;
        dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &at), &call_line);
        dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &at), &call_file);
        drip_frame *caller = &out[n++];
        memset(caller, 0, sizeof *caller);
        caller->pc = pc;
        caller->line = (int)call_line;
        const char *cf = files && call_file < nfiles ? dwarf_filesrc(files, call_file, NULL, NULL)
                                                     : NULL;
        set_base(caller->file, sizeof caller->file, cf ? cf : out[0].file);
        for (int j = i + 1; j < nscopes; j++) {        /* the enclosing function */
            int t = dwarf_tag(&scopes[j]);
            if (t == DW_TAG_inlined_subroutine || t == DW_TAG_subprogram) {
                const char *outer = dwarf_diename(&scopes[j]);
                snprintf(caller->fn, sizeof caller->fn, "%s", outer ? outer : (name ? name : ""));
                break;
            }
        }
        if (!caller->fn[0] && name)
            snprintf(caller->fn, sizeof caller->fn, "%s", name);
    }
    free(scopes);
    return n;
}

int drip_symbols_site(drip_symbols *sym, void *const *pcs, int npc, drip_frame *out, int max)
{
    int n = 0;
    bool in_site = sym == NULL;       /* without names nothing can be skipped */
    for (int i = 0; i < npc && n < max; i++) {
        drip_frame named[8];
        int k = name_frames(sym, pcs[i], named, 8);
        for (int j = 0; j < k && n < max; j++) {
            const char *fn = named[j].fn;
            if (!in_site && (is_allocator(fn) || !fn[0]))
                continue;                /* still inside malloc & co. */
            in_site = true;
            if (strcmp(fn, "trial") == 0 || strcmp(fn, "run_iterations") == 0)
                return n;                /* the harness's loop that called iterate */
            named[j].pc = pcs[i];
            out[n++] = named[j];
        }
    }
    return n;
}

int drip_symbols_crash(drip_symbols *sym, void *const *pcs, int npc, drip_frame *out, int max)
{
    int n = 0;
    for (int i = 0; i < npc && n < max; i++) {
        drip_frame named[8];
        /* name_frames names the call before a return address: the faulting
         * instruction itself is one byte further on */
        void *pc = i == 0 && pcs[0] ? (void *)((uintptr_t)pcs[0] + 1) : pcs[i];
        int k = name_frames(sym, pc, named, 8);
        for (int j = 0; j < k && n < max; j++) {
            const char *fn = named[j].fn;
            if (strcmp(fn, "run_iterations") == 0 || strcmp(fn, "trial") == 0 ||
                strcmp(fn, "start_thread") == 0 || strncmp(fn, "clone", 5) == 0)
                return n;
            named[j].pc = pcs[i];
            out[n++] = named[j];
        }
    }
    return n;
}

int drip_symbols_stack(drip_symbols *sym, void *const *pcs, int npc, int depth, char *buf,
                       size_t len)
{
    drip_frame frames[DRIP_SYMBOLS_MAX_DEPTH];
    if (depth > DRIP_SYMBOLS_MAX_DEPTH)
        depth = DRIP_SYMBOLS_MAX_DEPTH;
    int n = drip_symbols_site(sym, pcs, npc, frames, depth);
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    int written = 0;
    for (int i = 0; i < n; i++) {
        char text[320];
        const drip_frame *f = &frames[i];
        if (f->fn[0] && f->line)
            snprintf(text, sizeof text, "%s (%s:%d)", f->fn, f->file, f->line);
        else if (f->fn[0])
            snprintf(text, sizeof text, "%s (%s)", f->fn, f->file[0] ? f->file : "?");
        else
            snprintf(text, sizeof text, "%p", f->pc);
        int k = snprintf(buf + used, len > used ? len - used : 0, "%s%s", i ? " < " : "", text);
        if (k < 0 || (size_t)k >= len - used)
            break;
        used += (size_t)k;
        written++;
    }
    return written;
}
