/*
 * Exceptions as messages. When a thread of a task with an exception port
 * takes a fault or exception it cannot survive, it sends exc.raise (exc.idl)
 * to that port with a send-once reply right and waits in the kernel for the
 * reply; the handler may fix the cause and let the thread run the faulting
 * instruction again, or have the task killed. Only the faulting thread
 * waits; the kernel never waits for a handler on anyone else's behalf.
 */
#include <abi/errors.h>
#include <exc_kabi.h>
#include <ipc/exception.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <task/task.h>

/* Queue exc.raise with words @w on @ep (waiting for room); false if @ep died. */
static bool exception_send(struct port *ep, struct port *rp, const uint64_t w[IPC_WORDS])
{
    while (ep->qcount >= ep->qlimit) {
        if (ep->dead || sched_block(&ep->senders) == -ERR_DEAD)
            return false;
    }
    struct kmsg *m = ep->dead ? NULL : ipc_kmsg_alloc(false);
    if (!m)
        return false;
    m->id = EXC_RAISE_ID; /* no descriptors, no inline bytes, as the interface says */
    for (unsigned i = 0; i < IPC_WORDS; i++)
        m->w[i] = w[i];
    m->reply = ipc_reply_right(rp);
    port_enqueue(ep, m);
    return true;
}

/* Wait on reply port @rp for the handler's verdict: true = resume. */
static bool exception_wait(struct port *rp)
{
    for (;;) {
        struct kmsg *m = port_peek(rp);
        if (!m) {
            if (sched_block(&rp->receivers) == -ERR_DEAD)
                return false;
            continue;
        }
        bool current = m->reply_seq == rp->reply_seq;
        bool resume = current && !m->send_once_dead && m->w[EXC_REPLY_CODE_SLOT] == 0;
        port_dequeue(rp, m);
        ipc_kmsg_destroy(m);
        if (current)
            return resume;
    }
}

bool exception_raise(uint64_t kind, uint64_t code, uint64_t pc, uint64_t info)
{
    struct thread *self = thread_current();
    struct task *task = self->task;
    struct port *ep = task->exc_port.port, *rp;
    uint64_t w[IPC_WORDS] = {0};

    w[EXC_RAISE_KIND_SLOT] = kind;
    w[EXC_RAISE_CODE_SLOT] = code;
    w[EXC_RAISE_PC_SLOT] = pc;
    w[EXC_RAISE_INFO_SLOT] = info | ((uint64_t)self->id << 32);

    if (!ep || ep->dead || ipc_reply_port(self, &rp) != 0)
        return false;
    port_ref(ep); /* the task may drop its exception port while we wait */
    self->in_exception = true;
    bool resume = exception_send(ep, rp, w) && exception_wait(rp);
    self->in_exception = false;
    port_unref(ep);
    return resume;
}

int exception_port_set(struct task *task, struct kright *right)
{
    ipc_right_release(&task->exc_port);
    task->exc_port = *right;
    right->port = NULL;
    return 0;
}
