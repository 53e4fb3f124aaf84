/* walk.c - drip_stack_walk_fast: the calling thread's stack through code
 * with or without frame pointers, at about the cost of a frame-pointer
 * walk (symbols.h).
 *
 * A frame-pointer walk stops, or silently skips frames, in code built
 * without frame pointers: every Debian library (glibc, zlib, sqlite) and
 * plugins built as workload.h says.  A DWARF unwinder (libunwind) gets
 * those right but costs ~100 instructions a frame, far too much for
 * precise profiles, where every allocation is walked.  The unwind rule at
 * a return address never changes, though, and there are few of them: this
 * walker learns each one once - by asking libunwind to unwind one frame
 * from it and reading what it did - and keeps it in a table, so that
 * every later walk through that address is a lookup and some arithmetic.
 * A rule is one of:
 *
 *   FP    the function keeps a frame pointer: the caller's frame starts
 *         at rbp + 16, the return address is at rbp + 8, rbp was saved
 *         at rbp;
 *   SP    it does not: the caller's frame starts a fixed distance above
 *         the stack pointer at that call, the return address right below
 *         it, and rbp is either unchanged or saved at a fixed place;
 *   END   the outermost frame (libunwind finds no caller: _start, clone).
 *
 * Anything else (a signal frame, a rule libunwind cannot give or that
 * fits neither shape) ends the walk there.  So does a frame that is not on
 * the calling thread's stack (a fiber's, a signal's alternate stack): the
 * walker reads only that stack, and learns nothing from the others.  The
 * table is shared by every thread, lock-free (an entry is claimed by its
 * address with a CAS and published by a second store), mmap'd once and
 * never freed; when it is full, rules are derived again each time.
 *
 * Runs inside malloc (the allocator's hook flag makes any allocation in
 * here plain): libunwind's local unwinder does not call malloc, and the
 * one call that may (pthread_getattr_np, once a thread) is plain.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY                /* this process's stacks: libunwind's fast local API */
#include "symbols.h"

#include <libunwind.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "alloc.h"

enum { RULE_NONE = 0, RULE_FP = 1, RULE_SP = 2, RULE_END = 3, RULE_STOP = 4 };

/* A rule packed in 64 bits, never 0 (0: not known yet):
 * kind (bits 0-7) | rbp's place as an offset from the caller's frame
 * start, 0 if unchanged (bits 16-31, signed) | the caller's frame start
 * above the stack pointer (bits 32-63). */
static inline uint64_t rule_pack(unsigned kind, int32_t cfa_off, int16_t bp_off)
{
    return (uint64_t)kind | (uint64_t)(uint16_t)bp_off << 16 | (uint64_t)(uint32_t)cfa_off << 32;
}

static inline unsigned rule_kind(uint64_t r)  { return (unsigned)(r & 0xff); }
static inline int16_t  rule_bp_off(uint64_t r) { return (int16_t)(uint16_t)(r >> 16); }
static inline int32_t  rule_cfa_off(uint64_t r) { return (int32_t)(uint32_t)(r >> 32); }

/* ---- the table of rules ----------------------------------------------------- */

#define RULES_BITS  14
#define RULES       (1u << RULES_BITS)
#define RULE_PROBES 32

typedef struct rule_slot {
    _Atomic uintptr_t ip;       /* 0: free */
    _Atomic uint64_t  rule;     /* 0: being written */
} rule_slot;

static rule_slot *_Atomic g_rules;

