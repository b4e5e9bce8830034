/*
 * Moving objects from one pager to another with their data (docs/pager.md,
 * "Changing pager"). Each object of the old pager gets a second control port
 * and the new pager gets init on it; once the new pager answers ready there,
 * the old one gets evacuate, one batch at a time as free memory allows, and
 * supplies the pages it holds: those nobody waits for go straight on to the
 * new pager, the others fill their busy pages (precious: the new pager has
 * no copy). Only after the last batch does the object switch: the old pager
 * gets terminate, and faults that waited meanwhile ask the new pager. One
 * migration runs at a time, by itself, whether its caller still waits or
 * not; what has not moved by its deadline stays with the old pager, so a
 * pager that never answers loses nothing.
 */
#include <abi/errors.h>
#include <abi/pager.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <memory_object_control_kabi.h>
#include <memory_object_control_kserver.h>
#include <memory_object_kabi.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#define MIGRATION_RESULTS 4

/*
 * The running migration: both send rights, its deadline, and the caller
 * waiting for it. It belongs to the kernel, not to the caller's stack: it
 * ends by itself when its last object has moved or stayed, so a caller
 * killed while it waits leaves nothing behind (docs/pager.md).
 */
static struct {
    struct port *old, *new; /* NULL: no migration runs */
    struct vm_object *only; /* one object of @old moves, or NULL: all of them */
    uint32_t pending;       /* objects still moving */
    uint32_t moved;
    bool expiring;      /* migration_expire is rolling objects back */
    bool room_wanted;   /* some evacuation was deferred for memory since the last resume */
    bool timed_out;     /* some object stayed at the deadline */
    uint64_t deadline;  /* what has not moved by then stays; each step moves it on */
    uint64_t seq;       /* numbers the migrations */
    uint64_t ended_seq; /* the last one that ended */
    /* the results of the last ones (objects moved, or -ERR_TIMEOUT), by seq: a
     * woken caller reads its own even if others ended before it ran */
    int results[MIGRATION_RESULTS];
    struct wait_queue done;
} migration;

/* The last object has moved or stayed: record the result, wake the caller if it still waits. */
static void migration_end(void)
{
    KASSERT(migration.old && migration.pending == 0);
    port_release_send(migration.old);
    port_release_send(migration.new);
    migration.old = migration.new = NULL;
    migration.only = NULL;
    migration.ended_seq = migration.seq;
    migration.results[migration.seq % MIGRATION_RESULTS] =
        migration.timed_out ? -ERR_TIMEOUT : (int)migration.moved;
    sched_wake_all(&migration.done, 0);
}

/* One object fewer is moving: the migration ends after the last. */
static void migration_one_done(bool moved)
{
    KASSERT(migration.pending > 0);
    migration.moved += moved;
    if (--migration.pending == 0 && !migration.expiring)
        migration_end();
}

static void migration_progress(void);

/*
 * The deadline passed: every object still moving that can stay with the
 * old pager without a loss does (the new pager never answered ready, or
 * holds none of its pages yet). One whose pages already went on to the new
 * pager keeps moving, with a new deadline: rolling it back, or committing
 * it, would lose the pages one side no longer has; it ends when the old
 * pager finishes, or dies.
 */
static void migration_expire(void)
{
    struct list_node *pos, *tmp;

    KASSERT(migration.old && !migration.expiring);
    migration.expiring = true;
    list_for_each_safe(pos, tmp, &migration.old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (obj->migrate == VM_MIGRATE_NONE ||
            (obj->migrate == VM_MIGRATE_EVACUATING && obj->evac_forwarded))
            continue;
        migration.timed_out = true;
        vm_pager_migrate_abort(obj);
    }
    migration.expiring = false;
    if (migration.pending == 0)
        migration_end();
    else
        migration_progress();
}

