/* alloc_core.h - private to src/alloc: what the core (alloc.c: the malloc
 * family and the counters) offers the files built on it.
 *
 * The arrows point one way.  alloc_track.c (tracking and profiling)
 * includes this header and uses the core; the core never names anything of
 * alloc_track.c.  It reaches an extension only through the hooks below
 * (drip__alloc_ext), which the extension installs when it starts.  libc
 * only, like every file here; nothing declared here may call malloc.
 *
 * Names (docs/ALLOCATOR.md, "Names in src/alloc"): everything an internal
 * header declares is drip__alloc_* (functions, objects, types, inline
 * helpers) or ALLOC_* (macros); file-local names carry no prefix.
 */
#ifndef DRIP_ALLOC_CORE_H
#define DRIP_ALLOC_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "preload_shm.h"

#define ALLOC_HIDDEN __attribute__((visibility("hidden")))
#define ALLOC_API    __attribute__((visibility("default")))   /* the malloc family: always
                                                               * exported, to interpose */

#define ALLOC_LIKELY(x)   __builtin_expect(!!(x), 1)
#define ALLOC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ALLOC_SLOW        __attribute__((noinline, cold))
/* Thread-locals: local-exec (one instruction) when this file is built into
 * an executable, as the drip_alloc object library is; initial-exec, which
 * also works in a preloaded shared object, otherwise. */
#ifdef DRIP_ALLOC_IN_EXECUTABLE
#define ALLOC_TLS   __thread __attribute__((tls_model("local-exec")))
#else
#define ALLOC_TLS   __thread __attribute__((tls_model("initial-exec")))
#endif

/* glibc's own allocator, exported under these names since 2.2.5.  They are
 * aliases of glibc's malloc, free, ..., so valgrind's replacements (which it
 * installs by address in libc.so) take effect underneath us too. */
#if defined(__has_attribute) && __has_attribute(noplt)
#define ALLOC_NOPLT __attribute__((noplt))   /* call through the GOT: one jump less */
#else
#define ALLOC_NOPLT
#endif
extern void *__libc_malloc(size_t size) ALLOC_NOPLT;
extern void *__libc_calloc(size_t n, size_t size) ALLOC_NOPLT;
extern void *__libc_realloc(void *ptr, size_t size) ALLOC_NOPLT;
extern void  __libc_free(void *ptr) ALLOC_NOPLT;
extern void *__libc_memalign(size_t align, size_t size) ALLOC_NOPLT;

/* ---- the block header ------------------------------------------------------ */

/* The second word is one 64-bit store on malloc's fast path and one
 * compare on free's: a magic below 2^31 with extra 0 is an immediate the
 * instruction takes whole (x86-64 sign-extends 32-bit immediates), and
 * "counted, header right before the user pointer" is one word. */
typedef struct drip__alloc_hdr {
    uint64_t size;            /* size the caller asked for */
    union {
        struct {
            uint32_t magic;   /* ALLOC_COUNTED, ALLOC_UNCOUNTED, ALLOC_TRACKED */
            uint32_t extra;   /* user pointer - glibc block start - 16: 0, or
                               * more for over-aligned and tracked blocks */
        };
        uint64_t word;        /* magic | extra << 32 */
    };
} drip__alloc_hdr;

_Static_assert(sizeof(drip__alloc_hdr) == 16, "the header is 16 bytes");

#define ALLOC_HDR         ((size_t)sizeof(drip__alloc_hdr))
#define ALLOC_MALLOC_ALIGN ((size_t)16)        /* glibc's MALLOC_ALIGNMENT on x86_64 */
#define ALLOC_MAX_OFFSET  ((size_t)1 << 31)    /* largest alignment the header takes */
#define ALLOC_COUNTED     0x541bc0deu          /* magics stay below 2^31 */
#define ALLOC_UNCOUNTED   0x541bf4eeu
#define ALLOC_TRACKED     0x541b7ac3u          /* counted, and on an extension's books */
#define ALLOC_CACHED      0x541bcac4u          /* freed, held in a thread's cache */
#define ALLOC_FREED       0x541bdeadu          /* debug builds only */

static inline drip__alloc_hdr *drip__alloc_hdr_of(void *user)
{
    return (drip__alloc_hdr *)user - 1;
}

/* Where glibc's block starts: the user pointer minus this. */
static inline size_t drip__alloc_offset(const drip__alloc_hdr *h)
{
    return ALLOC_HDR + h->extra;
}

