/*
 * The fault-trace system calls (abi/trace.h): starting and reading a trace
 * takes the host-privilege right (the stamps show every task's faults); a
 * pager may mark only the traced requests sent to it.
 */
#include <abi/errors.h>
#include <kern/host.h>
#include <kern/trace.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <task/task.h>
#include <vm/vm_copy.h>

#define TRACE_FAULTS_MAX 64 /* faults one start may ask for */

int64_t sys_trace_start(struct task *self, port_name_t host, uint32_t faults)
{
    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    if (faults > TRACE_FAULTS_MAX)
        return -ERR_INVAL;
    trace_restart(faults);
    return 0;
}

int64_t sys_trace_read(struct task *self, port_name_t host, uint64_t events, uint64_t max)
{
    struct trace_event e;
    uint64_t n = 0;

    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    for (; n < max && trace_take(&e); n++) {
        if (vm_copy_out(&self->map, events + n * sizeof(e), &e, sizeof(e)) != 0)
            return n ? (int64_t)n : -ERR_FAULT; /* what was copied is taken, no more */
        trace_taken();
    }
    return (int64_t)n;
}

int64_t sys_trace_mark(struct task *self, uint32_t step, uint64_t object, uint64_t offset)
{
    return trace_mark(self->id, (enum trace_step)step, object, offset);
}
