/*
 * The ten steps of a page fault, traced (abi/trace.h): a zero-fill fault
 * served by the system's pager, a swap-in of a page the pager wrote to the
 * swap disk, and a fault of the in-kernel pager. Each must show its steps in
 * the order of section 3.6.2 (and the arrows of Fig. 3-29), for the right
 * address and task; the disk steps only where the disk was used. Needs
 * host_priv=test_fault_trace and swap=disk.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/trace.h>

#include "swap_util.h"

#define FT_EVENTS 64

static struct trace_event ft_events[FT_EVENTS];

/* Trace the one fault a touch of @p makes; the events in ft_events, their count returned. */
static long ft_trace_touch(volatile uint64_t *p, bool write)
{
    long err = sys_trace_start(ipc_host_port, 1);

    if (!TEST_CHECK(err == 0, "trace_start: %s", err_text(err)))
        return 0;
    if (write)
        *p = 0x5eed;
    else
        (void)*p;
    return sys_trace_read(ipc_host_port, ft_events, FT_EVENTS);
}

/*
 * The stamps of @n events are one fault's, for @addr of this task, in time
 * order, and contain @want (0-terminated) in that order; none of @absent.
 */
static void ft_check(long n, uint64_t addr, const unsigned *want, const unsigned *absent,
                     const char *what)
{
    struct task_info me;
    size_t w = 0;

    sys_task_info(0, &me);
    if (!TEST_CHECK(n > 0, "%s: %ld stamps", what, n))
        return;
    trace_print_fault(ft_events, (size_t)n, ft_events[0].fault);
    for (long i = 0; i < n; i++) {
        const struct trace_event *e = &ft_events[i];
        TEST_CHECK(e->fault == ft_events[0].fault && e->task == me.id && e->addr == addr &&
                       (i == 0 || e->cycles >= e[-1].cycles),
                   "%s: stamp %ld (%s) of fault %lu task %u addr %lx", what, i,
                   trace_step_name(e->step), (unsigned long)e->fault, e->task,
                   (unsigned long)e->addr);
        if (want[w] && e->step == want[w])
            w++;
        for (const unsigned *a = absent; *a; a++)
            TEST_CHECK(e->step != *a, "%s: step %s should not be there", what,
                       trace_step_name(e->step));
    }
    TEST_CHECK(want[w] == 0, "%s: step %s missing or out of order", what, trace_step_name(want[w]));
    TEST_CHECK(ft_events[0].step == TRACE_TRAP && ft_events[n - 1].step == TRACE_RESTART,
               "%s: starts with the trap, ends with the restart", what);
}

/*
 * A page of a fresh region (@flags: VM_ALLOC_KERNEL_PAGER or 0), first
 * pushed to the swap disk when @swapped; then its one traced fault, checked
 * against @want and @absent.
 */
static void ft_one_fault(unsigned flags, bool swapped, const unsigned *want, const unsigned *absent,
                         const char *what)
{
    struct sw_stats s0, s1;
    long base = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE | flags);

    if (!TEST_CHECK(base > 0, "%s: allocate", what))
        return;
    if (swapped && TEST_CHECK(sw_stats(&s0) == 0 && s0.disk, "%s: a disk", what)) {
        *(volatile uint64_t *)base = 0xfeed;
        TEST_CHECK(sys_vm_pageout((void *)base, PAGE_SIZE) == 1, "%s: pageout", what);
        /* Wait for the event: the pager wrote the page to the swap disk. */
        for (unsigned i = 0; sw_stats(&s1) == 0 && s1.writes == s0.writes && i < 1000000; i++)
            sys_yield();
        TEST_CHECK(s1.writes > s0.writes, "%s: the page went to the disk", what);
    }
    ft_check(ft_trace_touch((volatile uint64_t *)base, !swapped), (uint64_t)base, want, absent,
             what);
    TEST_CHECK(!swapped || *(volatile uint64_t *)base == 0xfeed, "%s: read back as written", what);
    sys_vm_deallocate((void *)base, PAGE_SIZE);
}

static void ft_faults(void)
{
    static const unsigned zero[] = {TRACE_TRAP,
                                    TRACE_DECODED,
                                    TRACE_FOUND,
                                    TRACE_CHECKED,
                                    TRACE_REQUEST,
                                    TRACE_PAGER,
                                    TRACE_SUPPLIED,
                                    TRACE_RESUMED,
                                    TRACE_MAPPED,
                                    TRACE_RESTART,
                                    0};
    static const unsigned disk[] = {TRACE_TRAP,
                                    TRACE_DECODED,
                                    TRACE_FOUND,
                                    TRACE_CHECKED,
                                    TRACE_REQUEST,
                                    TRACE_PAGER,
                                    TRACE_STORE,
                                    TRACE_DISK,
                                    TRACE_SUPPLIED,
                                    TRACE_RESUMED,
                                    TRACE_MAPPED,
                                    TRACE_RESTART,
                                    0};
    static const unsigned kernel[] = {
        TRACE_TRAP, TRACE_DECODED, TRACE_FOUND, TRACE_CHECKED, TRACE_MAPPED, TRACE_RESTART, 0};
    static const unsigned no_disk[] = {TRACE_STORE, TRACE_DISK, 0};
    static const unsigned none[] = {0};
    static const unsigned no_pager[] = {TRACE_REQUEST, TRACE_PAGER, TRACE_SUPPLIED, 0};

    ft_one_fault(0, false, zero, no_disk, "zero fill");
    ft_one_fault(0, true, disk, none, "swap-in from disk");
    ft_one_fault(VM_ALLOC_KERNEL_PAGER, false, kernel, no_pager, "in-kernel pager");
}

/* Off: no stamps at all; a mark for a request nobody traced is refused; bad counts refused. */
static void ft_off_and_bad(void)
{
    long base = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    struct trace_event e;

    TEST_CHECK(sys_trace_start(ipc_host_port, 0) == 0, "stop");
    (void)*(volatile uint64_t *)base;
    TEST_CHECK(sys_trace_read(ipc_host_port, &e, 1) == 0, "no stamps while off");
    TEST_CHECK(sys_trace_start(ipc_host_port, 65) == -ERR_INVAL, "too many faults refused");
    TEST_CHECK(sys_trace_start(PORT_NULL, 1) == -ERR_PERM, "no right, no trace");
    TEST_CHECK(sys_trace_read(PORT_NULL, &e, 1) == -ERR_PERM, "no right, no read");
    TEST_CHECK(sys_trace_mark(TRACE_PAGER, 1, 0) == -ERR_NOENT, "no traced request, no mark");
    TEST_CHECK(sys_trace_mark(TRACE_TRAP, 1, 0) == -ERR_INVAL, "only a pager's steps");
    sys_vm_deallocate((void *)base, PAGE_SIZE);
}

int main(void)
{
    ft_faults();
    ft_off_and_bad();
    return test_report("test_fault_trace");
}