/* ---- mode: counting or pass-through (alloc_counters.c) ---------------------- */

enum { ALLOC_MODE_UNDECIDED = 0, ALLOC_MODE_COUNT, ALLOC_MODE_OFF };

extern _Atomic int drip__alloc_mode ALLOC_HIDDEN;

/* Decide the mode on the first call of any function (DRIP_ALLOC=off, or a
 * malloc that is not ours underneath: valgrind); returns it. */
int drip__alloc_mode_decide(void) ALLOC_HIDDEN;

/* Set to 1 by the valgrind probe, to 2 by our malloc_usable_size(NULL). */
extern ALLOC_TLS unsigned char drip__alloc_t_probe ALLOC_HIDDEN;

/* true when every call must go straight to glibc. */
static inline bool drip__alloc_passthrough(void)
{
    int mode = atomic_load_explicit(&drip__alloc_mode, memory_order_relaxed);
    if (ALLOC_LIKELY(mode == ALLOC_MODE_COUNT))
        return false;
    if (mode == ALLOC_MODE_UNDECIDED)
        mode = drip__alloc_mode_decide();
    return mode == ALLOC_MODE_OFF;
}

/* ---- counters: per-thread slots ---------------------------------------------- */

#define ALLOC_SLOTS 4096

typedef struct drip__alloc_slot {
    _Atomic uint64_t bytes;   /* live bytes delta (two's complement) */
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    _Atomic int      in_use;  /* claimed by a live thread */
    void *_Atomic    ext;     /* an extension's data for the slot's threads
                               * (alloc_track.c: its tracking shard), kept
                               * with the slot */
} __attribute__((aligned(64))) drip__alloc_slot;

/* Every counter of the process in one page-aligned block laid out as
 * preload_shm.h says: a header (the fallback counters, the slots' high
 * mark, the peak) and the slots.  The preloaded build maps a shared file
 * over it, at the same address, when DRIP_PRELOAD_SHM asks (preload.c);
 * nothing else changes.  The header's words are accessed with __atomic
 * builtins (they are plain in the shared layout). */
typedef struct drip__alloc_counters {
    drip_shm_header  hdr;
    char             pad_[DRIP_SHM_HEADER_SIZE - sizeof(drip_shm_header)];
    drip__alloc_slot slots[ALLOC_SLOTS];
} __attribute__((aligned(4096))) drip__alloc_counters;

extern drip__alloc_counters drip__alloc_ctr ALLOC_HIDDEN;

_Static_assert(ALLOC_SLOTS == DRIP_SHM_SLOTS, "one slot array");
_Static_assert(sizeof(drip__alloc_counters) == DRIP_SHM_SIZE, "the shared layout");
_Static_assert(offsetof(drip__alloc_slot, bytes) == offsetof(drip_shm_slot, bytes) &&
               offsetof(drip__alloc_slot, allocs) == offsetof(drip_shm_slot, allocs) &&
               offsetof(drip__alloc_slot, frees) == offsetof(drip_shm_slot, frees) &&
               offsetof(drip__alloc_slot, in_use) == offsetof(drip_shm_slot, in_use) &&
               sizeof(drip__alloc_slot) == sizeof(drip_shm_slot), "a slot as shared");

enum { ALLOC_T_NEW = 0, ALLOC_T_REGISTERING, ALLOC_T_SLOT, ALLOC_T_GLOBAL };

/* Zero-initialised for every new thread: counting on, no slot yet. */
typedef struct drip__alloc_self {
    drip__alloc_slot *fast; /* slot if counting is on, else NULL: the hot path.
                             * Non-NULL implies counting mode (slots are only
                             * claimed in counting mode). */
    drip__alloc_slot *slot; /* non-NULL exactly when state == ALLOC_T_SLOT */
    unsigned char off;      /* counting turned off (zero means on) */
    unsigned char state;    /* ALLOC_T_* */
    unsigned char in_hook;  /* inside a hook or a stack walk: its allocations
                             * are plain (never failed, tracked or sampled) */
    unsigned char sample_drawn; /* an extension drew sample_left since the
                                 * thread started or counting came on */
    int64_t  sample_left;   /* bytes before the extension is asked again (see
                             * drip__alloc_charge) */
    void    *entry_frame;   /* while the extension is asked: the frame of the
                             * malloc-family function asking (drip_alloc_walk_from) */
    int64_t  peak_mark;     /* DRIP_ALLOC_PEAK: the slot's bytes at the last check */
} drip__alloc_self;

