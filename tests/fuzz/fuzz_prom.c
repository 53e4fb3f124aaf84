/* fuzz_prom.c - the Prometheus text exposition reader (scrape/prom.c).
 * The input's first line is a selector, the rest a /metrics page. */
#include "fuzz.h"

#include "scrape/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off;
    char *selector = fuzz_head(data, size, &off);
    drip_prom_doc doc = {0};
    drip_prom_selector sel = {0};
    char *err1 = NULL, *err2 = NULL, *err3 = NULL;
    int page = drip_prom_parse((const char *)data + off, size - off, &doc, &err1);
    int s = drip_prom_selector_parse(selector, &sel, &err2);
    double v;
    if (page == 0 && s == 0)
        drip_prom_lookup(&doc, &sel, &v, &err3);
    drip_prom_doc_free(&doc);
    drip_prom_selector_free(&sel);
    free(err1);
    free(err2);
    free(err3);
    free(selector);
    return 0;
}
