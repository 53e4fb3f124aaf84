/* vgmark.h - the worker's side of the valgrind pass: a leak search taken
 * before teardown, marked so the parser can tell it from the one at exit.
 *
 * Valgrind's own leak search runs at exit, after the workload's teardown
 * has freed what it held: a global map that only grew is gone by then.  So
 * the worker, when it runs under memcheck, asks for a full leak search
 * (VALGRIND_DO_LEAK_CHECK) once the iterations have finished and before
 * teardown, announced by a client message (VALGRIND_PRINTF, a <clientmsg>
 * in the XML) and followed by another that opens the search at exit:
 *
 *   <clientmsg> DRIP_VG_BEFORE_TEARDOWN </clientmsg>  records of the search before teardown
 *   <clientmsg> DRIP_VG_AT_EXIT </clientmsg>          records of valgrind's search at exit
 *
 * vgxml.c labels each search with the message before it.
 */
#ifndef DRIP_VGMARK_H
#define DRIP_VGMARK_H

#define DRIP_VG_BEFORE_TEARDOWN "drip: leak search before teardown"
#define DRIP_VG_AT_EXIT         "drip: teardown; the next leak search is at exit"

/* Outside valgrind (or without memcheck's header at build time) this does
 * nothing; under memcheck it runs a full leak search.  Call it with the
 * iteration threads joined.  Cannot fail. */
void drip_vg_mark_before_teardown(void);

#endif /* DRIP_VGMARK_H */
