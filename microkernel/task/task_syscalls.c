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
#include <kern/host.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <task/task.h>
#include <task/task_port.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_pageout.h>

void sys_exit(struct task *self, int32_t status)
{
    task_terminate(self, TASK_END_EXIT, status, 0); /* does not return */
}

void sys_yield(struct task *self)
{
    (void)self;
    sched_yield();
}

/* @entry and @stack_top lie in user space (checked by the dispatch). */
int64_t sys_thread_create(struct task *self, uint64_t entry, uint64_t stack_top, uint64_t arg)
{
    if (stack_top % 16)
        return -ERR_INVAL;
    if (self->nthreads >= TASK_MAX_THREADS)
        return -ERR_LIMIT;
    struct thread *t = thread_create_user(self, entry, stack_top - 8, arg, 0);
    if (!t)
        return -ERR_NOMEM;
    t->affinity = thread_current()->affinity; /* as its creator (it was queued for any CPU) */
    return (int64_t)t->id;
}

int64_t sys_thread_affinity(struct task *self, uint64_t thread, uint64_t cpus)
{
    struct thread *t = thread_current();
    struct list_node *pos;

    if (cpus >> ARCH_MAX_CPUS)
        return -ERR_INVAL;
    if (thread != 0 && thread != t->id) {
        t = NULL;
        list_for_each(pos, &self->threads) /* at most TASK_MAX_THREADS */
        {
            struct thread *u = list_entry(pos, struct thread, task_link);
            if (u->id == thread && u->state != THREAD_DEAD) {
                t = u;
                break;
            }
        }
        if (!t)
            return -ERR_NOENT;
    }
    return sched_set_affinity(t, (uint32_t)cpus);
}

void sys_thread_exit(struct task *self)
{
    if (self->nthreads == 1) /* the last one ends the task, its regions drained first */
        task_terminate(self, TASK_END_EXIT, 0, 0);
    thread_exit_current();
}

