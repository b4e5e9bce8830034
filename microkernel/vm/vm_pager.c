/*
 * External pagers, the mechanism side of Fig. 3-29. A fault on a missing
 * page of an externally paged object enters a busy page, sends the pager a
 * data_request and blocks only the faulting thread on that page; further
 * faults on the same page wait on it without a second request. The pager
 * answers on the object's control port, a kernel object port whose messages
 * are handled at once in the pager's context (vm_pager_control): every
 * answer is checked before anything changes, and a refused one leaves the
 * object as it was. A pager that dies or does not answer in time fails the
 * faults waiting for it; the kernel itself never waits for a pager.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <memory_object_control_kabi.h>
#include <memory_object_kabi.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

uint64_t vm_pager_timeout_ns = 30ULL * 1000000000ULL;
bool vm_default_pager_enabled = true;

static struct port *default_pager; /* one send right, or NULL */
static uint64_t next_object_id = 1;

#define SUPPLY_READ_ONLY 0x1u
#define SUPPLY_PRECIOUS 0x2u
enum lock_op { LOCK_CLEAN = 1, LOCK_FLUSH = 2, LOCK_WRITE_PROTECT = 3, LOCK_GRANT_WRITE = 4 };

/* Queue a kernel message on the pager's port. Kernel messages skip the queue
 * limit: there is at most one per busy page and per object event. */
static int pager_send(struct vm_object *obj, struct kmsg *m)
{
    if (!obj->pager || obj->pager->dead) {
        ipc_kmsg_destroy(m);
        return -ERR_DEAD;
    }
    port_enqueue(obj->pager, m);
    return 0;
}

static struct kmsg *pager_msg(uint32_t id, bool with_desc)
{
    struct kmsg *m = ipc_kmsg_alloc(with_desc);

    if (m)
        m->id = id;
    return m;
}

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
 * Fail the waiters of @p with @err. A busy page goes; a resident one (a write
 * to a page supplied read-only that the pager did not grant) stays, still
 * write-locked, with its frame: it may be mapped read-only.
 */
static void page_fail(struct vm_page *p, int err)
{
    sched_wake_all(&p->waiters, err);
    if (p->flags & VM_PAGE_BUSY)
        vm_object_page_remove(p);
    else
        p->flags &= ~VM_PAGE_WRITE_WANTED;
}

/* Wait for @p; VM_FAULT_RETRY when it changed, or the reason it never will. */
/* What a wait on busy page @p that ended with wake result @w means for the fault. */
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

/* Give busy page @p the frame @frame (flags: SUPPLY_*) and wake its waiters. */
static void page_fill(struct vm_page *p, paddr_t frame, uint64_t flags)
{
    p->flags &= ~VM_PAGE_BUSY;
    p->supplied_at = arch_cycles();
    if (flags & SUPPLY_READ_ONLY)
        p->flags |= VM_PAGE_WRITE_LOCK;
    if (flags & SUPPLY_PRECIOUS)
        p->flags |= VM_PAGE_PRECIOUS;
    vm_page_set_frame(p, frame);
    sched_wake_all(&p->waiters, 0);
}

/* [@offset, @offset + @count) is page aligned, not empty, and inside @obj. */
static bool range_ok(const struct vm_object *obj, uint64_t offset, uint64_t count)
{
    return offset % PAGE_SIZE == 0 && count % PAGE_SIZE == 0 && count > 0 && offset < obj->size &&
           count <= obj->size - offset;
}

/* Does the range hold a busy page (a request the pager is answering)? */
static bool range_requested(struct vm_object *obj, uint64_t offset, uint64_t count)
{
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        if (p && (p->flags & VM_PAGE_BUSY))
            return true;
    }
    return false;
}

/*
 * data_supply: pages moved out of the pager. Refused whole when the range is
 * outside the object, overlaps a resident page (a duplicate never overwrites
 * data) or covers no requested page (nobody asked); pages beyond the
 * requested ones are kept as prefetch.
 */
