/* linesend.c - the client of drip-linefilter, run once per iteration by
 * drive.command (scenarios/services/README.md).
 *
 *   drip-linesend --port PORT --seq N [--bad-every K]
 *
 * Connects to 127.0.0.1:PORT, sends one request and prints the answer.
 * Request N is "upper item-N", except that every K-th one (N % K == K - 1,
 * K = 5 by default; 0: never) is malformed ("item-N" without a verb), as a
 * share of a real client's input would be.  Exit status 0 when the server
 * answered OK, 1 when it answered ERR (a failed iteration, as a plugin's
 * non-zero return), 2 when it could not be reached.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    unsigned long port = 0, seq = 0, bad_every = 5;
    char reply[4096];

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seq") == 0)
            seq = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--bad-every") == 0)
            bad_every = strtoul(argv[i + 1], NULL, 10);
    }
    if (port == 0 || port > 65535 || argc % 2 == 0) {
        fprintf(stderr, "usage: drip-linesend --port PORT --seq N [--bad-every K]\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("linesend: connect");
        return 2;
    }
    if (bad_every && seq % bad_every == bad_every - 1)
        dprintf(fd, "item-%lu\n", seq);                  /* malformed: no verb */
    else
        dprintf(fd, "upper item-%lu\n", seq);
    ssize_t n = read(fd, reply, sizeof reply - 1);
    close(fd);
    if (n <= 0) {
        fprintf(stderr, "linesend: no answer\n");
        return 2;
    }
    reply[n] = '\0';
    fputs(reply, stdout);
    return strncmp(reply, "OK", 2) == 0 ? 0 : 1;
}
