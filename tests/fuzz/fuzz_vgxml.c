/* fuzz_vgxml.c - valgrind memcheck's XML (valgrind/vgxml.c), and the
 * queries made of a parsed report. */
#include "fuzz.h"

#include "valgrind/vgxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char empty[1];
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fmemopen((void *)empty, 1, "rb");
    if (!f)
        fuzz_fail("fmemopen");
    if (!size)
        fseek(f, 1, SEEK_SET);
    drip_vg_report r;
    drip_vg_parse_stream(f, &r);
    fclose(f);
    const drip_vg_leak *top[4];
    for (size_t s = 0; s <= r.nsearches; s++)
        for (int k = 0; k < VG_NKINDS; k++)
            drip_vg_top_leaks_in(&r, s, (drip_vg_kind)k, top, 4);
    drip_vg_top_leaks(&r, VG_DEFINITELY, top, 1);
    drip_vg_find_search(&r, "a");
    drip_vg_report_free(&r);
    return 0;
}
