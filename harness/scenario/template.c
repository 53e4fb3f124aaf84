/* template.c - placeholders in an external workload's strings: checked
 * once at load, expanded at run time (template.h). */
#include "template.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

static const struct {
    unsigned    bit;
    const char *word;        /* between the braces */
    const char *name;        /* with them */
} placeholders[] = {
    {DRIP_TPL_PORT, "port", "{port}"},
    {DRIP_TPL_ITERATION, "iteration", "{iteration}"},
    {DRIP_TPL_SEED, "seed", "{seed}"},
    {DRIP_TPL_BIN, "bin", "{bin}"},
    {DRIP_TPL_GO_BIN, "go_bin", "{go_bin}"},
};
#define NPLACEHOLDERS (sizeof placeholders / sizeof placeholders[0])

const char *drip_template_name(unsigned bit)
{
    for (size_t i = 0; i < NPLACEHOLDERS; i++)
        if (placeholders[i].bit == bit)
            return placeholders[i].name;
    return NULL;
}

/* The placeholder whose word is s[0..n), or -1. */
static int find(const char *s, size_t n)
{
    for (size_t i = 0; i < NPLACEHOLDERS; i++)
        if (strlen(placeholders[i].word) == n && memcmp(placeholders[i].word, s, n) == 0)
            return (int)i;
    return -1;
}

/* The placeholders of `allowed`, as "{port}, {seed}" for messages. */
static char *allowed_list(unsigned allowed)
{
    strbuf sb = {0};
    for (size_t i = 0; i < NPLACEHOLDERS; i++)
        if (allowed & placeholders[i].bit)
            sb_appendf(&sb, "%s%s", sb.len ? ", " : "", placeholders[i].name);
    return sb_take(&sb);
}

/* The message for "{word}" (n bytes at s) that is not allowed here. */
static char *bad_placeholder(const char *s, size_t n, unsigned allowed)
{
    char *word = xstrndup(s, n > 40 ? 40 : n), *list = allowed_list(allowed), *why;
    int i = find(s, n);

    if (i >= 0) {
        why = xasprintf("'%s' cannot be used here (%s%s)", placeholders[i].name,
                        *list ? "allowed: " : "no placeholder is allowed", list);
    } else {
        const char *words[NPLACEHOLDERS + 1];
        size_t nw = 0;
        for (size_t j = 0; j < NPLACEHOLDERS; j++)
            if (allowed & placeholders[j].bit)
                words[nw++] = placeholders[j].word;
        words[nw] = NULL;
        const char *near = drip_did_you_mean(word, words);
        if (near)
            why = xasprintf("unknown placeholder '{%s%s}' (did you mean '{%s}'?)", word,
                            n > 40 ? "..." : "", near);
        else
            why = xasprintf("unknown placeholder '{%s%s}' (%s%s; write '{{' for a brace)", word,
                            n > 40 ? "..." : "", *list ? "allowed: " : "none is allowed here",
                            list);
    }
    free(word);
    free(list);
    return why;
}

/* See template.h.  A '{' opens a placeholder unless doubled; a '}' must
 * be doubled when it closes none. */
int drip_template_check(const char *t, unsigned allowed, unsigned *used, size_t *off,
                        char **why)
{
    unsigned seen = 0;

    for (size_t i = 0; t[i]; i++) {
        if (t[i] == '}') {
            if (t[i + 1] == '}') {
                i++;
                continue;
            }
            *off = i;
            *why = xstrdup("a lone '}' (write '}}' for a brace)");
            return -1;
        }
        if (t[i] != '{')
            continue;
        if (t[i + 1] == '{') {
            i++;
            continue;
        }
        const char *close = strchr(t + i + 1, '}');
        if (!close) {
            *off = i;
            *why = xstrdup("a '{' without its '}' (write '{{' for a brace)");
            return -1;
        }
        size_t n = (size_t)(close - (t + i + 1));
        int p = find(t + i + 1, n);
        if (p < 0 || !(allowed & placeholders[p].bit)) {
            *off = i;
            *why = bad_placeholder(t + i + 1, n, allowed);
            return -1;
        }
        seen |= placeholders[p].bit;
        i += n + 1;
    }
    if (used)
        *used = seen;
    return 0;
}

