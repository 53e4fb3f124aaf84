/* leakn.c - a program Drip did not build, for tests/test_preload.c: run
 * with libdrip_preload.so preloaded, it leaks what it is told to and
 * nothing else (it calls no stdio: every allocation is its own).
 *
 *   leakn N [fork M] [try K] [wait]
 *     N        leak N blocks, of 16 + i % 100 bytes (the i-th)
 *     fork M   then fork a child that leaks M blocks more and exits
 *     try K    then try K allocations of 32 bytes, freeing each; print
 *              "failed F pattern H" (H hashes which ones failed)
 *     wait     then print "ready" and wait for a byte on stdin
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile g_kept[200000];   /* the leaks, where the optimizer cannot drop them */
static size_t g_nkept;

static void leak(long n)
{
    for (long i = 0; i < n && g_nkept < sizeof g_kept / sizeof g_kept[0]; i++)
        g_kept[g_nkept++] = malloc(16 + (size_t)(i % 100));
}

static void say(const char *s)
{
    ssize_t rc = write(STDOUT_FILENO, s, strlen(s));
    (void)rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    leak(atol(argv[1]));
    for (int a = 2; a < argc; a++) {
        if (strcmp(argv[a], "fork") == 0 && a + 1 < argc) {
            long m = atol(argv[++a]);
            pid_t pid = fork();
            if (pid == 0) {
                leak(m);
                exit(0);
            }
            waitpid(pid, NULL, 0);
        } else if (strcmp(argv[a], "try") == 0 && a + 1 < argc) {
            long k = atol(argv[++a]), failed = 0;
            uint64_t h = 1469598103934665603ULL;
            for (long i = 0; i < k; i++) {
                void *volatile p = malloc(32);
                if (!p) {
                    failed++;
                    h = (h ^ (uint64_t)i) * 1099511628211ULL;
                }
                free(p);
            }
            char line[96];
            snprintf(line, sizeof line, "failed %ld pattern %016llx\n", failed,
                     (unsigned long long)h);
            say(line);
        } else if (strcmp(argv[a], "wait") == 0) {
            char c;
            say("ready\n");
            ssize_t rc = read(STDIN_FILENO, &c, 1);
            (void)rc;
        } else {
            return 2;
        }
    }
    return 0;
}
