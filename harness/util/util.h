/* util.h - small helpers shared by the harness (never by src/).
 *
 * Allocation: the x* functions abort with a message when memory runs out,
 * like git's xmalloc.  The harness treats its own out-of-memory as fatal;
 * the workload's allocations never go through these.
 */
#ifndef DRIP_UTIL_H
#define DRIP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);                 /* xstrdup(NULL) == NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xasprintf on a va_list the caller started (and ends); malloc'd. */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow *items (of *cap elements of size `size`) so that index `need` fits. */
void  xgrow(void **items, size_t *cap, size_t need, size_t size);
#define XGROW(arr, cap, need) xgrow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* A growable NUL-terminated string.  Zero-initialise, append, then take
 * ownership of .buf (or sb_free).  .buf is never NULL after the first append. */
typedef struct strbuf {
    char  *buf;
    size_t len, cap;
} strbuf;

void  sb_append(strbuf *sb, const char *s);
void  sb_appendn(strbuf *sb, const char *s, size_t n);
void  sb_appendf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void  sb_vappendf(strbuf *sb, const char *fmt, va_list ap);
char *sb_take(strbuf *sb);                    /* returns buf ("" if empty); sb is reset */
void  sb_free(strbuf *sb);

/* ---- strict parsing ------------------------------------------------------
 * Each returns 0 on success and -1 on any problem (empty, trailing junk,
 * overflow, sign where none is allowed, leading zeros such as "010",
 * fractional values for integers).  *out is untouched on failure. */
int drip_parse_u64(const char *s, uint64_t *out);
int drip_parse_i64(const char *s, int64_t *out);
int drip_parse_double(const char *s, double *out);   /* finite decimal: 1, 0.25, 1e3 */

/* Sizes: an integer with an optional unit B, KiB, MiB, GiB, TiB (powers of
 * 1024) or kB, MB, GB, TB (powers of 1000); "512MiB", "64 KiB", "4096". */
int drip_parse_size(const char *s, uint64_t *out);

/* Durations: a number with a unit ns, us, ms, s, m, h; "30s", "1.5m", "250ms".
 * A bare number is rejected: the unit is required.  Result in nanoseconds. */
int drip_parse_duration(const char *s, uint64_t *out_ns);

/* ---- formatting ---------------------------------------------------------- */

/* "1.02 KiB", "512 B", "-3.50 MiB" into buf (at least 32 bytes). */
const char *drip_fmt_bytes(double bytes, char *buf, size_t n);
/* "%.3g"-like but fixed notation for human output: 0.0123, 12.3, 1234. */
const char *drip_fmt_num(double v, char *buf, size_t n);

/* ---- text ------------------------------------------------------------------ */

/* Decode the well-formed UTF-8 sequence at s into *cp and return its
 * length, or return 0 when s does not start one (stray continuation byte,
 * overlong form, surrogate, beyond U+10FFFF, cut short by the NUL). */
size_t drip_utf8_decode(const unsigned char *s, uint32_t *cp);

/* ---- paths ----------------------------------------------------------------
 * Plain string work on a path's text: no file system access, no allocation,
 * no normalising ("a//b" keeps its two slashes, "." and ".." are names like
 * any other).  Neither function can fail; path must not be NULL. */

/* The last component of path: the text after its last '/', or the whole of
 * path when it has none.  A pointer into path (never NULL, never a copy):
 * "a/b/c" -> "c", "c" -> "c", "/c" -> "c", "" -> "".  A trailing '/' is not
 * skipped, so "a/b/" -> "" (unlike basename(3), which gives "b"). */
const char *drip_path_base(const char *path);

/* The length of path's directory part: the text before its last '/', or 1
 * when that '/' is the first character (the root keeps its slash), or 0 when
 * path has no '/'.  "a/b/c" -> 3 ("a/b"), "/c" -> 1 ("/"), "c" -> 0,
 * "a/b/" -> 3 ("a/b"), "" -> 0. */
size_t drip_path_dir_len(const char *path);

/* path's directory part as a new string (drip_path_dir_len's text), or "."
 * when path has none.  Caller frees; aborts on out-of-memory, as xmalloc. */
char *drip_path_dir(const char *path);

/* ---- names --------------------------------------------------------------- */

/* Levenshtein distance between a and b (case-sensitive).  Allocates
 * nothing when b is shorter than 64 bytes (safe where workload code runs). */
size_t drip_edit_distance(const char *a, const char *b);

/* The candidate closest to `word`, or NULL when none is close enough to be a
 * useful suggestion (distance more than a third of the word's length, at
 * least 2).  `cands` is a NULL-terminated array. */
const char *drip_did_you_mean(const char *word, const char *const *cands);

/* Is s a valid scenario name: [A-Za-z0-9._-]+ ? */
bool drip_valid_name(const char *s);

/* mkdir -p: create dir and its missing parents (mode 0755).  0, or -1 with
 * errno set. */
int drip_mkdir_p(const char *dir);

/* Create the file `name` (a plain name, no '/') in the directory dirfd
 * for writing, fresh and never through a link: an existing entry of that
 * name (a file of an earlier run, or a symlink planted to make Drip write
 * elsewhere) is unlinked first, and the new file is made with O_EXCL and
 * O_NOFOLLOW.  Returns the fd (close-on-exec), or -1 with errno set (a
 * directory of that name: EISDIR). */
int drip_create_at(int dirfd, const char *name);

/* Write all n bytes of buf to fd, retrying short writes and EINTR.
 * Returns 0, or -1 with errno set (what was written stays written). */
int drip_write_all(int fd, const void *buf, size_t n);

/* Monotonic clock in nanoseconds. */
uint64_t drip_now_ns(void);

#endif /* DRIP_UTIL_H */