static int control_supply(struct vm_object *obj, struct kmsg *m)
{
    uint64_t offset = m->w[MEMORY_OBJECT_CONTROL_DATA_SUPPLY_OFFSET_SLOT];
    uint64_t flags = m->w[MEMORY_OBJECT_CONTROL_DATA_SUPPLY_FLAGS_SLOT];
    struct kdesc *d = &m->desc[MEMORY_OBJECT_CONTROL_DATA_SUPPLY_PAGES_DESC];

    if (m->ndesc != MEMORY_OBJECT_CONTROL_DATA_SUPPLY_REQUEST_NDESC || d->type != IPC_DESC_OOL ||
        (flags & ~(uint64_t)(SUPPLY_READ_ONLY | SUPPLY_PRECIOUS)) ||
        !range_ok(obj, offset, d->npages * PAGE_SIZE))
        return -ERR_INVAL;
    for (uint32_t i = 0; i < d->npages; i++) {
        struct vm_page *p = vm_object_page_lookup(obj, offset + i * PAGE_SIZE);
        if (p && !(p->flags & VM_PAGE_BUSY))
            return -ERR_BUSY;
    }
    if (!range_requested(obj, offset, d->npages * PAGE_SIZE))
        return -ERR_INVAL;
    /* Page structs for the prefetched pages first, so the rest cannot fail. */
    for (uint32_t i = 0; i < d->npages; i++) {
        uint64_t off = offset + i * PAGE_SIZE;
        if (!vm_object_page_lookup(obj, off) && !vm_object_page_insert(obj, off, 0)) {
            for (uint32_t j = 0; j < i; j++) {
                struct vm_page *p = vm_object_page_lookup(obj, offset + j * PAGE_SIZE);
                if (list_empty(&p->waiters.threads))
                    vm_object_page_remove(p); /* an unrequested placeholder of ours */
            }
            return -ERR_NOMEM;
        }
    }
    for (uint32_t i = 0; i < d->npages; i++)
        page_fill(vm_object_page_lookup(obj, offset + i * PAGE_SIZE), m->ool[d->first_page + i],
                  flags);
    m->ool_pages = 0; /* the frames are the object's now */
    vm_stats.pager_supplies++;
    return 0;
}

/* data_unavailable: the requested pages in the range are zero filled. */
static int control_unavailable(struct vm_object *obj, struct kmsg *m)
{
    uint64_t offset = m->w[MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_OFFSET_SLOT];
    uint64_t count = m->w[MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_COUNT_SLOT];

    if (!range_ok(obj, offset, count))
        return -ERR_INVAL;
    if (!range_requested(obj, offset, count))
        return -ERR_INVAL;
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        if (!p || !(p->flags & VM_PAGE_BUSY))
            continue;
        paddr_t frame = frame_alloc(FRAME_USER, NULL);
        if (!frame)
            return -ERR_NOMEM; /* the rest stay busy: the faults time out */
        memset(phys_to_virt(frame), 0, PAGE_SIZE);
        vm_stats.zero_fills++;
        page_fill(p, frame, 0);
    }
    return 0;
}

/* data_error: the requested pages in the range fail; their threads get exceptions. */
static int control_error(struct vm_object *obj, struct kmsg *m)
{
    uint64_t offset = m->w[MEMORY_OBJECT_CONTROL_DATA_ERROR_OFFSET_SLOT];
    uint64_t count = m->w[MEMORY_OBJECT_CONTROL_DATA_ERROR_COUNT_SLOT];

    if (!range_ok(obj, offset, count) || !range_requested(obj, offset, count))
        return -ERR_INVAL;
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        if (p && (p->flags & VM_PAGE_BUSY))
            page_fail(p, -ERR_FAULT);
    }
    return 0;
}

/*
 * Send page @p back to the pager with data_return, marked modified when
 * @dirty: its own frame when @move (the page leaves the object and the frame
 * is laundry until the pager receives it), else a copy.
 */
static int page_return(struct vm_object *obj, struct vm_page *p, bool move, bool dirty)
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

/*
 * lock_request clean (dirty pages go back to the pager as copies and count as
 * clean again) and flush (dirty pages go back, clean ones are discarded; all
 * leave memory). The reply, sent when this returns, is the completion.
 */
static int lock_clean_flush(struct vm_object *obj, uint64_t offset, uint64_t count, bool flush)
{
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        /* Busy, pinned, or with threads waiting for write access: left alone. */
        if (!p || (p->flags & VM_PAGE_BUSY) || frame_of(p->frame)->pin_count ||
            !list_empty(&p->waiters.threads))
            continue;
        vm_object_page_bits(obj, off, !flush, flush); /* M is kept in the page */
        bool dirty = p->flags & VM_PAGE_DIRTY;
        bool back = dirty || (p->flags & VM_PAGE_PRECIOUS);
        int err = back ? page_return(obj, p, flush, dirty) : 0;
        if (err)
            return err;
        if (!flush)
            p->flags &= ~(VM_PAGE_DIRTY | VM_PAGE_PRECIOUS); /* the pager has its copy */
        else if (!back)
            frame_free(vm_object_page_remove(p));
    }
    return 0;
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
        int err = page_return(obj, p, true, dirty);
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

