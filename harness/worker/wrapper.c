/* wrapper.c - allocation wrappers by name (wrapper.h).  Pure string work,
 * no allocation.
 */
#include "wrapper.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Whole names of allocators and common wrappers that the word rule below
 * does not catch. */
static const char *const known[] = {
    "xnew", "g_new", "g_new0", "g_slice_alloc", "g_slice_alloc0", "g_try_malloc",
    "operator new", "operator new[]", "_Znwm", "_Znam", "__libc_malloc", "__libc_calloc",
    "__libc_realloc", "aligned_alloc", "posix_memalign", "memalign", "valloc", "pvalloc",
    "reallocarray", "xreallocarray", "xmemdup0", "xstrdup", "xstrndup",
};

/* Allocator words: a wrapper has one of these as a word of its name, or an
 * x/e-prefixed one (xmalloc, emalloc), or is x...alloc as a single word. */
static const char *const words[] = {
    "malloc", "malloc0", "calloc", "realloc", "zalloc", "strdup", "strndup",
    "memdup", "memdup2", "mallocz",
};

/* Is [w, w + n) an allocator word? (case-insensitive) */
static bool alloc_word(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t k = strlen(words[i]);
        if (n == k && strncasecmp(w, words[i], k) == 0)
            return true;
        if (n == k + 1 && (tolower((unsigned char)w[0]) == 'x' ||
                           tolower((unsigned char)w[0]) == 'e') &&
            strncasecmp(w + 1, words[i], k) == 0)
            return true;
    }
    /* xcharalloc, xnmalloc, xzalloc: x, lowercase letters, "alloc" */
    return n >= 6 && w[0] == 'x' && strncmp(w + n - 5, "alloc", 5) == 0;
}

/* Where the word starting at s ends: at '_', a digit, or a lower-to-upper
 * case change ("sqlite3DbMallocRaw": sqlite, Db, Malloc, Raw). */
static size_t word_len(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '_' && !isdigit((unsigned char)s[n])) {
        if (n && islower((unsigned char)s[n - 1]) && isupper((unsigned char)s[n]))
            break;
        n++;
    }
    return n;
}

bool drip_wrapper_name(const char *fn, const char *const *skip, size_t nskip)
{
    for (size_t i = 0; i < nskip; i++)
        if (strcmp(fn, skip[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(fn, known[i]) == 0)
            return true;
    for (const char *s = fn; *s;) {
        size_t n = word_len(s);
        if (n && alloc_word(s, n))
            return true;
        s += n ? n : 1;
    }
    return false;
}
