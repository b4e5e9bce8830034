/*
 * Private to the files of vm/pager/: the flags of a supply, the small helpers
 * the message handlers share (range checks, filling and failing a busy page,
 * kernel messages to a pager) and the handlers the control dispatch calls.
 * The rest of the kernel reaches external pagers through vm/vm_object.h.
 */
#ifndef KERNEL_VM_PAGER_INTERNAL_H
#define KERNEL_VM_PAGER_INTERNAL_H

#include <abi/errors.h>
#include <arch/arch.h>
#include <ipc/ipc.h>
#include <kern/trace.h>
#include <lib/lib.h>
#include <memory_object_kabi.h>
#include <stdbool.h>
#include <stdint.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#define SUPPLY_READ_ONLY 0x1u
#define SUPPLY_PRECIOUS 0x2u
#define SUPPLY_PREFETCH 0x4u /* prepaging: accepted while the object's last request waits */
#define SUPPLY_MAP 0x8u      /* map the pages where the object is mapped (vm_fault_map_supplied) */

/* Queue a kernel message on @pager's port (pager_send: on @obj's pager). Kernel
 * messages skip the queue limit: there is at most one per busy page and per
 * object event. The task holding the port's receive right now serves memory
 * objects: it gets pager credits (vm/vm_credit.h). */
static inline int pager_send_to(struct port *pager, struct kmsg *m)
{
    if (!pager || pager->dead) {
        ipc_kmsg_destroy(m);
        return -ERR_DEAD;
    }
    if (pager->receiver)
        pager->receiver->serves_objects = true;
    port_enqueue(pager, m);
    return 0;
}

/*
 * Is @port's receiver an ordinary task (not the default pager or a driver;
 * none: in transit)? Laundry on its way there is counted apart (frame.h).
 */
bool vm_pager_port_ordinary(const struct port *port);
/* Where @obj's modified pages go: its pager, or the new one while it is evacuated. */
struct port *vm_pager_writeback_port(struct vm_object *obj);

/* A fault on @obj timed out: print what its pager was doing (vm_pager_stall.c). */
void vm_pager_stall_report(const struct vm_object *obj);

/* The pager answered @obj's init (ready or refuse), or the object leaves it: uncount it. */
static inline void pager_init_answered(struct vm_object *obj)
{
    if (obj->init_pending && obj->pager)
        obj->pager->pager_inits--;
    obj->init_pending = false;
}

static inline int pager_send(struct vm_object *obj, struct kmsg *m)
{
    return pager_send_to(obj->pager, m);
}

/*
 * Data_return @m of @obj is under way: the pages it carries (m->ool_pages
 * from its offset, counted as they are gathered) are "returning" until the
 * pager receives it (page_returning). Called before it is sent.
 */
static inline void pager_return_watch(struct vm_object *obj, struct kmsg *m)
{
    list_push_back(&obj->returning, &m->watch_link);
}

/* The data_return messages to @port that pageout gathered and has not sent yet. */
uint32_t pager_returns_gathered(const struct port *port);

/*
 * Is the page at @offset of @obj in a data_return its pager has not
 * received yet? A pager handles its messages in order, so an answer it
 * sends meanwhile for that page (to a request sent before the page went
 * back) was made from what it held before: stale. Such an answer is
 * refused for that page; a fault waiting on it asked again, behind the
 * data_return. (On several CPUs the pager answers while pageout runs:
 * without this, a stale data_unavailable zero filled a page whose data was
 * still in the queue.) The list holds the object's returns in flight:
 * mostly none, a few under pageout.
 */
static inline bool page_returning(const struct vm_object *obj, uint64_t offset)
{
    const struct list_node *pos;
    list_for_each(pos, &obj->returning)
    {
        const struct kmsg *m = list_entry(pos, struct kmsg, watch_link);
        uint64_t first = m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT];
        if (offset >= first && offset - first < (uint64_t)m->ool_pages * PAGE_SIZE)
            return true;
    }
    return false;
}

