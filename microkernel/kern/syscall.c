/*
 * System-call dispatch: the entry hands over the caller's registers, and the
 * dispatch generated from libipc/idl/syscalls.idl (syscalls_kdispatch.h)
 * decodes the arguments and calls the handler of the subsystem the call
 * belongs to (ipc/, vm/, task/, driver.c) with C values. The console and
 * power-off calls live here. Each handler checks every argument (user
 * pointers are only touched through vm_copy_*, which fail cleanly on a bad
 * address) before it changes any state, and returns 0 or a positive value,
 * or -ERR_*.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <kern/printk.h>
#include <kern/syscall.h>
#include <lib/lib.h>
#include <syscalls_kdispatch.h>
#include <task/task.h>
#include <vm/vm_copy.h>

#define CONSOLE_CHUNK 256

int64_t sys_console_write(struct task *self, uint64_t buf, uint64_t len)
{
    char chunk[CONSOLE_CHUNK];

    if (len > (1u << 20))
        return -ERR_INVAL;
    for (uint64_t done = 0; done < len;) {
        size_t n = MIN(len - done, sizeof(chunk));
        if (vm_copy_in(&self->map, chunk, buf + done, n) != 0)
            return -ERR_FAULT;
        arch_console_write(chunk, n);
        done += n;
    }
    return (int64_t)len;
}

int64_t sys_shutdown(struct task *self, int32_t code)
{
    if (self->id != 1)
        return -ERR_PERM;
    kprintf("shutdown requested by %s, status %d\n", self->name, code);
    arch_shutdown(code);
}

void syscall_dispatch(struct syscall_regs *regs)
{
    regs->result = (uint64_t)sys_dispatch(regs, task_current);
}
