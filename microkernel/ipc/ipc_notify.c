/*
 * Dead-name notifications (notify.idl): a task holding a send right asks to
 * hear, on a port of its own, when the port's receive right goes. Requests
 * wait on the watched port, at most DEAD_NAME_REQUESTS_MAX of them, and the
 * port's death sends each its one-way message and releases it.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <lib/lib.h>
#include <notify_kabi.h>
#include <task/task.h>

#define DEAD_NAME_REQUESTS_MAX 16

/* One request, on the watched port's list. */
struct dead_name_request {
    struct list_node link;
    struct kright notify; /* a send right to the port to tell */
    port_name_t name;     /* the name to report */
};

int64_t ipc_port_request_dead_name(struct task *self, port_name_t name, port_name_t notify)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name), *ne;
    struct list_node *pos;
    unsigned count = 0;

    if (!e)
        return -ERR_NAME;
    if (!(e->rights & IPC_RIGHT_SEND))
        return -ERR_RIGHT;
    struct port *port = e->object;
    unsigned disp = IPC_DISP_COPY_SEND;
    int err = ipc_right_check(&self->ipc, notify, disp, &ne);
    if (err == -ERR_RIGHT)
        err = ipc_right_check(&self->ipc, notify, disp = IPC_DISP_MAKE_SEND, &ne);
    if (err)
        return err;
    list_for_each(pos, &port->dead_name_requests) count++;
    if (count >= DEAD_NAME_REQUESTS_MAX)
        return -ERR_LIMIT;
    struct dead_name_request *req = kzalloc(sizeof(*req));
    if (!req)
        return -ERR_NOMEM;
    req->name = name;
    req->notify = ipc_right_take(&self->ipc, notify, ne, disp);
    if (port->dead) { /* already dead: notify at once */
        list_push_back(&port->dead_name_requests, &req->link);
        ipc_port_notify_dead_names(port);
        return 0;
    }
    list_push_back(&port->dead_name_requests, &req->link);
    return 0;
}

void ipc_port_notify_dead_names(struct port *port)
{
    struct list_node *n;

    while ((n = list_pop_front(&port->dead_name_requests))) {
        struct dead_name_request *req = list_entry(n, struct dead_name_request, link);
        struct port *to = req->notify.port;
        struct kmsg *m = (!to->dead && to->qcount < to->qlimit) ? ipc_kmsg_alloc(false) : NULL;
        if (m) {
            m->id = NOTIFY_DEAD_NAME_ID; /* one way, words only (notify.idl) */
            m->w[NOTIFY_DEAD_NAME_NAME_SLOT] = req->name;
            port_enqueue(to, m);
        }
        ipc_right_release(&req->notify);
        kfree(req);
    }
}
