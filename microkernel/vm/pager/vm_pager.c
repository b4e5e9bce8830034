/*
 * External pagers, the mechanism side of Fig. 3-29: objects served by a
 * pager (creation, the default pager, termination, a pager's death), the
 * request side of the fault protocol (data_request, waiting on busy pages,
 * timeouts) and pages going back with data_return. The messages a pager
 * sends to an object's control port have one file each in this folder.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <memory_object_kabi.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

uint64_t vm_pager_timeout_ns = 30ULL * 1000000000ULL;
bool vm_default_pager_enabled = true;

static struct port *default_pager; /* one send right, or NULL */
static uint64_t next_object_id = 1;

static int send_init(struct vm_object *obj)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_INIT_ID, true);

    if (!m)
        return -ERR_NOMEM;
    m->w[MEMORY_OBJECT_INIT_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_INIT_SIZE_SLOT] = obj->size;
    m->ndesc = MEMORY_OBJECT_INIT_REQUEST_NDESC;
    struct kdesc *d = &m->desc[MEMORY_OBJECT_INIT_CONTROL_DESC];
    d->type = IPC_DESC_PORT;
    d->flags = IPC_DISP_MOVE_SEND;
    d->right = (struct kright){.port = obj->control, .kind = IPC_RIGHT_SEND};
    port_ref(obj->control);
    obj->control->send_rights++;
    return pager_send(obj, m);
}

static int send_request(struct vm_object *obj, uint64_t offset, unsigned access)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_DATA_REQUEST_ID, false);

    if (!m)
        return -ERR_NOMEM;
    m->w[MEMORY_OBJECT_DATA_REQUEST_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT] = offset;
    m->w[MEMORY_OBJECT_DATA_REQUEST_COUNT_SLOT] = PAGE_SIZE;
    m->w[MEMORY_OBJECT_DATA_REQUEST_ACCESS_SLOT] = access;
    vm_stats.pager_requests++;
    thread_current()->fault_trace[1] = arch_cycles();
    return pager_send(obj, m);
}

int vm_object_create_external(struct kright *pager, uint64_t size, struct vm_object **out)
{
    struct vm_object *obj;
    int err = vm_object_create_kernel(size, NULL, 0, &obj);

    if (err)
        return err;
    obj->control = port_create();
    if (!obj->control) {
        vm_object_unref(obj);
        return -ERR_NOMEM;
    }
    obj->kind = VM_PAGER_EXTERNAL;
    obj->id = next_object_id++;
    obj->control->kobject = obj;
    obj->pager = pager->port; /* the right moves into the object */
    pager->port = NULL;
    list_push_back(&obj->pager->pager_objects, &obj->pager_link);
    err = send_init(obj);
    if (err) {
        vm_object_unref(obj);
        return err;
    }
    *out = obj;
    return 0;
}

int vm_object_create_anonymous(struct task *task, uint64_t size, bool kernel_pager,
                               struct vm_object **out)
{
    if (!default_pager || !vm_default_pager_enabled || kernel_pager || task->kernel_paged ||
        default_pager->dead)
        return vm_object_create_kernel(size, NULL, 0, out);
    struct kright r = {.port = default_pager, .kind = IPC_RIGHT_SEND};
    port_ref(default_pager);
    default_pager->send_rights++;
    int err = vm_object_create_external(&r, size, out);
    ipc_right_release(&r); /* still held only on failure */
    return err;
}

void vm_pager_set_default(struct kright *pager)
{
    struct kright old = {.port = default_pager, .kind = IPC_RIGHT_SEND};

    ipc_right_release(&old);
    default_pager = pager->port;
    pager->port = NULL;
}

/*
 * Block on page @p (busy, or waiting for write access) until it changes or
 * the deadline passes, switching straight to @handoff if not NULL. Nothing
 * is touched after the wait: the page, even the object, may be gone by the
 * time this thread runs (and a thread killed while it waits never returns
 * here). VM_FAULT_RETRY_TIMEOUT asks the caller to look everything up again
 * and fail the page if it is still waiting for the pager.
 */
