/*
 * Swap full (section 3.6.5): a task writes more than memory and swap can
 * hold together. When the swap disk is full the default pager keeps the pages
 * it cannot write in memory and says so; pageout then has nothing left to
 * evict, and the hog's next fault fails: the hog is ended, nothing else is.
 * Our own pages, pushed out to disk before and during the storm, must read
 * back intact, and every swap block must come back once the hog is gone.
 * With no swap disk (a store in memory, or the in-kernel pager) memory
 * itself fills: the hog must still be ended by its fault, and only the hog
 * (a write fault's page is dirty at once, and the default pager's RAM store
 * says full past its capacity: docs/pager.md, "Conformance suite").
 */
#include <abi/errors.h>
#include <ipc/fmt.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#include "swap_util.h"

#define SF_PAGES 1024u

int main(void)
{
    struct sw_stats s0 = {0}, s1 = {0}, s2 = {0};
    struct task_status status = {0, 0, 0};

    sw_stats(&s0); /* -ERR_NOENT with the in-kernel pager: all 0, no disk */
    bool disk = s0.disk == 1;
    long base = sys_vm_allocate(SF_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate: %ld", base))
        return test_report("test_swap_full");
    for (uint64_t i = 0; i < SF_PAGES; i++)
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 3);

    /* Memory fills up while the hog runs; we may run meanwhile (preempted
     * between the spawn and the wait): nothing of ours that we need then may
     * have to come back in, or our own fault would fail like the hog's. */
    long pin = pin_image_and_stack(8 * 1024);
    TEST_CHECK(pin == 0, "pin our image and stack: %s", err_text(pin));
    long hog = sys_task_spawn("swap_hog", "");
    TEST_CHECK(hog > 0, "spawn swap_hog: %ld", hog);
    TEST_CHECK(hog > 0 && sys_task_wait(task_port_of(hog), &status) == 0, "wait for swap_hog");
    TEST_CHECK(status.end == TASK_END_FAULT, "swap_hog ended %d (code %d), not by its fault",
               status.end, status.code);
    unpin_image_and_stack();
    sw_stats(&s1);
    TEST_CHECK(!disk || s1.kept > s0.kept, "the pager never found swap full (%lu pages kept)",
               (unsigned long)s1.kept);

    uint64_t bad = 0;
    for (uint64_t i = 0; i < SF_PAGES; i++)
        bad +=
            !sw_stamped((volatile const uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 3);
    TEST_CHECK(bad == 0, "%lu of our pages read back wrong", (unsigned long)bad);

    /* The hog's blocks and kept pages go back as its objects are terminated;
     * the few our own stack may hold are checked by init once we are gone. */
    TEST_CHECK(sys_vm_deallocate((void *)base, SF_PAGES * PAGE_SIZE) == 0, "deallocate");
    if (!disk) {
        printf("test_swap_full: no swap disk: swap_hog ended by its fault at %lx when memory "
               "was full\n",
               (unsigned long)status.fault_addr);
        return test_report("test_swap_full");
    }
    for (int i = 0; i < 200 && sw_stats(&s2) == 0 && s2.free != s0.free; i++)
        sys_sleep_ns(10000000);
    TEST_CHECK(s2.free + 64 >= s0.free, "swap blocks still taken: %lu free, %lu before",
               (unsigned long)s2.free, (unsigned long)s0.free);
    printf("test_swap_full: swap_hog ended by its fault at %lx; %lu pages kept in memory while "
           "swap was full; %lu of %lu blocks free again\n",
           (unsigned long)status.fault_addr, (unsigned long)(s1.kept - s0.kept),
           (unsigned long)s2.free, (unsigned long)s2.blocks);
    return test_report("test_swap_full");
}
