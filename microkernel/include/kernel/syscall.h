/*
 * System call dispatch: the syscall entry stub saves the user registers in a
 * trap frame and calls syscall_dispatch, which validates and runs the call.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <kernel/arch.h>

void syscall_dispatch(struct trap_frame *tf);

#endif