#define STORE_FULL_NS 1000000000ull /* how long a store_full report holds */

/* store_full: the pager has no room; pageout leaves its modified pages alone for a while. */
static int control_store_full(struct vm_object *obj, struct kmsg *m)
{
    uint64_t full = m->w[MEMORY_OBJECT_CONTROL_STORE_FULL_FULL_SLOT];

    if (full > 1)
        return -ERR_INVAL;
    if (!obj->pager)
        return -ERR_DEAD;
    obj->pager->pager_full_until = full ? arch_time_ns() + STORE_FULL_NS : 0;
    return 0;
}

bool vm_pager_store_full(struct vm_object *obj)
{
    return obj->pager && obj->pager->pager_full_until > arch_time_ns();
}

/* lock_request: clean, flush, write-protect or grant write access. */
static int control_lock(struct vm_object *obj, struct kmsg *m)
{
    uint64_t offset = m->w[MEMORY_OBJECT_CONTROL_LOCK_REQUEST_OFFSET_SLOT];
    uint64_t count = m->w[MEMORY_OBJECT_CONTROL_LOCK_REQUEST_COUNT_SLOT];
    uint64_t op = m->w[MEMORY_OBJECT_CONTROL_LOCK_REQUEST_OP_SLOT];

    if (!range_ok(obj, offset, count) || op < LOCK_CLEAN || op > LOCK_GRANT_WRITE)
        return -ERR_INVAL;
    if (op == LOCK_CLEAN || op == LOCK_FLUSH)
        return lock_clean_flush(obj, offset, count, op == LOCK_FLUSH);
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        if (!p || (p->flags & VM_PAGE_BUSY))
            continue;
        if (op == LOCK_WRITE_PROTECT) {
            p->flags |= VM_PAGE_WRITE_LOCK;
            vm_object_page_protect(obj, off, false);
        } else {
            p->flags &= ~(VM_PAGE_WRITE_LOCK | VM_PAGE_WRITE_WANTED);
            sched_wake_all(&p->waiters, 0);
        }
    }
    return 0;
}

/*
 * query_bits: one byte per page (bit 0 resident, 1 referenced, 2 modified),
 * the R and M bits read over every mapping and cleared, so that a pager can
 * run its own replacement policy.
 */
static int control_query(struct vm_object *obj, struct kmsg *m, struct vm_pager_answer *out)
{
    uint64_t offset = m->w[MEMORY_OBJECT_CONTROL_QUERY_BITS_OFFSET_SLOT];
    uint64_t count = m->w[MEMORY_OBJECT_CONTROL_QUERY_BITS_COUNT_SLOT];

    if (!out || !range_ok(obj, offset, count) ||
        count / PAGE_SIZE > MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_MAX)
        return -ERR_INVAL;
    out->len = (uint32_t)(count / PAGE_SIZE);
    for (uint32_t i = 0; i < out->len; i++) {
        struct vm_page *p = vm_object_page_lookup(obj, offset + i * PAGE_SIZE);
        unsigned bits = 0;
        if (p && !(p->flags & VM_PAGE_BUSY))
            bits = MMU_BIT_PRESENT |
                   (vm_object_page_bits(obj, p->offset, true, false) & (MMU_BIT_REF | MMU_BIT_MOD));
        out->bits[i] = (uint8_t)bits;
    }
    return 0;
}

int vm_pager_control(struct vm_object *obj, struct kmsg *m, struct vm_pager_answer *out)
{
    if (out)
        out->len = 0;
    switch (m->id) {
    case MEMORY_OBJECT_CONTROL_READY_ID:
        return 0;
    case MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID:
        return control_supply(obj, m);
    case MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID:
        return control_unavailable(obj, m);
    case MEMORY_OBJECT_CONTROL_DATA_ERROR_ID:
        return control_error(obj, m);
    case MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID:
        return control_lock(obj, m);
    case MEMORY_OBJECT_CONTROL_QUERY_BITS_ID:
        return control_query(obj, m, out);
    case MEMORY_OBJECT_CONTROL_STORE_FULL_ID:
        return control_store_full(obj, m);
    default:
        return -ERR_NOSYS;
    }
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
