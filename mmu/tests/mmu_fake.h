/*
 * Test doubles for the MMU handler's hooks: simulated physical memory for
 * mmu_env_* (a pool of 4 KiB frames at a non-zero physical base, with counters
 * and an injectable allocation failure) and a recorder for mmu_hw_*. Plus
 * x86-specific helpers that build loader tables and find simulated entries.
 */
#ifndef MMU_FAKE_H
#define MMU_FAKE_H

#include "mmu.h"
#include "mmu_x86_64.h"

#define FAKE_PHYS_BASE 0x40000000ULL /* physical address of frame 0 */
#define FAKE_FRAMES 4608u            /* enough for 4095 PCID spaces and the kernel */
#define FAKE_LOG_MAX 64u

/* Counters of the simulated environment since the last fake_env_reset. */
struct fake_env_stats {
    unsigned allocs;  /* successful mmu_env_table_alloc calls */
    unsigned frees;   /* mmu_env_table_free calls */
    unsigned live;    /* frames currently allocated */
    unsigned lookups; /* mmu_env_phys_to_virt calls */
};

/* Make every frame free, zero the counters, disable failure injection. */
void fake_env_reset(void);
/* Let @n more allocations succeed, then fail them all; -1 never fails. */
void fake_env_fail_after(int n);
struct fake_env_stats fake_env_stats(void);
/* True when @pa is a frame of the pool that is currently allocated. */
bool fake_env_is_live(paddr_t pa);

/* Several CPUs: fake_cpu runs the code, fake_cpus (bit i: CPU i) run; fake_env_reset sets
 * one CPU and forgets the shootdowns. */
#define FAKE_SHOOTDOWNS 16
struct fake_shootdown {
    uint32_t cpus;
    struct mmu_space *space;
    vaddr_t va;
};
extern unsigned fake_cpu;
extern uint32_t fake_cpus;
extern struct fake_shootdown fake_shootdowns[FAKE_SHOOTDOWNS];
extern unsigned fake_shootdown_count;
/* Batches sent (mmu_env_shootdown_batch): the CPUs of each, how many, the last one. */
extern uint32_t fake_batch_cpus[FAKE_SHOOTDOWNS];
extern unsigned fake_batch_count;
extern const struct mmu_batch *fake_batch_last;

/* What the code under test did to the (fake) hardware. */
struct fake_hw {
    bool has_pcid;     /* answer of mmu_hw_has_pcid */
    bool pcid_enabled; /* mmu_hw_enable_pcid was called */
    uint64_t cr3;      /* last value written */
    unsigned cr3_writes;
    vaddr_t invlpg[FAKE_LOG_MAX];
    unsigned invlpgs; /* total calls, the log keeps the first FAKE_LOG_MAX */
};
extern struct fake_hw fake_hw;
void fake_hw_reset(bool has_pcid);
bool fake_hw_invlpg_seen(vaddr_t va);

/* Test-only x86 knowledge: tables as the UEFI loader leaves them. */
#define LOADER_DIRECT_PAGES 8u /* 2 MiB leaves mapping physical 0..16 MiB */
struct fake_loader {
    paddr_t pml4;
    paddr_t pdpt; /* shared by PML4[0] (identity) and PML4[256] (direct map) */
    paddr_t pd;   /* PDPT[0]: LOADER_DIRECT_PAGES 2 MiB leaves */
};
struct fake_loader fake_loader_build(void);
/* Reset env and hw, build loader tables and run mmu_init; returns the loader tables. */
struct fake_loader fake_setup(bool has_pcid, bool allow_pcid);
/* The simulated table at @pa. */
uint64_t *fake_table(paddr_t pa);
/* The PT entry for @va under @root, or NULL when a table on the way is missing. */
uint64_t *fake_pte(paddr_t root, vaddr_t va);

#endif
