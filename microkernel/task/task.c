/*
 * Tasks: creation from an ELF boot module, termination (exit, kill, fatal
 * fault), and the wait of a holder of its task port. The four times the OS
 * does paging work show up here: creation builds the address map (no page
 * is loaded yet), exit frees the pages, page tables and kernel objects at
 * once.
 */
#include <abi/errors.h>
#include <ipc/exception.h>
#include <ipc/ipc_right.h>
#include <kern/console.h>
#include <kern/host.h>
#include <kern/irq.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/exec.h>
#include <task/task.h>
#include <task/task_port.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_pageout.h>

static struct list_node all_tasks = LIST_INIT(all_tasks);
static uint32_t next_task_id = 1;

struct task *task_find(uint32_t id)
{
    struct list_node *pos;

    list_for_each(pos, &all_tasks)
    {
        struct task *t = list_entry(pos, struct task, all_link);
        if (t->id == id)
            return t;
    }
    return NULL;
}

/* See task.h. */
bool task_may_read(struct task *self, const struct task *t, port_name_t right)
{
    return t == self || task_port_names(self, right, t) || host_priv_check(self, right) == 0;
}

struct task *task_next_after(const struct task *self, uint32_t after, bool all)
{
    struct list_node *pos;

    list_for_each(pos, &all_tasks) /* in id order: ids only grow, tasks are appended */
    {
        struct task *t = list_entry(pos, struct task, all_link);
        if (t->id > after && (all || t == self))
            return t;
    }
    return NULL;
}

/*
 * Copy the program's name and its argument string @args onto the top of the
 * new stack: the name at *@name_va, the arguments right after it at
 * *@args_va, and *@sp below both.
 */
static int push_args(struct task *task, const char *args, uint64_t *name_va, uint64_t *args_va,
                     uint64_t *sp)
{
    size_t nlen = strnlen(task->name, sizeof(task->name) - 1) + 1;
    size_t alen = strnlen(args, TASK_ARGS_MAX - 1) + 1;
    uint64_t va = ALIGN_DOWN(VM_STACK_TOP - nlen - alen, 16);
    char buf[TASK_NAME_MAX + TASK_ARGS_MAX];

    memcpy(buf, task->name, nlen - 1);
    buf[nlen - 1] = '\0';
    memcpy(buf + nlen, args, alen - 1);
    buf[nlen + alen - 1] = '\0';
    if (vm_copy_out(&task->map, va, buf, nlen + alen) != 0)
        return -ERR_NOMEM;
    *name_va = va;
    *args_va = va + nlen;
    *sp = va - 16; /* 16-byte aligned, with a zero word as a fake return address */
    return 0;
}

static void task_free(struct task *task)
{
    KASSERT(task->state == TASK_ZOMBIE && task->nthreads == 0 && list_empty(&task->threads));
    task_port_destroy(task);
    list_remove(&task->all_link);
    list_remove(&task->sibling);
    acct_close(task->acct);
    kfree(task);
}

/*
 * Charge what the current thread allocates to account @slot until the
 * matching call with the slot returned (the thread may block in between:
 * the account is the thread's, the scheduler restores it).
 */
static uint32_t task_charge_to(uint32_t slot)
{
    thread_current()->acct = slot;
    return acct_switch(slot);
}

/* The names a right given at spawn takes: 0 or 1. */
static uint32_t right_count(const struct kright *r)
{
    return r && r->port ? 1 : 0;
}

/* Set argument register @arg of the new @task's first thread to @value. */
static void task_set_start_arg(struct task *task, unsigned arg, uint64_t value)
{
    struct thread *first = list_entry(task->threads.next, struct thread, task_link);
    arch_user_regs(first->kstack_top)->arg[arg] = value;
}

/*
 * Install the right @r (NULL or port NULL: none) in the new @task, its name
 * in argument register @arg of the first thread. The space has room.
 */
static void task_give_right(struct task *task, struct kright *r, unsigned arg)
{
    if (!r || !r->port)
        return;
    task_set_start_arg(task, arg, ipc_right_install(task, r));
}

