/*
 * SYS_PORT_OP: the operations on a task's names and the rights they denote.
 * Allocating a receive right or a port set, dropping and destroying rights,
 * making a send right from a receive right, port-set membership, reading a
 * name's rights, a port's queue limit, and asking for a dead-name
 * notification (ipc_notify.c). Each checks the name and the right it needs
 * before it changes anything.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <task/task.h>

static int64_t port_allocate(struct task *self, unsigned kind)
{
    port_name_t name;
    void *object = kind == IPC_RIGHT_RECEIVE    ? (void *)port_create()
                   : kind == IPC_RIGHT_PORT_SET ? (void *)pset_create()
                                                : NULL;

    if (kind != IPC_RIGHT_RECEIVE && kind != IPC_RIGHT_PORT_SET)
        return -ERR_INVAL;
    struct ipc_entry *e = object ? ipc_entry_alloc(&self->ipc, &name) : NULL;
    if (!e) {
        if (kind == IPC_RIGHT_RECEIVE && object)
            port_unref(object);
        else if (object)
            pset_unref(object);
        return object ? -ERR_LIMIT : -ERR_NOMEM;
    }
    e->object = object;
    e->rights = (uint8_t)kind;
    if (kind == IPC_RIGHT_RECEIVE) {
        ipc_entry_hash(&self->ipc, name);
        port_set_receiver(object, self, name);
    }
    return name;
}

static int64_t port_deallocate(struct task *self, port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);

    if (!e)
        return -ERR_NAME;
    if (e->rights & (IPC_RIGHT_SEND_ONCE | IPC_RIGHT_DEAD_NAME | IPC_RIGHT_PORT_SET)) {
        ipc_right_release_entry(&self->ipc, name, e);
        return 0;
    }
    if (!(e->rights & IPC_RIGHT_SEND))
        return -ERR_RIGHT;
    struct kright r = ipc_right_take(&self->ipc, name, e, IPC_DISP_MOVE_SEND);
    ipc_right_release(&r);
    return 0;
}

static struct port *receive_right(struct task *self, port_name_t name, int64_t *err)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);

    *err = !e ? -ERR_NAME : !(e->rights & IPC_RIGHT_RECEIVE) ? -ERR_RIGHT : 0;
    return *err ? NULL : e->object;
}

static int64_t port_move_member(struct task *self, port_name_t name, port_name_t set_name)
{
    int64_t err;
    struct port *port = receive_right(self, name, &err);
    struct ipc_entry *se = set_name ? ipc_entry_lookup(&self->ipc, set_name) : NULL;

    if (!port)
        return err;
    if (set_name && !se)
        return -ERR_NAME;
    if (se && !(se->rights & IPC_RIGHT_PORT_SET))
        return -ERR_RIGHT;
    port_set_membership(port, se ? se->object : NULL);
    return 0;
}

static int64_t port_get_rights(struct task *self, port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);

    if (!e)
        return -ERR_NAME;
    uint64_t rights = e->rights;
    if (!(rights & IPC_RIGHT_PORT_SET) && e->object && ((struct port *)e->object)->dead)
        rights = (rights & ~(uint64_t)(IPC_RIGHT_SEND | IPC_RIGHT_SEND_ONCE)) | IPC_RIGHT_DEAD_NAME;
    return (int64_t)(rights | ((uint64_t)e->send_refs << 8));
}

static int64_t port_insert_send(struct task *self, port_name_t name)
{
    int64_t err;
    struct port *port = receive_right(self, name, &err);
    struct ipc_entry *e = port ? ipc_entry_lookup(&self->ipc, name) : NULL;

    if (!port)
        return err;
    e->rights |= IPC_RIGHT_SEND;
    e->send_refs++;
    port->send_rights++;
    return 0;
}

static int64_t port_set_qlimit(struct task *self, port_name_t name, uint64_t limit)
{
    int64_t err;
    struct port *port = receive_right(self, name, &err);

    if (!port)
        return err;
    if (limit < 1 || limit > IPC_QUEUE_MAX)
        return -ERR_INVAL;
    port->qlimit = (uint32_t)limit;
    sched_wake_all(&port->senders, 0);
    return 0;
}

/* @arg: a port name (truncated here) or, for PORT_OP_SET_QLIMIT, the whole word. */
/* Port operation @op on the send-once right in @t's reply slot (IPC_NAME_REPLY). */
static int64_t reply_slot_op(struct thread *t, uint64_t op)
{
    if (!t->reply_slot)
        return -ERR_NAME;
    switch (op) {
    case PORT_OP_DEALLOCATE:
    case PORT_OP_DESTROY:
        ipc_reply_slot_drop(t);
        return 0;
    case PORT_OP_GET_RIGHTS:
        return t->reply_slot->dead ? IPC_RIGHT_DEAD_NAME : IPC_RIGHT_SEND_ONCE;
    case PORT_OP_INSERT_SEND:
    case PORT_OP_MOVE_MEMBER:
    case PORT_OP_SET_QLIMIT:
    case PORT_OP_REQUEST_DEAD_NAME:
        return -ERR_RIGHT; /* what no send-once right allows */
    default:
        return -ERR_INVAL;
    }
}

int64_t sys_port_op(struct task *self, uint64_t op, port_name_t name, uint64_t arg)
{
    if (op == PORT_OP_REPLY_SAVE)
        return ipc_reply_slot_save(thread_current());
    if (name == IPC_NAME_REPLY && op != PORT_OP_ALLOCATE)
        return reply_slot_op(thread_current(), op);
    switch (op) {
    case PORT_OP_ALLOCATE:
        return port_allocate(self, name);
    case PORT_OP_DEALLOCATE:
        return port_deallocate(self, name);
    case PORT_OP_DESTROY: {
        struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name);
        if (!e)
            return -ERR_NAME;
        ipc_right_release_entry(&self->ipc, name, e);
        return 0;
    }
    case PORT_OP_INSERT_SEND:
        return port_insert_send(self, name);
    case PORT_OP_MOVE_MEMBER:
        return port_move_member(self, name, (port_name_t)arg);
    case PORT_OP_GET_RIGHTS:
        return port_get_rights(self, name);
    case PORT_OP_SET_QLIMIT:
        return port_set_qlimit(self, name, arg);
    case PORT_OP_REQUEST_DEAD_NAME:
        return ipc_port_request_dead_name(self, name, (port_name_t)arg);
    default:
        return -ERR_INVAL;
    }
}
