/* Fault-trace names and timelines (<ipc/trace.h>). */
#include <ipc/fmt.h>
#include <ipc/trace.h>

static const struct {
    const char *name, *text;
} steps[TRACE_STEP_COUNT] = {
    [TRACE_TRAP] = {"trap", "1  the hardware traps to the kernel"},
    [TRACE_DECODED] = {"decoded", "2  registers saved, the MMU handler decodes the fault"},
    [TRACE_FOUND] = {"found", "3  the fault handler finds the virtual page's region"},
    [TRACE_CHECKED] = {"checked", "4  address and access valid, a frame may be taken"},
    [TRACE_FRAMES] = {"frames", "5  no free frame: wait while pageout cleans and frees"},
    [TRACE_REQUEST] = {"request", "6  data_request to the pager (Fig. 3-29 arrow 2)"},
    [TRACE_PAGER] = {"pager", "6  the pager has the request"},
    [TRACE_STORE] = {"store", "6  the pager asks the backing store (arrow 3)"},
    [TRACE_DISK] = {"disk", "7  the disk transfer is done, data back (arrow 4)"},
    [TRACE_SUPPLIED] = {"supplied", "7  the page is filled in the kernel (arrow 5)"},
    [TRACE_RESUMED] = {"resumed", "9  the faulting thread runs again"},
    [TRACE_MAPPED] = {"mapped", "8  the page table maps the page (arrow 6)"},
    [TRACE_RESTART] = {"restart", "10 back to user mode: the instruction runs again"},
};

const char *trace_step_name(unsigned step)
{
    return step < TRACE_STEP_COUNT && steps[step].name ? steps[step].name : "?";
}

const char *trace_step_text(unsigned step)
{
    return step < TRACE_STEP_COUNT && steps[step].text ? steps[step].text : "?";
}

size_t trace_print_fault(const struct trace_event *events, size_t n, uint64_t fault)
{
    uint64_t start = 0;
    size_t printed = 0;

    for (size_t i = 0; i < n; i++) {
        const struct trace_event *e = &events[i];
        if (e->fault != fault)
            continue;
        if (printed++ == 0) {
            start = e->cycles;
            printf("fault %lu: task %u at %lx\n", (unsigned long)fault, e->task,
                   (unsigned long)e->addr);
        }
        printf("  %9lu  %-9s %s\n", (unsigned long)(e->cycles - start), trace_step_name(e->step),
               trace_step_text(e->step));
        printf("TRACE fault=%lu task=%u addr=0x%lx step=%s cycles=%lu\n", (unsigned long)fault,
               e->task, (unsigned long)e->addr, trace_step_name(e->step),
               (unsigned long)(e->cycles - start));
    }
    return printed;
}