/* See template.h. */
char *drip_template_expand(const char *t, const drip_template_vars *vars)
{
    strbuf sb = {0};

    sb_append(&sb, "");
    for (size_t i = 0; t[i]; i++) {
        if ((t[i] == '{' || t[i] == '}') && t[i + 1] == t[i]) {
            sb_appendn(&sb, t + i, 1);
            i++;
            continue;
        }
        if (t[i] == '}')
            goto fail;
        if (t[i] != '{') {
            sb_appendn(&sb, t + i, 1);
            continue;
        }
        const char *close = strchr(t + i + 1, '}');
        if (!close)
            goto fail;
        size_t n = (size_t)(close - (t + i + 1));
        switch (find(t + i + 1, n)) {
        case 0: sb_appendf(&sb, "%u", vars->port); break;
        case 1: sb_appendf(&sb, "%" PRIu64, vars->iteration); break;
        case 2: sb_appendf(&sb, "%" PRIu64, vars->seed); break;
        case 3:
            if (!vars->bin)
                goto fail;
            sb_append(&sb, vars->bin);
            break;
        case 4:
            if (!vars->go_bin)
                goto fail;
            sb_append(&sb, vars->go_bin);
            break;
        default: goto fail;
        }
        i += n + 1;
    }
    return sb_take(&sb);
fail:
    sb_free(&sb);
    return NULL;
}

/* ---- loopback URLs ------------------------------------------------------------ */

/* n bytes at s are a dotted quad 127.a.b.c, each part 0..255. */
static bool loopback_ipv4(const char *s, size_t n)
{
    unsigned part[4];
    char tail;
    char *host = xstrndup(s, n);
    int got = sscanf(host, "%3u.%3u.%3u.%3u%c", &part[0], &part[1], &part[2], &part[3], &tail);
    bool ok = got == 4 && strspn(host, "0123456789.") == n && part[0] == 127 &&
              part[1] < 256 && part[2] < 256 && part[3] < 256;
    free(host);
    return ok;
}

int drip_url_check_loopback(const char *url, char **why)
{
    static const char scheme[] = "http://";
    const char *host, *end, *port = NULL;
    size_t hn;

    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\\') {
            *why = xstrdup("a URL holds no spaces, control characters or backslashes");
            return -1;
        }
    if (strncasecmp(url, scheme, sizeof scheme - 1) != 0) {
        *why = xstrdup("the URL must start with http:// (Drip talks plain HTTP to programs "
                       "on this machine)");
        return -1;
    }
    host = url + sizeof scheme - 1;
    end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(end - host))) {
        *why = xstrdup("the URL must not hold user info (user@host)");
        return -1;
    }
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        if (!close) {
            *why = xstrdup("the URL's host has '[' without ']'");
            return -1;
        }
        hn = (size_t)(close + 1 - host);
        port = close + 1 < end ? close + 1 : NULL;
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        hn = (size_t)((colon ? colon : end) - host);
        port = colon;
    }
    bool loop = (hn == 5 && memcmp(host, "[::1]", 5) == 0) ||
                (hn == 9 && strncasecmp(host, "localhost", 9) == 0) || loopback_ipv4(host, hn);
    if (!loop) {
        *why = xasprintf("the host '%.*s' is not a loopback address (127.x.x.x, localhost or "
                         "[::1]): Drip connects to programs on this machine only",
                         (int)(hn > 60 ? 60 : hn), host);
        return -1;
    }
    if (port) {
        uint64_t p = 0;
        char *digits = xstrndup(port + 1, (size_t)(end - port - 1));
        bool ok = *port == ':' && drip_parse_u64(digits, &p) == 0 && p >= 1 && p <= 65535;
        free(digits);
        if (!ok) {
            *why = xstrdup("the URL's port must be a number from 1 to 65535");
            return -1;
        }
    }
    return 0;
}