/* Something moved on: the deadline counts from now. */
static void migration_progress(void)
{
    migration.deadline = arch_time_ns() + vm_pager_timeout_ns;
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
    pager_init_answered(obj);
    port_release_send(obj->pager);
    obj->pager = pager;
    port_ref(pager);
    pager->send_rights++;
    list_push_back(&pager->pager_objects, &obj->pager_link);
    control_close(obj->control);
    obj->control = control;
    control->kobject = obj;
    control->kobject_ops = &vm_pager_control_kobject;
    /* The old pager's requests, runs and hints mean nothing to the new one. */
    obj->pager_attributes = 0;
    obj->seq = (struct vm_seq){0};
    obj->asked_end = 0;
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

struct port *vm_pager_writeback_port(struct vm_object *obj)
{
    return obj->migrate == VM_MIGRATE_EVACUATING ? migration.new : obj->pager;
}

/*
 * Free memory is at the low watermark, and the pages on their way to
 * ordinary pagers leave room for a batch: the old pager may hand over
 * another. (A new pager slow to take its batches holds them in the laundry;
 * more would only leave less memory to the rest.)
 */
static bool evacuate_room(void)
{
    return frame_free_count() >= vm_pageout_levels().low &&
           (!vm_pager_port_ordinary(migration.new) ||
            frame_laundry_ordinary_count() + EVACUATE_BATCH <= VM_PAGEOUT_LAUNDRY_MAX);
}

/* @obj's next batch waits until pageout finds room (vm_pager_migrate_resume). */
static void evacuate_defer(struct vm_object *obj)
{
    obj->evac_deferred = true;
    migration.room_wanted = true;
}

/* Ask the old pager of @obj for its next batch (@first: the first of this move). */
static void evacuate_send(struct vm_object *obj, bool first)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_EVACUATE_ID, false);

    obj->evac_deferred = false;
    if (m) {
        m->w[MEMORY_OBJECT_EVACUATE_OBJECT_SLOT] = obj->id;
        m->w[MEMORY_OBJECT_EVACUATE_COUNT_SLOT] = EVACUATE_BATCH;
        m->w[MEMORY_OBJECT_EVACUATE_FIRST_SLOT] = first;
    }
    if (!m || pager_send(obj, m) != 0)
        evacuate_defer(obj); /* asked again by pageout, or the deadline ends it */
}

/*
 * evacuate_done (see memory_object_control.idl), on the old pager's control
 * port. After a batch the next is asked for at once while free memory is at
 * the low watermark, else when pageout has made room (vm_pager_migrate_resume):
 * the pages go on to the new pager, so a move needs no more free memory than
 * a batch, whatever the old pager holds.
 */
int vm_pager_control_evacuate_done(struct vm_object *obj, uint64_t status)
{
    if (obj->migrate != VM_MIGRATE_EVACUATING || obj->evac_deferred || status > EVACUATE_MORE)
        return -ERR_INVAL;
    if (status == EVACUATE_REFUSED && obj->evac_forwarded)
        return -ERR_BUSY; /* too late: the new pager holds some of its pages */
    if (status == EVACUATE_REFUSED) {
        vm_pager_migrate_abort(obj);
    } else if (status == EVACUATE_DONE) {
        migrate_commit(obj);
    } else {
        migration_progress();
        if (evacuate_room())
            evacuate_send(obj, false);
        else
            evacuate_defer(obj);
    }
    return 0;
}

bool vm_pager_migrate_resume(void)
{
    struct list_node *pos, *tmp;
    bool waiting = false;

    if (!migration.old)
        return false;
    list_for_each_safe(pos, tmp, &migration.old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (obj->migrate == VM_MIGRATE_EVACUATING && obj->evac_deferred && evacuate_room())
            evacuate_send(obj, false);
        waiting |= obj->migrate == VM_MIGRATE_EVACUATING && obj->evac_deferred;
    }
    migration.room_wanted = waiting;
    if (waiting)
        migration_progress(); /* the kernel waits, not a pager: no deadline runs */
    else if (arch_time_ns() >= migration.deadline)
        migration_expire(); /* its caller is gone, or wakes to find it over */
    return waiting;
}

bool vm_pager_migrate_wants_room(void)
{
    return migration.old && migration.room_wanted;
}

/* A port's receiver, for a report. */
static void port_report(const char *prefix, const char *role, const struct port *p)
{
    const struct task *t = p->receiver;

    kprintf("%s%s pager port: %s[%u], %u messages queued\n", prefix, role, t ? t->name : "none",
            t ? t->id : 0, p->qcount);
}

