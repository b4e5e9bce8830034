/*
 * System-call dispatch: the machine's syscall entry saves the user registers
 * and calls syscall_dispatch with the system-call ones, which runs the call
 * its number names and stores the result.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <arch/arch.h>

void syscall_dispatch(struct syscall_regs *regs);

#endif
