/*
 * Device interrupts on a chosen CPU (issue 16), test_irq_cpu N: booted with
 * the swap disk and bstore_cpu=N (or, for N = 0, without it: CPU 0 takes
 * them by default), the backing-store server keeps to CPU N and has the
 * disk's completions sent there. Pages are written, pushed out to the disk
 * and read back (each must hold its stamp); the disk must have been read,
 * and the device interrupts meanwhile (cpu_info.irqs) must all have come
 * to CPU N: more on it, none on any other.
 */
#include <abi/errors.h>
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <naming_defs.h>

#include "swap_util.h"

#define IC_PAGES 64u

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c */

int main(int argc, char **argv)
{
    struct cpu_info before, after;
    struct sw_stats s0, s1;
    port_name_t pager = PORT_NULL;
    unsigned cpu = argc > 1 ? (unsigned)(argv[1][0] - '0') : 0;

    if (!TEST_CHECK(cpu < CPU_INFO_MAX, "usage: test_irq_cpu CPU") ||
        !TEST_CHECK(naming_lookup(ipc_bootstrap_port, "pager", &pager) == 0, "look up \"pager\"") ||
        !TEST_CHECK(sw_stats(&s0) == 0 && s0.disk == 1, "the system's pager has no swap disk"))
        return test_report("test_irq_cpu");
    long base = sys_vm_allocate(IC_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)))
        return test_report("test_irq_cpu");
    TEST_CHECK(sys_cpu_info(&before) == 0, "cpu_info");
    if (!TEST_CHECK(cpu < before.online, "CPU %u of %u online", cpu, before.online))
        return test_report("test_irq_cpu");
    for (uint64_t i = 0; i < IC_PAGES; i++)
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 5);
    uint64_t r0 = sw_returns(pager);
    long n = sys_vm_pageout((void *)base, IC_PAGES * PAGE_SIZE);
    TEST_CHECK(n == IC_PAGES, "vm_pageout pushed %ld pages", n);
    sw_wait_returned(pager, r0, IC_PAGES);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < IC_PAGES; i++) /* each read back from the disk */
        bad +=
            !sw_stamped((volatile const uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 5);
    TEST_CHECK(bad == 0, "%lu pages read back wrong", (unsigned long)bad);
    TEST_CHECK(sw_stats(&s1) == 0 && s1.reads > s0.reads && s1.writes > s0.writes,
               "the disk was not used (%lu reads, %lu writes)",
               (unsigned long)(s1.reads - s0.reads), (unsigned long)(s1.writes - s0.writes));
    TEST_CHECK(sys_cpu_info(&after) == 0, "cpu_info");
    for (unsigned i = 0; i < CPU_INFO_MAX; i++) {
        uint64_t taken = after.irqs[i] - before.irqs[i];
        if (i == cpu)
            TEST_CHECK(taken > 0, "CPU %u took none of the disk's interrupts", i);
        else
            TEST_CHECK(taken == 0, "CPU %u took %lu of the disk's interrupts", i,
                       (unsigned long)taken);
    }
    printf("test_irq_cpu: %lu disk reads, %lu writes; CPU %u took %lu device interrupts\n",
           (unsigned long)(s1.reads - s0.reads), (unsigned long)(s1.writes - s0.writes), cpu,
           (unsigned long)(after.irqs[cpu] - before.irqs[cpu]));
    TEST_CHECK(sys_vm_deallocate((void *)base, IC_PAGES * PAGE_SIZE) == 0, "deallocate");
    port_deallocate(pager);
    return test_report("test_irq_cpu");
}
