/*
 * The kernel's half of test_idl_syscalls: the dispatch generated from
 * syscalls.idl (syscalls_kdispatch.h) with fake handlers that record what
 * they receive. The generated prototypes (syscalls_kabi.h) make a handler
 * with the wrong C types a compile error.
 */
#include <syscalls_kdispatch.h>

#include "syscall_log.h"

struct syscall_log syscall_log;
const char syscall_fake_task[] = "task";

void syscall_log_reset(int64_t result)
{
    syscall_log = (struct syscall_log){.result = result};
}

/* The calling task of the fake kernel. */
static struct task *fake_caller(void)
{
    return (struct task *)syscall_fake_task;
}

long fake_syscall_words(long nr, const uint64_t a[6], uint64_t w0)
{
    struct syscall_regs regs = {
        .arg = {a[0], a[1], a[2], a[3], a[4], a[5]}, .word = {w0}, .result = (uint64_t)nr};

    return (long)sys_dispatch(&regs, fake_caller);
}

long fake_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    const uint64_t a[6] = {(uint64_t)a1, (uint64_t)a2, (uint64_t)a3,
                           (uint64_t)a4, (uint64_t)a5, (uint64_t)a6};

    return fake_syscall_words(nr, a, 0);
}

/* Record a call of @handler for @self with @n arguments; the result to return. */
static int64_t record(const char *handler, struct task *self, unsigned n, uint64_t a0, uint64_t a1,
                      uint64_t a2, uint64_t a3)
{
    syscall_log.calls++;
    syscall_log.handler = handler;
    syscall_log.self = self;
    syscall_log.nargs = n;
    syscall_log.arg[0] = a0;
    syscall_log.arg[1] = a1;
    syscall_log.arg[2] = a2;
    syscall_log.arg[3] = a3;
    return syscall_log.result;
}

/* i32 arguments are widened with their sign, as C widens them. */
#define SX(v) ((uint64_t)(int64_t)(v))

int64_t sys_console_write(struct task *self, uint64_t buf, uint64_t len)
{
    return record(__func__, self, 2, buf, len, 0, 0);
}

void sys_exit(struct task *self, int32_t status)
{
    record(__func__, self, 1, SX(status), 0, 0, 0);
}

void sys_yield(struct task *self)
{
    record(__func__, self, 0, 0, 0, 0, 0);
}

int64_t sys_thread_create(struct task *self, uint64_t entry, uint64_t stack_top, uint64_t arg)
{
    return record(__func__, self, 3, entry, stack_top, arg, 0);
}

void sys_thread_exit(struct task *self)
{
    record(__func__, self, 0, 0, 0, 0, 0);
}

int64_t sys_sleep(struct task *self, uint64_t ns)
{
    return record(__func__, self, 1, ns, 0, 0, 0);
}

uint64_t sys_clock(struct task *self)
{
    return (uint64_t)record(__func__, self, 0, 0, 0, 0, 0);
}

int64_t sys_vm_allocate(struct task *self, uint64_t size, uint64_t prot, uint64_t addr)
{
    return record(__func__, self, 3, size, prot, addr, 0);
}

int64_t sys_vm_deallocate(struct task *self, uint64_t addr, uint64_t size)
{
    return record(__func__, self, 2, addr, size, 0, 0);
}

int64_t sys_vm_stat(struct task *self, uint64_t stat)
{
    return record(__func__, self, 1, stat, 0, 0, 0);
}

int64_t sys_task_spawn(struct task *self, uint64_t module, uint64_t args, uint64_t bootstrap,
                       uint64_t flags, port_name_t host, uint64_t port)
{
    int64_t result = record(__func__, self, 6, module, args, bootstrap, flags);

    syscall_log.arg[4] = host;
    syscall_log.arg[5] = port;
    return result;
}

int64_t sys_task_info(struct task *self, port_name_t host, uint64_t task, uint64_t info)
{
    return record(__func__, self, 3, host, task, info, 0);
}

int64_t sys_shutdown(struct task *self, port_name_t host, int32_t code)
{
    return record(__func__, self, 2, host, SX(code), 0, 0);
}

int64_t sys_ipc(struct task *self, struct syscall_regs *regs)
{
    syscall_log.regs_word0 = regs->word[0];
    syscall_log.regs_arg5 = regs->arg[5];
    return record(__func__, self, 0, 0, 0, 0, 0);
}

int64_t sys_port_op(struct task *self, uint64_t op, port_name_t name, uint64_t arg)
{
    return record(__func__, self, 3, op, name, arg, 0);
}

int64_t sys_vm_query(struct task *self, uint64_t addr, uint64_t query)
{
    return record(__func__, self, 2, addr, query, 0, 0);
}

int64_t sys_vm_map(struct task *self, port_name_t pager, uint64_t size, uint64_t prot)
{
    return record(__func__, self, 3, pager, size, prot, 0);
}

int64_t sys_set_default_pager(struct task *self, port_name_t host, port_name_t pager)
{
    return record(__func__, self, 2, host, pager, 0, 0);
}

int64_t sys_vm_fault_trace(struct task *self, uint64_t trace)
{
    return record(__func__, self, 1, trace, 0, 0, 0);
}

int64_t sys_vm_pageout(struct task *self, uint64_t addr, uint64_t size)
{
    return record(__func__, self, 2, addr, size, 0, 0);
}

