/*
 * The system dump (kern/dump.h). tools/guest-test sends an NMI to a guest
 * that is about to be killed for running out of time, so that a hang in a
 * test's log says what every thread was waiting for (docs/testing.md).
 */
#include <kern/dump.h>
#include <kern/printk.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

void kern_dump(const char *why, uint64_t pc, bool user)
{
    const struct thread *cur = thread_current();
    struct list_node *pos;

    kprintf("dump: %s at %s pc %llx, thread %u running\n", why, user ? "user" : "kernel",
            (unsigned long long)pc, cur ? cur->id : 0);
    vm_pageout_report("dump: ");
    vm_pager_migrate_report("dump: ");
    for (struct task *t = task_next_after(NULL, 0, true); t;
         t = task_next_after(NULL, t->id, true)) {
        kprintf("dump: task %s[%u]%s\n", t->name, t->id,
                t->serves_objects ? ", serves objects" : "");
        list_for_each(pos, &t->threads)
        {
            const struct thread *th = list_entry(pos, struct thread, task_link);
            thread_report(th, "dump:   ", vm_thread_waits_for(th, NULL));
        }
    }
    kprintf("dump: end\n");
}
