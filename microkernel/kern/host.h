/*
 * The host-privilege port (after Mach's host_priv): a kernel object port
 * whose send right is the authority for the system-wide acts (making a
 * port the default pager, driver access, a pager's share of the frame
 * reserve). The kernel makes it at boot and gives the one send right to the
 * first task; from there it travels like any right, in messages or to a
 * child at spawn, and nothing is granted for being init's child.
 */
#ifndef KERNEL_HOST_H
#define KERNEL_HOST_H

#include <abi/ipc.h>
#include <ipc/ipc.h>

struct task;

/* Make the host-privilege port, once, at boot. 0 or -ERR_NOMEM. */
int host_init(void);
/* A new send right to the host-privilege port (for the first task). */
struct kright host_priv_right(void);
/*
 * Does @name in @self's name space denote a send right to the
 * host-privilege port? 0 if so, else -ERR_PERM (PORT_NULL, a stale or dead
 * name, a send-once or receive right, any other port). Changes nothing.
 */
int host_priv_check(struct task *self, port_name_t name);

#endif
