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
 * syscall frame @regs): dequeue it, install its rights, map its pages, write
 * its extension and the receive registers. On failure (-ERR_TRUNCATED,
 * -ERR_FAULT, -ERR_NOMEM) or IPC_DELIVER_RETRY the message stays queued;
 * one whose rights need more names than @t's full name space has left
 * (-ERR_NOSPACE) is dequeued and destroyed.
 */
int ipc_kmsg_deliver(struct task *t, struct port *from, struct kmsg *m,
                     const struct ipc_rcv_args *r, struct syscall_regs *regs);
/* ipc_kmsg_deliver's answer when it had to wait: look at the queue again. */
#define IPC_DELIVER_RETRY 1

void ipc_kmsg_free_inline(struct kmsg *m);

/*
 * Describe a received message in the receiver's system-call registers
 * (abi/ipc.h): @remote and @local names, @tag, @ext bytes of extension, the
 * words @w and, in the upper half of IPC_ARG_EXT_SIZE, @seqno: the message's
 * place among those received from its port (port_seqno_take), 0 for the
 * reply to a call (one answer to one question needs no order) and for a
 * kernel object's answer. Every path that completes a receive ends
 * here: a queued message, the fast paths, a kernel object's answer, a
 * pager's request.
 */
static inline void ipc_regs_received(struct syscall_regs *regs, port_name_t remote,
                                     port_name_t local, uint64_t tag, uint32_t ext, uint32_t seqno,
                                     const uint64_t w[IPC_WORDS])
{
    regs->arg[IPC_ARG_NAMES] = remote | (uint64_t)local << 32;
    regs->arg[IPC_ARG_TAG] = tag;
    regs->arg[IPC_ARG_EXT_SIZE] = ext | (uint64_t)seqno << 32;
    regs->word[0] = w[0];
    regs->word[1] = w[1];
    regs->word[2] = w[2];
    regs->word[3] = w[3];
}

/*
 * The sequence number of a message received from @p now: the count of
 * messages received from it before (from 0, wrapping at 2^32). Taken only
 * when the receive completes, so a receiver sees every number once and in
 * the order the port handed the messages out, with no gap.
 */
static inline uint32_t port_seqno_take(struct port *p)
{
    return p->seqno++;
}

#endif
