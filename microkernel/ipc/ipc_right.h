/*
 * Moving rights between name spaces and messages (ipc_right.c).
 */
#ifndef KERNEL_IPC_RIGHT_H
#define KERNEL_IPC_RIGHT_H

#include <ipc/ipc.h>

/*
 * Check that @name in @space may be sent with disposition @disp. Returns 0
 * with the entry in *@out, -ERR_INVAL (bad disposition), -ERR_NAME, -ERR_RIGHT
 * or -ERR_DEAD. Changes nothing.
 */
int ipc_right_check(struct ipc_space *space, port_name_t name, unsigned disp,
                    struct ipc_entry **out);
/* Take the right a successful ipc_right_check allowed. Cannot fail. */
struct kright ipc_right_take(struct ipc_space *space, port_name_t name, struct ipc_entry *e,
                             unsigned disp);
/*
 * Give the right @r to @task and return its name there; consumes @r. The
 * caller has checked that the space has a free name.
 */
port_name_t ipc_right_install(struct task *task, struct kright *r);
/*
 * A send right in transit from @name, which must hold a send right (copied)
 * or a receive right (a send right is made). 0 or the error of
 * ipc_right_check; nothing changes on error.
 */
int ipc_right_make_send(struct ipc_space *space, port_name_t name, struct kright *out);
/* Another send right to the port of send right @r (kernel-held, e.g. an exception port). */
struct kright ipc_right_copy_send(const struct kright *r);
/* Destroy a right in transit (a receive right kills its port). */
void ipc_right_release(struct kright *r);
/* Release every right of the entry @e at @name and free it. */
void ipc_right_release_entry(struct ipc_space *space, port_name_t name, struct ipc_entry *e);

#endif
