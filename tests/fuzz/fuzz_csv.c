/* fuzz_csv.c - a scenario's samples CSV (report/read_csv.c). */
#include "fuzz.h"

#include "report/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char empty[1];
    /* fmemopen refuses a zero size on some libcs: an empty file is one
     * byte of a buffer read to its length 0 by "r" mode with no data. */
    FILE *f = size ? fmemopen((void *)data, size, "r") : fmemopen((void *)empty, 1, "r");
    if (!f)
        fuzz_fail("fmemopen");
    if (!size)
        fseek(f, 1, SEEK_SET);
    drip_result r = {0};
    char *err = NULL;
    drip_results_read_csv_stream(f, "fuzz.csv", &r, &err);
    fclose(f);
    drip_result_free(&r);
    free(err);
    return 0;
}
