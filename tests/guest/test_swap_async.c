/*
 * Asynchronous fault I/O (section 3.6.2, steps 5 to 7): while a task waits
 * for its page to come from the swap disk, other tasks run. A CPU-bound
 * `spin` task runs next to a storm of faults that all need the disk (a
 * working set twice the usable frames, read back page by page). The faulting
 * task must be suspended for most of the storm (its CPU time well below the
 * wall time), and spin must get a fair share of the CPU meanwhile.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#include "swap_util.h"

#define SA_FACTOR 2

int main(void)
{
    struct sw_stats s0, s1;
    struct task_info me0, me1, spin0, spin1;

    if (!TEST_CHECK(sw_stats(&s0) == 0 && s0.disk == 1, "the system pager does not swap to disk"))
        return test_report("test_swap_async");
    uint64_t npages = SA_FACTOR * sw_frames_total();
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate: %ld", base))
        return test_report("test_swap_async");
    for (uint64_t i = 0; i < npages; i++) /* most of these end up on disk */
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 7);
    /* Fresh pages pushed out in the order written: the default pager writes
     * them behind, several blocks per disk request (one each before session 9). */
    struct sw_stats sw;
    if (TEST_CHECK(sw_stats(&sw) == 0, "swap figures")) {
        uint64_t written = sw.writes - s0.writes, ios = sw.ios - s0.ios;
        printf("test_swap_async: %lu pages written in %lu disk requests\n", (unsigned long)written,
               (unsigned long)ios);
        TEST_CHECK(written >= npages / 4 && ios * 4 <= written,
                   "%lu pages written in %lu disk requests", (unsigned long)written,
                   (unsigned long)ios);
    }

    long spin = sys_task_spawn("spin", "");
    if (!TEST_CHECK(spin > 0, "spawn spin: %ld", spin))
        return test_report("test_swap_async");
    sys_sleep_ns(20000000); /* spin is running */
    sw_stats(&s0);
    sys_task_info(0, &me0);
    sys_task_info_host(task_port_of(spin), spin, &spin0);
    uint64_t t0 = sys_clock_ns(), bad = 0;
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t va = base + i * PAGE_SIZE;
        bad += !sw_stamped((volatile const uint64_t *)va, va, 7);
    }
    uint64_t wall = sys_clock_ns() - t0;
    sys_task_info(0, &me1);
    sys_task_info_host(task_port_of(spin), spin, &spin1);
    sw_stats(&s1);
    TEST_CHECK(sys_task_kill(task_port_of(spin)) == 0, "kill spin");
    struct task_status st;
    TEST_CHECK(sys_task_wait(task_port_of(spin), &st) == 0, "wait for spin");

    uint64_t mine = me1.cpu_ns - me0.cpu_ns, spins = spin1.cpu_ns - spin0.cpu_ns;
    uint64_t reads = s1.reads - s0.reads;
    printf("test_swap_async: %lu faults from disk in %lu ms: the faulting task used %lu ms of CPU, "
           "spin %lu ms\n",
           (unsigned long)reads, (unsigned long)(wall / 1000000), (unsigned long)(mine / 1000000),
           (unsigned long)(spins / 1000000));
    TEST_CHECK(bad == 0, "%lu pages read back wrong", (unsigned long)bad);
    TEST_CHECK(reads >= npages / 4, "only %lu pages came from disk", (unsigned long)reads);
    /* Read in order, each page comes from the disk about once (not once per
     * request whose range held it: 4 to 6 times before session 8). */
    TEST_CHECK(reads <= npages + npages / 2, "%lu disk reads for %lu pages", (unsigned long)reads,
               (unsigned long)npages);
    TEST_CHECK(mine * 2 < wall, "the faulting task was not suspended while it waited");
    TEST_CHECK(spins * 5 > wall, "spin got only %lu of %lu ns during the storm",
               (unsigned long)spins, (unsigned long)wall);
    TEST_CHECK(sys_vm_deallocate((void *)base, npages * PAGE_SIZE) == 0, "deallocate");
    return test_report("test_swap_async");
}
