/* fuzz.h - what the fuzz targets share (tests/fuzz, docs/TESTING.md).
 *
 * Each target is one libFuzzer entry point over one of Drip's readers of
 * untrusted text.  A finding is a crash, an ASan or UBSan report, a leak
 * (LeakSanitizer runs after every input) or a broken round trip, which a
 * target reports with fuzz_fail() (abort: libFuzzer saves the input).
 */
#ifndef DRIP_FUZZ_H
#define DRIP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Report a broken invariant and abort (libFuzzer keeps the input). */
static inline void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz: %s\n", what);
    abort();
}

/* data[0..size) as a NUL-terminated malloc'd string (NULs inside kept). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        fuzz_fail("out of memory");
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Split the input at its first newline: the first line (malloc'd, NUL-
 * terminated) into *head; the rest is data[*rest_off..size). */
static inline char *fuzz_head(const uint8_t *data, size_t size, size_t *rest_off)
{
    const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
    size_t n = nl ? (size_t)(nl - data) : size;
    *rest_off = nl ? n + 1 : size;
    return fuzz_strndup(data, n);
}

#endif /* DRIP_FUZZ_H */
