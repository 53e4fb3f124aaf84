/* util.c - allocation, strings, strict number parsing, formatting. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
    fprintf(stderr, "drip: fatal: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    strbuf sb = {0};
    sb_vappendf(&sb, fmt, ap);
    return sb_take(&sb);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void xgrow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need < *cap)
        return;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap <= need)
        ncap *= 2;
    *items = xrealloc(*items, ncap * size);
    *cap = ncap;
}

/* ---- strbuf -------------------------------------------------------------- */

static void sb_reserve(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t ncap = sb->cap ? sb->cap : 64;
    while (ncap < sb->len + extra + 1)
        ncap *= 2;
    sb->buf = xrealloc(sb->buf, ncap);
    sb->cap = ncap;
}

void sb_appendn(strbuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_append(strbuf *sb, const char *s)
{
    sb_appendn(sb, s, strlen(s));
}

void sb_vappendf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_appendf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vappendf(sb, fmt, ap);
    va_end(ap);
}

char *sb_take(strbuf *sb)
{
    char *s = sb->buf ? sb->buf : xstrdup("");
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void sb_free(strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

/* ---- strict parsing ------------------------------------------------------ */

int drip_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    if (s[0] == '0' && s[1] != '\0')          /* "010" is not 8, nor 10 */
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int drip_parse_i64(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    bool neg = s[0] == '-';
    uint64_t u;
    if (drip_parse_u64(s + (neg || s[0] == '+'), &u) < 0)
        return -1;
    if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

int drip_parse_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)s[0]))
        return -1;
    /* Only plain decimal notation: no hex floats, inf or nan. */
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return -1;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q) && !strchr(".eE+-", *q))
            return -1;
    if (p[0] == '0' && isdigit((unsigned char)p[1]))   /* no leading zeros */
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Split "12.5 MiB" into a number and a unit; the number must be followed
 * by at most one space and a unit of letters only. */
static int split_unit(const char *s, char *num, size_t nnum, const char **unit)
{
    size_t i = 0;                              /* no sign: sizes and durations are >= 0 */
    while (s[i] && (isdigit((unsigned char)s[i]) || s[i] == '.'))
        i++;
    if (i == 0 || i >= nnum)
        return -1;
    memcpy(num, s, i);
    num[i] = '\0';
    const char *u = s + i;
    if (*u == ' ')
        u++;
    for (const char *q = u; *q; q++)
        if (!isalpha((unsigned char)*q))
            return -1;
    *unit = u;
    return 0;
}

int drip_parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *unit; uint64_t mult; } units[] = {
        {"", 1}, {"B", 1},
        {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {"TiB", 1ULL << 40},
        {"kB", 1000ULL}, {"KB", 1000ULL}, {"MB", 1000000ULL}, {"GB", 1000000000ULL},
        {"TB", 1000000000000ULL},
    };
    char num[64];
    const char *unit;
    if (!s || split_unit(s, num, sizeof num, &unit) < 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].unit) != 0)
            continue;
        uint64_t v;
        if (drip_parse_u64(num, &v) == 0) {
            if (v > UINT64_MAX / units[i].mult)
                return -1;
            *out = v * units[i].mult;
            return 0;
        }
        double d;                              /* "1.5GiB" */
        if (units[i].mult == 1 || drip_parse_double(num, &d) < 0 || d < 0)
            return -1;
        double r = d * (double)units[i].mult;
        if (r >= 18446744073709551616.0 || r != floor(r))
            return -1;
        *out = (uint64_t)r;
        return 0;
    }
    return -1;
}

int drip_parse_duration(const char *s, uint64_t *out_ns)
{
    static const struct { const char *unit; double mult; } units[] = {
        {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    char num[64];
    const char *unit;
    double d;
    if (!s || split_unit(s, num, sizeof num, &unit) < 0 || drip_parse_double(num, &d) < 0 || d < 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].unit) != 0)
            continue;
        double r = d * units[i].mult;
        if (r >= 9.2e18)
            return -1;
        *out_ns = (uint64_t)llround(r);
        return 0;
    }
    return -1;
}

/* ---- formatting ---------------------------------------------------------- */

const char *drip_fmt_bytes(double bytes, char *buf, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double a = fabs(bytes);
    size_t u = 0;
    while (a >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        a /= 1024;
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%s %s", drip_fmt_num(bytes, (char[32]){0}, 32), units[u]);
    else
        snprintf(buf, n, "%.2f %s", bytes, units[u]);
    return buf;
}

const char *drip_fmt_num(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (isnan(v))
        snprintf(buf, n, "n/a");
    else if (a == 0)
        snprintf(buf, n, "0");
    else if (a >= 100 || (v == floor(v) && a < 1e15))
        snprintf(buf, n, "%.0f", v);
    else if (a >= 10)
        snprintf(buf, n, "%.1f", v);
    else if (a >= 1)
        snprintf(buf, n, "%.2f", v);
    else if (a >= 0.001)
        snprintf(buf, n, "%.4f", v);
    else
        snprintf(buf, n, "%.2e", v);
    return buf;
}

/* ---- text ------------------------------------------------------------------ */

/* See util.h. */
size_t drip_utf8_decode(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        *cp = c & 0x0F;
        if (c == 0xE0) lo = 0xA0;        /* overlong */
        if (c == 0xED) hi = 0x9F;        /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xF0) lo = 0x90;        /* overlong */
        if (c == 0xF4) hi = 0x8F;        /* > U+10FFFF */
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)          /* also stops at the terminating NUL */
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return len;
}

/* ---- paths ---------------------------------------------------------------- */

const char *drip_path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

size_t drip_path_dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return 0;
    return slash == path ? 1 : (size_t)(slash - path);    /* "/c": the root, "/" */
}

char *drip_path_dir(const char *path)
{
    size_t n = drip_path_dir_len(path);
    return n ? xstrndup(path, n) : xstrdup(".");
}

/* ---- names --------------------------------------------------------------- */

size_t drip_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), small[64];
    size_t *row = lb < 64 ? small : xmalloc((lb + 1) * sizeof *row);   /* short b: no heap */
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    if (row != small)
        free(row);
    return d;
}

const char *drip_did_you_mean(const char *word, const char *const *cands)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; cands[i]; i++) {
        size_t d = drip_edit_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    size_t limit = strlen(word) / 3;
    if (limit < 2)
        limit = 2;
    return best && bestd <= limit ? best : NULL;
}

bool drip_valid_name(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    return true;
}

uint64_t drip_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int drip_mkdir_p(const char *dir)
{
    if (!dir || !*dir) {
        errno = ENOENT;
        return -1;
    }
    char *path = xstrdup(dir);
    int rc = 0;
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    if (rc == 0) {
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
    }
    int saved = errno;
    free(path);
    errno = saved;
    return rc;
}

int drip_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int drip_create_at(int dirfd, const char *name)
{
    if (!*name || strchr(name, '/')) {
        errno = EINVAL;
        return -1;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST)
            return fd;
        if (unlinkat(dirfd, name, 0) < 0) {
            if (errno == EISDIR || errno == EPERM) {
                struct stat st;
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                    errno = EISDIR;
            }
            if (errno != ENOENT)
                return -1;
        }
    }
    errno = EEXIST;                       /* someone keeps making it: give up */
    return -1;
}
