/*
 * System call dispatch: the syscall entry stub saves the user registers in a
 * trap frame and calls syscall_dispatch, which validates and runs the call.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <arch/arch.h>
#include <stdint.h>

void syscall_dispatch(struct syscall_regs *regs);

struct task;
/* The IPC calls (ipc.c). */
int64_t sys_ipc(struct task *self, struct syscall_regs *regs);
int64_t sys_port_op(struct task *self, struct syscall_regs *regs);

#endif
