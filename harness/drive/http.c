/* http.c - the HTTP driver (libcurl's multi interface) and one-off GETs
 * for a program's published metrics (drive.h).
 *
 * `concurrency` easy handles are made once and reused for every request,
 * so each keeps its connection alive across requests and batches (curl's
 * connection cache); a batch hands units to idle handles until none is
 * left, then waits for the last to end.  Every handle gets the same
 * safety settings: http only, no proxy, no redirects, and an open-socket
 * callback that refuses any address but loopback.
 */
#define _GNU_SOURCE
#include "drive_impl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/util.h"

typedef struct slot {
    CURL    *easy;
    bool     busy;
    uint64_t iteration;
    char    *url;                    /* expanded, owned while busy */
    char     error[CURL_ERROR_SIZE];
} slot;

struct drip__http {
    CURLM   *multi;
    slot    *slots;
    uint32_t nslots;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Refuse, before it exists, a socket to anything but loopback. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)arg;
    if (purpose != CURLSOCKTYPE_IPCXN || !drip__sockaddr_loopback(&a->addr))
        return CURL_SOCKET_BAD;
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * nmemb;
}

/* The settings every handle gets; false when curl refuses one. */
static bool safe_handle(CURL *e, uint64_t timeout_ns, char *errbuf)
{
    long ms = (long)(timeout_ns / 1000000ULL);
    return curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_NOPROXY, "*") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
}

/* The method of the spec: GET, HEAD (no body), POST and PUT with an empty
 * body (Content-Length: 0), DELETE. */
static bool set_method(CURL *e, const char *method)
{
    if (strcmp(method, "HEAD") == 0)
        return curl_easy_setopt(e, CURLOPT_NOBODY, 1L) == CURLE_OK;
    if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        return curl_easy_setopt(e, CURLOPT_POSTFIELDS, "") == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
    if (strcmp(method, "DELETE") == 0)
        return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
    return true;                                     /* GET: curl's default */
}

int drip__http_open(drip_driver *d, char **err)
{
    const drip_drive_spec *spec = d->o.spec;
    struct drip__http *h;

    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        *err = xasprintf("libcurl: %s", curl_easy_strerror(curl_init_rc));
        return -1;
    }
    h = d->http = xcalloc(1, sizeof *h);
    h->multi = curl_multi_init();
    h->nslots = spec->concurrency ? spec->concurrency : 1;
    h->slots = xcalloc(h->nslots, sizeof *h->slots);
    if (!h->multi)
        goto fail;
    for (uint32_t i = 0; i < h->nslots; i++) {
        slot *s = &h->slots[i];
        s->easy = curl_easy_init();
        if (!s->easy || !safe_handle(s->easy, spec->timeout_ns, s->error) ||
            curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
            curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s) != CURLE_OK ||
            !set_method(s->easy, spec->method ? spec->method : "GET"))
            goto fail;
    }
    return 0;
fail:
    *err = xstrdup("libcurl: cannot set up the HTTP client");
    return -1;
}

void drip__http_close(drip_driver *d)
{
    struct drip__http *h = d->http;
    if (!h)
        return;
    for (uint32_t i = 0; i < h->nslots; i++) {
        if (h->slots[i].busy)
            curl_multi_remove_handle(h->multi, h->slots[i].easy);
        curl_easy_cleanup(h->slots[i].easy);
        free(h->slots[i].url);
    }
    curl_multi_cleanup(h->multi);
    free(h->slots);
    free(h);
    d->http = NULL;
}

/* Hand unit `it` to idle slot s.  False (the unit failed at once, counted
 * by the caller) when its URL is not a loopback http:// one. */
static bool start_unit(drip_driver *d, slot *s, uint64_t it)
{
    drip_template_vars vars = d->o.vars;
    char *why = NULL;

    vars.iteration = it;
    s->url = drip_template_expand(d->o.spec->url, &vars);
    if (!s->url || drip_url_check_loopback(s->url, &why) < 0) {
        drip__driver_fail(d, "iteration %llu: %s", (unsigned long long)it,
                          why ? why : "the URL does not expand");
        free(why);
        free(s->url);
        s->url = NULL;
        return false;
    }
    s->error[0] = '\0';
    curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
    if (curl_multi_add_handle(d->http->multi, s->easy) != CURLM_OK) {
        drip__driver_fail(d, "%s: libcurl refused the request", s->url);
        free(s->url);
        s->url = NULL;
        return false;
    }
    s->busy = true;
    s->iteration = it;
    return true;
}

