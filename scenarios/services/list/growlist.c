/* growlist.c - a program that works by itself: the example program under
 * test for drive.interval (scenarios/services/README.md).
 *
 *   drip-growlist --port PORT [--tick MS] [--bound N] [--record-bytes B]
 *
 * Every MS milliseconds (default 5) it appends a record of B bytes
 * (default 128) to a history list, as a daemon keeping recent events would.
 * The leaky build (the default, as a history nobody trims) keeps every
 * record; --bound N is the fixed build, which drops the oldest beyond N.
 * Nothing drives it: Drip lets time pass (one iteration = one interval)
 * and watches its heap through the preload, and its own numbers, which it
 * publishes as expvar-style JSON at http://127.0.0.1:PORT/debug/vars:
 *
 *   {"list": {"items": N, "bytes": B}, "ticks": T}
 *
 * items == ticks while nothing is dropped; with --bound, items ==
 * min(ticks, N).  It prints "growlist: listening on 127.0.0.1:PORT" once
 * it serves, and ends on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct record {
    struct record *next;
    unsigned long long seq;
    char data[];
} record;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static record *head, *tail;                /* oldest first; a real structure keeps them */
static unsigned long long items, ticks, bytes;

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

static void append(size_t record_bytes, unsigned long bound)
{
    record *r = malloc(sizeof *r + record_bytes);
    if (!r)
        return;
    r->next = NULL;
    memset(r->data, 'r', record_bytes);
    pthread_mutex_lock(&lock);
    r->seq = ticks++;
    if (tail)
        tail->next = r;
    else
        head = r;
    tail = r;
    items++;
    bytes += record_bytes;
    while (bound && items > bound) {       /* THE FIX: keep only the last N */
        record *old = head;
        head = old->next;
        free(old);
        items--;
        bytes -= record_bytes;
    }
    if (!head)
        tail = NULL;
    pthread_mutex_unlock(&lock);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
    static int marker;
    char *text = NULL;
    (void)cls;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*req) {
        *req = &marker;
        return MHD_YES;
    }
    unsigned status = MHD_HTTP_OK;
    if (strcmp(url, "/debug/vars") == 0) {
        pthread_mutex_lock(&lock);
        int n = asprintf(&text, "{\"list\": {\"items\": %llu, \"bytes\": %llu}, \"ticks\": %llu}\n",
                         items, bytes, ticks);
        pthread_mutex_unlock(&lock);
        if (n < 0)
            return MHD_NO;
    } else {
        status = MHD_HTTP_NOT_FOUND;
        text = strdup("not found\n");
        if (!text)
            return MHD_NO;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
                                                             MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

int main(int argc, char **argv)
{
    unsigned long port = 0, tick_ms = 5, bound = 0, record_bytes = 128;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--tick") == 0)
            tick_ms = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--bound") == 0)
            bound = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--record-bytes") == 0)
            record_bytes = strtoul(argv[i + 1], NULL, 10);
        else
            port = 0;
    }
    if (port == 0 || port > 65535 || tick_ms == 0 || argc % 2 == 0) {
        fprintf(stderr, "usage: drip-growlist --port PORT [--tick MS] [--bound N] "
                        "[--record-bytes B]\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_stop};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            handle, NULL, MHD_OPTION_SOCK_ADDR, &a,
                                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
                                            MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "growlist: cannot listen on 127.0.0.1:%lu\n", port);
        return 1;
    }
    printf("growlist: listening on 127.0.0.1:%lu (%s)\n", port,
           bound ? "bounded history" : "history kept for ever");
    fflush(stdout);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stopping) {                    /* a signal on any thread ends the loop */
        append(record_bytes, bound);
        next.tv_nsec += (long)(tick_ms % 1000) * 1000000L;
        next.tv_sec += (time_t)(tick_ms / 1000) + next.tv_nsec / 1000000000L;
        next.tv_nsec %= 1000000000L;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    MHD_stop_daemon(d);
    while (head) {
        record *r = head;
        head = r->next;
        free(r);
    }
    printf("growlist: stopped\n");
    return 0;
}
