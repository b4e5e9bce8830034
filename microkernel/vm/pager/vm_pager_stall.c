/*
 * What a pager was doing when one of its faults timed out: printed once per
 * timed-out fault, so that a stall in a test's serial log says whether the
 * pager was busy (a long queue), waiting for frames (and how many were
 * free, how many in the laundry), or blocked in a call of its own.
 */
#include <arch/arch.h>
#include <ipc/ipc.h>
#include <kern/printk.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

const char *vm_thread_waits_for(const struct thread *t, const struct port *pp)
{
    if (t->state != THREAD_BLOCKED)
        return "";
    if (vm_pageout_waits_for_frames(t))
        return ", for frames";
    if (pp && t->waiting_on == &pp->receivers)
        return ", for a message on the pager port";
    if (t->in_exception)
        return ", for its exception handler";
    return "";
}

void vm_pager_stall_report(const struct vm_object *obj)
{
    const struct port *pp = obj->pager;
    const struct task *task = pp ? pp->receiver : NULL;
    struct vm_credit_pool credits = vm_pageout_credits();
    struct list_node *pos;

    vm_pageout_report("vm:  ");
    if (!task) {
        kprintf("vm:  its pager port has no receiver\n");
        return;
    }
    kprintf("vm:  pager %s[%u]: %u messages queued, credit %llu\n", task->name, task->id,
            pp->qcount, (unsigned long long)vm_credit_used(&credits, &task->credit));
    list_for_each(pos, &task->threads)
    {
        const struct thread *t = list_entry(pos, struct thread, task_link);
        thread_report(t, "vm:   ", vm_thread_waits_for(t, pp));
    }
}
