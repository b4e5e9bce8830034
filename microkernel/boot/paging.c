/*
 * The boot page tables handed to the kernel: 2 MiB pages for the identity map
 * and the direct map (both share one set of PDPT and PD tables), 4 KiB pages
 * for the kernel image at BOOT_KERNEL_BASE. Tables come from one zeroed block
 * handed out in order, so this file allocates nothing itself.
 */
#include "loader.h"

#define PTE_PRESENT 0x1ULL
#define PTE_WRITE 0x2ULL
#define PTE_LARGE 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define PAGING_GIB (1ULL << 30)
#define PAGING_2MIB (1ULL << 21)
#define PAGING_HHDM_SLOT ((BOOT_HHDM_BASE >> 39) & 511)

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
    table = a->base + a->used * 512;
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

    return 1 + paging_div_up(gib, 512) + gib + 1 + paging_div_up(kspan, PAGING_GIB) +
           paging_div_up(kspan, PAGING_2MIB);
}

/* Map [0, top) with 2 MiB pages at virtual 0 and at BOOT_HHDM_BASE. */
static int paging_map_direct(struct paging_arena *a, uint64_t *pml4, uint64_t top)
{
    uint64_t g, i, pdpt_phys = 0, pd_phys;
    uint64_t *pdpt = NULL, *pd;

    for (g = 0; g < top / PAGING_GIB; g++) {
        if (g % 512 == 0) {
            pdpt = paging_arena_take(a, &pdpt_phys);
            if (!pdpt)
                return -1;
            pml4[g / 512] = pdpt_phys | PTE_PRESENT | PTE_WRITE;
            pml4[PAGING_HHDM_SLOT + g / 512] = pdpt_phys | PTE_PRESENT | PTE_WRITE;
        }
        pd = paging_arena_take(a, &pd_phys);
        if (!pd)
            return -1;
        pdpt[g % 512] = pd_phys | PTE_PRESENT | PTE_WRITE;
        for (i = 0; i < 512; i++)
            pd[i] = (g * PAGING_GIB + i * PAGING_2MIB) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
    }
    return 0;
}

/* Return the table entry @index of @table points to, creating it when absent. */
static uint64_t *paging_next(struct paging_arena *a, uint64_t *table, uint64_t index)
{
    uint64_t phys;
    uint64_t *next;

    if (table[index] & PTE_PRESENT)
        return paging_arena_virt(a, table[index] & PTE_ADDR);
    next = paging_arena_take(a, &phys);
    if (next)
        table[index] = phys | PTE_PRESENT | PTE_WRITE;
    return next;
}

static int paging_map_kernel(struct paging_arena *a, uint64_t *pml4, uint64_t kphys, uint64_t kspan)
{
    uint64_t off, va;
    uint64_t *pdpt, *pd, *pt;

    for (off = 0; off < kspan; off += PAGE_SIZE) {
        va = BOOT_KERNEL_BASE + off;
        pdpt = paging_next(a, pml4, (va >> 39) & 511);
        pd = pdpt ? paging_next(a, pdpt, (va >> 30) & 511) : NULL;
        pt = pd ? paging_next(a, pd, (va >> 21) & 511) : NULL;
        if (!pt)
            return -1;
        pt[(va >> 12) & 511] = (kphys + off) | PTE_PRESENT | PTE_WRITE;
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
