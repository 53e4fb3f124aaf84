/* cgroup.h - cgroup v2 leaves for proc.c (internal to the proc module). */
#ifndef DRIP_PROC_CGROUP_H
#define DRIP_PROC_CGROUP_H

#include <stdbool.h>

/* Can leaves be made under this process's cgroup v2 directory, with a
 * cgroup.kill?  Decided once; later calls return the first answer. */
bool drip__cgroup_probe(void);

/* Make a new leaf: its path (malloc'd), a directory fd and its
 * cgroup.procs opened for writing (both close-on-exec).  Returns 0, or -1
 * with nothing made. */
int drip__cgroup_new(char **path, int *dirfd, int *procs_fd);

/* Kill every member of the leaf at once (cgroup.kill). */
void drip__cgroup_kill(int dirfd);

/* Close dirfd and remove the leaf (waiting briefly for its last members
 * to leave); frees path.  Either may be -1 / NULL. */
void drip__cgroup_remove(char *path, int dirfd);

#endif /* DRIP_PROC_CGROUP_H */
