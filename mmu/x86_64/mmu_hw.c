/*
 * The kernel's versions of the mmu_hw_* hooks: the privileged instructions
 * the MMU handler needs, as inline assembly. The host tests link a recording
 * fake instead (mmu/tests/fake_hw.c).
 */
#include "mmu.h"

#define CPUID1_ECX_PCID (1u << 17)
#define CR4_PCIDE (1ULL << 17)

/* Load CR3 with @value (root | PCID | no-flush bit as the caller built it). */
void mmu_hw_write_cr3(uint64_t value)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(value) : "memory");
}

/* The current CR3. */
uint64_t mmu_hw_read_cr3(void)
{
    uint64_t value;

    __asm__ volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

/* Drop the TLB entry for @va (current PCID, plus a global entry in any PCID). */
void mmu_hw_invlpg(vaddr_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* True when CPUID.01H:ECX.PCID[bit 17] is set. */
bool mmu_hw_has_pcid(void)
{
    uint32_t eax = 1, ebx, ecx = 0, edx;

    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (ecx & CPUID1_ECX_PCID) != 0;
}

/* Set CR4.PCIDE; the caller guarantees CR3[11:0] == 0 and a CPU with PCIDs. */
void mmu_hw_enable_pcid(void)
{
    uint64_t cr4;

    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_PCIDE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}
