/* alloc_usable.c - malloc_usable_size for blocks that are glibc's.
 *
 * In pass-through mode (DRIP_ALLOC=off, or valgrind's malloc underneath)
 * a block has no Drip header, and only glibc's (or valgrind's)
 * malloc_usable_size knows its size.  glibc has no __libc_ name for it and
 * dlsym may allocate, so it is looked up once in the dynamic symbol table
 * of the first loaded object that defines it, other than the one holding
 * this file.  libc only; never calls malloc.
 */
#define _GNU_SOURCE
#include "alloc_usable.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

typedef size_t (*usable_fn)(void *);

struct usable_lookup {
    uintptr_t self;    /* an address inside the object holding this file */
    usable_fn found;
};

static uint32_t drip__alloc_gnu_hash(const char *s)
{
    uint32_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static uint32_t drip__alloc_sysv_hash(const char *s)
{
    uint32_t h = 0;
    for (; *s; s++) {
        h = (h << 4) + (unsigned char)*s;
        uint32_t g = h & 0xf0000000u;
        h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

static const ElfW(Sym) *drip__alloc_elf_lookup(const char *name, const ElfW(Sym) *symtab,
                                   const char *strtab, const uint32_t *gnu,
                                   const uint32_t *sysv)
{
    if (gnu) {
        uint32_t nbuckets = gnu[0], symoffset = gnu[1], bloom_words = gnu[2];
        const uint32_t *buckets =
            (const uint32_t *)((const ElfW(Addr) *)(gnu + 4) + bloom_words);
        const uint32_t *chain = buckets + nbuckets;
        uint32_t h = drip__alloc_gnu_hash(name);
        uint32_t i = nbuckets ? buckets[h % nbuckets] : 0;
        if (i < symoffset)
            return NULL;
        for (;; i++) {
            uint32_t h2 = chain[i - symoffset];
            if ((h | 1) == (h2 | 1) && strcmp(strtab + symtab[i].st_name, name) == 0)
                return &symtab[i];
            if (h2 & 1)
                return NULL;
        }
    }
    if (sysv) {
        uint32_t nbucket = sysv[0];
        const uint32_t *bucket = sysv + 2, *chain = bucket + nbucket;
        uint32_t first = nbucket ? bucket[drip__alloc_sysv_hash(name) % nbucket] : 0;
        for (uint32_t i = first; i; i = chain[i])
            if (strcmp(strtab + symtab[i].st_name, name) == 0)
                return &symtab[i];
    }
    return NULL;
}

static int drip__alloc_usable_lookup_cb(struct dl_phdr_info *info, size_t len, void *arg)
{
    struct usable_lookup *lk = arg;
    const ElfW(Dyn) *dyn = NULL;
    (void)len;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && lk->self >= start && lk->self - start < ph->p_memsz)
            return 0;                          /* that is us: look further */
        if (ph->p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
    }
    if (!dyn)
        return 0;

    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const uint32_t *gnu = NULL, *sysv = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = dyn->d_un.d_ptr;
        if (p < info->dlpi_addr)               /* not relocated by ld.so (vdso) */
            p += info->dlpi_addr;
        switch (dyn->d_tag) {
        case DT_SYMTAB:   symtab = (const ElfW(Sym) *)p; break;
        case DT_STRTAB:   strtab = (const char *)p; break;
        case DT_GNU_HASH: gnu = (const uint32_t *)p; break;
        case DT_HASH:     sysv = (const uint32_t *)p; break;
        default: break;
        }
    }
    if (!symtab || !strtab || (!gnu && !sysv))
        return 0;
    const ElfW(Sym) *s = drip__alloc_elf_lookup("malloc_usable_size", symtab, strtab, gnu, sysv);
    if (!s || s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC)
        return 0;
    lk->found = (usable_fn)(info->dlpi_addr + s->st_value);
    return 1;
}

size_t drip__alloc_usable_passthrough(void *p)
{
    static _Atomic(usable_fn) cached;
    static _Atomic int looked_up;
    usable_fn fn = atomic_load_explicit(&cached, memory_order_acquire);
    if (!fn && !atomic_load_explicit(&looked_up, memory_order_acquire)) {
        struct usable_lookup lk = { (uintptr_t)&drip__alloc_usable_lookup_cb, NULL };
        dl_iterate_phdr(drip__alloc_usable_lookup_cb, &lk);
        fn = lk.found;
        atomic_store_explicit(&cached, fn, memory_order_release);
        atomic_store_explicit(&looked_up, 1, memory_order_release);
    }
    return fn ? fn(p) : 0;    /* 0 if not found: too small is safe, too big is not */
}
