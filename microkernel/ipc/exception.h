/*
 * Exception messages to a task's exception port (exception.c).
 */
#ifndef KERNEL_EXCEPTION_H
#define KERNEL_EXCEPTION_H

#include <ipc/ipc.h>
#include <stdbool.h>
#include <stdint.h>

struct task;

/*
 * The current thread cannot go on (kind EXC_*, @code the address or vector,
 * @info the access and reason bits): send the exception to its task's
 * exception port and wait for the handler. True when the handler asks for
 * the instruction to be retried; false when there is no handler, it died,
 * or it asked for the task to be killed.
 */
bool exception_raise(uint64_t kind, uint64_t code, uint64_t pc, uint64_t info);

/* Make the send right @right (consumed; port NULL: none) @task's exception port. */
int exception_port_set(struct task *task, struct kright *right);

#endif
