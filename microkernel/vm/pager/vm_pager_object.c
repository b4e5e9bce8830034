/*
 * The life of an externally paged object: creation (memory_object init with
 * a send right to the object's control port), anonymous memory served by the
 * default pager, termination when the last reference goes, and the death of
 * a pager's port, which fails every fault waiting on its objects and every
 * later one.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <lib/lib.h>
#include <memory_object_kabi.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

bool vm_default_pager_enabled = true;

static struct port *default_pager; /* one send right, or NULL */
static uint64_t next_object_id = 1;

int vm_pager_send_init(struct vm_object *obj, struct port *pager, struct port *control)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_INIT_ID, true);

    if (!m)
        return -ERR_NOMEM;
    m->w[MEMORY_OBJECT_INIT_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_INIT_SIZE_SLOT] = obj->size;
    m->w[MEMORY_OBJECT_INIT_OWNER_SLOT] = acct_task(obj->acct);
    m->ndesc = MEMORY_OBJECT_INIT_REQUEST_NDESC;
    struct kdesc *d = &m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC];
    d->type = IPC_DESC_PORT;
    d->flags = IPC_DISP_MOVE_SEND;
    d->right = (struct kright){.port = control, .kind = IPC_RIGHT_SEND};
    port_ref(control);
    control->send_rights++;
    return pager_send_to(pager, m);
}

void vm_pager_send_terminate(struct vm_object *obj, struct port *pager)
{
    struct kmsg *m = pager && !pager->dead ? pager_msg(MEMORY_OBJECT_TERMINATE_ID, false) : NULL;

    if (m) {
        m->w[MEMORY_OBJECT_TERMINATE_OBJECT_SLOT] = obj->id;
        pager_send_to(pager, m);
    }
}

const struct vm_pager_ops vm_external_pager_ops = {
    .name = "external",
    .abi_kind = VM_REGION_PAGER_EXTERNAL,
    .fault = vm_pager_fault,
    .page_out = vm_pager_page_out,
    .terminate = vm_pager_object_terminate,
    .takes_writebacks = true,
};

/*
 * May account @slot have one more object served by @pager? Bounded per job
 * (the tasks one program of init spawned: spawning does not multiply it),
 * and refused while the pager's task has few free names left (counting one
 * for each object whose init it has not answered: the init may still be
 * queued, and its control right needs a name).
 */
static int external_room(const struct port *pager, uint32_t slot)
{
    if (slot != ACCT_KERNEL && acct_job_objects(slot, ACCT_OBJ_PAGED) >= VM_PAGED_OBJECTS_MAX)
        return -ERR_LIMIT;
    if (pager->receiver &&
        ipc_space_free_names(&pager->receiver->ipc) < pager->pager_inits + VM_PAGER_NAMES_SPARE)
        return -ERR_LIMIT;
    return 0;
}

int vm_object_create_external(struct kright *pager, uint64_t size, uint32_t acct,
                              struct vm_object **out)
{
    struct vm_object *obj;
    int err = external_room(pager->port, acct);

    if (!err)
        err = vm_object_create_kernel(size, NULL, 0, &obj);

    if (err)
        return err;
    obj->control = port_create();
    if (!obj->control) {
        vm_object_unref(obj);
        return -ERR_NOMEM;
    }
    obj->ops = &vm_external_pager_ops;
    obj->acct_paged = true;
    acct_object(obj->acct, ACCT_OBJ_PAGED, 1);
    vm_object_charge(obj, acct); /* before init, which names the account's task */
    obj->id = next_object_id++;
    obj->control->kobject = obj;
    obj->control->kobject_ops = &vm_pager_control_kobject;
    obj->pager = pager->port; /* the right moves into the object */
    pager->port = NULL;
    list_push_back(&obj->pager->pager_objects, &obj->pager_link);
    err = vm_pager_send_init(obj, obj->pager, obj->control);
    if (err) {
        vm_object_unref(obj);
        return err;
    }
    obj->init_pending = true;
    obj->pager->pager_inits++;
    *out = obj;
    return 0;
}

int vm_object_create_anonymous(struct task *task, uint64_t size, bool kernel_pager,
                               struct vm_object **out)
{
    int err;

    if (!default_pager || !vm_default_pager_enabled || kernel_pager || task->kernel_paged ||
        default_pager->dead) {
        err = vm_object_create_kernel(size, NULL, 0, out);
    } else {
        struct kright r = {.port = default_pager, .kind = IPC_RIGHT_SEND};
        port_ref(default_pager);
        default_pager->send_rights++;
        err = vm_object_create_external(&r, size, task->acct, out);
        ipc_right_release(&r); /* still held only on failure */
    }
    if (err == 0)
        vm_object_charge(*out, task->acct); /* a kernel object, or already charged */
    return err;
}

struct task *vm_pager_task(struct vm_object *obj, uint32_t *queued)
{
    struct port *port = vm_pager_writeback_port(obj);

    *queued = port ? port->qcount + pager_returns_gathered(port) : 0;
    return port && !port->dead ? port->receiver : NULL;
}

bool vm_pager_port_ordinary(const struct port *port)
{
    const struct task *t = port->dead ? NULL : port->receiver;

    return !t || !vm_pageout_privileged_task(t);
}

struct kright vm_pager_set_default(struct kright *pager)
{
    struct kright old = {.port = default_pager, .kind = IPC_RIGHT_SEND};

    KASSERT(pager->port && pager->kind == IPC_RIGHT_SEND);
    default_pager = pager->port;
    pager->port = NULL;
    if (old.port && old.port->dead)
        ipc_right_release(&old);
    return old;
}

void vm_pager_object_terminate(struct vm_object *obj)
{
    if (obj->migrate != VM_MIGRATE_NONE)
        vm_pager_migrate_abort(obj);
    vm_pager_send_terminate(obj, obj->pager);
    pager_init_answered(obj);
    if (obj->pager) {
        list_remove(&obj->pager_link);
        port_release_send(obj->pager);
        obj->pager = NULL;
    }
    if (obj->control) {
        obj->control->kobject = NULL;
        port_kill(obj->control);
        port_unref(obj->control);
        obj->control = NULL;
    }
}

void vm_pager_port_died(struct port *pager)
{
    struct list_node *pos, *tmp;

    if (vm_pager_failover(pager))
        return;
    list_for_each_safe(pos, tmp, &pager->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        struct list_node *pp, *pt;
        if (obj->migrate != VM_MIGRATE_NONE)
            vm_pager_migrate_abort(obj);
        obj->pager_dead = true;
        list_for_each_safe(pp, pt, &obj->pages)
        {
            struct vm_page *p = list_entry(pp, struct vm_page, obj_link);
            if (p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED))
                page_fail(p, -ERR_DEAD);
        }
    }
}

uint32_t vm_pager_object_server(const struct vm_object *obj)
{
    struct port *p = obj->pager;

    return p && !p->dead && p->receiver ? p->receiver->id : 0;
}

struct kright vm_pager_object_right(struct vm_object *obj)
{
    KASSERT(obj->pager);
    port_ref(obj->pager);
    obj->pager->send_rights++;
    return (struct kright){.port = obj->pager, .kind = IPC_RIGHT_SEND};
}
