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

_Static_assert(MMU_MAX_CPUS == ARCH_MAX_CPUS, "one MMU state per CPU");

unsigned mmu_env_cpu(void)
{
    return arch_cpu_id();
}
