/*
 * Moving objects from one pager to another with their data (docs/pager.md,
 * "Changing pager"). Each object of the old pager gets a second control port
 * and the new pager gets init on it; once the new pager answers ready there,
 * the old one gets evacuate and supplies every page it holds (kept precious:
 * the new pager has no copy), then evacuate_done. Only then does the object
 * switch: the old pager gets terminate, and faults that waited meanwhile ask
 * the new pager. One migration runs at a time; whatever has not moved by its
 * deadline stays with the old pager, so a pager that never answers loses
 * nothing.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <lib/lib.h>
#include <memory_object_control_kabi.h>
#include <memory_object_control_kserver.h>
#include <memory_object_kabi.h>
#include <task/sched.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

/* The running migration: both send rights, and the caller waiting for it. */
static struct {
    struct port *old, *new; /* NULL: no migration runs */
    struct vm_object *only; /* one object of @old moves, or NULL: all of them */
    uint32_t pending;       /* objects still moving */
    uint32_t moved;
    struct wait_queue done;
} migration;

/* One object fewer is moving: wake the caller after the last. */
static void migration_one_done(bool moved)
{
    KASSERT(migration.pending > 0);
    migration.moved += moved;
    if (--migration.pending == 0)
        sched_wake_all(&migration.done, 0);
}

/* Close an object's control port @control: the pager that held it can no longer answer. */
static void control_close(struct port *control)
{
    control->kobject = NULL;
    port_kill(control);
    port_unref(control);
}

/*
 * The faults waiting on @obj's pages start over: a busy page goes (its
 * request went to a pager that will not answer it, or was never sent), a
 * write waiting for a grant retries. The first thread to fault again asks
 * the object's pager once; the others wait on its new busy page.
 */
static void waits_restart(struct vm_object *obj)
{
    struct list_node *pos, *tmp;

    list_for_each_safe(pos, tmp, &obj->pages)
    {
        struct vm_page *p = list_entry(pos, struct vm_page, obj_link);
        if (p->flags & VM_PAGE_BUSY) {
            sched_wake_all(&p->waiters, 0);
            vm_object_page_remove(p);
        } else if (p->flags & VM_PAGE_WRITE_WANTED) {
            p->flags &= ~VM_PAGE_WRITE_WANTED;
            sched_wake_all(&p->waiters, 0);
        }
    }
}

void vm_pager_migrate_abort(struct vm_object *obj)
{
    KASSERT(obj->migrate != VM_MIGRATE_NONE && obj->adopt_control);
    vm_pager_send_terminate(obj, migration.new);
    control_close(obj->adopt_control);
    obj->adopt_control = NULL;
    if (obj->migrate == VM_MIGRATE_EVACUATING)
        waits_restart(obj); /* their requests were held back: they go to the old pager */
    obj->migrate = VM_MIGRATE_NONE;
    migration_one_done(false);
}

void vm_pager_object_move(struct vm_object *obj, struct port *pager, struct port *control)
{
    struct list_node *pos;

    list_remove(&obj->pager_link);
    port_release_send(obj->pager);
    obj->pager = pager;
    port_ref(pager);
    pager->send_rights++;
    list_push_back(&pager->pager_objects, &obj->pager_link);
    control_close(obj->control);
    obj->control = control;
    control->kobject = obj;
    control->kobject_ops = &vm_pager_control_kobject;
    list_for_each(pos, &obj->pages)
    {
        struct vm_page *p = list_entry(pos, struct vm_page, obj_link);
        if (p->frame)
            p->flags = (p->flags | VM_PAGE_PRECIOUS) & ~VM_PAGE_WRITE_LOCK;
    }
    waits_restart(obj);
}

/* The old pager has handed everything over: @obj is the new pager's from now on. */
static void migrate_commit(struct vm_object *obj)
{
    struct port *control = obj->adopt_control;

    vm_pager_send_terminate(obj, obj->pager);
    obj->adopt_control = NULL;
    obj->migrate = VM_MIGRATE_NONE;
    vm_pager_object_move(obj, migration.new, control);
    migration_one_done(true);
}

/* evacuate_done (see memory_object_control.idl), on the old pager's control port. */
int vm_pager_control_evacuate_done(struct vm_object *obj, uint64_t refused)
{
    if (obj->migrate != VM_MIGRATE_EVACUATING || refused > 1)
        return -ERR_INVAL;
    if (refused)
        vm_pager_migrate_abort(obj);
    else
        migrate_commit(obj);
    return 0;
}

