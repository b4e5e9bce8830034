/*
 * Building, delivering and destroying kernel messages (ipc_kmsg.c).
 */
#ifndef KERNEL_IPC_KMSG_H
#define KERNEL_IPC_KMSG_H

#include <arch/arch.h>
#include <ipc/ipc.h>

/* A send as the syscall registers describe it. */
struct ipc_send_args {
    uint32_t id;
    unsigned remote_disp, local_disp, ndesc;
    port_name_t remote, local;
    bool call; /* the reply right is made by the kernel, local is ignored */
    uint64_t ext_addr;
    uint32_t ext_size;
    uint64_t w[IPC_WORDS];
};

/* Where a receive puts the extension. */
struct ipc_rcv_args {
    uint64_t ext_addr;
    uint32_t capacity;
};

/*
 * Check a send completely, then build its message: rights and pages are taken
 * from @self only when nothing can fail any more. Returns 0 and the message
 * in *@out, or -ERR_* with nothing changed.
 */
int ipc_kmsg_copyin(struct task *self, const struct ipc_send_args *a, struct kmsg **out);

/*
 * Deliver @m, queued on @from, to @t (which is receiving into @r, with its
 * syscall frame @tf): dequeue it, install its rights, map its pages, write
 * its extension and the receive registers. On failure (-ERR_TRUNCATED,
 * -ERR_NOSPACE, -ERR_FAULT, -ERR_NOMEM) or IPC_DELIVER_RETRY the message
 * stays queued.
 */
int ipc_kmsg_deliver(struct task *t, struct port *from, struct kmsg *m,
                     const struct ipc_rcv_args *r, struct trap_frame *tf);
/* ipc_kmsg_deliver's answer when it had to wait: look at the queue again. */
#define IPC_DELIVER_RETRY 1

void ipc_kmsg_free_inline(struct kmsg *m);

#endif
