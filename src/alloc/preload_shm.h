/* preload_shm.h - the counters of a program running with Drip's preloaded
 * allocator (libdrip_preload.so), shared with whoever started it.
 *
 * With DRIP_PRELOAD_SHM=FILE in its environment, the preloaded allocator
 * keeps its counters in FILE (a file under /dev/shm, say), mapped shared:
 * the block below, at offset 0.  Another process - Drip's runner - maps
 * FILE read-only and sums them whenever it likes with
 * drip_preload_shm_read, without stopping the program or asking it
 * anything.  The same file carries fault-injection settings the other way
 * (written before the program starts).  docs/ALLOCATOR.md, "Preloading",
 * says how the file is claimed, shared with children and released.
 *
 * Layout, version 1 (little-endian, x86-64; every counter a 64-bit word
 * the program updates with single-copy atomic stores, so a reader sees
 * each one whole):
 *
 *   offset 0      drip_shm_header, padded to 4096 bytes
 *   offset 4096   DRIP_SHM_SLOTS slots of 64 bytes: one per thread of the
 *                 program at a time (a thread's slot is reused by later
 *                 threads without being zeroed: slots hold deltas, only
 *                 their sum means anything, and it may be negative in one)
 *
 * The file is DRIP_SHM_SIZE bytes.  Creating it, sized and zeroed, before
 * the program starts lets the reader map it at once (a file of size 0 is
 * sized by the program).  Header only: no library to link.
 */
#ifndef DRIP_PRELOAD_SHM_H
#define DRIP_PRELOAD_SHM_H

#include <stddef.h>
#include <stdint.h>

#define DRIP_SHM_MAGIC       0x314d485350495244ULL   /* "DRIPSHM1" */
#define DRIP_SHM_VERSION     1u
#define DRIP_SHM_HEADER_SIZE 4096u
#define DRIP_SHM_SLOTS       4096u
#define DRIP_SHM_SLOT_SIZE   64u
#define DRIP_SHM_SIZE        ((size_t)DRIP_SHM_HEADER_SIZE + \
                              (size_t)DRIP_SHM_SLOTS * DRIP_SHM_SLOT_SIZE)

typedef struct drip_shm_header {
    uint64_t magic;          /* DRIP_SHM_MAGIC once a program has claimed it */
    uint32_t version;        /* DRIP_SHM_VERSION */
    uint32_t header_size;    /* DRIP_SHM_HEADER_SIZE */
    uint32_t slot_size;      /* DRIP_SHM_SLOT_SIZE */
    uint32_t nslots;         /* DRIP_SHM_SLOTS */
    int32_t  owner_pid;      /* the process counting into the file; 0: none yet */
    uint32_t slots_high;     /* slots [0, slots_high) were ever used */
    uint64_t global_bytes;   /* the fallback counters (threads without a slot) */
    uint64_t global_allocs;
    uint64_t global_frees;
    uint64_t peak_bytes;     /* highest live_bytes seen (exact for one thread) */
    /* Fault injection, read once when the program claims the file (its
     * DRIP_PRELOAD_FAULT_RATE and DRIP_PRELOAD_SEED win): the allocation
     * fault point fires with this probability; decisions follow from
     * (seed, thread number, the thread's allocation ordinal). */
    double   fault_rate;     /* 0..1; 0: off */
    uint64_t fault_seed;
    uint64_t faults_fired;   /* allocations failed so far */
    /* The allocation-site profile (DRIP_PRELOAD_PROFILE): the reader
     * raises prof_request to ask for a snapshot of the sites; the
     * program's helper thread writes it to PROFILE.N (N the request) and
     * then sets prof_done to N.  0: none asked yet. */
    uint64_t prof_request;
    uint64_t prof_done;
} drip_shm_header;

typedef struct drip_shm_slot {
    uint64_t bytes;          /* live requested bytes, a delta (two's complement) */
    uint64_t allocs;         /* allocations counted (realloc: one) */
    uint64_t frees;          /* frees counted (realloc: one) */
    int32_t  in_use;         /* a live thread owns the slot */
    int32_t  pad_;
    uint64_t private_[4];    /* the program's own */
} drip_shm_slot;

_Static_assert(sizeof(drip_shm_header) <= DRIP_SHM_HEADER_SIZE, "header fits its page");
_Static_assert(sizeof(drip_shm_slot) == DRIP_SHM_SLOT_SIZE, "a slot is 64 bytes");

/* What drip_preload_shm_read gives: the program's counters summed. */
typedef struct drip_preload_counts {
    int64_t  live_bytes;     /* requested bytes of blocks not yet freed */
    int64_t  live_objects;   /* allocs - frees */
    uint64_t allocs, frees;
    uint64_t peak_bytes;
    uint64_t faults_fired;
    int32_t  owner_pid;
} drip_preload_counts;

/* Sum the counters in map (len bytes of FILE, mapped read-only) into *out.
 * Returns 0, or -1 when no program has claimed the file yet or its layout
 * is not this one (out untouched).  Safe at any time while the program
 * runs: each counter is read whole, but the sum is not a snapshot across
 * threads (a block moving between threads may be seen twice or not at
 * all); read between units of work for exact numbers.  Never allocates. */
static inline int drip_preload_shm_read(const void *map, size_t len, drip_preload_counts *out)
{
    const drip_shm_header *h = (const drip_shm_header *)map;
    if (!map || len < DRIP_SHM_SIZE ||
        __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != DRIP_SHM_MAGIC ||
        h->version != DRIP_SHM_VERSION || h->header_size != DRIP_SHM_HEADER_SIZE ||
        h->slot_size != DRIP_SHM_SLOT_SIZE || h->nslots != DRIP_SHM_SLOTS)
        return -1;
    const drip_shm_slot *slots =
        (const drip_shm_slot *)((const char *)map + DRIP_SHM_HEADER_SIZE);
    uint32_t high = __atomic_load_n(&h->slots_high, __ATOMIC_ACQUIRE);
    if (high > DRIP_SHM_SLOTS)
        high = DRIP_SHM_SLOTS;
    uint64_t bytes = __atomic_load_n(&h->global_bytes, __ATOMIC_RELAXED);
    uint64_t allocs = __atomic_load_n(&h->global_allocs, __ATOMIC_RELAXED);
    uint64_t frees = __atomic_load_n(&h->global_frees, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < high; i++) {
        bytes += __atomic_load_n(&slots[i].bytes, __ATOMIC_RELAXED);
        allocs += __atomic_load_n(&slots[i].allocs, __ATOMIC_RELAXED);
        frees += __atomic_load_n(&slots[i].frees, __ATOMIC_RELAXED);
    }
    out->live_bytes = (int64_t)bytes;
    out->live_objects = (int64_t)(allocs - frees);
    out->allocs = allocs;
    out->frees = frees;
    out->peak_bytes = __atomic_load_n(&h->peak_bytes, __ATOMIC_RELAXED);
    out->faults_fired = __atomic_load_n(&h->faults_fired, __ATOMIC_RELAXED);
    out->owner_pid = __atomic_load_n(&h->owner_pid, __ATOMIC_RELAXED);
    return 0;
}

#endif /* DRIP_PRELOAD_SHM_H */