static inline struct kmsg *pager_msg(uint32_t id, bool with_desc)
{
    struct kmsg *m = ipc_kmsg_alloc(with_desc);

    if (m)
        m->id = id;
    return m;
}

/*
 * Fail the waiters of @p with @err. A busy page goes (but for one handed to
 * the new pager of a move); a resident one (a write
 * to a page supplied read-only that the pager did not grant) stays, still
 * write-locked, with its frame: it may be mapped read-only.
 */
static inline void page_fail(struct vm_page *p, int err)
{
    sched_wake_all(&p->waiters, err);
    if (p->flags & VM_PAGE_HANDED)
        return; /* it still stands for the new pager's copy until the move commits */
    if (p->flags & VM_PAGE_BUSY)
        vm_object_page_remove(p);
    else
        p->flags &= ~VM_PAGE_WRITE_WANTED;
}

/*
 * The kernel cannot complete the pager's answer for busy page @p (no frame,
 * no memory for its bookkeeping): the page goes and its faults start over,
 * so they wait for pageout before they ask the pager again, instead of
 * waiting for an answer that will not come. Not a handed page (page_fail).
 */
static inline void page_restart(struct vm_page *p)
{
    page_fail(p, 0); /* woken with 0: VM_FAULT_RETRY, looked up again */
}

/* Give busy page @p the frame @frame (flags: SUPPLY_*) and wake its waiters. */
static inline void page_fill(struct vm_page *p, paddr_t frame, uint64_t flags)
{
    KASSERT((p->flags & VM_PAGE_BUSY) && !p->frame && p->object->ops == &vm_external_pager_ops);
    p->flags &= ~VM_PAGE_BUSY;
    p->supplied_at = arch_cycles();
    if (flags & SUPPLY_READ_ONLY)
        p->flags |= VM_PAGE_WRITE_LOCK;
    if (flags & SUPPLY_PRECIOUS)
        p->flags |= VM_PAGE_PRECIOUS;
    vm_page_set_frame(p, frame);
    if (__builtin_expect(trace_inflight != 0, 0))
        trace_supplied(p->object->id, p->offset);
    vm_fault_wake_filled(p);
}

/* [@offset, @offset + @count) is page aligned, not empty, and inside @obj. */
static inline bool range_ok(const struct vm_object *obj, uint64_t offset, uint64_t count)
{
    return offset % PAGE_SIZE == 0 && count % PAGE_SIZE == 0 && count > 0 && offset < obj->size &&
           count <= obj->size - offset;
}

/* 1 for a busy page (vm_object_range_walk: ends the walk). */
static inline int page_is_busy(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    (void)obj, (void)ctx;
    return (p->flags & VM_PAGE_BUSY) ? 1 : 0;
}

/*
 * Does the range hold a busy page (a request the pager is answering)? Costs
 * the smaller of the range and the object's pages, as every walk of a range
 * a pager names does (vm_object_range_walk).
 */
static inline bool range_requested(struct vm_object *obj, uint64_t offset, uint64_t count)
{
    return vm_object_range_walk(obj, offset, count, page_is_busy, NULL) != 0;
}

/*
 * May the kernel bring pages nobody faulted on yet (a run, zero fill of
 * asked pages)? Not under memory pressure (free memory at pageout's low
 * mark): a guess must not push other pages out, and pageout would evict
 * the unreferenced pages of a run before their use (a sequential read of
 * twice the memory read each page from the disk four times).
 */
static inline bool prefetch_ok(void)
{
    return frame_free_count() > vm_pageout_levels().low;
}

/*
 * Does [@offset, @offset + @count) lie inside the range of @obj's last
 * request of more than a page? Its pages may be answered one message each
 * (a pager that serves the range page by page), not only in the message
 * that answers the faulting page. Not while the object moves.
 */
static inline bool range_asked(const struct vm_object *obj, uint64_t offset, uint64_t count)
{
    return obj->migrate == VM_MIGRATE_NONE && offset >= obj->asked && offset < obj->asked_end &&
           count <= obj->asked_end - offset;
}