static enum vm_fault_result page_wait_blocked(struct vm_page *p, struct thread *handoff)
{
    uint64_t deadline = arch_time_ns() + vm_pager_timeout_ns;
    int w;

    if (handoff) {
        sched_prepare_block(&p->waiters, deadline);
        w = sched_handoff(handoff, IPC_WAKE_DIRECT);
    } else {
        w = sched_block_timeout(&p->waiters, deadline);
    }
    if (w == -ERR_TIMEOUT)
        return VM_FAULT_RETRY_TIMEOUT;
    return w < 0 ? VM_FAULT_PAGER_ERROR : VM_FAULT_RETRY;
}

/* The fault timed out waiting for page @p (looked up again): fail it if it still waits. */
static enum vm_fault_result page_timed_out(struct vm_object *obj, uint64_t offset)
{
    struct vm_page *p = vm_object_page_lookup(obj, offset);

    if (p && (p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED))) {
        kprintf("vm: pager of object %llu did not answer for offset %llx in time\n",
                (unsigned long long)obj->id, (unsigned long long)offset);
        page_fail(p, -ERR_TIMEOUT);
    }
    return VM_FAULT_PAGER_TIMEOUT;
}

/* Wait for @p; VM_FAULT_RETRY when it changed, or the reason it never will. */
static enum vm_fault_result page_wait(struct vm_page *p)
{
    return page_wait_blocked(p, NULL);
}

/*
 * The IPC fast path for a data_request (it has only register words): when a
 * pager thread already waits on the pager's port and nothing is queued, the
 * request is written into that thread's registers and the faulting thread,
 * blocking on busy page @p, switches straight to it. Returns false (nothing
 * done) otherwise; the request then goes through the queue.
 */
static bool request_handoff(struct vm_object *obj, struct vm_page *p, unsigned access,
                            enum vm_fault_result *res)
{
    struct port *pp = obj->pager;
    struct wait_queue *wq = pp ? port_receivers(pp) : NULL;
    uint64_t w[IPC_WORDS] = {0};

    if (!pp || pp->dead || pp->qcount || list_empty(&wq->threads))
        return false;
    struct thread *t = list_entry(wq->threads.next, struct thread, run_link);
    w[MEMORY_OBJECT_DATA_REQUEST_OBJECT_SLOT] = obj->id;
    w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT] = p->offset;
    w[MEMORY_OBJECT_DATA_REQUEST_COUNT_SLOT] = PAGE_SIZE;
    w[MEMORY_OBJECT_DATA_REQUEST_ACCESS_SLOT] = access;
    ipc_regs_received(arch_user_regs(t->kstack_top), PORT_NULL, pp->recv_name,
                      IPC_TAG(MEMORY_OBJECT_DATA_REQUEST_ID, IPC_DISP_NONE, 0, 0), 0, w);
    vm_stats.pager_requests++;
    thread_current()->fault_trace[1] = arch_cycles();
    *res = page_wait_blocked(p, t);
    return true;
}

int vm_pager_fault(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                   struct vm_page **out)
{
    struct vm_page *p = vm_object_page_lookup(obj, offset);

    if (timed_out && (!p || (p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED))))
        return page_timed_out(obj, offset);

    if (p && !(p->flags & VM_PAGE_BUSY)) {
        if (access != MMU_ACCESS_WRITE || !(p->flags & VM_PAGE_WRITE_LOCK)) {
            thread_current()->fault_trace[2] = p->supplied_at;
            *out = p;
            return VM_FAULT_OK;
        }
        /* A write to a page supplied read-only: the pager decides. */
        if (!(p->flags & VM_PAGE_WRITE_WANTED)) {
            if (send_request(obj, offset, access) != 0)
                return VM_FAULT_PAGER_ERROR;
            p->flags |= VM_PAGE_WRITE_WANTED;
        }
        return page_wait(p);
    }
    if (obj->pager_dead)
        return VM_FAULT_PAGER_ERROR;
    if (!p) {
        enum vm_fault_result res;
        p = vm_object_page_insert(obj, offset, 0);
        if (!p)
            return VM_FAULT_NOMEM;
        if (request_handoff(obj, p, access, &res))
            return res;
        if (send_request(obj, offset, access) != 0) {
            page_fail(p, -ERR_DEAD);
            return VM_FAULT_PAGER_ERROR;
        }
    }
    return page_wait(p);
}

