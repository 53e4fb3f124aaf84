/* procfs.h - what /proc says about a process: resident memory, threads,
 * open file descriptors.
 *
 * The worker's sampler reads its own process (pid 0), the runner a
 * worker's resident memory (its backstop against memory the counters do
 * not see), and an external program's samples come from its /proc/PID.
 * None of these allocate, so they are safe on any thread at any time,
 * with the counting allocator on or off.
 */
#ifndef DRIP_PROCFS_H
#define DRIP_PROCFS_H

#include <sys/types.h>

/* Each returns -1 when /proc cannot be read (the process is gone, or no
 * /proc); pid 0 means this process. */
long drip_procfs_rss_bytes(pid_t pid);
long drip_procfs_threads(pid_t pid);
long drip_procfs_fds(pid_t pid);

#endif /* DRIP_PROCFS_H */
