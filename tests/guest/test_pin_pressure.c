/*
 * Pinning under memory pressure (section 3.6.4): an ordinary task pins a
 * buffer while swap_churn keeps pageout busy. Every pinned page must stay
 * resident in the very frame it had when it was pinned, with its contents,
 * for the whole storm, while the pageout thread evicts pages all around it.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#include "swap_util.h"

#define PP_PAGES 64u

int main(void)
{
    uint64_t frame[PP_PAGES];
    struct vm_stat v0, v1;
    struct task_info info;

    long buf = sys_vm_allocate(PP_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(buf > 0 && sys_vm_pin((void *)buf, PP_PAGES * PAGE_SIZE) == 0, "pin"))
        return test_report("test_pin_pressure");
    for (unsigned i = 0; i < PP_PAGES; i++) {
        struct vm_query q;
        sw_stamp((volatile uint64_t *)(buf + i * PAGE_SIZE), buf + i * PAGE_SIZE, 9);
        frame[i] = sys_vm_query((void *)(buf + i * PAGE_SIZE), &q) == 0 ? q.frame : 0;
    }
    sys_vm_stat(&v0);
    long churn = sys_task_spawn("swap_churn", "3");
    if (!TEST_CHECK(churn > 0, "spawn swap_churn: %ld", churn))
        return test_report("test_pin_pressure");
    unsigned rounds = 0, moved = 0, bad = 0;
    while (sys_task_info_host(task_port_of(churn), churn, &info) == 0 && info.threads > 0) {
        for (unsigned i = 0; i < PP_PAGES; i++) {
            struct vm_query q;
            if (sys_vm_query((void *)(buf + i * PAGE_SIZE), &q) != 0 || !q.resident ||
                q.frame != frame[i])
                moved++;
            bad += !sw_stamped((volatile const uint64_t *)(buf + i * PAGE_SIZE),
                               buf + i * PAGE_SIZE, 9);
        }
        rounds++;
        sys_sleep_ns(5000000);
    }
    struct task_status st;
    TEST_CHECK(sys_task_wait(task_port_of(churn), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "swap_churn ended %d with %d", st.end, st.code);
    sys_vm_stat(&v1);
    printf("test_pin_pressure: %u checks of %u pinned pages while pageout evicted %lu pages\n",
           rounds, PP_PAGES,
           (unsigned long)(v1.evict_clean + v1.evict_dirty - v0.evict_clean - v0.evict_dirty));
    TEST_CHECK(v1.evict_dirty > v0.evict_dirty, "no pressure: nothing was paged out");
    TEST_CHECK(rounds >= 3, "only %u rounds of checks", rounds);
    TEST_CHECK(moved == 0, "pinned pages left their frames %u times", moved);
    TEST_CHECK(bad == 0, "pinned pages changed %u times", bad);
    TEST_CHECK(sys_vm_unpin((void *)buf, PP_PAGES * PAGE_SIZE) == 0, "unpin");
    TEST_CHECK(sys_vm_deallocate((void *)buf, PP_PAGES * PAGE_SIZE) == 0, "deallocate");
    return test_report("test_pin_pressure");
}
