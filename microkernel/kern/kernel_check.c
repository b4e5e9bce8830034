/*
 * SYS_KERNEL_CHECK: the kernel checks its own tables on request, so a fuzzer
 * or a test can ask after each batch of operations whether anything broke.
 * It recounts the frame table, walks every task (name space, address map,
 * threads, the objects its regions map) and compares each named port's
 * references with what the name spaces hold. Read-only; interrupts stay
 * off throughout, and the walk is bounded by the tables' sizes.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <kern/host.h>
#include <lib/lib.h>
#include <syscalls_kdispatch.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

#define KCHECK_WHY_MAX 160

/* The first broken invariant: what, and of which task (NULL: none). */
struct kcheck {
    const char *why;
    const struct task *task;
};

/* Apply @fn to every port entry of every live task's name space. */
static void ports_each(void (*fn)(struct port *port))
{
    for (struct task *t = task_next_after(NULL, 0, true); t; t = task_next_after(NULL, t->id, true))
        for (uint32_t i = 1; t->state == TASK_ALIVE && i < t->ipc.size; i++) {
            struct ipc_entry *e = ipc_entry_at(&t->ipc, i);
            if (e->object && (e->rights & (IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND |
                                           IPC_RIGHT_SEND_ONCE | IPC_RIGHT_DEAD_NAME)))
                fn(e->object);
        }
}

static void port_audit_clear(struct port *port)
{
    port->audit_names = port->audit_sends = port->audit_once = 0;
}

static const char *port_audit_why;

/* The names of every space hold at most what the port counts, and its queue is as counted. */
static void port_audit_compare(struct port *port)
{
    uint32_t queued = 0, unanswered = 0;
    struct list_node *pos;

    list_for_each(pos, &port->queue) queued++;
    list_for_each(pos, &port->pager_objects)
    {
        unanswered += list_entry(pos, struct vm_object, pager_link)->init_pending;
    }
    if (port_audit_why)
        return;
    if (port->refs < port->audit_names || port->send_rights < port->audit_sends ||
        port->send_once_rights < port->audit_once)
        port_audit_why = "a port with fewer references or rights than names hold";
    else if (queued != port->qcount || (port->dead && queued))
        port_audit_why = "a port's queue differs from its count, or a dead port queues";
    else if (port->qlimit < 1 || port->qlimit > IPC_QUEUE_MAX)
        port_audit_why = "a port's queue limit out of range";
    else if (unanswered != port->pager_inits)
        port_audit_why = "a pager port's count of unanswered inits differs from its objects'";
}

/* Threads, address map and mapped objects of live task @t. */
static const char *task_check(struct task *t)
{
    uint32_t threads = 0;
    struct list_node *pos;
    const char *why = NULL;

    list_for_each(pos, &t->threads) threads++;
    if (threads != t->nthreads || !threads)
        return "a live task's thread count differs from its threads";
    if (vm_map_check(&t->map) != 0)
        return "an address map's list and tree disagree";
    list_for_each(pos, &t->map.regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (r->map != &t->map || !r->object || r->start % PAGE_SIZE || r->end % PAGE_SIZE)
            return "a region of another map, without an object or unaligned";
        if (!why)
            why = vm_object_check(r->object);
    }
    return why;
}

/* Every live task; dead ones hold no threads. */
static void tasks_check(struct kcheck *c)
{
    for (struct task *t = task_next_after(NULL, 0, true); t && !c->why;
         t = task_next_after(NULL, t->id, true)) {
        c->task = t;
        if (t->state != TASK_ALIVE)
            c->why = t->nthreads ? "an ended task with threads" : NULL;
        else if (!(c->why = ipc_space_check(&t->ipc, t)))
            c->why = task_check(t);
    }
    if (!c->why)
        c->task = NULL;
}

static void frames_check(struct kcheck *c)
{
    c->why = frame_check();
    if (!c->why)
        c->why = acct_check();
    for (uint64_t i = 0; i < frame_table_size() && !c->why; i++)
        c->why = vm_page_frame_check((paddr_t)i * PAGE_SIZE);
}

int64_t sys_kernel_check(struct task *self, port_name_t host, uint64_t why, uint64_t len)
{
    struct kcheck c = {0};
    char text[KCHECK_WHY_MAX];

    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    frames_check(&c);
    if (!c.why) {
        ports_each(port_audit_clear);
        tasks_check(&c);
    }
    if (!c.why) {
        port_audit_why = NULL;
        ports_each(port_audit_compare);
        c.why = port_audit_why;
    }
    if (!c.why)
        return 0;
    snprintf(text, sizeof(text), "%s%s%s", c.why, c.task ? " in task " : "",
             c.task ? c.task->name : "");
    kprintf("kernel_check: %s\n", text);
    size_t n = MIN(len, strlen(text) + 1);
    if (n) {
        text[n - 1] = '\0';
        if (vm_copy_out(&self->map, why, text, n) != 0)
            return -ERR_FAULT;
    }
    return -ERR_CORRUPT;
}
