/* linefilter.c - a line-filter server: the example program under test for
 * drive.command (scenarios/services/README.md).
 *
 *   drip-linefilter --port PORT [--leak-on-error]
 *
 * A long-lived process: it accepts one TCP connection at a time on
 * 127.0.0.1:PORT, reads one request line, answers one line and closes the
 * connection.  A request is "VERB TEXT" with VERB upper, lower or count:
 * "upper hello" answers "OK HELLO", "count hello" answers "OK 5".  Anything
 * else is malformed and answered "ERR malformed request".
 *
 * Each request is spooled to an unlinked temporary file before it is
 * parsed (as a filter that keeps what it was sent for an audit would).
 * The fixed build (the default) closes the spool file on every path.
 * --leak-on-error is the leaky build: it returns early on a malformed
 * request without closing it, so every malformed request leaves one file
 * descriptor open in the server for good, the unclosed-file pattern as a
 * real process.  Drip sees it as `fds` growing at the error rate, read
 * from /proc/PID/fd of the server (the client runs fresh each time and
 * leaks nothing).
 *
 * It prints "linefilter: listening on 127.0.0.1:PORT" once it listens and
 * ends on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static volatile sig_atomic_t stopping;
static bool leak_on_error;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

/* The answer to one well-formed request, or -1 when it is malformed. */
static int filter(const char *line, char *out, size_t n)
{
    const char *sp = strchr(line, ' ');
    if (!sp || sp == line || !sp[1])
        return -1;
    size_t vlen = (size_t)(sp - line);
    const char *text = sp + 1;
    if (vlen == 5 && strncmp(line, "upper", 5) == 0) {
        size_t i = 0;
        for (; text[i] && i + 4 < n; i++)
            out[3 + i] = (char)toupper((unsigned char)text[i]);
        memcpy(out, "OK ", 3);
        out[3 + i] = '\0';
    } else if (vlen == 5 && strncmp(line, "lower", 5) == 0) {
        size_t i = 0;
        for (; text[i] && i + 4 < n; i++)
            out[3 + i] = (char)tolower((unsigned char)text[i]);
        memcpy(out, "OK ", 3);
        out[3 + i] = '\0';
    } else if (vlen == 5 && strncmp(line, "count", 5) == 0) {
        snprintf(out, n, "OK %zu", strlen(text));
    } else {
        return -1;
    }
    return 0;
}

/* Spool, parse, answer one request line.  Returns the answer's text. */
static const char *serve(const char *line, char *out, size_t n)
{
    int spool = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (spool < 0)
        return "ERR cannot spool";
    (void)!write(spool, line, strlen(line));
    if (filter(line, out, n) < 0) {
        if (leak_on_error)
            return "ERR malformed request";      /* LEAK: returns with the spool file open */
        close(spool);
        return "ERR malformed request";
    }
    close(spool);
    return out;
}

/* Read one line (without its \n, \r dropped) from a connection. */
static bool read_line(int fd, char *line, size_t n)
{
    size_t len = 0;
    while (len + 1 < n) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (ch == '\n')
            break;
        line[len++] = ch;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return len > 0;
}

int main(int argc, char **argv)
{
    unsigned long port = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--leak-on-error") == 0)
            leak_on_error = true;
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = strtoul(argv[++i], NULL, 10);
        else
            port = 0, i = argc;
    }
    if (port == 0 || port > 65535) {
        fprintf(stderr, "usage: drip-linefilter --port PORT [--leak-on-error]\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_stop};   /* no SA_RESTART: accept returns */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 64) < 0) {
        fprintf(stderr, "linefilter: cannot listen on 127.0.0.1:%lu: %s\n", port,
                strerror(errno));
        return 1;
    }
    printf("linefilter: listening on 127.0.0.1:%lu (%s)\n", port,
           leak_on_error ? "leaks a file on a malformed request" : "closes every file");
    fflush(stdout);

    while (!stopping) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;                            /* EINTR at a stop signal */
        struct timeval tv = {5, 0};              /* a silent client does not stall others */
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char line[LINE_MAX_BYTES], out[LINE_MAX_BYTES];
        const char *reply = read_line(c, line, sizeof line) ? serve(line, out, sizeof out)
                                                            : "ERR empty request";
        dprintf(c, "%s\n", reply);
        close(c);
    }
    close(lfd);
    printf("linefilter: stopped\n");
    return 0;
}