/*
 * Build @task from @image (task_spawn's steps), its name's address on its
 * stack in *@name_va; 0 or -ERR_* with nothing left allocated.
 */
static int task_build(struct task *task, const uint8_t *image, size_t len, const char *args,
                      uint32_t rights, uint64_t *name_va)
{
    uint64_t entry, args_va, sp;
    int err = vm_map_init(&task->map);

    if (err)
        return err;
    if (ipc_space_init(&task->ipc) != 0) {
        vm_map_destroy(&task->map);
        return -ERR_NOMEM;
    }
    err = exec_load(task, &task->map, image, len, &entry);
    if (!err)
        err = push_args(task, args, name_va, &args_va, &sp);
    if (!err)
        err = ipc_space_reserve(&task->ipc, rights);
    if (!err && !thread_create_user(task, entry, sp, args_va, 0))
        err = -ERR_NOMEM;
    if (err) {
        ipc_space_destroy(&task->ipc);
        vm_map_destroy(&task->map);
    }
    return err;
}

int task_spawn(const char *name, const uint8_t *image, size_t len, const char *args,
               struct task *parent, bool new_job, struct kright *bootstrap, struct kright *host,
               struct task **out)
{
    struct task *task = kzalloc(sizeof(*task));
    uint64_t name_va;
    int err;

    if (!task)
        return -ERR_NOMEM;
    if (task_port_init(task) != 0) { /* charged to the kernel: it may outlive the task */
        kfree(task);
        return -ERR_NOMEM;
    }
    strlcpy(task->name, name, sizeof(task->name));
    list_init(&task->threads);
    list_init(&task->children);
    list_init(&task->sibling);
    wait_queue_init(&task->exit_waiters);
    /* Everything made for the new task is charged to its own account, which
     * names the task from the start (memory_object init carries it). */
    task->id = next_task_id++;
    bool joins = parent && !new_job && parent->acct != ACCT_KERNEL;
    task->acct = acct_open_in(task->id, joins ? parent->acct : ACCT_NEW_JOB);
    if (task->acct == ACCT_KERNEL && parent) {
        /* A task charged to the kernel would escape every per-job bound. */
        task_port_destroy(task);
        kfree(task);
        return -ERR_LIMIT;
    }
    uint32_t caller = task_charge_to(task->acct);
    err = task_build(task, image, len, args, right_count(bootstrap) + right_count(host), &name_va);
    task_charge_to(caller);
    if (err) {
        task_port_destroy(task);
        acct_close(task->acct);
        kfree(task);
        return err;
    }
    task_give_right(task, bootstrap, 1);
    task_give_right(task, host, 2);
    task_set_start_arg(task, 3, name_va);
    task->state = TASK_ALIVE;
    task->parent = parent;
    if (parent)
        list_push_back(&parent->children, &task->sibling);
    else
        vm_map_wire(&task->map); /* init: the name service and exception handler stay put */
    list_push_back(&all_tasks, &task->all_link);
    *out = task;
    return 0;
}

uint64_t task_remote_kills;

/* The current thread, of ended task @task, exits; the last one drains the regions first. */
static void task_exit_thread(struct task *task)
{
    if (task->nthreads == 1)
        vm_map_drain(&task->map); /* its regions go with points between */
    thread_exit_current();
}

void task_terminate(struct task *task, enum task_end end, int code, uint64_t fault_addr)
{
    struct thread *self = thread_current();
    struct list_node *pos, *tmp;

    if (task->state != TASK_ALIVE || task->status.end)
        return;
    task->status.end = end;
    task->status.code = code;
    task->status.fault_addr = fault_addr;
    list_for_each_safe(pos, tmp, &task->threads)
    {
        struct thread *t = list_entry(pos, struct thread, task_link);
        if (t == self) {
            continue;
        } else if (t->state == THREAD_RUNNING) { /* on another CPU, which is not in the kernel */
            t->kill_pending = true;
            task_remote_kills++;
            arch_cpu_kick(t->cpu);
        } else {
            thread_destroy(t); /* the last one ends the task */
        }
    }
    if (self->task == task)
        task_exit_thread(task);
}

