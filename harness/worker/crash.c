/* crash.c - report a crashing workload's stack from the signal handler.
 *
 * Why raw addresses, named by the runner: the handler runs in a process
 * whose heap may be what broke (a double free faults inside free() with
 * malloc's lock held), so it must not allocate, and naming addresses
 * (libdwfl reading DWARF line tables) allocates a lot.  The handler only
 * unwinds (libunwind, without malloc: drip_stack_walk_signal), maps each
 * address to the file it lies in with a table made when the worker was
 * armed (dl_iterate_phdr then, in ordinary context), and writes the files
 * and addresses with the protocol's signal-safe formatter.  The runner
 * opens the same files at the same load biases and names the frames
 * (symbols.h: drip_symbols_open_files), after the worker is gone.
 *
 * The handlers run on an alternate stack where one was set up (the main
 * thread, the iteration threads), so a stack overflow is reported too;
 * threads the workload starts use their own stack.  SA_RESETHAND: the
 * handler runs once per signal, then raises the signal again with the
 * default action, and the worker dies of it as it would have.  A second
 * thread crashing meanwhile waits for that.
 */
#define _GNU_SOURCE
#include "crash.h"

#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protocol.h"
#include "symbols/symbols.h"

#define MODULES_MAX 256
#define ALTSTACK_SIZE (128 * 1024)   /* libunwind's stepping needs some room */

typedef struct module {
    uintptr_t lo, hi;            /* the PT_LOAD segments' extent */
    uintptr_t bias;              /* dlpi_addr */
    char      path[PATH_MAX];
} module;

static module       *modules;    /* made at arm time, read by the handler */
static size_t        nmodules;
static int           crash_fd = -1;
static atomic_int    crashing;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

/* ---- the table of mapped files (ordinary context) ------------------------------ */

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    if (nmodules == MODULES_MAX)
        return 1;
    module *m = &modules[nmodules];
    m->lo = UINTPTR_MAX;
    m->hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        m->lo = lo < m->lo ? lo : m->lo;
        m->hi = hi > m->hi ? hi : m->hi;
    }
    m->bias = info->dlpi_addr;
    if (info->dlpi_name && info->dlpi_name[0]) {
        size_t n = strlen(info->dlpi_name);
        if (n >= sizeof m->path)
            return 0;
        memcpy(m->path, info->dlpi_name, n + 1);
    } else {                                     /* the executable */
        ssize_t n = readlink("/proc/self/exe", m->path, sizeof m->path - 1);
        if (n <= 0)
            return 0;
        m->path[n] = '\0';
    }
    if (m->lo < m->hi && access(m->path, R_OK) == 0)   /* not the vDSO */
        nmodules++;
    return 0;
}

/* ---- the handler (async-signal-safe from here on) ------------------------------ */

static const module *module_of(uintptr_t pc)
{
    for (size_t i = 0; i < nmodules; i++)
        if (pc >= modules[i].lo && pc < modules[i].hi)
            return &modules[i];
    return NULL;
}

/* The crashmod lines of the files the stack passes through, each once,
 * then the crash line. */
static void send_stack(int sig, void *const *pcs, int n)
{
    const module *sent[DRIP_PROTO_CRASH_FRAMES];
    size_t nsent = 0;
    drip_proto_msg m = {.kind = DRIP_PROTO_CRASHMOD};
    for (int i = 0; i < n; i++) {
        const module *mod = module_of((uintptr_t)pcs[i]);
        bool seen = !mod;
        for (size_t k = 0; k < nsent && !seen; k++)
            seen = sent[k] == mod;
        if (seen)
            continue;
        sent[nsent++] = mod;
        m.u.crashmod.base = mod->bias;
        m.u.crashmod.path = mod->path;
        (void)drip_proto_send(crash_fd, &m);
    }
    drip_proto_msg c = {.kind = DRIP_PROTO_CRASH};
    c.u.crash.signo = sig;
    for (int i = 0; i < n; i++)
        c.u.crash.pcs[i] = (uint64_t)(uintptr_t)pcs[i];
    c.u.crash.npcs = (size_t)n;
    (void)drip_proto_send(crash_fd, &c);
}

static void on_crash(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    if (atomic_exchange(&crashing, 1)) {         /* another thread is reporting */
        for (;;)
            pause();                             /* until its signal ends us all */
    }
    void *pcs[DRIP_PROTO_CRASH_FRAMES];
    int n = drip_stack_walk_signal(uc, pcs, DRIP_PROTO_CRASH_FRAMES);
    send_stack(sig, pcs, n);
    /* SA_RESETHAND made the action the default one: raised again, the
     * signal is pending until we return, and then kills the worker (a
     * fault returned to faults again, with the same result) */
    raise(sig);
}

/* ---- arming ---------------------------------------------------------------------- */

/* mmap'd, not malloc'd: neither the counting allocator nor valgrind's
 * leak search (the valgrind pass) may take the harness's stacks for the
 * workload's memory. */
void *drip_crash_thread(void)
{
    void *mem = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    stack_t ss = {.ss_sp = mem, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(mem, ALTSTACK_SIZE);
        return NULL;
    }
    return mem;
}

void drip_crash_thread_end(void *stack)
{
    if (!stack)
        return;
    stack_t ss = {.ss_flags = SS_DISABLE};
    if (sigaltstack(&ss, NULL) == 0)
        munmap(stack, ALTSTACK_SIZE);
}

int drip_crash_arm(int fd)
{
    crash_fd = fd;
    if (!modules) {                               /* for the life of the process */
        void *mem = mmap(NULL, MODULES_MAX * sizeof *modules, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        modules = mem == MAP_FAILED ? NULL : mem;
    }
    if (modules) {
        nmodules = 0;
        dl_iterate_phdr(add_module, NULL);
    }
    static char main_stack[ALTSTACK_SIZE];        /* the main thread's, for good */
    stack_t ss = {.ss_sp = main_stack, .ss_size = sizeof main_stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    int rc = 0;
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
        if (sigaction(crash_signals[i], &sa, NULL) != 0)
            rc = -1;
    return rc;
}
