/*
 * DMA under memory pressure (section 3.6.4): a driver task pins a buffer for
 * DMA on a second virtio-blk disk and moves data through it, round after
 * round, while swap_churn keeps pageout and the swap disk busy. Each read
 * must land intact in the pinned pages, whose frames never change.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <virtio_blk.h>

#define DP_PAGES 16u
#define DP_SECTOR0 2048u

static uint64_t dp_word(unsigned round, unsigned page, unsigned j)
{
    return ((uint64_t)round << 40) ^ ((uint64_t)page << 20) ^ j ^ 0xd0a0;
}

int main(void)
{
    static uint64_t phys[DP_PAGES];
    struct task_info info;

    int init = vblk_init_nth(1);
    if (!TEST_CHECK(init == 0, "no second virtio-blk disk (step %d)", init))
        return test_report("test_dma_pressure");
    long buf = sys_vm_allocate(DP_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(buf > 0 && sys_vm_pin_dma((void *)buf, DP_PAGES * PAGE_SIZE, phys) == 0, "pin"))
        return test_report("test_dma_pressure");
    volatile uint64_t *w = (volatile uint64_t *)buf;
    long churn = sys_task_spawn("swap_churn", "3");
    if (!TEST_CHECK(churn > 0, "spawn swap_churn: %ld", churn))
        return test_report("test_dma_pressure");
    unsigned round = 0, bad = 0, moved = 0, errors = 0;
    while (sys_task_info_host(task_port_of(churn), churn, &info) == 0 && info.threads > 0) {
        round++;
        for (unsigned p = 0; p < DP_PAGES; p++)
            for (unsigned j = 0; j < PAGE_SIZE / 8; j++)
                w[p * PAGE_SIZE / 8 + j] = dp_word(round, p, j);
        for (unsigned p = 0; p < DP_PAGES; p++)
            errors += vblk_transfer(true, DP_SECTOR0 + p * 8, phys[p], PAGE_SIZE) != 0;
        memset((void *)buf, 0, DP_PAGES * PAGE_SIZE);
        for (unsigned p = 0; p < DP_PAGES; p++)
            errors += vblk_transfer(false, DP_SECTOR0 + p * 8, phys[p], PAGE_SIZE) != 0;
        for (unsigned p = 0; p < DP_PAGES; p++) {
            struct vm_query q;
            if (sys_vm_query((void *)(buf + p * PAGE_SIZE), &q) != 0 ||
                q.frame * PAGE_SIZE != phys[p])
                moved++;
            for (unsigned j = 0; j < PAGE_SIZE / 8; j++)
                bad += w[p * PAGE_SIZE / 8 + j] != dp_word(round, p, j);
        }
    }
    struct task_status st;
    TEST_CHECK(sys_task_wait(task_port_of(churn), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "swap_churn ended %d with %d", st.end, st.code);
    printf("test_dma_pressure: %u rounds of %u pages by DMA during the storm\n", round, DP_PAGES);
    TEST_CHECK(round >= 2, "only %u rounds", round);
    TEST_CHECK(errors == 0, "%u transfers failed", errors);
    TEST_CHECK(bad == 0, "%u words landed wrong", bad);
    TEST_CHECK(moved == 0, "pinned pages left their frames %u times", moved);
    sys_vm_unpin((void *)buf, DP_PAGES * PAGE_SIZE);
    return test_report("test_dma_pressure");
}