static rule_slot *rules_table(void)
{
    rule_slot *t = atomic_load_explicit(&g_rules, memory_order_acquire);
    if (t)
        return t;
    void *m = mmap(NULL, RULES * sizeof(rule_slot), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    rule_slot *expected = NULL;
    if (!atomic_compare_exchange_strong(&g_rules, &expected, (rule_slot *)m)) {
        munmap(m, RULES * sizeof(rule_slot));   /* another thread's won */
        return expected;
    }
    return m;
}

static inline size_t rule_hash(uintptr_t ip)
{
    return (size_t)((ip * 0x9e3779b97f4a7c15ULL) >> (64 - RULES_BITS));
}

/* The rule known for ip, or 0. */
static inline uint64_t rule_find(rule_slot *t, uintptr_t ip)
{
    size_t h = rule_hash(ip);
    for (unsigned p = 0; p < RULE_PROBES; p++) {
        rule_slot *s = &t[(h + p) & (RULES - 1)];
        uintptr_t k = atomic_load_explicit(&s->ip, memory_order_acquire);
        if (k == ip)
            return atomic_load_explicit(&s->rule, memory_order_acquire);
        if (k == 0)
            return 0;
    }
    return 0;
}

static void rule_keep(rule_slot *t, uintptr_t ip, uint64_t rule)
{
    size_t h = rule_hash(ip);
    for (unsigned p = 0; p < RULE_PROBES; p++) {
        rule_slot *s = &t[(h + p) & (RULES - 1)];
        uintptr_t k = 0;
        if (atomic_compare_exchange_strong_explicit(&s->ip, &k, ip, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            atomic_store_explicit(&s->rule, rule, memory_order_release);
            return;
        }
        if (k == ip)
            return;                      /* another thread learnt it */
    }
}

/* In front of the table, each thread keeps the rules it used last in a
 * small direct-mapped cache: a walk through familiar code reads only its
 * own cache lines. */
#define NEAR_BITS 6
typedef struct near_rule {
    uintptr_t ip;
    uint64_t  rule;
} near_rule;
static __thread near_rule t_near[1u << NEAR_BITS];

static inline uint64_t rule_near(rule_slot *t, uintptr_t ip)
{
    near_rule *n = &t_near[(ip >> 2) & ((1u << NEAR_BITS) - 1)];
    if (n->ip == ip)
        return n->rule;
    uint64_t r = t ? rule_find(t, ip) : 0;
    if (r) {
        n->ip = ip;
        n->rule = r;
    }
    return r;
}

/* ---- learning a rule from libunwind ------------------------------------------ */

/* This thread's stack, [lo, hi) (the allocator's drip_alloc_stack_bounds,
 * kept here for the checks). */
static __thread uintptr_t t_lo, t_hi;

static bool stack_bounds(void)
{
    return t_hi || drip_alloc_stack_bounds(&t_lo, &t_hi);
}

static inline bool on_stack(uintptr_t a, size_t len)
{
    return a >= t_lo && a <= t_hi - len && (a & 7) == 0;
}

/* The rule at return address ip, for the frame whose stack pointer (just
 * after the call returned) is sp and whose rbp is bp: libunwind unwinds
 * that one frame, and the result says which shape it has.  RULE_NONE
 * (0, to be kept nowhere) when the frame or its caller's is not on this
 * thread's stack - a fiber's, a signal's alternate stack: there the
 * shape cannot be checked, and what was seen there must not stand as the
 * rule for every later walk through ip. */
static uint64_t rule_learn(uintptr_t ip, uintptr_t sp, uintptr_t bp)
{
    unw_context_t uc;
    unw_cursor_t c;
    if (!on_stack(sp, 8))
        return RULE_NONE;
    if (unw_getcontext(&uc) != 0)
        return rule_pack(RULE_STOP, 0, 0);
    uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(ip - 1);    /* the call: its CFI row */
    uc.uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
    uc.uc_mcontext.gregs[REG_RBP] = (greg_t)bp;
    if (unw_init_local(&c, &uc) < 0)
        return rule_pack(RULE_STOP, 0, 0);
    int r = unw_step(&c);
    if (r == 0)
        return rule_pack(RULE_END, 0, 0);
    unw_word_t nsp, nbp, nip;
    unw_save_loc_t loc;
    if (r < 0 || unw_get_reg(&c, UNW_REG_SP, &nsp) < 0 ||
        unw_get_reg(&c, UNW_X86_64_RBP, &nbp) < 0 || unw_get_reg(&c, UNW_REG_IP, &nip) < 0 ||
        nsp <= sp)
        return rule_pack(RULE_STOP, 0, 0);              /* a signal frame, or no rule */
    if (!on_stack(nsp - 8, 8))
        return RULE_NONE;                                /* the caller is elsewhere */
    if (*(uintptr_t *)(nsp - 8) != nip)
        return rule_pack(RULE_STOP, 0, 0);
    if (nsp == bp + 16 && on_stack(bp, 16) && *(uintptr_t *)bp == nbp)
        return rule_pack(RULE_FP, 0, 0);
    if (nsp - sp > INT32_MAX)
        return rule_pack(RULE_STOP, 0, 0);
    int32_t cfa_off = (int32_t)(nsp - sp);
    if (unw_get_save_loc(&c, UNW_X86_64_RBP, &loc) == 0 && loc.type == UNW_SLT_MEMORY &&
        loc.u.addr >= sp && loc.u.addr < nsp) {         /* saved in this frame */
        intptr_t off = (intptr_t)loc.u.addr - (intptr_t)nsp;
        if (off >= INT16_MIN && off < 0 && *(uintptr_t *)loc.u.addr == nbp)
            return rule_pack(RULE_SP, cfa_off, (int16_t)off);
        return rule_pack(RULE_STOP, 0, 0);
    }
    if (nbp == bp)
        return rule_pack(RULE_SP, cfa_off, 0);          /* rbp left alone */
    return rule_pack(RULE_STOP, 0, 0);
}

/* ---- remembered walks ------------------------------------------------------------ */

/* A precise profile walks the same few stacks over and over.  Each thread
 * remembers its recent walks, each under where it started (the frame,
 * its return address and rbp), with every stack word the walk read: its
 * address (above the start) and what it held.  A later walk from
 * the same start whose words all still hold the same values would read
 * exactly what that walk read - the rules never change once kept - and
 * so find the same frames: checking the words (two compares a frame)
 * replaces the walk (a lookup and a dozen compares a frame), and the
 * answer is the same as walking, never a guess.  A walk that had to learn
 * a rule is not remembered (its rule may not have been kept).  Each
 * remembered walk keeps a tag for its caller (alloc.h,
 * drip_alloc_walk_tag: a precise profile's entry for the stack), zeroed
 * when another walk is remembered in its place. */
#define MEMO_BITS 5
#define MEMO_WORDS (2 * DRIP_ALLOC_MAX_FRAMES)

typedef struct walk_memo {
    uintptr_t fp, ip, bp;              /* the start; fp 0: empty */
    int       max, n;                  /* the walk's limit and its frames */
    int       nword;
    const uintptr_t *at[MEMO_WORDS];   /* a word read: where (above fp) */
    uintptr_t val[MEMO_WORDS];         /* and its value */
    void     *pcs[DRIP_ALLOC_MAX_FRAMES];
    drip_alloc_walk_tag tag;           /* the caller's, for this walk (zeroed with it) */
} walk_memo;

static __thread walk_memo t_memo[1u << MEMO_BITS];

static inline walk_memo *memo_slot(uintptr_t fp, uintptr_t ip)
{
    return &t_memo[((ip ^ (fp >> 4)) * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS)];
}

/* Does every word m's walk read still hold its value?  (Only asked when
 * the walk starts at m's fp: the words' addresses are the same.) */
static inline bool memo_holds(const walk_memo *m)
{
    for (int i = 0; i < m->nword; i++)
        if (*m->at[i] != m->val[i])
            return false;
    return true;
}

/* Note that the walk read word *a (m NULL: not remembering). */
static inline uintptr_t memo_read(walk_memo *m, uintptr_t a)
{
    uintptr_t v = *(const uintptr_t *)a;
    if (m && m->nword < MEMO_WORDS) {
        m->at[m->nword] = (const uintptr_t *)a;
        m->val[m->nword++] = v;
    }
    return v;
}

/* ---- the walk ----------------------------------------------------------------- */

/* The walk from the frame at fp (return address ip, saved rbp bp) into
 * pcs; remembered in m when m is not NULL and nothing had to be learnt.
 * Out of line: the remembered walk's path stays short. */
__attribute__((noinline)) static int walk_from(void **pcs, int max, uintptr_t fp,
                                               uintptr_t ip, uintptr_t bp, walk_memo *m)
{
    rule_slot *table = rules_table();
    const uintptr_t lo = t_lo, hi = t_hi;
    uintptr_t sp = fp + 16;                      /* the caller's, after we return */
    int n = 0;
    if (m) {
        m->fp = m->nword = 0;
        m->tag.site = NULL;              /* whatever it named was another walk's */
        m->tag.check = 0;
    }
    while (n < max && ip) {
        pcs[n++] = (void *)ip;
        if (n == max)
            break;                       /* the caller's words are not needed: a walk cut
                                          * off at max reads 2 (max - 1) words at most,
                                          * and is remembered (MEMO_WORDS) */
        if (sp < lo)
            break;                       /* not the thread's stack (a fiber's, a signal's
                                          * alternate one): nothing read there; above
                                          * it, sp only grows, and every word read lies
                                          * in [sp, cfa), cfa <= hi */
        uint64_t rule = rule_near(table, ip);
        if (__builtin_expect(!rule, 0)) {
            rule = rule_learn(ip, sp, bp);
            if (table && rule)
                rule_keep(table, ip, rule);
            m = NULL;
        }
        uintptr_t cfa, bp_at;                      /* where the caller's rbp is, or 0 */
        unsigned kind = rule_kind(rule);
        if (kind == RULE_FP) {                     /* bp: this frame's, at or above sp */
            if (bp < sp)
                break;
            cfa = bp + 16;
            bp_at = bp;
        } else if (kind == RULE_SP) {
            cfa = sp + (uintptr_t)rule_cfa_off(rule);
            int16_t off = rule_bp_off(rule);       /* between sp and cfa (rule_learn) */
            bp_at = off ? cfa + (uintptr_t)(intptr_t)off : 0;
        } else {                                   /* END, STOP, NONE */
            break;
        }
        if (cfa <= sp || cfa > hi || (cfa & 7))
            break;                                 /* callers live above */
        uintptr_t nbp = bp_at ? memo_read(m, bp_at) : bp;
        ip = memo_read(m, cfa - 8);
        sp = cfa;
        bp = nbp;
    }
    if (m && m->nword < MEMO_WORDS && n > 0) {
        memcpy(m->pcs, pcs, (size_t)n * sizeof pcs[0]);
        m->n = n;
        m->max = max;
        m->fp = fp;
    }
    return n;
}

/* A walk not remembered, or no longer holding: walked and remembered in
 * m, its tag given (tag not NULL) when it was.  Out of line: the
 * remembered walk's path saves no registers for it. */
__attribute__((noinline)) static int walk_remember(void **pcs, int max, uintptr_t fp,
                                                   uintptr_t ip, uintptr_t bp, walk_memo *m,
                                                   drip_alloc_walk_tag **tag)
{
    m->ip = ip;
    m->bp = bp;
    int n = walk_from(pcs, max, fp, ip, bp, m);
    if (tag && m->fp == fp)              /* remembered (fp 0 when not) */
        *tag = &m->tag;
    return n;
}

/* The walk from fp, the frame of the function this is inlined into, or
 * from the allocator's entry frame above it (from, when it is one): a
 * remembered walk from the same start whose words still hold is the
 * answer (walk_memo); else the loop walks, keeping the stack's bounds in
 * registers: a frame costs a table lookup and a few compares.  tag NULL:
 * untagged (drip_stack_walk_fast); else drip_alloc_tagged_walk_fn's
 * contract.  The functions it is inlined into keep their frame to the
 * end (no tail call: the walk may read it). */
static inline __attribute__((always_inline)) int walk_fast(void **pcs, int max, uintptr_t fp,
                                                           uintptr_t from,
                                                           drip_alloc_walk_tag **tag)
{
    if (tag)
        *tag = NULL;
    if (max <= 0 || !stack_bounds())
        return 0;
    const uintptr_t hi = t_hi;
    if (from > fp && from <= hi - 16 && !(from & 7))       /* skip the allocator */
        fp = from;
    uintptr_t ip = ((uintptr_t *)fp)[1];
    uintptr_t bp = ((uintptr_t *)fp)[0];
    int n;
    if (max > DRIP_ALLOC_MAX_FRAMES) {
        n = walk_from(pcs, max, fp, ip, bp, NULL);
    } else {
        walk_memo *m = memo_slot(fp, ip);
        if (m->fp == fp && m->ip == ip && m->bp == bp && m->max == max && memo_holds(m)) {
            if (tag) {
                *tag = &m->tag;
                if (m->tag.site)         /* the caller knows these frames */
                    return m->n;
            }
            memcpy(pcs, m->pcs, (size_t)m->n * sizeof pcs[0]);
            return m->n;
        }
        n = walk_remember(pcs, max, fp, ip, bp, m, tag);
    }
    __asm__ volatile("" ::: "memory");   /* no tail call out of a frame the walk read */
    return n;
}

/* Never inlined and always with a frame pointer: the walk starts from this
 * function's own frame, whose shape is known. */
__attribute__((noinline, optimize("no-omit-frame-pointer")))
int drip_stack_walk_fast(void **pcs, int max)
{
    return walk_fast(pcs, max, (uintptr_t)__builtin_frame_address(0),
                     (uintptr_t)drip_alloc_walk_from(), NULL);
}

__attribute__((noinline, optimize("no-omit-frame-pointer")))
int drip_stack_walk_fast_tagged(void **pcs, int max, void *from, drip_alloc_walk_tag **tag)
{
    return walk_fast(pcs, max, (uintptr_t)__builtin_frame_address(0), (uintptr_t)from, tag);
}
