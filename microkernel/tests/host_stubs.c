/*
 * Host stand-ins for kernel services the VM code calls but the VM tests do
 * not exercise: no task has an exception handler (every unresolvable fault
 * goes on to kill the task), and no thread ever waits on a page, so waking
 * waiters finds nobody (link-time substitution).
 */
#include <kernel/exception.h>
#include <kernel/sched.h>

bool exception_raise(uint64_t kind, uint64_t code, uint64_t rip, uint64_t info)
{
    (void)kind, (void)code, (void)rip, (void)info;
    return false;
}

void sched_wake_all(struct wait_queue *wq, int result)
{
    (void)result;
    (void)wq;
}