/*
 * Is the page of @obj's last request still waiting for the pager's answer?
 * Then a supply flagged SUPPLY_PREFETCH may bring absent pages anywhere in
 * the object (working-set prepaging), ahead of that answer.
 */
static inline bool request_waiting(struct vm_object *obj)
{
    struct vm_page *p = obj->migrate == VM_MIGRATE_NONE && obj->pager_attributes
                            ? vm_object_page_lookup(obj, obj->asked)
                            : NULL;

    return p && (p->flags & VM_PAGE_BUSY) && !(p->flags & VM_PAGE_HANDED);
}

/*
 * Send page @p back to the pager with data_return, marked modified when
 * @dirty: its own frame when @move (the page leaves the object and the frame
 * is laundry until the pager receives it), else a copy. 0, -ERR_NOMEM
 * (nothing sent, the page as it was) or -ERR_DEAD (no pager to take it).
 * In vm_pager_return.c.
 */
int vm_pager_page_return(struct vm_object *obj, struct vm_page *p, bool move, bool dirty);
/* vm_pager_page_return to the pager port @to instead of @obj's pager; when
 * that is the new pager of a move, a moved page leaves a VM_PAGE_HANDED page. */
int vm_pager_page_return_to(struct vm_object *obj, struct vm_page *p, bool move, bool dirty,
                            struct port *to);
/* Send the data_return vm_object_pageout is gathering if it holds pages of @obj. */
void vm_pager_return_flush_for(struct vm_object *obj);
/*
 * Send @pager memory_object init for @obj with a send right to @control.
 * 0, -ERR_NOMEM or -ERR_DEAD. In vm_pager_object.c.
 */
int vm_pager_send_init(struct vm_object *obj, struct port *pager, struct port *control);
/* Send @pager memory_object terminate for @obj (nothing when it cannot). */
void vm_pager_send_terminate(struct vm_object *obj, struct port *pager);
/*
 * Make @pager (a send right is taken) the pager of @obj and @control (a
 * fresh port) its control port; the old control port dies. Every resident
 * page becomes precious and writable as far as the pager is concerned (the
 * new pager has no copy and set no lock), and the faults waiting on @obj
 * start over, so each missing page is asked of @pager once. In
 * vm_pager_migrate.c.
 */
void vm_pager_object_move(struct vm_object *obj, struct port *pager, struct port *control);
/*
 * Pageout's step for @obj's page @p while the old pager evacuates it: the
 * page goes on to the new pager (1), and a VM_PAGE_HANDED busy page stays
 * behind: the old pager's (older) copy is refused, a fault waits for the
 * move to commit. In vm_pager_migrate.c.
 */
int vm_pager_migrate_page_out(struct vm_object *obj, struct vm_page *p, bool dirty);
/*
 * The old pager supplies @npages frames @pages at @offset of @obj during its
 * evacuation, and no thread waits for them: they go on to the new pager in
 * a data_return, never resident here. 0 (the frames are taken),
 * -ERR_INVAL (more than 64 pages) or -ERR_NOMEM. In vm_pager_migrate.c.
 */
int vm_pager_migrate_forward(struct vm_object *obj, uint64_t offset, const paddr_t *pages,
                             uint32_t npages);
/* Pageout's step for an external object (vm_external_pager_ops.page_out). */
int vm_pager_page_out(struct vm_object *obj, struct vm_page *p, bool back, bool dirty);

/*
 * The handlers of the messages a pager sends to an object's control port,
 * one file each (vm_pager_<message>.c), are declared in the generated
 * <memory_object_control_kserver.h> (vm_pager_control_<routine>), whose
 * dispatch checks a message's shape before it calls one with C values. Each
 * returns the code of the answer; a message its checks refuse changes
 * nothing.
 */

/* What a control port is to IPC: its messages go to vm_pager_control (vm_pager_control.c). */
extern const struct ipc_kobject_ops vm_pager_control_kobject;

#endif