/* A finished transfer: 2xx is ok, anything else failed. */
static void end_unit(drip_driver *d, slot *s, CURLcode rc, drip_drive_counts *c)
{
    long status = 0;
    const char *method = d->o.spec->method ? d->o.spec->method : "GET";

    curl_multi_remove_handle(d->http->multi, s->easy);
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        c->ok++;
    } else {
        c->failed++;
        if (rc != CURLE_OK)
            drip__driver_fail(d, "%s %s: %s", method, s->url,
                              s->error[0] ? s->error : curl_easy_strerror(rc));
        else
            drip__driver_fail(d, "%s %s: HTTP %ld", method, s->url, status);
    }
    free(s->url);
    s->url = NULL;
    s->busy = false;
}

/* Abandon what is in flight (the deadline came): not counted. */
static void abandon_all(drip_driver *d)
{
    struct drip__http *h = d->http;
    for (uint32_t i = 0; i < h->nslots; i++) {
        if (!h->slots[i].busy)
            continue;
        curl_multi_remove_handle(h->multi, h->slots[i].easy);
        free(h->slots[i].url);
        h->slots[i].url = NULL;
        h->slots[i].busy = false;
    }
}

int drip__http_run(drip_driver *d, uint64_t first, uint64_t n, uint64_t deadline_ns,
                   drip_drive_counts *c)
{
    struct drip__http *h = d->http;
    uint64_t next = first, end = first + n;
    uint32_t inflight = 0;
    bool stopped = false;

    for (;;) {
        stopped = stopped || drip__driver_stopped(d);
        for (uint32_t i = 0; i < h->nslots && next < end && !stopped; i++) {
            if (h->slots[i].busy)
                continue;
            if (start_unit(d, &h->slots[i], next))
                inflight++;
            else
                c->failed++;
            next++;
        }
        if (inflight == 0 && (next >= end || stopped))
            break;
        int running = 0;
        curl_multi_perform(h->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(h->multi, &left))) {
            slot *s = NULL;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            end_unit(d, s, msg->data.result, c);
            inflight--;
        }
        if (inflight == 0)
            continue;                                /* hand out more, or finish */
        uint64_t now = drip_now_ns();
        if (now >= deadline_ns) {
            abandon_all(d);
            return DRIP_DRIVE_DEADLINE;
        }
        uint64_t wait_ms = (deadline_ns - now) / 1000000ULL;
        curl_multi_poll(h->multi, NULL, 0, wait_ms > 100 ? 100 : (int)wait_ms + 1, NULL);
    }
    return stopped && next < end ? DRIP_DRIVE_STOPPED : DRIP_DRIVE_DONE;
}

/* ---- one GET ---------------------------------------------------------------------- */

typedef struct body {
    strbuf sb;
    size_t max;
    bool   over;
} body;

static size_t keep(char *ptr, size_t size, size_t nmemb, void *arg)
{
    body *b = arg;
    size_t n = size * nmemb;
    if (b->sb.len + n > b->max) {
        b->over = true;
        return 0;                                    /* curl aborts the transfer */
    }
    sb_appendn(&b->sb, ptr, n);
    return n;
}

int drip_drive_http_get(const char *url, uint64_t timeout_ns, size_t max_bytes, char **out,
                  size_t *len, char **err)
{
    char errbuf[CURL_ERROR_SIZE] = "", *why = NULL;
    body b = {.max = max_bytes};
    long status = 0;
    int rc = -1;
    CURL *e = NULL;

    *err = NULL;
    if (drip_url_check_loopback(url, &why) < 0) {
        *err = xasprintf("%s: %s", url, why);
        free(why);
        return -1;
    }
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK || !(e = curl_easy_init()) ||
        !safe_handle(e, timeout_ns, errbuf) ||
        curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &b) != CURLE_OK) {
        *err = xasprintf("GET %s: cannot set up the HTTP client", url);
        goto cleanup;
    }
    CURLcode cc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (b.over)
        *err = xasprintf("GET %s: more than %zu bytes", url, max_bytes);
    else if (cc != CURLE_OK)
        *err = xasprintf("GET %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (status < 200 || status > 299)
        *err = xasprintf("GET %s: HTTP %ld", url, status);
    else {
        sb_append(&b.sb, "");                        /* never NULL, NUL-terminated */
        *len = b.sb.len;
        *out = sb_take(&b.sb);
        rc = 0;
    }
cleanup:
    if (e)
        curl_easy_cleanup(e);
    sb_free(&b.sb);
    return rc;
}