extern ALLOC_TLS drip__alloc_self drip__alloc_t_self ALLOC_HIDDEN;

/* ---- the per-thread cache of freed blocks ---------------------------------- */

/* Freed counted blocks of the common layout (header right before the user
 * pointer, the ALLOC_COUNTED word) and of small sizes wait here for the
 * next malloc of their class instead of going back to glibc; malloc and
 * free then never call glibc.  A class is glibc's chunk size for a block
 * of that requested size plus the header, in 16-byte units: every block
 * of class c holds any request of class c.  At most ALLOC_CACHE_DEPTH
 * blocks a class and ALLOC_CACHE_CLASSES - 2 classes (requests up to
 * ALLOC_CACHE_MAX_SIZE bytes), as glibc's own tcache holds: 235 KiB a
 * thread at most (7 x the chunk sizes 32, 48, ... 1040).  A cached
 * block's header holds the next one's address (in size) and the
 * ALLOC_CACHED word.  The pthread key destructor gives them back.
 *
 * What makes a block fit its whole class is how it was asked for: every
 * block of the common layout and a cacheable size is requested with its
 * class's full capacity (drip__alloc_request), whatever the call (malloc,
 * calloc, realloc).  glibc rounds a request up to the same chunk anyway,
 * so that costs no memory; an allocator underneath that gives exact sizes
 * (valgrind's) is then safe too. */
#define ALLOC_CACHE_CLASSES  66                  /* 2 (32-byte chunks) .. 65 (1040) */
#define ALLOC_CACHE_DEPTH    7
#define ALLOC_CACHE_MAX_SIZE ((size_t)ALLOC_CACHE_CLASSES * 16 - 40)   /* 1016 */

typedef struct drip__alloc_cache {
    drip__alloc_hdr *head[ALLOC_CACHE_CLASSES];
    unsigned char    n[ALLOC_CACHE_CLASSES];
} drip__alloc_cache;

extern ALLOC_TLS drip__alloc_cache drip__alloc_t_cache ALLOC_HIDDEN;

/* The class of a request of size bytes (size + 16 + 8, glibc's chunk
 * overhead, rounded up to 16, in 16-byte units; 2 at least).  size must
 * be far from SIZE_MAX (malloc's fast path takes sizes below 2^63). */
static inline size_t drip__alloc_cache_class(size_t size)
{
    return (size + ALLOC_HDR + 8 + 15) >> 4;
}

/* What to ask glibc for a common-layout block of size bytes: the header
 * plus the size, or plus all its class holds when the size is cacheable. */
static inline size_t drip__alloc_request(size_t size)
{
    return size <= ALLOC_CACHE_MAX_SIZE ? drip__alloc_cache_class(size) * 16 - 8
                                        : size + ALLOC_HDR;
}

_Static_assert(ALLOC_CACHE_MAX_SIZE + 16 + 8 + 15 < ALLOC_CACHE_CLASSES * 16 &&
               ALLOC_CACHE_MAX_SIZE + 1 + 16 + 8 + 15 >= ALLOC_CACHE_CLASSES * 16,
               "ALLOC_CACHE_MAX_SIZE is the largest request of the last class");

/* Owner-only update: no other thread writes this slot.  On x86-64 it is
 * one unlocked add to memory (the compiler turns a relaxed load and store
 * into three instructions): readers need only see the old or the new value,
 * and an aligned 8-byte store is single-copy atomic there.  No lock prefix,
 * since no other thread writes the counter. */
static inline void drip__alloc_slot_add(_Atomic uint64_t *c, uint64_t delta)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__("addq %1, %0" : "+m"(*(uint64_t *)c) : "er"(delta));
#else
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + delta,
                          memory_order_relaxed);
#endif
}

/* drip__alloc_slot_add of -delta, one instruction shorter on x86-64. */
static inline void drip__alloc_slot_sub(_Atomic uint64_t *c, uint64_t delta)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__("subq %1, %0" : "+m"(*(uint64_t *)c) : "er"(delta));
#else
    drip__alloc_slot_add(c, -delta);
#endif
}

