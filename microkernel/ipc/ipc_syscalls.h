/*
 * The system calls of IPC (ipc.c): SYS_IPC sends and/or receives a message,
 * SYS_PORT_OP manages port rights. kern/syscall.c puts them in the dispatch
 * table; abi/ipc.h gives their arguments.
 */
#ifndef KERNEL_IPC_SYSCALLS_H
#define KERNEL_IPC_SYSCALLS_H

#include <arch/arch.h>
#include <stdint.h>

struct task;

int64_t sys_ipc(struct task *self, struct syscall_regs *regs);
int64_t sys_port_op(struct task *self, struct syscall_regs *regs);

#endif
