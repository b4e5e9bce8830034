/*
 * The system calls of user-space drivers (driver.c): PCI configuration space
 * and interrupts as messages. Only tasks that init made drivers may use them.
 */
#ifndef KERNEL_DRIVER_H
#define KERNEL_DRIVER_H

#include <arch/arch.h>
#include <stdint.h>

struct task;

int64_t sys_pci_config(struct task *self, struct syscall_regs *regs);
int64_t sys_irq_attach(struct task *self, struct syscall_regs *regs);
int64_t sys_irq_ack(struct task *self, struct syscall_regs *regs);

#endif
