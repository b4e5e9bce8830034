/*
 * The request side of the fault protocol. A fault on a missing page of an
 * external object enters a busy page and sends the pager a data_request,
 * straight into the registers of a pager thread waiting in receive when
 * there is one; only the faulting thread blocks, on the page, and later
 * faults on it wait there without a second request. A wait ends when the
 * pager answers, dies or takes longer than vm_pager_timeout_ns.
 */
#include <abi/errors.h>
#include <abi/pager.h>
#include <arch/arch.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <kern/printk.h>
#include <kern/trace.h>
#include <lib/lib.h>
#include <memory_object_kabi.h>
#include <task/sched.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>

uint64_t vm_pager_timeout_ns = 30ULL * 1000000000ULL;

/* A traced fault's request: stamped, and its access says so to the pager. */
static unsigned request_traced(struct vm_object *obj, uint64_t offset, unsigned access)
{
    struct thread *t = thread_current();

    if (__builtin_expect(t->trace_fault == 0, 1))
        return access;
    trace_request(t, obj->id, offset, vm_pager_object_server(obj));
    return access | MEMORY_OBJECT_ACCESS_TRACED;
}

/*
 * Pages of @obj next to @offset (after it, or before it when @down) that the
 * object does not hold, counted up to @max: a range a pager may supply
 * whole without being refused for a resident page.
 */
static uint32_t absent_run(struct vm_object *obj, uint64_t offset, bool down, uint32_t max)
{
    uint32_t n = 0;

    for (uint64_t at = offset; n < max; n++) {
        if (down ? at < PAGE_SIZE : at + PAGE_SIZE >= obj->size)
            break;
        at = down ? at - PAGE_SIZE : at + PAGE_SIZE;
        if (vm_object_page_lookup(obj, at))
            break;
    }
    return n;
}

/*
 * The bytes a request for the missing page at @offset asks for: the
 * sequential window (vm_seq.h), cut before the first page the object holds
 * and at its end. A range of more than a page is remembered: its pages may
 * be answered one message each (range_asked). A pager that asked for hints
 * (MEMORY_OBJECT_READY_CLUSTER) finds the absent pages around @offset in
 * *@access. At most 2 x VM_SEQ_WINDOW_MAX page lookups. Under memory
 * pressure (prefetch_ok) one page and no hints.
 */
static uint64_t request_count(struct vm_object *obj, uint64_t offset, unsigned *access)
{
    uint32_t want = vm_seq_fault(&obj->seq, offset), after = 0;
    bool hints = obj->pager_attributes & MEMORY_OBJECT_READY_CLUSTER;

    if (!prefetch_ok()) /* under pressure: the page alone, and no hint of room around it */
        want = 1, hints = false;

    if (want > 1 || hints)
        after = absent_run(obj, offset, false, VM_SEQ_WINDOW_MAX - 1);
    if (hints)
        *access |=
            MEMORY_OBJECT_CLUSTER_HINT(absent_run(obj, offset, true, VM_SEQ_WINDOW_MAX - 1), after);
    uint64_t count = (uint64_t)MIN(want, after + 1) * PAGE_SIZE;
    obj->asked = offset;
    obj->asked_end = count > PAGE_SIZE ? offset + count : 0;
    return count;
}

/* Send @obj's pager a data_request for @count bytes at @offset. */
static int send_request(struct vm_object *obj, uint64_t offset, uint64_t count, unsigned access)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_DATA_REQUEST_ID, false);

    if (!m)
        return -ERR_NOMEM;
    access = request_traced(obj, offset, access);
    m->w[MEMORY_OBJECT_DATA_REQUEST_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT] = offset;
    m->w[MEMORY_OBJECT_DATA_REQUEST_COUNT_SLOT] = count;
    m->w[MEMORY_OBJECT_DATA_REQUEST_ACCESS_SLOT] = access;
    vm_stats.pager_requests++;
    thread_current()->fault_trace[1] = arch_cycles();
    return pager_send(obj, m);
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

    KASSERT(p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED));
    if (handoff) {
        w = sched_block_handoff(&p->waiters, deadline, handoff, IPC_WAKE_DIRECT);
    } else {
        w = sched_block_timeout(&p->waiters, deadline);
    }
    trace_step(thread_current(), TRACE_RESUMED);
    if (w == -ERR_TIMEOUT)
        return VM_FAULT_RETRY_TIMEOUT;
    if (w == VM_WAKE_MAPPED)
        return VM_FAULT_RESUMED; /* the answer mapped the page (vm_fault_wake_filled) */
    return w < 0 ? VM_FAULT_PAGER_ERROR : VM_FAULT_RETRY;
}

/* The fault timed out waiting for page @p (looked up again): fail it if it still waits. */
static enum vm_fault_result page_timed_out(struct vm_object *obj, uint64_t offset)
{
    struct vm_page *p = vm_object_page_lookup(obj, offset);

    if (p && (p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED))) {
        kprintf("vm: pager of object %llu did not answer for offset %llx in time\n",
                (unsigned long long)obj->id, (unsigned long long)offset);
        vm_pager_stall_report(obj);
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
    /* A pager thread that may run on this CPU if one waits (sched_waiter_here), else the
     * first, which sched_block_handoff wakes on its own CPU. */
    struct thread *t = sched_waiter_here(wq);
    if (!t)
        t = list_entry(wq->threads.next, struct thread, run_link);
    w[MEMORY_OBJECT_DATA_REQUEST_OBJECT_SLOT] = obj->id;
    w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT] = p->offset;
    w[MEMORY_OBJECT_DATA_REQUEST_COUNT_SLOT] = request_count(obj, p->offset, &access);
    w[MEMORY_OBJECT_DATA_REQUEST_ACCESS_SLOT] = request_traced(obj, p->offset, access);
    ipc_regs_received(arch_user_regs(t->kstack_top), PORT_NULL, pp->recv_name,
                      IPC_TAG(MEMORY_OBJECT_DATA_REQUEST_ID, IPC_DISP_NONE, 0, 0) | IPC_TAG_KERNEL,
                      0, port_seqno_take(pp), w);
    vm_stats.pager_requests++;
    thread_current()->fault_trace[1] = arch_cycles();
    *res = page_wait_blocked(p, t);
    return true;
}

int vm_pager_fault(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                   struct vm_page **out)
{
    struct vm_page *p = *out; /* what the caller's lookup found */

    vm_pager_return_flush_for(obj); /* a request never overtakes a page's data_return */

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
            if (obj->migrate != VM_MIGRATE_EVACUATING &&
                send_request(obj, offset, PAGE_SIZE, access) != 0)
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
        if (obj->migrate == VM_MIGRATE_EVACUATING)
            return page_wait(p); /* asked of the pager that serves it next */
        access = vm_pager_quota_access(obj, access);
        if (request_handoff(obj, p, access, &res))
            return res;
        uint64_t count = request_count(obj, offset, &access); /* may add hints to access */
        if (send_request(obj, offset, count, access) != 0) {
            page_fail(p, -ERR_DEAD);
            return VM_FAULT_PAGER_ERROR;
        }
    }
    return page_wait(p);
}
