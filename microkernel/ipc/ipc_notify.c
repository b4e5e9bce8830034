/*
 * Dead-name notifications (notify.idl): a task holding a send right asks to
 * hear, on a port it names, when the port's receive right goes. A request
 * belongs to the task that made it, not to the watched port: it counts
 * against that task's IPC_DEAD_NAME_REQUESTS_MAX, and goes when the watched
 * port dies (its one-way message is sent), when the port to tell dies, or
 * when the requesting task ends. So no task can fill a table on a port it
 * does not own, and nothing it asked for outlives it.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <lib/lib.h>
#include <notify_kabi.h>
#include <task/task.h>

/* One request, on three lists: the watched port's, the notify port's, its owner's. */
struct dead_name_request {
    struct list_node link;        /* in the watched port's dead_name_requests */
    struct list_node notify_link; /* in notify.port's notify_requests */
    struct list_node owner_link;  /* in owner->dead_name_requests */
    struct ipc_space *owner;      /* the space of the task that asked, charged for it */
    struct kright notify;         /* a send right to the port to tell */
    port_name_t name;             /* the name to report */
};

/* Take @req off every list, release its right and free it. */
static void request_free(struct dead_name_request *req)
{
    KASSERT(req->owner->dead_name_count > 0);
    list_remove(&req->link);
    list_remove(&req->notify_link);
    list_remove(&req->owner_link);
    req->owner->dead_name_count--;
    ipc_right_release(&req->notify);
    kfree(req);
}

int64_t ipc_port_request_dead_name(struct task *self, port_name_t name, port_name_t notify)
{
    struct ipc_entry *e = ipc_entry_lookup(&self->ipc, name), *ne;

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
    if (self->ipc.dead_name_count >= IPC_DEAD_NAME_REQUESTS_MAX)
        return -ERR_LIMIT;
    struct dead_name_request *req = kzalloc(sizeof(*req));
    if (!req)
        return -ERR_NOMEM;
    req->name = name;
    req->owner = &self->ipc;
    req->notify = ipc_right_take(&self->ipc, notify, ne, disp);
    list_push_back(&port->dead_name_requests, &req->link);
    list_push_back(&req->notify.port->notify_requests, &req->notify_link);
    list_push_back(&self->ipc.dead_name_requests, &req->owner_link);
    self->ipc.dead_name_count++;
    if (port->dead) /* already dead: notify at once */
        ipc_port_notify_dead_names(port);
    return 0;
}

void ipc_port_notify_dead_names(struct port *port)
{
    struct list_node *n;

    while ((n = port->dead_name_requests.next) != &port->dead_name_requests) {
        struct dead_name_request *req = list_entry(n, struct dead_name_request, link);
        struct port *to = req->notify.port;
        struct kmsg *m = (!to->dead && to->qcount < to->qlimit) ? ipc_kmsg_alloc(false) : NULL;
        if (m) {
            m->id = NOTIFY_DEAD_NAME_ID; /* one way, words only (notify.idl) */
            m->w[NOTIFY_DEAD_NAME_NAME_SLOT] = req->name;
            port_enqueue(to, m);
        }
        request_free(req);
    }
    /* Requests that would tell this port about another one can never be delivered. */
    while ((n = port->notify_requests.next) != &port->notify_requests)
        request_free(list_entry(n, struct dead_name_request, notify_link));
}

void ipc_space_drop_dead_name_requests(struct ipc_space *space)
{
    struct list_node *n;

    if (!space->dead_name_requests.next)
        return; /* never initialised */
    while ((n = space->dead_name_requests.next) != &space->dead_name_requests)
        request_free(list_entry(n, struct dead_name_request, owner_link));
}
