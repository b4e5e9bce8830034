/*
 * The boot page tables handed to the kernel: 2 MiB pages for the identity map
 * and the direct map (both share one set of PDPT and PD tables), 4 KiB pages
 * for the kernel image at BOOT_KERNEL_BASE. Tables come from one zeroed block
 * handed out in order, so this file allocates nothing itself. The entry
 * format is the MMU handler's (mmu_x86_64.h).
 */
#include "loader.h"

#include <mmu_x86_64.h>

#define PAGING_GIB pte_span(3)
#define PAGING_2MIB pte_span(2)

/* A bump allocator over the caller's zeroed table pages. */
struct paging_arena {
    uint64_t *base;
    uint64_t phys;
    uint64_t used;
    uint64_t count;
};

static uint64_t *paging_arena_take(struct paging_arena *a, uint64_t *phys)
{
    uint64_t *table;

    if (a->used == a->count)
        return NULL;
    table = a->base + a->used * PTE_PER_TABLE;
    *phys = a->phys + a->used * PAGE_SIZE;
    a->used++;
    return table;
}

static uint64_t *paging_arena_virt(struct paging_arena *a, uint64_t phys)
{
    return a->base + (phys - a->phys) / sizeof(uint64_t);
}

static uint64_t paging_div_up(uint64_t x, uint64_t unit)
{
    return (x + unit - 1) / unit;
}

uint64_t paging_table_count(uint64_t top, uint64_t kspan)
{
    uint64_t gib = top / PAGING_GIB;

    return 1 + paging_div_up(gib, PTE_PER_TABLE) + gib + 1 + paging_div_up(kspan, PAGING_GIB) +
           paging_div_up(kspan, PAGING_2MIB);
}

/* Map [0, top) with 2 MiB pages at virtual 0 and at BOOT_HHDM_BASE. */
static int paging_map_direct(struct paging_arena *a, uint64_t *pml4, uint64_t top)
{
    uint64_t g, i, pdpt_phys = 0, pd_phys;
    uint64_t *pdpt = NULL, *pd;

    for (g = 0; g < top / PAGING_GIB; g++) {
        if (g % PTE_PER_TABLE == 0) {
            pdpt = paging_arena_take(a, &pdpt_phys);
            if (!pdpt)
                return -1;
            pml4[g / PTE_PER_TABLE] = pdpt_phys | PTE_P | PTE_RW;
            pml4[pte_index(BOOT_HHDM_BASE, 4) + g / PTE_PER_TABLE] = pdpt_phys | PTE_P | PTE_RW;
        }
        pd = paging_arena_take(a, &pd_phys);
        if (!pd)
            return -1;
        pdpt[g % PTE_PER_TABLE] = pd_phys | PTE_P | PTE_RW;
        for (i = 0; i < PTE_PER_TABLE; i++)
            pd[i] = (g * PAGING_GIB + i * PAGING_2MIB) | PTE_P | PTE_RW | PTE_PS;
    }
    return 0;
}

/* Return the table entry @index of @table points to, creating it when absent. */
static uint64_t *paging_next(struct paging_arena *a, uint64_t *table, uint64_t index)
{
    uint64_t phys;
    uint64_t *next;

    if (table[index] & PTE_P)
        return paging_arena_virt(a, table[index] & PTE_ADDR);
    next = paging_arena_take(a, &phys);
    if (next)
        table[index] = phys | PTE_P | PTE_RW;
    return next;
}

static int paging_map_kernel(struct paging_arena *a, uint64_t *pml4, uint64_t kphys, uint64_t kspan)
{
    uint64_t off, va;
    uint64_t *pdpt, *pd, *pt;

    for (off = 0; off < kspan; off += PAGE_SIZE) {
        va = BOOT_KERNEL_BASE + off;
        pdpt = paging_next(a, pml4, pte_index(va, 4));
        pd = pdpt ? paging_next(a, pdpt, pte_index(va, 3)) : NULL;
        pt = pd ? paging_next(a, pd, pte_index(va, 2)) : NULL;
        if (!pt)
            return -1;
        pt[pte_index(va, 1)] = (kphys + off) | PTE_P | PTE_RW;
    }
    return 0;
}

uint64_t paging_build(void *tables, uint64_t tables_phys, uint64_t count, uint64_t top,
                      uint64_t kphys, uint64_t kspan)
{
    struct paging_arena a = {tables, tables_phys, 0, count};
    uint64_t pml4_phys;
    uint64_t *pml4;

    if (top % PAGING_GIB || top > PAGING_TOP_MAX)
        return 0;
    pml4 = paging_arena_take(&a, &pml4_phys);
    if (!pml4 || paging_map_direct(&a, pml4, top) || paging_map_kernel(&a, pml4, kphys, kspan))
        return 0;
    return pml4_phys;
}
