/* fuzz_results_json.c - results.json's reader (results/json_read.c).
 *
 * Whatever it accepts, the writer must write, and what it wrote must read
 * back and write again to the same bytes (the reader is the writer's
 * mirror: results/json.h). */
#include "fuzz.h"

#include "results/json.h"

/* Decode text into a fresh run and write it again: the text (malloc'd), or
 * NULL when the decoder refused it. */
static char *reread(const char *text, size_t len, size_t *outlen)
{
    drip_run_results run = {0};
    uint64_t *nsamples = NULL;
    char *err = NULL;
    char *out = NULL;
    if (drip_results_json_decode(text, len, "fuzz.json", &run, &nsamples, &err) == 0)
        out = drip_results_json_text(&run, outlen);
    drip_run_results_free(&run);
    free(nsamples);
    free(err);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len1 = 0, len2 = 0;
    char *once = reread((const char *)data, size, &len1);
    if (!once)
        return 0;
    char *twice = reread(once, len1, &len2);
    if (!twice) {
        fprintf(stderr, "%s", once);
        fuzz_fail("results.json written from an accepted input does not read back");
    }
    if (len1 != len2 || memcmp(once, twice, len1) != 0) {
        fprintf(stderr, "--- first\n%s--- second\n%s", once, twice);
        fuzz_fail("results.json read back writes different bytes");
    }
    free(once);
    free(twice);
    return 0;
}
