/*
 * Thread helper: allocates a stack with sys_vm_allocate and starts a thread
 * in the calling task that runs fn(arg) and then exits.
 */
#ifndef IPC_THREAD_H
#define IPC_THREAD_H

#include <stddef.h>

#define THREAD_STACK_DEFAULT (64 * 1024)

/*
 * Start a thread running @fn(@arg) on a fresh stack of @stack_size bytes
 * (0: THREAD_STACK_DEFAULT). When @fn returns, the thread exits; its stack
 * stays mapped until the task ends. Returns the thread id or -ERR_*.
 */
long thread_start(void (*fn)(void *arg), void *arg, size_t stack_size);

#endif
