/*
 * The system-call table: the entry hands over the caller's registers, and
 * the number picks a handler of the subsystem it belongs to (ipc/, vm/,
 * task/, driver.c). The console and power-off calls live here. Each handler
 * checks every argument (user pointers are only touched through vm_copy_*,
 * which fail cleanly on a bad address) before it changes any state, and
 * returns 0 or a positive value, or -ERR_*.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <ipc/ipc_syscalls.h>
#include <kern/driver.h>
#include <kern/printk.h>
#include <kern/syscall.h>
#include <lib/lib.h>
#include <task/task.h>
#include <task/task_syscalls.h>
#include <vm/vm_copy.h>
#include <vm/vm_syscalls.h>

#define CONSOLE_CHUNK 256

typedef int64_t (*syscall_fn)(struct task *self, struct syscall_regs *regs);

static int64_t sys_console_write(struct task *self, struct syscall_regs *regs)
{
    char buf[CONSOLE_CHUNK];
    uint64_t va = regs->arg[0], len = regs->arg[1];

    if (len > (1u << 20))
        return -ERR_INVAL;
    for (uint64_t done = 0; done < len;) {
        size_t n = MIN(len - done, sizeof(buf));
        if (vm_copy_in(&self->map, buf, va + done, n) != 0)
            return -ERR_FAULT;
        arch_console_write(buf, n);
        done += n;
    }
    return (int64_t)len;
}

static int64_t sys_shutdown(struct task *self, struct syscall_regs *regs)
{
    if (self->id != 1)
        return -ERR_PERM;
    kprintf("shutdown requested by %s, status %d\n", self->name, (int)regs->arg[0]);
    arch_shutdown((int)regs->arg[0]);
}

static const syscall_fn syscall_table[SYS_COUNT] = {
    [SYS_CONSOLE_WRITE] = sys_console_write,
    [SYS_EXIT] = sys_exit,
    [SYS_YIELD] = sys_yield,
    [SYS_THREAD_CREATE] = sys_thread_create,
    [SYS_THREAD_EXIT] = sys_thread_exit,
    [SYS_SLEEP] = sys_sleep,
    [SYS_CLOCK] = sys_clock,
    [SYS_VM_ALLOCATE] = sys_vm_allocate,
    [SYS_VM_DEALLOCATE] = sys_vm_deallocate,
    [SYS_VM_STAT] = sys_vm_stat,
    [SYS_TASK_SPAWN] = sys_task_spawn,
    [SYS_TASK_WAIT] = sys_task_wait,
    [SYS_TASK_KILL] = sys_task_kill,
    [SYS_TASK_INFO] = sys_task_info,
    [SYS_SHUTDOWN] = sys_shutdown,
    [SYS_IPC] = sys_ipc,
    [SYS_PORT_OP] = sys_port_op,
    [SYS_VM_QUERY] = sys_vm_query,
    [SYS_TASK_SET_EXCEPTION_PORT] = sys_task_set_exception_port,
    [SYS_VM_MAP] = sys_vm_map,
    [SYS_SET_DEFAULT_PAGER] = sys_set_default_pager,
    [SYS_VM_FAULT_TRACE] = sys_vm_fault_trace,
    [SYS_VM_PAGEOUT] = sys_vm_pageout,
    [SYS_VM_PIN] = sys_vm_pin,
    [SYS_VM_UNPIN] = sys_vm_unpin,
    [SYS_TASK_GRANT_DRIVER] = sys_task_grant_driver,
    [SYS_PCI_CONFIG] = sys_pci_config,
    [SYS_VM_MAP_DEVICE] = sys_vm_map_device,
    [SYS_IRQ_ATTACH] = sys_irq_attach,
    [SYS_IRQ_ACK] = sys_irq_ack,
};

void syscall_dispatch(struct syscall_regs *regs)
{
    struct task *self = task_current();
    uint64_t nr = regs->result;

    regs->result = nr < SYS_COUNT && syscall_table[nr] ? (uint64_t)syscall_table[nr](self, regs)
                                                       : (uint64_t)-ERR_NOSYS;
}
