/*
 * Rights: checking a name and disposition, taking a right out of a name
 * space into a message (copyin), installing a right from a message into a
 * name space (copyout), and releasing rights. Reference rule: each name
 * entry that denotes a port holds one port reference, and so does each right
 * in transit. port->send_rights counts send references wherever they are.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/printk.h>
#include <task/task.h>

static uint8_t right_needed(unsigned disp)
{
    switch (disp) {
    case IPC_DISP_MOVE_RECEIVE:
    case IPC_DISP_MAKE_SEND:
    case IPC_DISP_MAKE_SEND_ONCE:
        return IPC_RIGHT_RECEIVE;
    case IPC_DISP_MOVE_SEND:
    case IPC_DISP_COPY_SEND:
        return IPC_RIGHT_SEND;
    case IPC_DISP_MOVE_SEND_ONCE:
        return IPC_RIGHT_SEND_ONCE;
    default:
        return 0;
    }
}

int ipc_right_check(struct ipc_space *space, port_name_t name, unsigned disp,
                    struct ipc_entry **out)
{
    uint8_t need = right_needed(disp);
    struct ipc_entry *e = ipc_entry_lookup(space, name);

    if (!need)
        return -ERR_INVAL;
    if (!e)
        return -ERR_NAME;
    if (!(e->rights & need))
        return (e->rights & IPC_RIGHT_DEAD_NAME) ? -ERR_DEAD : -ERR_RIGHT;
    struct port *port = e->object;
    if (port->dead && need != IPC_RIGHT_RECEIVE)
        return -ERR_DEAD;
    *out = e;
    return 0;
}

/* Free @e (at @name) once it denotes no right, dropping its port reference. */
static void entry_release_if_empty(struct ipc_space *space, port_name_t name, struct ipc_entry *e)
{
    if (e->rights)
        return;
    struct port *port = e->object;
    ipc_entry_unhash(space, name);
    ipc_entry_free(space, name);
    port_unref(port);
}

struct kright ipc_right_take(struct ipc_space *space, port_name_t name, struct ipc_entry *e,
                             unsigned disp)
{
    struct port *port = e->object;
    struct kright r = {.port = port};

    KASSERT(port && (e->rights & right_needed(disp)));
    switch (disp) {
    case IPC_DISP_MOVE_RECEIVE:
        r.kind = IPC_RIGHT_RECEIVE;
        port_set_membership(port, NULL);
        port_set_receiver(port, NULL, PORT_NULL);
        e->rights &= ~IPC_RIGHT_RECEIVE;
        port_ref(port);
        entry_release_if_empty(space, name, e);
        break;
    case IPC_DISP_MOVE_SEND:
        r.kind = IPC_RIGHT_SEND;
        port_ref(port);
        if (--e->send_refs == 0)
            e->rights &= ~IPC_RIGHT_SEND;
        entry_release_if_empty(space, name, e);
        break;
    case IPC_DISP_COPY_SEND:
    case IPC_DISP_MAKE_SEND:
        r.kind = IPC_RIGHT_SEND;
        port_ref(port);
        port->send_rights++;
        break;
    case IPC_DISP_MAKE_SEND_ONCE:
        r.kind = IPC_RIGHT_SEND_ONCE;
        port_ref(port);
        port->send_once_rights++;
        break;
    case IPC_DISP_MOVE_SEND_ONCE:
        r.kind = IPC_RIGHT_SEND_ONCE;
        r.so_seq = e->so_seq;
        e->rights = 0; /* the entry's reference moves with the right */
        ipc_entry_free(space, name);
        break;
    default:
        panic("ipc_right_take: disposition %u not checked", disp);
    }
    return r;
}

port_name_t ipc_right_install(struct task *task, struct kright *r)
{
    struct ipc_space *space = &task->ipc;
    struct ipc_entry *e = NULL;
    port_name_t name = PORT_NULL;

    KASSERT(r->port && (r->kind == IPC_RIGHT_RECEIVE || r->kind == IPC_RIGHT_SEND ||
                        r->kind == IPC_RIGHT_SEND_ONCE));
    if (r->kind != IPC_RIGHT_SEND_ONCE && (e = ipc_entry_find_port(space, r->port))) {
        name = ipc_entry_name(space, e);
        port_unref(r->port); /* the entry already holds one */
    } else {
        e = ipc_entry_alloc(space, &name);
        KASSERT(e); /* callers reserve names first */
        e->object = r->port;
        if (r->kind != IPC_RIGHT_SEND_ONCE)
            ipc_entry_hash(space, name);
    }
    e->rights |= r->kind;
    if (r->kind == IPC_RIGHT_SEND)
        e->send_refs++;
    if (r->kind == IPC_RIGHT_SEND_ONCE)
        e->so_seq = r->so_seq;
    if (r->kind == IPC_RIGHT_RECEIVE)
        port_set_receiver(r->port, task, name);
    r->port = NULL;
    return name;
}

struct kright ipc_right_copy_send(const struct kright *r)
{
    struct kright copy = {0};

    if (r->port && r->kind == IPC_RIGHT_SEND) {
        copy = *r;
        port_ref(r->port);
        r->port->send_rights++;
    }
    return copy;
}

void ipc_right_release(struct kright *r)
{
    struct port *port = r->port;

    if (!port)
        return;
    r->port = NULL;
    if (r->kind == IPC_RIGHT_RECEIVE) {
        if (!port->dead)
            port_kill(port);
        port_unref(port);
    } else if (r->kind == IPC_RIGHT_SEND) {
        port_release_send(port);
    } else {
        port_send_once_dead(port, r->so_seq);
    }
}

/* Release every right @e denotes (the task is going, or the name is destroyed). */
void ipc_right_release_entry(struct ipc_space *space, port_name_t name, struct ipc_entry *e)
{
    KASSERT(e->rights != 0);
    if (e->rights & IPC_RIGHT_PORT_SET) {
        struct pset *set = e->object;
        e->rights = 0;
        ipc_entry_free(space, name);
        pset_unref(set);
        return;
    }
    if (e->rights & IPC_RIGHT_DEAD_NAME) {
        e->rights = 0;
        ipc_entry_free(space, name);
        return;
    }
    struct port *port = e->object;
    struct kright r = {.port = port, .kind = IPC_RIGHT_SEND_ONCE, .so_seq = e->so_seq};
    if (e->rights & IPC_RIGHT_SEND_ONCE) {
        e->rights = 0;
        ipc_entry_free(space, name);
        ipc_right_release(&r); /* consumes the entry's reference */
        return;
    }
    for (; e->send_refs; e->send_refs--) {
        port_ref(port);
        port_release_send(port);
    }
    if ((e->rights & IPC_RIGHT_RECEIVE) && !port->dead)
        port_kill(port);
    e->rights = 0;
    entry_release_if_empty(space, name, e);
}

int ipc_right_make_send(struct ipc_space *space, port_name_t name, struct kright *out)
{
    struct ipc_entry *e;
    unsigned disp = IPC_DISP_COPY_SEND;
    int err = ipc_right_check(space, name, disp, &e);

    if (err == -ERR_RIGHT)
        err = ipc_right_check(space, name, disp = IPC_DISP_MAKE_SEND, &e);
    if (!err)
        *out = ipc_right_take(space, name, e, disp);
    return err;
}