int64_t sys_sleep(struct task *self, uint64_t ns)
{
    uint64_t now = arch_time_ns();
    (void)self;
    sched_sleep_until(ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
    return 0;
}

/*
 * tools/profile stops the guest here (a breakpoint on this function) and
 * logs every instruction until the next mark. Nothing else happens. noipa:
 * never inlined nor merged with another function that returns 0, so its
 * address is its own.
 */
__attribute__((noipa, used)) int64_t sys_profile_mark(struct task *self)
{
    (void)self;
    return 0;
}

uint64_t sys_clock(struct task *self)
{
    (void)self;
    return arch_time_ns();
}

/*
 * Make @t a driver, granted by @by (a holder of the host right): PCI
 * configuration space, device memory, DMA pins and interrupts. Its memory
 * is wired and served by the in-kernel pager from now on, since a pager may
 * wait on a driver and a driver must never wait on it.
 */
static void task_make_driver(struct task *by, struct task *t)
{
    t->driver = true;
    t->kernel_paged = true;
    vm_map_wire(&t->map);
    kprintf("%s[%u] granted driver access to %s[%u]\n", by->name, by->id, t->name, t->id);
}

/*
 * The host-privilege right a spawn with @flags needs (@host), and the send
 * right the child gets with TASK_SPAWN_HOST_PRIV in *@out. 0 or -ERR_*.
 */
static int spawn_host_right(struct task *self, uint64_t flags, port_name_t host, struct kright *out)
{
    uint64_t privileged = flags & (TASK_SPAWN_DRIVER | TASK_SPAWN_HOST_PRIV | TASK_SPAWN_JOB);

    if (flags & ~(uint64_t)(TASK_SPAWN_DRIVER | TASK_SPAWN_HOST_PRIV | TASK_SPAWN_EXC_INHERIT |
                            TASK_SPAWN_JOB))
        return -ERR_INVAL;
    if ((privileged || host) && host_priv_check(self, host) != 0)
        return -ERR_PERM;
    return flags & TASK_SPAWN_HOST_PRIV ? ipc_right_make_send(&self->ipc, host, out) : 0;
}

/*
 * Can the caller take a send right to its child's task port, its name
 * stored at @port_out (0: not wanted)? The buffer is written (PORT_NULL)
 * and a name reserved, so that giving the right cannot fail. 0 or -ERR_*.
 */
static int spawn_port_check(struct task *self, uint64_t port_out)
{
    port_name_t none = PORT_NULL;

    if (!port_out)
        return 0;
    if (vm_copy_out(&self->map, port_out, &none, sizeof(none)) != 0)
        return -ERR_FAULT;
    return ipc_space_reserve(&self->ipc, 1);
}

/* Give the caller a send right to @child's task port, named at @port_out (0: none). */
static void spawn_port_give(struct task *self, struct task *child, uint64_t port_out)
{
    if (!port_out)
        return;
    struct kright r = task_port_right(child);
    port_name_t name = ipc_right_install(self, &r);
    /* Checked writable; another thread unmapping it meanwhile loses only the name. */
    (void)vm_copy_out(&self->map, port_out, &name, sizeof(name));
}

/* @bootstrap: a port name, or 0; the whole word is tested, as the ABI says. */
int64_t sys_task_spawn(struct task *self, uint64_t module, uint64_t args, uint64_t bootstrap,
                       uint64_t flags, port_name_t host, uint64_t port_out)
{
    char name[BOOT_MODULE_NAME_MAX], arg_string[TASK_ARGS_MAX], task_name[TASK_NAME_MAX];
    struct kright right = {0}, host_right = {0};
    struct task *child;

    int err = spawn_host_right(self, flags, host, &host_right);
    if (!err)
        err = spawn_port_check(self, port_out);
    if (!err && (vm_copy_string_in(&self->map, name, module, sizeof(name)) < 0 ||
                 vm_copy_string_in(&self->map, arg_string, args, sizeof(arg_string)) < 0))
        err = -ERR_FAULT;
    const struct boot_module *m = err ? NULL : boot_module_find(name);
    if (!err && !m)
        err = -ERR_NOENT;
    if (!err && bootstrap)
        err = ipc_right_make_send(&self->ipc, (port_name_t)bootstrap, &right);
    if (!err) {
        boot_module_task_name(m, task_name, sizeof(task_name));
        err = task_spawn(task_name, phys_to_virt(m->phys), m->size, arg_string, self,
                         flags & TASK_SPAWN_JOB, &right, &host_right, &child);
    }
    ipc_right_release(&right); /* still held only if the spawn failed */
    ipc_right_release(&host_right);
    if (err)
        return err;
    /* Both before the child's first instruction. */
    if (flags & TASK_SPAWN_EXC_INHERIT) {
        struct kright exc = ipc_right_copy_send(&self->exc_port);
        exception_port_set(child, &exc);
    }
    if (flags & TASK_SPAWN_DRIVER)
        task_make_driver(self, child);
    spawn_port_give(self, child, port_out);
    return (int64_t)child->id;
}

int64_t sys_task_wait(struct task *self, port_name_t task, uint64_t status)
{
    struct task_status st = {0};

    /* Check the buffer before blocking, so a bad pointer cannot lose the status. */
    if (vm_copy_out(&self->map, status, &st, sizeof(st)) != 0)
        return -ERR_FAULT;
    int err = task_wait(self, task, &st);
    if (err)
        return err;
    return vm_copy_out(&self->map, status, &st, sizeof(st));
}

int64_t sys_task_kill(struct task *self, port_name_t task)
{
    struct task *t;
    int err = task_port_lookup(self, task, &t);

    if (err)
        return err;
    if (t->state != TASK_ALIVE)
        return -ERR_NOENT;
    task_terminate(t, TASK_END_KILLED, 0, 0);
    return 0;
}

/* @task: a task id, or 0 for the caller; the whole word is tested. */
int64_t sys_task_info(struct task *self, port_name_t host, uint64_t task, uint64_t info)
{
    struct task *t = task ? task_find((uint32_t)task) : self;
    struct task_info ti = {0};

    if (!t || task > UINT32_MAX)
        return -ERR_NOENT;
    if (!task_may_read(self, t, host))
        return -ERR_PERM;
    ti.id = t->id;
    ti.parent = t->parent ? t->parent->id : 0;
    ti.alive = t->state == TASK_ALIVE;
    ti.flags = (t->driver ? TASK_INFO_DRIVER : 0) | (t->kernel_paged ? TASK_INFO_KERNEL_PAGED : 0) |
               (t->serves_objects ? TASK_INFO_PAGER : 0);
    strlcpy(ti.name, t->name, sizeof(ti.name));
    if (t->state == TASK_ALIVE) {
        ti.cpu_ns = task_cpu_ns(t);
        ti.resident_pages = t->map.resident;
        ti.pinned_pages = t->map.pinned;
        ti.regions = t->map.nregions;
        ti.threads = t->nthreads;
        ti.reserve_share = t->reserve_share;
    } else {
        ti.cpu_ns = arch_cycles_to_ns(t->dead_cpu_cycles);
    }
    return vm_copy_out(&self->map, info, &ti, sizeof(ti));
}

/* Fill *@out with account @slot of task @id. */
static void task_acct_fill(uint32_t id, uint32_t slot, bool ended, struct task_acct *out)
{
    struct acct_figures f;

    acct_read(slot, &f);
    *out = (struct task_acct){
        .task = id,
        .flags = ended ? TASK_ACCT_ENDED : 0,
        .frames_user = f.frames[FRAME_USER],
        .frames_table = f.frames[FRAME_TABLE],
        .frames_kstack = f.frames[FRAME_KSTACK],
        .frames_kernel = f.frames[FRAME_KERNEL],
        .ports = f.objects[ACCT_OBJ_PORT],
        .objects = f.objects[ACCT_OBJ_VM_OBJECT],
        .threads = f.objects[ACCT_OBJ_THREAD],
    };
}

int64_t sys_task_acct(struct task *self, port_name_t host, uint32_t task, uint32_t flags,
                      uint64_t info)
{
    uint32_t id = task ? task : self->id;
    struct task *t = task_find(id);
    struct task_acct out;

    if (flags & ~TASK_ACCT_WAIT)
        return -ERR_INVAL;
    if (t ? !task_may_read(self, t, host) : host_priv_check(self, host) != 0)
        return t ? -ERR_PERM : (acct_find(id) < 0 ? -ERR_NOENT : -ERR_PERM);
    if (t == self && (flags & TASK_ACCT_WAIT))
        return -ERR_INVAL; /* it would wait for its own end */
    /* The end is an event: the last thread's teardown frees all the kernel frees, then wakes. */
    while ((flags & TASK_ACCT_WAIT) && t && t->state == TASK_ALIVE) {
        sched_block(&t->exit_waiters);
        t = task_find(id); /* a holder of its task port may have collected it meanwhile */
    }
    int slot = t ? (int)t->acct : acct_find(id);
    if (slot < 0)
        return -ERR_NOENT;
    if (slot == (int)ACCT_KERNEL)
        return -ERR_LIMIT; /* it found no account of its own: it is charged to the kernel's */
    task_acct_fill(id, (uint32_t)slot, !t || t->state != TASK_ALIVE, &out);
    return vm_copy_out(&self->map, info, &out, sizeof(out));
}

int64_t sys_task_next(struct task *self, port_name_t host, uint32_t after)
{
    struct task *next = task_next_after(self, after, host_priv_check(self, host) == 0);

    return next ? (int64_t)next->id : -ERR_NOENT;
}

int64_t sys_task_set_exception_port(struct task *self, port_name_t task, port_name_t port)
{
    struct task *target;
    struct kright right = {0};
    int err = task_port_lookup(self, task, &target);

    if (err)
        return err;
    if (target->state != TASK_ALIVE)
        return -ERR_NOENT;
    err = port ? ipc_right_make_send(&self->ipc, port, &right) : 0;
    return err ? err : exception_port_set(target, &right);
}

/*
 * The task a privileged call acts on: the one whose task port @name names
 * (PORT_NULL: @self), alive, for a caller holding the host right @host.
 * 0 and the task in *@out, or -ERR_PERM, the errors of task_port_lookup,
 * -ERR_NOENT (it ended). Changes nothing.
 */
static int task_privileged_target(struct task *self, port_name_t host, port_name_t name,
                                  struct task **out)
{
    int err = host_priv_check(self, host) != 0 ? -ERR_PERM : task_port_lookup(self, name, out);

    if (!err && (*out)->state != TASK_ALIVE)
        err = -ERR_NOENT;
    return err;
}

int64_t sys_task_grant_driver(struct task *self, port_name_t host, port_name_t task)
{
    struct task *t;
    int err = task_privileged_target(self, host, task, &t);

    if (err)
        return err;
    task_make_driver(self, t);
    return 0;
}

/*
 * The share of the frame reserve is read by pageout's credits
 * (vm/vm_pageout.c) when @task serves memory objects.
 */
int64_t sys_task_set_reserve_share(struct task *self, port_name_t host, port_name_t task,
                                   uint32_t frames)
{
    struct task *t;
    int err = task_privileged_target(self, host, task, &t);

    if (err)
        return err;
    if (frames > vm_pageout_levels().reserve)
        return -ERR_INVAL;
    t->reserve_share = frames;
    return 0;
}

int64_t sys_task_port_for(struct task *self, port_name_t host, uint32_t task)
{
    struct task *t = task_find(task);

    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    if (!t || !t->self_port)
        return -ERR_NOENT;
    int err = ipc_space_reserve(&self->ipc, 1);
    if (err)
        return err;
    struct kright r = task_port_right(t);
    return ipc_right_install(self, &r);
}
