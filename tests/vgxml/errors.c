/* errors.c - a hand-built program with memory errors, for test_vgxml:
 * an invalid read (one past a heap block), a conditional jump on an
 * uninitialised value, and an invalid free (a pointer into a block).
 * Leak-free otherwise, so its LEAK SUMMARY is all zero (or absent).
 */
#include <stdio.h>
#include <stdlib.h>

static int read_past_end(void)
{
    int *a = malloc(4 * sizeof *a);
    for (int i = 0; i < 4; i++)
        a[i] = i;
    int v = a[4];              /* invalid read of size 4 */
    free(a);
    return v;
}

static int branch_on_uninit(void)
{
    int *b = malloc(sizeof *b);  /* never written */
    int r = 0;
    if (*b > 0)                /* conditional jump depends on uninitialised value */
        r = 1;
    free(b);
    return r;
}

static void free_interior(void)
{
    char *c = malloc(32);
    free(c + 8);               /* invalid free */
    free(c);
}

int main(void)
{
    int x = read_past_end();
    int y = branch_on_uninit();
    free_interior();
    printf("%d %d\n", x != 12345, y >= 0);
    return 0;
}
