/* symbols.h - stacks of this process: capture cheaply, name later.
 *
 * Capture (drip_stack_walk) runs inside the allocator's tracking hook, so it
 * never calls malloc: it is libunwind's unw_backtrace, which unwinds with
 * the DWARF call-frame information every Debian binary carries, frame
 * pointers or not.  Naming (drip_symbols_*) runs afterwards, outside any
 * hook: elfutils' libdwfl maps each address to its module, function and,
 * where debug information exists, source file and line.
 */
#ifndef DRIP_SYMBOLS_H
#define DRIP_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

/* Fill pcs with at most max return addresses of the calling thread,
 * innermost first; returns how many.  Never allocates; async-signal-safe
 * as far as libunwind's local unwinder is.  Fits drip_alloc_backtrace_fn. */
int drip_stack_walk(void **pcs, int max);

/* For a signal handler (SIGSEGV & co.) given its third argument (the
 * ucontext; NULL works too, by unwinding the handler's own frames): fill
 * pcs with at most max addresses of the interrupted thread's stack, the
 * faulting instruction first, then return addresses outward.  Returns how
 * many (0 when the interrupted frame is not found).  Never allocates;
 * async-signal-safe as far as libunwind's local unwinder is (documented
 * to be, for unw_init_local2 and unw_step). */
int drip_stack_walk_signal(void *ucontext, void **pcs, int max);

/* The same, at about the cost of a frame-pointer walk: the unwind rule at
 * each return address is learnt once from libunwind (one frame's DWARF
 * step) and kept in a table shared by all threads, so code without frame
 * pointers (glibc, zlib, plugins built without -fno-omit-frame-pointer)
 * is walked through, not skipped.  Ends at the outermost frame, or early
 * at a frame it cannot unwind (a signal frame).  Never allocates but
 * once a thread (pthread_getattr_np: run it where allocations are plain,
 * as the allocator's walker hook is); thread-safe.  walk.c.  Fits
 * drip_alloc_backtrace_fn; meant for precise profiles. */
int drip_stack_walk_fast(void **pcs, int max);

/* drip_stack_walk_fast that also gives the tag of the remembered walk
 * that found the stack (drip_alloc_tagged_walk_fn, alloc.h): a precise
 * profile keeps each stack's entry there, and a stack walked again finds
 * it without the frames being copied or compared.  walk.c. */
struct drip_alloc_walk_tag;
int drip_stack_walk_fast_tagged(void **pcs, int max, void *from,
                                struct drip_alloc_walk_tag **tag);

typedef struct drip_symbols drip_symbols;

#define DRIP_SYMBOLS_MAX_DEPTH 24

/* Open the symbol tables of the modules loaded in this process now (the
 * executable, shared libraries, dlopen'd plugins).  NULL when libdwfl
 * cannot read them; drip_symbols_frame then still gives raw addresses. */
drip_symbols *drip_symbols_open(void);
void drip_symbols_close(drip_symbols *sym);

/* The symbol tables of files mapped in ANOTHER process (a worker that
 * crashed): paths[i] loaded with load bias bias[i] (dl_iterate_phdr's
 * dlpi_addr), so that its addresses name as they would there.  Files that
 * cannot be read are left out.  NULL when none can, or libdwfl fails. */
drip_symbols *drip_symbols_open_files(const char *const *paths, const unsigned long long *bias,
                                      size_t n);

/* One frame as text into buf (always terminated):
 *   "iterate (sweep.c:31)"            function and source line
 *   "iterate+0x1c (libmine.so)"       no line information
 *   "0x7f12deadbeef"                  nothing known
 * `pc` is a return address (as a stack walk gives it): the call
 * instruction before it is what gets named.  sym may be NULL.  Returns
 * the function's name (into fn, at most fnlen bytes, "" if unknown) so the
 * caller can skip frames by function. */
void drip_symbols_frame(drip_symbols *sym, void *pc, char *buf, size_t len, char *fn,
                        size_t fnlen);

/* One named frame of an allocating stack. */
typedef struct drip_frame {
    char fn[128];            /* function, or "" when unknown */
    char file[160];          /* source file's base name, or the module's; "" if unknown */
    int  line;               /* 0 when unknown */
    void *pc;
} drip_frame;

/* The allocating stack's frames from the first one that is not in the
 * allocator itself (malloc, calloc, realloc, strdup...) up to, not
 * including, the harness's own loop that called the workload, at most
 * max of them, into out.  Returns how many. */
int drip_symbols_site(drip_symbols *sym, void *const *pcs, int npc, drip_frame *out, int max);

/* A crash's stack named: pcs[0] is the faulting instruction itself (not a
 * return address), the others return addresses; inlined calls expanded;
 * it stops before the harness's loop that called the workload and before
 * the thread's start (start_thread, clone).  At most max frames into out;
 * returns how many.  Frames nothing is known of keep their pc. */
int drip_symbols_crash(drip_symbols *sym, void *const *pcs, int npc, drip_frame *out, int max);

/* The allocating stack as one line: frames from the first one that is not
 * in the allocator itself (malloc, calloc, realloc, strdup...), at most
 * `depth` of them, joined with " < " (callee < caller), into buf.  Returns
 * the number of frames written. */
int drip_symbols_stack(drip_symbols *sym, void *const *pcs, int npc, int depth, char *buf,
                       size_t len);

#endif /* DRIP_SYMBOLS_H */
