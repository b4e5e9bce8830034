/*
 * Host test support for the IPC code: the real scheduler, ports, name
 * spaces and messages run over simulated RAM with the real MMU handler;
 * this adds stand-ins for the machine layer, fake tasks with real address
 * maps and name spaces, and fake threads parked on wait queues.
 */
#ifndef IPC_SUPPORT_H
#define IPC_SUPPORT_H

#include <ipc/ipc.h>
#include <stdint.h>
#include <task/sched.h>
#include <task/task.h>

/* Simulate @frames frames of RAM, start the MMU handler and the scheduler. */
void ipc_test_env_init(uint64_t frames);
void ipc_test_env_fini(void);
/*
 * cmocka group setup and teardown around ipc_test_env_init(1024) and _fini:
 * one simulated RAM for the group (the slab caches outlive a test, so a
 * failed test leaks into the frame counts of the rest instead of crashing them).
 */
int ipc_test_group_setup(void **state);
int ipc_test_group_teardown(void **state);
/* Check and take the right @name of @t denotes with @disp (the test fails if refused). */
struct kright ipc_test_right_take(struct task *t, port_name_t name, unsigned disp);
/* Move the right @name of @from denotes with @disp into @to; its name there. */
port_name_t ipc_test_right_transfer(struct task *from, port_name_t name, unsigned disp,
                                    struct task *to);

/* A task with an empty address map and name space; ipc_test_task_destroy frees both. */
void ipc_test_task_init(struct task *t, uint32_t id);
void ipc_test_task_destroy(struct task *t);

/* Add a zero-fill read/write region [@va, @va + @size) to @t's map (the test fails otherwise). */
void ipc_test_map_region(struct task *t, vaddr_t va, size_t size);

/* Run the port operation @op of SYS_PORT_OP for @t; returns what the syscall returns. */
int64_t ipc_test_port_op(struct task *t, enum ipc_port_op op, uint64_t a1, uint64_t a2);
/* A new port whose receive right @t holds; returns its name (the test fails otherwise). */
port_name_t ipc_test_port_allocate(struct task *t);

/* Park the fake thread @th on @wq as a blocked thread of @task (sched_prepare_block's shape). */
void ipc_test_thread_block(struct thread *th, struct task *task, struct wait_queue *wq);
/* Take @th off whatever queue holds it (the run queue after a wake). */
void ipc_test_thread_forget(struct thread *th);

#endif
