/*
 * Recording versions of the mmu_hw_* hooks for the host tests: CR3 writes,
 * invlpg calls and PCID enabling are remembered in fake_hw, and the answer
 * of mmu_hw_has_pcid is whatever the test chose.
 */
#include <string.h>

#include "mmu_fake.h"

struct fake_hw fake_hw;

void fake_hw_reset(bool has_pcid)
{
    memset(&fake_hw, 0, sizeof(fake_hw));
    fake_hw.has_pcid = has_pcid;
}

bool fake_hw_invlpg_seen(vaddr_t va)
{
    unsigned n = fake_hw.invlpgs < FAKE_LOG_MAX ? fake_hw.invlpgs : FAKE_LOG_MAX;
    for (unsigned i = 0; i < n; i++) {
        if (fake_hw.invlpg[i] == va)
            return true;
    }
    return false;
}

void mmu_hw_write_cr3(uint64_t value)
{
    fake_hw.cr3 = value;
    fake_hw.cr3_writes++;
}

uint64_t mmu_hw_read_cr3(void)
{
    return fake_hw.cr3;
}

void mmu_hw_invlpg(vaddr_t va)
{
    if (fake_hw.invlpgs < FAKE_LOG_MAX)
        fake_hw.invlpg[fake_hw.invlpgs] = va;
    fake_hw.invlpgs++;
}

bool mmu_hw_has_pcid(void)
{
    return fake_hw.has_pcid;
}

void mmu_hw_enable_pcid(void)
{
    fake_hw.pcid_enabled = true;
}
