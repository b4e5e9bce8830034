/*
 * System-call dispatch: the machine's syscall entry saves the user registers
 * and calls syscall_dispatch with the system-call ones, which runs the call
 * its number names and stores the result. SYS_IPC, whose fast paths are the
 * kernel's hottest code, skips the table: the entry tests its number
 * (SYSCALL_NR_IPC, checked against the generated one) and calls syscall_ipc.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <arch/arch.h>

#define SYSCALL_NR_IPC 15

void syscall_dispatch(struct syscall_regs *regs);
void syscall_ipc(struct syscall_regs *regs);

#endif