/* The peak of live bytes, kept only where it is asked for (the preloaded
 * build defines DRIP_ALLOC_PEAK; the executable's allocator does not pay
 * for it).  After an allocation is counted in slot s: when the slot holds
 * more than it did at the thread's last check, the process may be at a
 * new peak, and drip__alloc_peak_slow sums every slot.  Exact while one
 * thread allocates at a time; with threads allocating together, a lower
 * bound (a sum can rise while each slot stays under its own mark). */
void drip__alloc_peak_slow(const drip__alloc_slot *s) ALLOC_HIDDEN;

static inline void drip__alloc_peak(const drip__alloc_slot *s)
{
#ifdef DRIP_ALLOC_PEAK
    if (ALLOC_UNLIKELY((int64_t)atomic_load_explicit(&s->bytes, memory_order_relaxed) >
                       drip__alloc_t_self.peak_mark))
        drip__alloc_peak_slow(s);
#else
    (void)s;
#endif
}

/* Count an operation off the fast path: claims a slot for a new thread,
 * or uses the global fallback.  Never fails. */
void drip__alloc_count_slow(uint64_t bytes, uint64_t allocs, uint64_t frees) ALLOC_HIDDEN;

/* Write the header of a fresh glibc block and count it if this thread
 * counts.  real is glibc's pointer; returns the user pointer, real + offset. */
static inline void *drip__alloc_block_init(char *real, size_t offset, size_t size)
{
    char *user = real + offset;
    drip__alloc_hdr *h = drip__alloc_hdr_of(user);
    h->size = size;
    h->extra = (uint32_t)(offset - ALLOC_HDR);
    drip__alloc_slot *s = drip__alloc_t_self.fast;
    if (ALLOC_LIKELY(s)) {                      /* counting, slot claimed */
        h->magic = ALLOC_COUNTED;
        drip__alloc_slot_add(&s->bytes, size);
        drip__alloc_slot_add(&s->allocs, 1);
        drip__alloc_peak(s);
    } else if (!drip__alloc_t_self.off) {       /* counting, no slot yet */
        h->magic = ALLOC_COUNTED;
        drip__alloc_count_slow(size, 1, 0);
    } else {
        h->magic = ALLOC_UNCOUNTED;
    }
    return user;
}

/* Count the free of a counted block of size bytes, as free does. */
static inline void drip__alloc_count_free(uint64_t size)
{
    drip__alloc_slot *s = drip__alloc_t_self.fast;
    if (ALLOC_LIKELY(s)) {
        drip__alloc_slot_sub(&s->bytes, size);
        drip__alloc_slot_add(&s->frees, 1);
    } else {
        drip__alloc_count_slow(-size, 0, 1);
    }
}

/* ---- extensions ------------------------------------------------------------- */

/* The sampling count-down.  Every counted allocation of a thread outside
 * a hook takes its size off the thread's sample_left; when that reaches
 * zero or below, the installed extension is asked (drip__alloc_ext.alloc)
 * and re-arms it.  A new thread, and a thread whose counting was just
 * switched on, start at zero with sample_drawn clear: their first
 * allocation asks.  Without an extension the core re-arms it to
 * ALLOC_SAMPLE_NEVER. */
#define ALLOC_SAMPLE_NEVER (INT64_MAX / 2)

/* An extension of the core: tracking and profiling (alloc_track.c). */
typedef struct drip__alloc_ext {
    /* Asked, for a counted allocation of size bytes (zeroed when zero) by a
     * thread outside a hook, when the thread's count-down has run out (the
     * size is already taken off) or when the extension asked to see every
     * allocation.  Returns true when it made the allocation itself (*out:
     * the block, with the ALLOC_TRACKED magic, or NULL with errno set),
     * false to let the core allocate as usual. */
    bool (*alloc)(size_t size, bool zero, void **out);
    /* free or realloc of a block with the ALLOC_TRACKED magic: off the
     * extension's books.  Afterwards the header says ALLOC_COUNTED and the
     * core counts the free as of an ordinary counted block; it releases the
     * block too unless this returns true: the extension kept the memory
     * (in the thread's cache), and the core marks the header ALLOC_CACHED. */
    bool (*release)(void *user, drip__alloc_hdr *h);
    /* realloc to size bytes (non-zero, not too large; failure injection
     * asked already) of a block with the ALLOC_TRACKED magic, by a thread
     * outside a hook: true when the extension resized it itself, in place
     * where glibc can, counting it as one free and one allocation (*out:
     * the block, or NULL with errno set and the old block left as it
     * was); false to let the core move it. */
    bool (*resize)(void *user, drip__alloc_hdr *h, size_t size, void **out);
    /* alloc for malloc's fast path, whose count-down ran out (size taken
     * off; no fail hook to ask): the block, the extension's or one made
     * the core's way when it does not take it, or NULL with errno set. */
    void *(*malloc_due)(size_t size);
} drip__alloc_ext;

