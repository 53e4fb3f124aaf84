/* kvd.c - a small key-value HTTP service: the example program under test
 * for Drip's external workloads (scenarios/services/README.md).
 *
 *   drip-kvd --port PORT [--leak-on-miss] [--capacity N] [--value-bytes B]
 *
 * GET /get?k=KEY answers the value cached for KEY; a miss "loads" it (a
 * value of B bytes, default 256) and caches it.  GET /metrics answers the
 * cache's numbers in the Prometheus text format: kv_keys (entries held),
 * kv_bytes (bytes held), kv_hits_total, kv_misses_total.
 *
 * The fixed build (the default) bounds the cache to --capacity entries
 * (default 1024) and evicts the least recently used.  --leak-on-miss is
 * the leaky build: every missed key is kept in a global map for ever, the
 * global-map pattern as a real server.  A request id used as a cache key
 * makes every request a miss, so the map grows by one entry per request.
 *
 * It listens on 127.0.0.1 only, prints "kvd: listening on 127.0.0.1:PORT"
 * when it accepts connections, and ends cleanly on SIGTERM or SIGINT.  One
 * thread serves every request (libmicrohttpd's internal polling thread),
 * so the cache needs no lock.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>

typedef struct entry {
    char          *key;
    char          *value;
    size_t         len;
    UT_hash_handle hh;                     /* the hash keeps insertion order: oldest first */
} entry;

static entry   *cache;                     /* the global map */
static bool     leak_on_miss;
static size_t   capacity = 1024;
static size_t   value_bytes = 256;
static size_t   held_bytes;
static unsigned long long hits, misses;

static void drop(entry *e)
{
    HASH_DEL(cache, e);
    held_bytes -= e->len + strlen(e->key) + 1;
    free(e->key);
    free(e->value);
    free(e);
}

/* "Load" the value of a missed key: B bytes derived from the key. */
static entry *load(const char *key)
{
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->key = strdup(key);
    e->len = value_bytes;
    e->value = malloc(e->len + 1);
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        free(e);
        return NULL;
    }
    size_t klen = strlen(key);
    for (size_t i = 0; i < e->len; i++)
        e->value[i] = klen ? key[i % klen] : '-';
    e->value[e->len] = '\0';
    return e;
}

static const entry *lookup(const char *key)
{
    entry *e;

    HASH_FIND_STR(cache, key, e);
    if (e) {
        hits++;
        HASH_DEL(cache, e);                /* most recently used: to the end */
        HASH_ADD_KEYPTR(hh, cache, e->key, strlen(e->key), e);
        return e;
    }
    misses++;
    e = load(key);
    if (!e)
        return NULL;
    HASH_ADD_KEYPTR(hh, cache, e->key, strlen(e->key), e);
    held_bytes += e->len + strlen(e->key) + 1;
    if (!leak_on_miss)                     /* THE FIX: bound the map, evict the oldest */
        while (HASH_COUNT(cache) > capacity)
            drop(cache);
    return e;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, char *body,
                              enum MHD_ResponseMemoryMode mode, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result metrics(struct MHD_Connection *c)
{
    char *text = NULL;
    if (asprintf(&text,
                 "# HELP kv_keys Entries held in the cache.\n# TYPE kv_keys gauge\n"
                 "kv_keys %u\n"
                 "# HELP kv_bytes Bytes held in the cache (keys and values).\n"
                 "# TYPE kv_bytes gauge\nkv_bytes %zu\n"
                 "# TYPE kv_hits_total counter\nkv_hits_total %llu\n"
                 "# TYPE kv_misses_total counter\nkv_misses_total %llu\n",
                 HASH_COUNT(cache), held_bytes, hits, misses) < 0)
        return MHD_NO;
    return answer(c, MHD_HTTP_OK, text, MHD_RESPMEM_MUST_FREE, "text/plain; version=0.0.4");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **req)
{
    static int marker;
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*req) {                           /* headers only: answer on the next call */
        *req = &marker;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0)
        return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n", MHD_RESPMEM_PERSISTENT,
                      "text/plain");
    if (strcmp(url, "/metrics") == 0)
        return metrics(c);
    if (strcmp(url, "/get") != 0)
        return answer(c, MHD_HTTP_NOT_FOUND, "not found\n", MHD_RESPMEM_PERSISTENT,
                      "text/plain");
    const char *key = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
    if (!key || !*key)
        return answer(c, MHD_HTTP_BAD_REQUEST, "missing k\n", MHD_RESPMEM_PERSISTENT,
                      "text/plain");
    const entry *e = lookup(key);
    if (!e)
        return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n",
                      MHD_RESPMEM_PERSISTENT, "text/plain");
    return answer(c, MHD_HTTP_OK, e->value, MHD_RESPMEM_MUST_COPY, "text/plain");
}

static int stop_pipe[2];

static void on_stop(int sig)
{
    int keep = errno;
    (void)!write(stop_pipe[1], &sig, sizeof sig);
    errno = keep;
}

static int usage(void)
{
    fprintf(stderr, "usage: drip-kvd --port PORT [--leak-on-miss] [--capacity N] "
                    "[--value-bytes B]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned long port = 0;
    int sig = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--leak-on-miss") == 0)
            leak_on_miss = true;
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc)
            capacity = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--value-bytes") == 0 && i + 1 < argc)
            value_bytes = strtoul(argv[++i], NULL, 10);
        else
            return usage();
    }
    if (port == 0 || port > 65535 || capacity == 0)
        return usage();

    /* Whichever thread a stop signal lands on, its handler wakes main
     * through a pipe (libmicrohttpd's thread does not keep our mask). */
    struct sigaction sa = {.sa_handler = on_stop};
    if (pipe2(stop_pipe, O_CLOEXEC) < 0)
        return 1;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            handle, NULL, MHD_OPTION_SOCK_ADDR, &a,
                                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
                                            MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "kvd: cannot listen on 127.0.0.1:%lu\n", port);
        return 1;
    }
    printf("kvd: listening on 127.0.0.1:%lu (%s)\n", port,
           leak_on_miss ? "leak on miss" : "LRU bounded");
    fflush(stdout);
    while (read(stop_pipe[0], &sig, sizeof sig) < 0 && errno == EINTR)
        ;
    MHD_stop_daemon(d);
    while (cache)
        drop(cache);
    printf("kvd: stopped by signal %d\n", sig);
    return 0;
}