void thread_kill_point(void)
{
    struct thread *self = thread_current();

    if (self->kill_pending)
        task_exit_thread(self->task);
}

/* Children of an ending task lose their parent (their records go by their ports). */
static void task_orphan_children(struct task *task)
{
    struct list_node *pos, *tmp;

    KASSERT(task->state == TASK_ZOMBIE);

    list_for_each_safe(pos, tmp, &task->children)
    {
        struct task *child = list_entry(pos, struct task, sibling);
        KASSERT(child->parent == task);
        list_remove(&child->sibling);
        child->parent = NULL;
    }
}

/*
 * A driver is gone: its devices may still be moving data into its pinned
 * frames. Bus mastering goes off (and the transfers in flight end) before
 * the pins are released and the frames can be reused.
 */
static void task_stop_dma(struct task *task)
{
    for (uint32_t i = 0; i < task->dma_devices; i++) {
        uint32_t bdf = task->dma_bdf[i];
        bool done = arch_pci_stop_dma(bdf);
        kprintf("task %s[%u]: device %02x:%02x.%x stopped before its pinned frames were freed%s\n",
                task->name, task->id, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7,
                done ? "" : " (transactions still pending)");
    }
    task->dma_devices = 0;
}

void task_last_thread_gone(struct task *task)
{
    KASSERT(task->state == TASK_ALIVE && task->nthreads == 0 && list_empty(&task->threads));
    if (!task->status.end)
        task->status.end = TASK_END_EXIT;
    ipc_right_release(&task->exc_port);
    irq_release_task(task);
    console_release_task(task);
    task_stop_dma(task);
    ipc_space_destroy(&task->ipc);
    vm_map_destroy(&task->map);
    vm_pageout_frames_given_back(task, UINT64_MAX); /* a pager's charges go with it */
    task->state = TASK_ZOMBIE;
    task_orphan_children(task);
    if (task->id == 1) {
        kprintf("init ended (how %d, code %d): powering off\n", task->status.end,
                task->status.code);
        arch_shutdown(task->status.end == TASK_END_EXIT ? task->status.code : 3);
    }
    sched_wake_all(&task->exit_waiters, 0);
    if (task->self_port->send_rights == 0) /* nobody can wait for it */
        task_free(task);
}

void task_release(struct task *task)
{
    task_free(task);
}

int task_wait(struct task *self, port_name_t name, struct task_status *out)
{
    for (;;) { /* by name each time: another waiter may have collected it meanwhile */
        struct task *t;
        int err = task_port_lookup(self, name, &t);
        if (err)
            return err;
        if (t == self)
            return -ERR_INVAL;
        if (t->state == TASK_ZOMBIE) {
            KASSERT(t->status.end != 0);
            *out = t->status;
            task_free(t);
            return 0;
        }
        sched_block(&t->exit_waiters);
    }
}

uint64_t task_cpu_ns(struct task *task)
{
    uint64_t cycles = task->dead_cpu_cycles;
    struct list_node *pos;

    list_for_each(pos, &task->threads)
    {
        struct thread *t = list_entry(pos, struct thread, task_link);
        cycles += t->cpu_cycles;
        if (t->state == THREAD_RUNNING) /* here or on another CPU: since it was switched in */
            cycles += arch_cycles() - t->run_start;
    }
    return arch_cycles_to_ns(cycles);
}

void task_exception(uint64_t vector, const char *what, uint64_t pc)
{
    struct task *task = task_current();

    if (exception_raise(EXC_CPU, vector, pc, 0))
        return; /* the handler fixed it: run the instruction again */
    kprintf("task %s[%u]: killed: %s at rip %llx\n", task->name, task->id, what,
            (unsigned long long)pc);
    task_terminate(task, TASK_END_FAULT, 0, pc);
    panic("task_exception: terminated task resumed");
}