int64_t sys_vm_pin(struct task *self, uint64_t addr, uint64_t size, uint64_t phys)
{
    return record(__func__, self, 3, addr, size, phys, 0);
}

int64_t sys_vm_unpin(struct task *self, uint64_t addr, uint64_t size)
{
    return record(__func__, self, 2, addr, size, 0, 0);
}

int64_t sys_task_grant_driver(struct task *self, port_name_t host, port_name_t task)
{
    return record(__func__, self, 2, host, task, 0, 0);
}

int64_t sys_task_port_for(struct task *self, port_name_t host, uint32_t task)
{
    return record(__func__, self, 2, host, task, 0, 0);
}

int64_t sys_task_set_reserve_share(struct task *self, port_name_t host, port_name_t task,
                                   uint32_t frames)
{
    return record(__func__, self, 3, host, task, frames, 0);
}

int64_t sys_pci_config(struct task *self, uint64_t write, uint64_t bdf, uint64_t offset,
                       uint32_t value)
{
    return record(__func__, self, 4, write, bdf, offset, value);
}

int64_t sys_vm_map_device(struct task *self, uint64_t phys, uint64_t size)
{
    return record(__func__, self, 2, phys, size, 0, 0);
}

int64_t sys_irq_attach(struct task *self, port_name_t port)
{
    return record(__func__, self, 1, port, 0, 0, 0);
}

int64_t sys_irq_ack(struct task *self, uint32_t vector)
{
    return record(__func__, self, 1, vector, 0, 0, 0);
}

int64_t sys_console_attach(struct task *self, port_name_t host, port_name_t port)
{
    return record(__func__, self, 2, host, port, 0, 0);
}

int64_t sys_console_read(struct task *self, uint64_t buf, uint64_t len)
{
    return record(__func__, self, 2, buf, len, 0, 0);
}

int64_t sys_task_next(struct task *self, port_name_t host, uint32_t after)
{
    return record(__func__, self, 2, host, after, 0, 0);
}

int64_t sys_vm_region_info(struct task *self, port_name_t host, uint64_t task, uint64_t addr,
                           uint64_t info)
{
    return record(__func__, self, 4, host, task, addr, info);
}

int64_t sys_vm_policy_get(struct task *self, uint64_t name, uint64_t len)
{
    return record(__func__, self, 2, name, len, 0, 0);
}

int64_t sys_vm_policy_set(struct task *self, port_name_t host, uint64_t name)
{
    return record(__func__, self, 2, host, name, 0, 0);
}

int64_t sys_trace_start(struct task *self, port_name_t host, uint32_t faults)
{
    return record(__func__, self, 2, host, faults, 0, 0);
}

int64_t sys_trace_read(struct task *self, port_name_t host, uint64_t events, uint64_t max)
{
    return record(__func__, self, 3, host, events, max, 0);
}

int64_t sys_trace_mark(struct task *self, uint32_t step, uint64_t object, uint64_t offset)
{
    return record(__func__, self, 3, step, object, offset, 0);
}

int64_t sys_vm_pager_migrate(struct task *self, port_name_t host, port_name_t old, port_name_t new)
{
    return record(__func__, self, 3, host, old, new, 0);
}

int64_t sys_vm_pager_standby(struct task *self, port_name_t host, port_name_t pager,
                             port_name_t standby)
{
    return record(__func__, self, 3, host, pager, standby, 0);
}

int64_t sys_task_kill(struct task *self, port_name_t task)
{
    return record(__func__, self, 1, task, 0, 0, 0);
}

int64_t sys_task_wait(struct task *self, port_name_t task, uint64_t status)
{
    return record(__func__, self, 2, task, status, 0, 0);
}

int64_t sys_task_set_exception_port(struct task *self, port_name_t task, port_name_t port)
{
    return record(__func__, self, 2, task, port, 0, 0);
}

int64_t sys_thread_affinity(struct task *self, uint64_t thread, uint64_t cpus)
{
    return record(__func__, self, 2, thread, cpus, 0, 0);
}

int64_t sys_vm_region_migrate(struct task *self, uint64_t addr, port_name_t pager)
{
    return record(__func__, self, 2, addr, pager, 0, 0);
}

int64_t sys_kern_stat(struct task *self, uint64_t stat)
{
    return record(__func__, self, 1, stat, 0, 0, 0);
}

int64_t sys_kern_stat_reset(struct task *self, port_name_t host)
{
    return record(__func__, self, 1, host, 0, 0, 0);
}

int64_t sys_task_acct(struct task *self, port_name_t host, uint32_t task, uint32_t flags,
                      uint64_t info)
{
    return record(__func__, self, 4, host, task, flags, info);
}

int64_t sys_kernel_check(struct task *self, port_name_t host, uint64_t why, uint64_t len)
{
    return record(__func__, self, 3, host, why, len, 0);
}

int64_t sys_cpu_info(struct task *self, uint64_t info)
{
    return record(__func__, self, 1, info, 0, 0, 0);
}

int64_t sys_ipc_stat(struct task *self, uint64_t stat)
{
    return record(__func__, self, 1, stat, 0, 0, 0);
}

int64_t sys_profile_mark(struct task *self)
{
    return record(__func__, self, 0, 0, 0, 0, 0);
}
