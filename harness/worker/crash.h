/* crash.h - the worker's last words when the workload crashes.
 *
 * A run worker arms this once its workload is loaded: SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL and SIGABRT then send the faulting thread's stack to the
 * runner (`crashmod` and `crash` lines, protocol.h) and die of the signal
 * as before, so the runner still sees the crash in the exit status.
 */
#ifndef DRIP_WORKER_CRASH_H
#define DRIP_WORKER_CRASH_H

/* Snapshot the files mapped now (the executable, libraries, the plugin:
 * their paths, load biases and address ranges), give the calling thread
 * an alternate signal stack, and install the handlers, which write to fd.
 * Returns 0, or -1 when the handlers could not be installed (the crash
 * is then reported as before, without a stack).  Call once, before the
 * workload's setup. */
int drip_crash_arm(int fd);

/* Give the calling thread an alternate signal stack (a stack overflow
 * can then still be reported); the worker's iteration threads call it
 * first and drip_crash_thread_end(what it returned) before they return.
 * Returns the stack, or NULL when none could be set up (the handler then
 * runs on the thread's own stack). */
void *drip_crash_thread(void);
void drip_crash_thread_end(void *stack);

#endif /* DRIP_WORKER_CRASH_H */
