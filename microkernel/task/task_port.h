/*
 * Task ports (after Mach's task port): every task has a kernel object port
 * whose send right is the authority to act on that task (kill, wait, set
 * its exception port, read its state). The creator gets one at spawn when
 * it asks; from there it travels like any send right. The port dies when
 * the task's record goes: a name for it then reports a dead port.
 */
#ifndef KERNEL_TASK_PORT_H
#define KERNEL_TASK_PORT_H

#include <abi/ipc.h>
#include <ipc/ipc.h>

struct task;

/* Make @task's port (the kernel's reference in task->self_port). 0 or -ERR_NOMEM. */
int task_port_init(struct task *task);
/* A new send right to @task's port, for a message or a name space. */
struct kright task_port_right(struct task *task);
/* @task's record goes: its port dies and the kernel's reference is dropped. */
void task_port_destroy(struct task *task);
/*
 * The task whose port @name denotes in @self's name space (PORT_NULL: @self)
 * in *@out. 0, or -ERR_NAME (no such name), -ERR_RIGHT (not a send right),
 * -ERR_DEAD (a dead port: the task's record is gone), -ERR_INVAL (a live
 * port that is not a task port). Changes nothing.
 */
int task_port_lookup(struct task *self, port_name_t name, struct task **out);
/* Does @name in @self's name space denote a send right to @t's task port? */
bool task_port_names(struct task *self, port_name_t name, const struct task *t);

#endif
