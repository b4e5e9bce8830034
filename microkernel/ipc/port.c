/*
 * Ports and port sets: creation, reference counting, queues, membership,
 * and death. When a receive right goes, the port is marked dead: queued
 * messages are destroyed (their rights released, their pages freed),
 * blocked senders and receivers wake with -ERR_DEAD, and every name that
 * still denotes it reports a dead port on its next use.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_object.h>

struct port *port_create(void)
{
    struct port *port = kzalloc(sizeof(*port));

    if (!port)
        return NULL;
    port->refs = 1;
    port->acct = ACCT_KERNEL;
    acct_object(ACCT_KERNEL, ACCT_OBJ_PORT, 1);
    port->qlimit = IPC_QUEUE_DEFAULT;
    list_init(&port->set_link);
    list_init(&port->ready_link);
    list_init(&port->queue);
    list_init(&port->dead_name_requests);
    list_init(&port->notify_requests);
    list_init(&port->pager_objects);
    wait_queue_init(&port->receivers);
    wait_queue_init(&port->senders);
    return port;
}

void port_free(struct port *port)
{
    KASSERT(port->refs == 0 && port->qcount == 0 && list_empty(&port->queue) && !port->set);
    acct_object(port->acct, ACCT_OBJ_PORT, -1);
    kfree(port);
}

void port_set_receiver(struct port *port, struct task *task, port_name_t name)
{
    uint32_t slot = task ? task->acct : ACCT_KERNEL;

    port->receiver = task;
    port->recv_name = name;
    acct_object(port->acct, ACCT_OBJ_PORT, -1);
    acct_object(slot, ACCT_OBJ_PORT, 1);
    port->acct = slot;
}

/*
 * A message queued on @port is held by the port's receiver: the frames it
 * carries (out-of-line pages, a large inline body) are charged to it.
 */
static void port_charge_message(struct port *port, struct kmsg *msg)
{
    uint32_t slot = port->acct;

    for (unsigned i = 0; i < msg->ool_pages; i++)
        frame_charge(msg->ool[i], slot);
    if (msg->inline_size > KMALLOC_MAX)
        frame_charge(virt_to_phys(msg->inline_data), slot);
}

struct pset *pset_create(void)
{
    struct pset *set = kzalloc(sizeof(*set));

    if (!set)
        return NULL;
    set->refs = 1;
    list_init(&set->members);
    list_init(&set->ready);
    wait_queue_init(&set->receivers);
    return set;
}

/* Membership holds no reference: the set's name does, and its death empties it. */
void pset_unref(struct pset *set)
{
    struct list_node *n;

    KASSERT(set->refs > 0);
    if (--set->refs > 0)
        return;
    while ((n = set->members.next) != &set->members)
        port_set_membership(list_entry(n, struct port, set_link), NULL);
    sched_wake_all(&set->receivers, -ERR_DEAD);
    kfree(set);
}

void port_set_membership(struct port *port, struct pset *set)
{
    KASSERT(!set || !port->dead);
    if (port->set) {
        list_remove(&port->set_link);
        list_remove(&port->ready_link);
        port->set = NULL;
    }
    if (set) {
        port->set = set;
        list_push_back(&set->members, &port->set_link);
        if (port->qcount)
            list_push_back(&set->ready, &port->ready_link);
        sched_wake_all(&port->receivers, -ERR_BUSY); /* they now have to use the set */
    }
}

struct wait_queue *port_receivers(struct port *port)
{
    return port->set ? &port->set->receivers : &port->receivers;
}

void port_enqueue(struct port *port, struct kmsg *msg)
{
    port_charge_message(port, msg);
    list_push_back(&port->queue, &msg->link);
    if (port->qcount++ == 0 && port->set)
        list_push_back(&port->set->ready, &port->ready_link);
    sched_wake_one(port_receivers(port), 0);
    if (port->set) /* a thread may also wait on the member port itself */
        sched_wake_one(&port->receivers, 0);
}

struct kmsg *port_peek(struct port *port)
{
    return list_empty(&port->queue) ? NULL : list_entry(port->queue.next, struct kmsg, link);
}

struct kmsg *pset_peek(struct pset *set, struct port **from)
{
    if (list_empty(&set->ready))
        return NULL;
    *from = list_entry(set->ready.next, struct port, ready_link);
    return port_peek(*from);
}

void port_dequeue(struct port *port, struct kmsg *msg)
{
    KASSERT(port->qcount > 0 && !list_empty(&msg->link));
    list_remove(&msg->link);
    if (--port->qcount == 0)
        list_remove(&port->ready_link);
    sched_wake_one(&port->senders, 0); /* room for one more */
}

void port_release_send(struct port *port)
{
    KASSERT(port->send_rights > 0);
    if (--port->send_rights == 0 && port->kobject_ops && port->kobject_ops->no_senders)
        port->kobject_ops->no_senders(port->kobject);
    port_unref(port);
}

void port_send_once_dead(struct port *port, uint32_t seq)
{
    struct kmsg *msg = port->dead ? NULL : ipc_kmsg_alloc(false);

    KASSERT(port->send_once_rights > 0);
    port->send_once_rights--;
    if (msg) {
        /* Bounded by the send-once rights that existed, not by the queue limit. */
        msg->send_once_dead = true;
        msg->reply_seq = seq;
        port_enqueue(port, msg);
    }
    port_unref(port);
}

void port_kill(struct port *port)
{
    struct list_node *n;

    KASSERT(!port->dead);
    port->dead = true;
    port_set_receiver(port, NULL, PORT_NULL);
    port_set_membership(port, NULL);
    while ((n = list_pop_front(&port->queue))) {
        port->qcount--;
        ipc_kmsg_destroy(list_entry(n, struct kmsg, link));
    }
    sched_wake_all(&port->senders, -ERR_DEAD);
    sched_wake_all(&port->receivers, -ERR_DEAD);
    ipc_port_notify_dead_names(port);
    if (!list_empty(&port->pager_objects))
        vm_pager_port_died(port);
}