int vm_pager_page_return(struct vm_object *obj, struct vm_page *p, bool move, bool dirty)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_DATA_RETURN_ID, true);
    paddr_t frame = move ? p->frame : frame_alloc(FRAME_USER, NULL);

    if (!m || !frame) {
        if (m)
            ipc_kmsg_free(m);
        if (frame && !move)
            frame_free(frame);
        return -ERR_NOMEM;
    }
    if (!move)
        memcpy(phys_to_virt(frame), phys_to_virt(p->frame), PAGE_SIZE);
    m->w[MEMORY_OBJECT_DATA_RETURN_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT] = p->offset;
    m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT] = dirty; /* bit 0: page 0 was modified */
    m->ndesc = MEMORY_OBJECT_DATA_RETURN_REQUEST_NDESC;
    struct kdesc *d = &m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC];
    d->type = IPC_DESC_OOL;
    d->flags = IPC_OOL_MOVE;
    d->npages = 1;
    if (move) {
        vm_object_page_remove(p);
        frame_laundry_mark(frame);
    }
    m->ool[m->ool_pages++] = frame; /* its owner is NULL: it left the page, or is a fresh copy */
    return pager_send(obj, m);
}

int vm_object_pageout(struct vm_object *obj, uint64_t offset)
{
    struct vm_page *p = vm_object_page_lookup(obj, offset);

    if (!p || !p->frame)
        return -ERR_NOENT;
    if ((p->flags & VM_PAGE_BUSY) || frame_of(p->frame)->pin_count ||
        !list_empty(&p->waiters.threads))
        return -ERR_BUSY;
    vm_object_page_bits(obj, offset, false, true); /* unmapped; M is kept in the page */
    bool dirty = p->flags & VM_PAGE_DIRTY;
    bool back = dirty || (p->flags & VM_PAGE_PRECIOUS);
    vm_stats.pageouts++;
    if (obj->kind == VM_PAGER_EXTERNAL) {
        if (!back) {
            frame_free(vm_object_page_remove(p));
            return 0;
        }
        int err = vm_pager_page_return(obj, p, true, dirty);
        return err ? err : 1;
    }
    /* The in-kernel pager: a modified page becomes its store's copy; an
     * unmodified one comes back from the store, the image or zero fill. */
    paddr_t frame = vm_page_take_frame(p);
    if (back) {
        if (p->stored)
            frame_free(p->stored);
        p->stored = frame;
        p->flags &= ~VM_PAGE_PRECIOUS; /* the store holds it now; its owner stays NULL */
        return 1;
    }
    frame_free(frame);
    if (!p->stored)
        vm_object_page_remove(p);
    return 0;
}

void vm_pager_object_terminate(struct vm_object *obj)
{
    struct kmsg *m =
        obj->pager && !obj->pager->dead ? pager_msg(MEMORY_OBJECT_TERMINATE_ID, false) : NULL;

    if (m) {
        m->w[MEMORY_OBJECT_TERMINATE_OBJECT_SLOT] = obj->id;
        pager_send(obj, m);
    }
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

void vm_pager_port_died(struct list_node *objects)
{
    struct list_node *pos, *tmp;

    list_for_each_safe(pos, tmp, objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        struct list_node *pp, *pt;
        obj->pager_dead = true;
        list_for_each_safe(pp, pt, &obj->pages)
        {
            struct vm_page *p = list_entry(pp, struct vm_page, obj_link);
            if (p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED))
                page_fail(p, -ERR_DEAD);
        }
    }
}
