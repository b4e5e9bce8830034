/*
 * Kernel stacks: KSTACK_PAGES pages each, in their own slot of a reserved
 * kernel-half area with an unmapped guard page below every stack, so an
 * overflow faults (the double fault runs on its own stack) instead of
 * corrupting a neighbour. Slots are reused last-freed first.
 */
#include <kern/printk.h>
#include <lib/lib.h>
#include <mmu.h>
#include <task/kstack.h>
#include <vm/frame.h>

#define KSTACK_AREA 0xffffff0000000000ULL
#define SLOT_SIZE ((KSTACK_PAGES + 1) * PAGE_SIZE)
#define MAX_SLOTS 4096

static int free_slots[MAX_SLOTS];
static int free_top;
static int next_unused;

static int slot_take(void)
{
    if (free_top > 0)
        return free_slots[--free_top];
    return next_unused < MAX_SLOTS ? next_unused++ : -1;
}

static uint64_t slot_base(int slot)
{
    return KSTACK_AREA + (uint64_t)slot * SLOT_SIZE + PAGE_SIZE; /* above the guard */
}

static void unmap_pages(uint64_t base, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        paddr_t pa;
        if (mmu_unmap(mmu_kernel_space(), base + i * PAGE_SIZE, &pa, NULL) == MMU_OK)
            frame_free(pa);
    }
}

/*
 * Give the whole stack area its page tables now (about 40 frames), so that
 * creating a thread never needs one and the frames in use do not depend on
 * how many threads were ever alive at once.
 */
void kstack_init(void)
{
    const uint64_t span = 512 * PAGE_SIZE; /* what one page table maps */
    paddr_t pa = frame_alloc(FRAME_KSTACK, NULL);

    if (!pa)
        panic("kstack_init: no frame");
    for (uint64_t va = KSTACK_AREA; va < KSTACK_AREA + MAX_SLOTS * SLOT_SIZE; va += span) {
        if (mmu_map(mmu_kernel_space(), va, pa, MMU_PROT_READ) != MMU_OK)
            panic("kstack_init: no page table");
        mmu_unmap(mmu_kernel_space(), va, NULL, NULL);
    }
    frame_free(pa);
}

int kstack_alloc(uint64_t *top)
{
    int slot = slot_take();
    if (slot < 0)
        return -1;
    uint64_t base = slot_base(slot);

    KASSERT(slot < MAX_SLOTS && free_top < MAX_SLOTS);
    for (unsigned i = 0; i < KSTACK_PAGES; i++) {
        paddr_t pa = frame_alloc(FRAME_KSTACK, NULL);
        if (!pa || mmu_map(mmu_kernel_space(), base + i * PAGE_SIZE, pa,
                           MMU_PROT_READ | MMU_PROT_WRITE) != MMU_OK) {
            if (pa)
                frame_free(pa);
            unmap_pages(base, i);
            free_slots[free_top++] = slot;
            return -1;
        }
    }
    *top = base + KSTACK_PAGES * PAGE_SIZE;
    return slot;
}

void kstack_free(int slot)
{
    KASSERT(slot >= 0 && slot < next_unused && free_top < MAX_SLOTS);
    unmap_pages(slot_base(slot), KSTACK_PAGES);
    free_slots[free_top++] = slot;
}