void vm_pager_migrate_report(const char *prefix)
{
    static const char *const states[] = {"none", "adopting", "evacuating"};
    struct list_node *pos;

    if (!migration.old) {
        kprintf("%sno migration runs (the last ended with %d)\n", prefix,
                migration.results[migration.ended_seq % MIGRATION_RESULTS]);
        return;
    }
    kprintf("%smigration %llu: %u objects pending, %u moved, room %s, deadline in %lld ms\n",
            prefix, (unsigned long long)migration.seq, migration.pending, migration.moved,
            migration.room_wanted ? "wanted" : "not wanted",
            (long long)(migration.deadline - arch_time_ns()) / 1000000);
    port_report(prefix, "old", migration.old);
    port_report(prefix, "new", migration.new);
    list_for_each(pos, &migration.old->pager_objects)
    {
        const struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (obj->migrate == VM_MIGRATE_NONE)
            continue;
        kprintf("%s  object %llu %s%s: %u pages forwarded, %llu resident, %llu known\n", prefix,
                (unsigned long long)obj->id, states[obj->migrate],
                obj->evac_deferred ? " (batch deferred)" : "", obj->evac_forwarded,
                (unsigned long long)obj->resident, (unsigned long long)obj->npages);
    }
}

int vm_pager_migrate_forward(struct vm_object *obj, uint64_t offset, const paddr_t *pages,
                             uint32_t npages)
{
    KASSERT(obj->migrate == VM_MIGRATE_EVACUATING && migration.new);
    if (npages > 64)
        return -ERR_INVAL; /* one dirty bit each */
    struct kmsg *m = pager_msg(MEMORY_OBJECT_DATA_RETURN_ID, true);
    if (!m)
        return -ERR_NOMEM;
    m->w[MEMORY_OBJECT_DATA_RETURN_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT] = offset;
    m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT] = npages == 64 ? ~0ull : (1ull << npages) - 1;
    m->ndesc = MEMORY_OBJECT_DATA_RETURN_REQUEST_NDESC;
    struct kdesc *d = &m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC];
    d->type = IPC_DESC_OOL;
    d->flags = IPC_OOL_MOVE;
    d->npages = npages;
    bool ordinary = vm_pager_port_ordinary(migration.new);
    for (uint32_t i = 0; i < npages; i++) {
        frame_laundry_mark(pages[i], ordinary); /* on its way to a pager, like pageout's */
        m->ool[m->ool_pages++] = pages[i];
    }
    pager_return_watch(obj, m);
    if (pager_send_to(migration.new, m) != 0)
        return 0; /* the new pager died (the frames went with the message): so does the move */
    obj->evac_forwarded += npages;
    obj->returned++;
    return 0;
}

int vm_pager_migrate_page_out(struct vm_object *obj, struct vm_page *p, bool dirty)
{
    KASSERT(obj->migrate == VM_MIGRATE_EVACUATING && migration.new);
    int err = vm_pager_page_return_to(obj, p, true, dirty, migration.new);
    if (err)
        return err;
    obj->evac_forwarded++;
    return 1;
}

/* The new pager answered ready on the adopting control port: evacuate the old one. */
static int adopt_ready(struct vm_object *obj)
{
    obj->migrate = VM_MIGRATE_EVACUATING;
    migration_progress();
    evacuate_send(obj, true);
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

    if (migration.old && arch_time_ns() >= migration.deadline)
        migration_expire(); /* overdue, and its caller is gone (or has yet to notice) */
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
    migration.timed_out = false;
    migration.seq++;
    migration_progress();
    wait_queue_init(&migration.done);
    list_for_each_safe(pos, tmp, &migration.old->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (!movable(obj, only))
            continue;
        obj->adopt_control->kobject = obj;
        obj->adopt_control->kobject_ops = &adopt_kobject;
        obj->migrate = VM_MIGRATE_ADOPTING;
        obj->evac_forwarded = 0;
        obj->evac_deferred = false;
        if (vm_pager_send_init(obj, migration.new, obj->adopt_control) != 0)
            vm_pager_migrate_abort(obj);
    }
    uint32_t started = migration.pending - 1;
    migration_one_done(false);
    return (int)started;
}

int vm_pager_migrate_wait(void)
{
    uint64_t seq = migration.seq;

    while (migration.ended_seq < seq) {
        KASSERT(migration.old && migration.seq == seq);
        if (arch_time_ns() >= migration.deadline)
            migration_expire();
        else
            sched_block_timeout(&migration.done, migration.deadline);
    }
    return migration.results[seq % MIGRATION_RESULTS];
}

int vm_pager_migrate_finish(void)
{
    if (migration.old)
        migration_expire();
    return migration.old ? -ERR_BUSY : migration.results[migration.ended_seq % MIGRATION_RESULTS];
}
