/*
 * The kernel's versions of the mmu_hw_* hooks: the privileged instructions
 * the MMU handler needs, as inline assembly (the control registers through
 * mmu_x86_64.h, which the loader shares). The host tests link a recording
 * fake instead (mmu/tests/fake_hw.c).
 */
#include "mmu.h"
#include "mmu_x86_64.h"

#define CPUID1_ECX_PCID (1u << 17)

/* Load CR3 with @value (root | PCID | no-flush bit as the caller built it). */
void mmu_hw_write_cr3(uint64_t value)
{
    mmu_x86_cr3_write(value);
}

/* The current CR3. */
uint64_t mmu_hw_read_cr3(void)
{
    return mmu_x86_cr3_read();
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
    mmu_x86_cr4_write(mmu_x86_cr4_read() | CR4_PCIDE);
}
