/* vgxml.h - valgrind memcheck's XML output (protocol 4) as a plain struct.
 *
 * A streaming parse (expat, fed in chunks from a FILE*): no DOM, no
 * globals, no threads.  The result is a value the caller owns and frees
 * with drip_vg_report_free().  docs/VALGRIND.md describes the XML and the
 * rules below at more length.
 *
 * Leak records are the <error>s whose <kind> is Leak_DefinitelyLost,
 * Leak_IndirectlyLost, Leak_PossiblyLost or Leak_StillReachable.  Their
 * <leakedbytes> counts a block's own bytes AND the bytes of the blocks only
 * it points to ("48 (16 direct, 32 indirect) bytes in 1 blocks are
 * definitely lost"), and those indirect blocks have their own
 * Leak_IndirectlyLost records.  The XML has no separate field for the
 * split: it is read from the record's <text>.  So:
 *
 *   leak.bytes          = the direct part (D of "(D direct, I indirect)"),
 *                         or all of <leakedbytes> when the text has no split
 *   leak.indirect_bytes = <leakedbytes> - leak.bytes
 *   leak.blocks         = <leakedblocks> (it counts direct blocks only)
 *   report.bytes[k]     = sum of leak.bytes over the records of kind k
 *   report.blocks[k]    = sum of leak.blocks over the records of kind k
 *
 * which equals valgrind's text LEAK SUMMARY, every byte counted once.  When
 * one run holds several leak searches (VALGRIND_DO_LEAK_CHECK), each is kept
 * as a drip_vg_search with its own totals; report.bytes/blocks are the last
 * one's.  A new search starts at a loss record number that does not increase,
 * or at the first record after a <clientmsg> (VALGRIND_PRINTF), whose text
 * becomes the search's label: a program marks its searches that way.  A
 * search with no records at all leaves no trace.  Kinds hidden by
 * --show-leak-kinds have no records and total 0.
 */
#ifndef DRIP_VGXML_H
#define DRIP_VGXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum drip_vg_kind {
    VG_DEFINITELY = 0,
    VG_INDIRECTLY,
    VG_POSSIBLY,
    VG_REACHABLE,
    VG_NKINDS
} drip_vg_kind;

typedef struct drip_vg_frame {
    char    *fn;        /* function, or NULL when valgrind has no symbol */
    char    *dir;       /* source directory, or NULL */
    char    *file;      /* source file as valgrind names it (often a basename), or NULL */
    char    *obj;       /* object file (executable or shared library), or NULL */
    int      line;      /* 0 when unknown */
    uint64_t ip;
} drip_vg_frame;

typedef struct drip_vg_stack {
    drip_vg_frame *frames;    /* innermost first */
    size_t         nframes;
} drip_vg_stack;

typedef struct drip_vg_leak {
    drip_vg_kind  kind;
    uint64_t      bytes, blocks;   /* the direct part: what the totals add up */
    uint64_t      indirect_bytes;  /* owned blocks, also in their own records;
                                      the XML does not count their blocks */
    unsigned      record;          /* "loss record N of M": N, or 0 if absent */
    size_t        search;          /* index into report.searches */
    drip_vg_stack stack;           /* where the block was allocated */
} drip_vg_leak;

typedef struct drip_vg_error {
    char         *kind;       /* InvalidRead, UninitCondition, InvalidFree, ... */
    char         *what;       /* <what>, or the <text> of <xwhat>; never NULL */
    uint64_t      unique;     /* valgrind's id, to match <errorcounts> */
    drip_vg_stack stack;      /* where it happened */
    char         *auxwhat;    /* first <auxwhat> ("Address 0x.. is 0 bytes after
                                 a block of size 16 alloc'd"), or NULL */
    drip_vg_stack aux_stack;  /* the stack after it (the allocation), or empty */
} drip_vg_error;

/* One leak search: the totals of its records, counted as above. */
typedef struct drip_vg_search {
    char    *label;                  /* the <clientmsg> text that preceded it (trimmed),
                                        or NULL */
    uint64_t bytes[VG_NKINDS], blocks[VG_NKINDS];
} drip_vg_search;

typedef struct drip_vg_report {
    bool          complete;          /* the document ended properly (</valgrindoutput>) */
    int           protocol_version;  /* 0 when absent */
    uint64_t      bytes[VG_NKINDS], blocks[VG_NKINDS];   /* the last search's totals,
                                                             counted once */
    drip_vg_leak *leaks;             /* every leak record of every search, in file order */
    size_t        nleaks;
    drip_vg_search *searches;        /* every leak search, in file order */
    size_t        nsearches;
    drip_vg_error *errors;           /* every non-leak error, in file order */
    size_t        nerrors;
    uint64_t      error_count;       /* sum of <errorcounts> over non-leak errors; when
                                        the file has none (cut short): nerrors */
    char         *problem;           /* why incomplete / unparsable, or NULL */
} drip_vg_report;

/* Parse the XML file at `path` into *out (always initialised; free it with
 * drip_vg_report_free() whatever the result).
 *
 * Returns 0 when the file is valgrind XML, even a damaged one: then
 * out->complete is false and out->problem says why ("valgrind XML ends early:
 * no </valgrindoutput> (was the run killed?)", or a syntax error with its
 * line), and everything parsed before the damage is kept (an <error> cut off
 * in the middle is dropped).  Returns -1, with out->problem set and no
 * records, when the file cannot be read, is empty, is not XML or its root is
 * not <valgrindoutput>.  Aborts only when memory runs out (xmalloc). */
int drip_vg_parse_file(const char *path, drip_vg_report *out);

/* The same from an open stream, read to its end; `f` is not closed. */
int drip_vg_parse_stream(FILE *f, drip_vg_report *out);

/* Free everything *r owns and zero it.  drip_vg_report_free(NULL) is a no-op. */
void drip_vg_report_free(drip_vg_report *r);

/* "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable";
 * "unknown" for anything else.  Cannot fail. */
const char *drip_vg_kind_name(drip_vg_kind k);

/* The at most `n` largest leak records of kind `k` in the last search, by
 * direct plus indirect bytes (valgrind's own order), largest first, equal
 * sizes in file order.  Stores pointers borrowed from *r (valid until
 * drip_vg_report_free) in out[0..] and returns how many.  Does not
 * allocate; cannot fail. */
size_t drip_vg_top_leaks(const drip_vg_report *r, drip_vg_kind k,
                         const drip_vg_leak **out, size_t n);

/* The same in search number `search` (0 when there is no such search). */
size_t drip_vg_top_leaks_in(const drip_vg_report *r, size_t search, drip_vg_kind k,
                            const drip_vg_leak **out, size_t n);

/* The index of the last search labelled `label`, or -1.  Cannot fail. */
long drip_vg_find_search(const drip_vg_report *r, const char *label);

#endif /* DRIP_VGXML_H */
