/*
 * The x86-64 paging structures and the control registers that load them,
 * written once for the two programs that build page tables themselves: the
 * MMU handler (mmu/x86_64/) and the UEFI loader (microkernel/boot/). Generic
 * kernel code includes mmu.h only and never sees an entry (tools/check-layers).
 */
#ifndef MMU_X86_64_H
#define MMU_X86_64_H

#include <stdint.h>

#include <abi/page.h>

/* Page-table entry bits (Intel SDM vol. 3A, section 4.5). */
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7) /* at level 3 or 2: a large leaf (1 GiB or 2 MiB) */
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL /* the frame or next table an entry points to */

#define PTE_PER_TABLE 512u

/* Control register bits (SDM vol. 3A, section 2.5). */
#define CR3_NOFLUSH (1ULL << 63) /* with PCIDs: keep the new PCID's TLB entries */
#define CR4_PGE (1ULL << 7)
#define CR4_LA57 (1ULL << 12)
#define CR4_PCIDE (1ULL << 17)

/*
 * Levels are numbered as the SDM counts them: 4 = PML4, 3 = PDPT, 2 = PD,
 * 1 = PT. The index of @va's entry in its table at @level.
 */
static inline unsigned pte_index(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PTE_PER_TABLE - 1);
}

/* Bytes one entry at @level maps: 4 KiB, 2 MiB, 1 GiB or 512 GiB. */
static inline uint64_t pte_span(int level)
{
    return PAGE_SIZE << (9 * (level - 1));
}

static inline uint64_t mmu_x86_cr3_read(void)
{
    uint64_t value;

    __asm__ volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

/* Load CR3 with @value (root, PCID and no-flush bit as the caller built them). */
static inline void mmu_x86_cr3_write(uint64_t value)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(value) : "memory");
}

static inline uint64_t mmu_x86_cr4_read(void)
{
    uint64_t value;

    __asm__ volatile("mov %%cr4, %0" : "=r"(value));
    return value;
}

static inline void mmu_x86_cr4_write(uint64_t value)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(value) : "memory");
}

#endif
