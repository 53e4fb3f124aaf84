/* leaks.c - a hand-built program with every kind of leak, for test_vgxml.
 *
 * Exact sizes matter: test_vgxml compares the parsed totals with valgrind's
 * own text LEAK SUMMARY, so each kind gets several blocks of different sizes.
 *   definitely lost: 4 parents (16, 24, 40, 16 bytes), each owning two children
 *   indirectly lost: the 8 children (32+48, 64+80, 96+112, 1500+2500 bytes;
 *                    the last record reads "4,016 (16 direct, 4,000 indirect)")
 *   possibly lost:   2 blocks (200, 1000 bytes) held only by interior pointers
 *   still reachable: 3 blocks (100, 1024, 2048 bytes) held by a global
 * Built with -O0 so the compiler keeps every store.
 */
#include <stdlib.h>
#include <string.h>

struct parent {
    void *child[2];
};

static void *reachable[3];     /* still reachable: the globals point at them */
static char *interior[2];      /* possibly lost: only points into the middle */

static void lose_parent(size_t size, size_t a, size_t b)
{
    struct parent *p = malloc(size < sizeof *p ? sizeof *p : size);
    p->child[0] = malloc(a);
    p->child[1] = malloc(b);
    memset(p->child[0], 1, a);
    memset(p->child[1], 2, b);
    p = NULL;                  /* the only pointer to the parent is gone */
}

static void keep_interior(int i, size_t size)
{
    char *q = malloc(size);
    memset(q, 3, size);
    interior[i] = q + size / 2;
}

static void keep_reachable(int i, size_t size)
{
    reachable[i] = malloc(size);
    memset(reachable[i], 4, size);
}

int main(void)
{
    lose_parent(16, 32, 48);
    lose_parent(24, 64, 80);
    lose_parent(40, 96, 112);
    lose_parent(16, 1500, 2500);
    keep_interior(0, 200);
    keep_interior(1, 1000);
    keep_reachable(0, 100);
    keep_reachable(1, 1024);
    keep_reachable(2, 2048);
    return 0;
}
