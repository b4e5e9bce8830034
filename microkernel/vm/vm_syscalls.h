/*
 * The system calls of virtual memory (vm_syscalls.c): regions of anonymous,
 * externally paged and device memory, statistics and queries, the default
 * pager, pageout on demand and pinning. kern/syscall.c puts them in the
 * dispatch table; abi/syscall.h gives their arguments.
 */
#ifndef KERNEL_VM_SYSCALLS_H
#define KERNEL_VM_SYSCALLS_H

#include <arch/arch.h>
#include <stdint.h>

struct task;

int64_t sys_vm_allocate(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_map(struct task *self, struct syscall_regs *regs);
int64_t sys_set_default_pager(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_deallocate(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_stat(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_query(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_fault_trace(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_pageout(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_pin(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_unpin(struct task *self, struct syscall_regs *regs);
int64_t sys_vm_map_device(struct task *self, struct syscall_regs *regs);

#endif
