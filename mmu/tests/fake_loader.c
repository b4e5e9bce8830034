/*
 * x86-specific helpers for the MMU handler's host tests: build page tables
 * the way the UEFI loader leaves them (identity map and direct map sharing
 * one PDPT, 2 MiB leaves) and find simulated entries, so a test can inspect
 * PTE bits or play the CPU setting accessed/dirty bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mmu_fake.h"

uint64_t *fake_table(paddr_t pa)
{
    return mmu_env_phys_to_virt(pa & PTE_ADDR);
}

struct fake_loader fake_loader_build(void)
{
    struct fake_loader l = {
        .pml4 = mmu_env_table_alloc(),
        .pdpt = mmu_env_table_alloc(),
        .pd = mmu_env_table_alloc(),
    };
    assert_true(l.pml4 != 0 && l.pdpt != 0 && l.pd != 0);
    fake_table(l.pml4)[0] = l.pdpt | PTE_P | PTE_RW;
    fake_table(l.pml4)[256] = l.pdpt | PTE_P | PTE_RW;
    fake_table(l.pdpt)[0] = l.pd | PTE_P | PTE_RW;
    for (unsigned i = 0; i < LOADER_DIRECT_PAGES; i++)
        fake_table(l.pd)[i] = ((paddr_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
    return l;
}

struct fake_loader fake_setup(bool has_pcid, bool allow_pcid)
{
    fake_env_reset();
    fake_hw_reset(has_pcid);
    struct fake_loader l = fake_loader_build();
    assert_int_equal(mmu_init(l.pml4, allow_pcid), MMU_OK);
    return l;
}

uint64_t *fake_pte(paddr_t root, vaddr_t va)
{
    uint64_t *table = fake_table(root);
    for (int level = 4; level > 1; level--) {
        uint64_t e = table[pte_index(va, level)];
        if (!(e & PTE_P) || (e & PTE_PS))
            return NULL;
        table = fake_table(e);
    }
    return &table[pte_index(va, 1)];
}
