/* supp.h - the valgrind suppressions Drip ships for its own runtime.
 *
 * harness/valgrind/drip-runtime.supp, embedded in the binary at build time
 * (cmake/embed_file.cmake) so that an installed drip needs no data file:
 * the valgrind pass writes it into the report folder and passes it to every
 * valgrind run.  Each entry says in a comment why it is there.
 */
#ifndef DRIP_VG_SUPP_H
#define DRIP_VG_SUPP_H

#include <stddef.h>

extern const char drip_vg_runtime_supp[];     /* NUL-terminated */
extern const size_t drip_vg_runtime_supp_len;

#endif /* DRIP_VG_SUPP_H */