/* Install ext (static storage, never NULL) and say whether it wants to be
 * asked for every counted allocation (every) or only when a count-down runs
 * out.  Only one extension exists; installing it again changes `every`. */
void drip__alloc_ext_set(const drip__alloc_ext *ext, bool every) ALLOC_HIDDEN;

/* ---- the profiler's samples, as free sees them ----------------------------- */

/* A precise profile frees a sample on every free, so free takes a precise
 * sample off without leaving its fast path (alloc.c,
 * drip__alloc_free_sample) instead of asking the extension's release
 * hook: the core knows a sample's record and the live counts it is in.
 * The extension (alloc_track.c) makes the samples and owns the stacks'
 * entries that hold those counts.
 *
 *     [ drip__alloc_sample_rec ][ header: ALLOC_TRACKED, extra 16 ][ user bytes ]
 *
 * ALLOC_SAMPLE_WORD is that header's second word; no other block has it
 * (the sweep's records are larger, and over-aligned blocks are never
 * tracked). */

/* Fixed point of the weights kept per stack: 16 fractional bits.  A
 * precise sample (rate 1) stands for one object and its size. */
#define ALLOC_WEIGHT_ONE ((int64_t)1 << 16)

/* What a stack's live samples stand for, in ALLOC_WEIGHT_ONE units.  The
 * thread that owns the stack's entry (its slot's ext is owner) updates
 * objects and bytes with plain one-instruction adds; other threads
 * freeing its samples subtract from remote_* atomically; readers sum. */
typedef struct drip__alloc_live {
    _Atomic uint64_t objects, bytes;
    _Atomic uint64_t remote_objects, remote_bytes;   /* negative */
    void *owner;                                     /* never NULL in an entry in use */
} drip__alloc_live;

typedef struct drip__alloc_sample_rec {
    drip__alloc_live *live;   /* its stack's; NULL when the table was full */
    uint32_t gen;             /* the profile it belongs to (drip__alloc_sample_gen) */
    uint32_t rate;            /* the mean interval it was sampled at: its weight */
} drip__alloc_sample_rec;

_Static_assert(sizeof(drip__alloc_sample_rec) == 16, "a sample's record is 16 bytes");

/* A freed sample's weights (wo objects, wb bytes) off its stack's live
 * counts: plainly by the entry's owning thread (own), atomically into
 * remote_* by any other.  The one rule for free's fast path (alloc.c)
 * and the release hook (alloc_track.c). */
static inline void drip__alloc_live_sub(drip__alloc_live *l, bool own, uint64_t wo, uint64_t wb)
{
    if (own) {
        drip__alloc_slot_sub(&l->objects, wo);
        drip__alloc_slot_sub(&l->bytes, wb);
    } else {
        atomic_fetch_sub_explicit(&l->remote_objects, wo, memory_order_relaxed);
        atomic_fetch_sub_explicit(&l->remote_bytes, wb, memory_order_relaxed);
    }
}

#define ALLOC_SAMPLE_OFF  (sizeof(drip__alloc_sample_rec) + ALLOC_HDR)
#define ALLOC_SAMPLE_WORD ((uint64_t)ALLOC_TRACKED | (uint64_t)sizeof(drip__alloc_sample_rec) << 32)
/* Samples up to this size go through the thread's cache: a sample's
 * record and header are a common block's header and first user bytes,
 * so its block belongs to the class of its size plus the record
 * (alloc_track.c, "Samples and the thread's cache"). */
#define ALLOC_SAMPLE_CACHE_MAX (ALLOC_CACHE_MAX_SIZE - sizeof(drip__alloc_sample_rec))

/* The running profile's generation: a new one each start (the extension
 * moves it); samples of older ones are off the books, their frees take
 * nothing off. */
extern _Atomic uint32_t drip__alloc_sample_gen ALLOC_HIDDEN;

#endif /* DRIP_ALLOC_CORE_H */
