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

static const char *const thread_states[] = {
    [THREAD_READY] = "ready",
    [THREAD_RUNNING] = "running",
    [THREAD_BLOCKED] = "blocked",
    [THREAD_DEAD] = "dead",
};

/* What blocked thread @t of the pager of port @pp waits for. */
static const char *wait_reason(const struct thread *t, const struct port *pp)
{
    if (t->state != THREAD_BLOCKED)
        return "";
    if (vm_pageout_waits_for_frames(t))
        return ", for frames";
    if (t->waiting_on == &pp->receivers)
        return ", for a message on the pager port";
    if (t->in_exception)
        return ", for its exception handler";
    return "";
}

void vm_pager_stall_report(const struct vm_object *obj)
{
    const struct port *pp = obj->pager;
    const struct task *task = pp ? pp->receiver : NULL;
    struct vm_pageout_levels lv = vm_pageout_levels();
    struct vm_credit_pool credits = vm_pageout_credits();
    struct list_node *pos;

    kprintf("vm:  frames free %llu (reserve %llu, low %llu), laundry %llu, pager credits "
            "%llu of %llu charged\n",
            (unsigned long long)frame_free_count(), (unsigned long long)lv.reserve,
            (unsigned long long)lv.low, (unsigned long long)frame_laundry_count(),
            (unsigned long long)credits.used, (unsigned long long)credits.cap);
    if (!task) {
        kprintf("vm:  its pager port has no receiver\n");
        return;
    }
    kprintf("vm:  pager %s[%u]: %u messages queued, credit %llu\n", task->name, task->id,
            pp->qcount, (unsigned long long)vm_credit_used(&credits, &task->credit));
    list_for_each(pos, &task->threads)
    {
        const struct thread *t = list_entry(pos, struct thread, task_link);
        uint64_t pc = 0, nr = 0;
        unsigned vector = arch_user_entry(t->kstack_top, &pc, &nr);
        if (vector == ARCH_ENTRY_SYSCALL)
            kprintf("vm:   thread %u %s%s, in system call %llu, pc %llx\n", t->id,
                    thread_states[t->state], wait_reason(t, pp), (unsigned long long)nr,
                    (unsigned long long)pc);
        else
            kprintf("vm:   thread %u %s%s, entered by vector %u, pc %llx\n", t->id,
                    thread_states[t->state], wait_reason(t, pp), vector, (unsigned long long)pc);
    }
}