/* The new pager answered ready on the adopting control port: evacuate the old one. */
static int adopt_ready(struct vm_object *obj)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_EVACUATE_ID, false);

    if (!m)
        return -ERR_NOMEM;
    m->w[MEMORY_OBJECT_EVACUATE_OBJECT_SLOT] = obj->id;
    obj->migrate = VM_MIGRATE_EVACUATING;
    if (pager_send(obj, m) != 0)
        vm_pager_migrate_abort(obj);
    return 0;
}

/*
 * The adopting control port takes only ready, once: until the object has
 * moved, the new pager has nothing to answer.
 */
static int adopt_call(void *object, struct kmsg *m, struct ipc_kobject_answer *out)
{
    struct vm_object *obj = object;

    (void)out;
    if (m->id != MEMORY_OBJECT_CONTROL_READY_ID || m->ndesc || m->inline_size)
        return -ERR_BUSY;
    return obj->migrate == VM_MIGRATE_ADOPTING ? adopt_ready(obj) : 0;
}

static const struct ipc_kobject_ops adopt_kobject = {
    .name = "memory object control (adopting)",
    .call = adopt_call,
};

/* Does @obj move in a migration of @only (NULL: every object of its pager)? */
static bool movable(const struct vm_object *obj, const struct vm_object *only)
{
    return !obj->pager_dead && (!only || obj == only);
}

/* Objects of @old that can move (alive, not already moving, @only if set). */
static uint32_t movable_count(struct port *old, const struct vm_object *only)
{
    struct list_node *pos;
    uint32_t n = 0;

    list_for_each(pos, &old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        n += movable(obj, only);
    }
    return n;
}

/* Give every movable object of @old a fresh adopting control port, or none of them. */
static int adopt_ports_create(struct port *old, const struct vm_object *only)
{
    struct list_node *pos;

    list_for_each(pos, &old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (!movable(obj, only))
            continue;
        obj->adopt_control = port_create();
        if (obj->adopt_control)
            continue;
        list_for_each(pos, &old->pager_objects)
        {
            obj = list_entry(pos, struct vm_object, pager_link);
            if (obj->adopt_control)
                port_unref(obj->adopt_control);
            obj->adopt_control = NULL;
        }
        return -ERR_NOMEM;
    }
    return 0;
}

int vm_pager_migrate_start(struct kright *old, struct kright *new, struct vm_object *only)
{
    struct list_node *pos, *tmp;

    if (migration.old)
        return -ERR_BUSY;
    if (old->port == new->port)
        return -ERR_INVAL;
    if (old->port->dead || new->port->dead)
        return -ERR_DEAD;
    KASSERT(!only || only->pager == old->port);
    if (adopt_ports_create(old->port, only) != 0)
        return -ERR_NOMEM;
    migration.old = old->port;
    migration.new = new->port;
    migration.only = only;
    old->port = new->port = NULL;
    migration.pending = movable_count(migration.old, only) + 1; /* + 1 until all started */
    migration.moved = 0;
    wait_queue_init(&migration.done);
    list_for_each_safe(pos, tmp, &migration.old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (!movable(obj, only))
            continue;
        obj->adopt_control->kobject = obj;
        obj->adopt_control->kobject_ops = &adopt_kobject;
        obj->migrate = VM_MIGRATE_ADOPTING;
        if (vm_pager_send_init(obj, migration.new, obj->adopt_control) != 0)
            vm_pager_migrate_abort(obj);
    }
    uint32_t started = migration.pending - 1;
    migration_one_done(false);
    return (int)started;
}

void vm_pager_migrate_wait(uint64_t deadline)
{
    if (migration.old && migration.pending)
        sched_block_timeout(&migration.done, deadline);
}

int vm_pager_migrate_finish(void)
{
    struct list_node *pos, *tmp;
    bool timed_out = migration.pending > 0;

    KASSERT(migration.old);
    list_for_each_safe(pos, tmp, &migration.old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (obj->migrate != VM_MIGRATE_NONE)
            vm_pager_migrate_abort(obj);
    }
    port_release_send(migration.old);
    port_release_send(migration.new);
    migration.old = migration.new = NULL;
    migration.only = NULL;
    return timed_out ? -ERR_TIMEOUT : (int)migration.moved;
}
