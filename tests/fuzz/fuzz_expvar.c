/* fuzz_expvar.c - the expvar JSON reader (scrape/expvar.c).  The input's
 * first line is a dotted path, the rest a /debug/vars document. */
#include "fuzz.h"

#include "scrape/expvar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off;
    char *path = fuzz_head(data, size, &off);
    char *err1 = NULL, *err2 = NULL, *err3 = NULL;
    drip_expvar_doc *doc = drip_expvar_parse((const char *)data + off, size - off, &err1);
    drip_expvar_path_check(path, &err2);
    double v;
    if (doc)
        drip_expvar_lookup(doc, path, &v, &err3);
    drip_expvar_free(doc);
    free(err1);
    free(err2);
    free(err3);
    free(path);
    return 0;
}
