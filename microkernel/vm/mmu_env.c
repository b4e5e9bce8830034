/*
 * The environment the MMU handler runs in: page-table frames come from the
 * frame allocator and physical memory is reached through the direct map.
 */
#include <arch/arch.h>
#include <lib/lib.h>
#include <mmu.h>
#include <vm/frame.h>

paddr_t mmu_env_table_alloc(void)
{
    return frame_alloc_zeroed(FRAME_TABLE, NULL);
}

void mmu_env_table_free(paddr_t pa, bool zeroed)
{
    if (zeroed)
        frame_free_zeroed(pa);
    else
        frame_free(pa);
}

void *mmu_env_phys_to_virt(paddr_t pa)
{
    return phys_to_virt(pa);
}

struct mmu_space *mmu_env_loaded(void)
{
    return (struct mmu_space *)(uintptr_t)arch_cpu_word(ARCH_CPU_SPACE);
}

void mmu_env_set_loaded(struct mmu_space *space)
{
    arch_cpu_word_set(ARCH_CPU_SPACE, (uintptr_t)space);
}

unsigned mmu_env_cpu(void)
{
    return arch_cpu_id();
}

uint32_t mmu_env_cpus(void)
{
    return arch_cpus_running();
}

/* On a CPU of a shootdown, in its interrupt. */
static void shootdown_call(void *space, uint64_t va)
{
    mmu_shootdown(space, va);
}

void mmu_env_shootdown(uint32_t cpus, struct mmu_space *space, vaddr_t va)
{
    _Static_assert(ARCH_MAX_CPUS <= 32, "a CPU is a bit of a 32-bit mask");
    arch_cpu_call(cpus, shootdown_call, space, va);
}

/* On a CPU of a batch's shootdown, in its interrupt. */
static void shootdown_batch_call(void *batch, uint64_t unused)
{
    (void)unused;
    mmu_shootdown_batch(batch);
}

void mmu_env_shootdown_batch(uint32_t cpus, const struct mmu_batch *batch)
{
    arch_cpu_call(cpus, shootdown_batch_call, (void *)batch, 0);
}
