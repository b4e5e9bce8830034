/*
 * Host stand-ins for kernel services the VM code calls but the VM tests do
 * not exercise: no task has an exception handler (every unresolvable fault
 * goes on to kill the task), no thread ever waits on a page, so waking
 * waiters finds nobody, and no object has an external pager (link-time
 * substitution).
 */
#include <abi/errors.h>
#include <ipc/exception.h>
#include <task/sched.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>

bool exception_raise(uint64_t kind, uint64_t code, uint64_t pc, uint64_t info)
{
    (void)kind, (void)code, (void)pc, (void)info;
    return false;
}

void sched_wake_all(struct wait_queue *wq, int result)
{
    (void)result;
    (void)wq;
}

/* Pageout is never started in these tests: nothing blocks, nothing is woken. */
struct thread *sched_wake_one(struct wait_queue *wq, int result)
{
    (void)wq, (void)result;
    return NULL;
}

int sched_block_timeout(struct wait_queue *wq, uint64_t deadline)
{
    (void)wq, (void)deadline;
    return 0;
}

int sched_block(struct wait_queue *wq)
{
    (void)wq;
    return 0;
}

void sched_yield(void)
{
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg)
{
    (void)fn, (void)arg;
    return NULL;
}

void sched_preempt_point(void)
{
}

void thread_report(const struct thread *t, const char *prefix, const char *waits)
{
    (void)t, (void)prefix, (void)waits;
}

uint64_t arch_time_ns(void)
{
    return 0;
}

/* No object in these tests has an external pager. */
int vm_pager_fault(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                   struct vm_page **out)
{
    (void)obj, (void)offset, (void)access, (void)timed_out, (void)out;
    return VM_FAULT_PAGER_ERROR;
}

int vm_object_pageout(struct vm_object *obj, uint64_t offset)
{
    (void)obj, (void)offset;
    return -ERR_BUSY;
}

void vm_object_pageout_flush(void)
{
}

void vm_object_pageout_free(paddr_t frame)
{
    frame_free(frame);
}

bool vm_pager_store_full(struct vm_object *obj)
{
    (void)obj;
    return false;
}

void vm_pager_quota_filled(struct vm_object *obj)
{
    (void)obj;
}

struct task *vm_pager_task(struct vm_object *obj, uint32_t *queued)
{
    (void)obj;
    *queued = 0;
    return NULL;
}

void vm_pager_object_terminate(struct vm_object *obj)
{
    (void)obj;
}

/* No migration runs in these tests. */
bool vm_pager_migrate_resume(void)
{
    return false;
}

bool vm_pager_migrate_wants_room(void)
{
    return false;
}

int vm_object_create_anonymous(struct task *task, uint64_t size, bool kernel_pager,
                               struct vm_object **out)
{
    (void)task, (void)kernel_pager;
    return vm_object_create_kernel(size, NULL, 0, out);
}

/* The VM code keeps a fault trace in the current thread. */
static struct thread only_thread;
__attribute__((constructor)) static void only_thread_runs(void)
{
    arch_cpu_word_set(ARCH_CPU_THREAD, (uintptr_t)&only_thread);
}

uint64_t arch_cycles(void)
{
    return 0;
}
