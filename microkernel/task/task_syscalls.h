/*
 * The system calls of tasks and threads (task_syscalls.c): exit, threads,
 * sleep and clock, spawn, wait, kill, info, exception ports, driver grants.
 * kern/syscall.c puts them in the dispatch table; abi/syscall.h gives their
 * arguments.
 */
#ifndef KERNEL_TASK_SYSCALLS_H
#define KERNEL_TASK_SYSCALLS_H

#include <arch/arch.h>
#include <stdint.h>

struct task;

int64_t sys_exit(struct task *self, struct syscall_regs *regs);
int64_t sys_yield(struct task *self, struct syscall_regs *regs);
int64_t sys_thread_create(struct task *self, struct syscall_regs *regs);
int64_t sys_thread_exit(struct task *self, struct syscall_regs *regs);
int64_t sys_sleep(struct task *self, struct syscall_regs *regs);
int64_t sys_clock(struct task *self, struct syscall_regs *regs);
int64_t sys_task_spawn(struct task *self, struct syscall_regs *regs);
int64_t sys_task_wait(struct task *self, struct syscall_regs *regs);
int64_t sys_task_kill(struct task *self, struct syscall_regs *regs);
int64_t sys_task_info(struct task *self, struct syscall_regs *regs);
int64_t sys_task_set_exception_port(struct task *self, struct syscall_regs *regs);
int64_t sys_task_grant_driver(struct task *self, struct syscall_regs *regs);

#endif
