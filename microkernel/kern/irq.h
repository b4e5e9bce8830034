/*
 * Device interrupts delivered as IPC messages to user-space drivers (irq.c).
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <ipc/ipc.h>

#define IRQ_FIRST 33u /* vectors 33..47 (32 is the timer) */
#define IRQ_COUNT 15u

struct task;

/* Bind a free vector to the send right @port (consumed): the vector or -ERR_LIMIT. */
int irq_attach(struct task *owner, struct kright *port);
/* Interrupt context: turn an interrupt on @vector into a message (or count it). */
void irq_deliver(unsigned vector);
/* The driver handled the message of @vector: the next interrupt sends another. */
int irq_ack(struct task *owner, unsigned vector);
/* @owner is ending: its vectors are free again. */
void irq_release_task(struct task *owner);
/* Device interrupts CPU @cpu took since boot (SYS_CPU_INFO). */
uint64_t irq_taken_on(unsigned cpu);

#endif
