/*
 * System calls of tasks and threads. Each handler checks every argument
 * before it changes any state (user pointers only through vm_copy_*, which
 * fail cleanly) and returns 0, a positive value or -ERR_*.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <ipc/exception.h>
#include <ipc/ipc_right.h>
#include <kern/boot.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/task.h>
#include <task/task_syscalls.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>

int64_t sys_exit(struct task *self, struct syscall_regs *regs)
{
    task_terminate(self, TASK_END_EXIT, (int)regs->arg[0], 0);
    return 0; /* not reached */
}

int64_t sys_yield(struct task *self, struct syscall_regs *regs)
{
    (void)self, (void)regs;
    sched_yield();
    return 0;
}

int64_t sys_thread_create(struct task *self, struct syscall_regs *regs)
{
    uint64_t entry = regs->arg[0], stack_top = regs->arg[1];

    if (entry >= MMU_USER_TOP || stack_top >= MMU_USER_TOP || stack_top % 16)
        return -ERR_INVAL;
    if (self->nthreads >= TASK_MAX_THREADS)
        return -ERR_LIMIT;
    struct thread *t = thread_create_user(self, entry, stack_top - 8, regs->arg[2], 0);
    return t ? (int64_t)t->id : -ERR_NOMEM;
}

int64_t sys_thread_exit(struct task *self, struct syscall_regs *regs)
{
    (void)self, (void)regs;
    thread_exit_current();
}

int64_t sys_sleep(struct task *self, struct syscall_regs *regs)
{
    uint64_t now = arch_time_ns();
    (void)self;
    sched_sleep_until(regs->arg[0] > UINT64_MAX - now ? UINT64_MAX : now + regs->arg[0]);
    return 0;
}

int64_t sys_clock(struct task *self, struct syscall_regs *regs)
{
    (void)self, (void)regs;
    return (int64_t)arch_time_ns();
}

/*
 * Make @t a driver: PCI configuration space, device memory, DMA pins and
 * interrupts. Its memory is wired and served by the in-kernel pager from now
 * on, since a pager may wait on a driver and a driver must never wait on it.
 */
static void task_make_driver(struct task *t)
{
    t->driver = true;
    t->kernel_paged = true;
    vm_map_wire(&t->map);
    kprintf("init granted driver access to %s[%u]\n", t->name, t->id);
}

int64_t sys_task_spawn(struct task *self, struct syscall_regs *regs)
{
    char name[BOOT_MODULE_NAME_MAX], args[TASK_ARGS_MAX], task_name[TASK_NAME_MAX];
    struct task *child;

    if (regs->arg[3] & ~(uint64_t)TASK_SPAWN_DRIVER)
        return -ERR_INVAL;
    if ((regs->arg[3] & TASK_SPAWN_DRIVER) && self->id != 1)
        return -ERR_PERM;
    if (vm_copy_string_in(&self->map, name, regs->arg[0], sizeof(name)) < 0 ||
        vm_copy_string_in(&self->map, args, regs->arg[1], sizeof(args)) < 0)
        return -ERR_FAULT;
    const struct boot_module *m = boot_module_find(name);
    if (!m)
        return -ERR_NOENT;
    struct kright bootstrap = {0};
    int err =
        regs->arg[2] ? ipc_right_make_send(&self->ipc, (port_name_t)regs->arg[2], &bootstrap) : 0;
    if (err)
        return err;
    boot_module_task_name(m, task_name, sizeof(task_name));
    err = task_spawn(task_name, phys_to_virt(m->phys), m->size, args, self, &bootstrap, &child);
    ipc_right_release(&bootstrap); /* still held only if the spawn failed */
    if (err)
        return err;
    if (regs->arg[3] & TASK_SPAWN_DRIVER)
        task_make_driver(child); /* before its first instruction */
    return (int64_t)child->id;
}

int64_t sys_task_wait(struct task *self, struct syscall_regs *regs)
{
    struct task_status st = {0};

    /* Check the buffer before blocking, so a bad pointer cannot lose the status. */
    if (vm_copy_out(&self->map, regs->arg[1], &st, sizeof(st)) != 0)
        return -ERR_FAULT;
    int err = task_wait(self, (uint32_t)regs->arg[0], &st);
    if (err)
        return err;
    return vm_copy_out(&self->map, regs->arg[1], &st, sizeof(st));
}

int64_t sys_task_kill(struct task *self, struct syscall_regs *regs)
{
    struct task *t = task_find((uint32_t)regs->arg[0]);

    if (!t || t->state != TASK_ALIVE)
        return -ERR_NOENT;
    if (t != self && t->parent != self)
        return -ERR_PERM;
    task_terminate(t, TASK_END_KILLED, 0, 0);
    return 0;
}

int64_t sys_task_info(struct task *self, struct syscall_regs *regs)
{
    struct task *t = regs->arg[0] ? task_find((uint32_t)regs->arg[0]) : self;
    struct task_info info = {0};

    if (!t)
        return -ERR_NOENT;
    if (t->state == TASK_ALIVE) {
        info.cpu_ns = task_cpu_ns(t);
        info.resident_pages = t->map.resident;
        info.threads = t->nthreads;
    } else {
        info.cpu_ns = arch_cycles_to_ns(t->dead_cpu_cycles);
    }
    return vm_copy_out(&self->map, regs->arg[1], &info, sizeof(info));
}

int64_t sys_task_set_exception_port(struct task *self, struct syscall_regs *regs)
{
    struct task *target = regs->arg[0] ? task_find((uint32_t)regs->arg[0]) : self;
    port_name_t name = (port_name_t)regs->arg[1];
    struct kright right = {0};

    if (!target || target->state != TASK_ALIVE)
        return -ERR_NOENT;
    if (target != self && target->parent != self)
        return -ERR_PERM;
    int err = name ? ipc_right_make_send(&self->ipc, name, &right) : 0;
    return err ? err : exception_port_set(target, &right);
}

int64_t sys_task_grant_driver(struct task *self, struct syscall_regs *regs)
{
    struct task *t = task_find((uint32_t)regs->arg[0]);

    if (self->id != 1)
        return -ERR_PERM;
    if (!t || t->state != TASK_ALIVE || t->parent != self)
        return -ERR_NOENT;
    task_make_driver(t);
    return 0;
}
