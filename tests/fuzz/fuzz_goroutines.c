/* fuzz_goroutines.c - the goroutine-profile reader (scrape/goroutines.c),
 * what Drip reads from a Go program's /debug/pprof/goroutine?debug=1.
 * The input's byte 0 is the number of frames kept per stack (0 to 15);
 * the rest is the page, handed over in a buffer of exactly its length (no
 * NUL after it, as a reader of len bytes must expect).  Also checks: the
 * stacks come most goroutines first, each with its frames string. */
#include "fuzz.h"

#include "scrape/goroutines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t max_frames = data[0] & 15, len = size - 1;
    char *page = malloc(len ? len : 1);          /* exactly the page: ASan sees overreads */
    if (!page)
        fuzz_fail("out of memory");
    if (len)
        memcpy(page, data + 1, len);
    drip_goroutine_stack *st = NULL;
    size_t n = 0;
    char *err = NULL;
    if (drip_goroutines_parse(page, len, max_frames, &st, &n, &err) == 0) {
        if (err)
            fuzz_fail("an error message after success");
        for (size_t i = 0; i < n; i++) {
            if (!st[i].frames)
                fuzz_fail("a stack without its frames string");
            if (i && st[i - 1].count < st[i].count)
                fuzz_fail("stacks not sorted by count");
            if (max_frames == 0 && st[i].frames[0])
                fuzz_fail("frames kept beyond max_frames");
        }
    } else if (st || n) {
        fuzz_fail("a failed parse left stacks");
    }
    drip_goroutines_free(st, n);
    free(err);
    free(page);
    return 0;
}
