/*
 * The machine-independent page-fault handler and the in-kernel pager.
 * Steps of a fault: find the region (none: invalid address; the stack guard
 * page: stack overflow), check the access against the region's protection,
 * and map the page of the region's memory object, which its pager fills
 * first if it is missing (the in-kernel pager: zero fill or a copy from the
 * executable image). The faulting instruction then simply runs again: x86
 * faults are precise.
 */
#include <ipc/exception.h>
#include <kern/printk.h>
#include <kern/trace.h>
#include <lib/lib.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

struct vm_stats vm_stats;

static const char *const result_text[] = {
    [VM_FAULT_OK] = "ok",
    [VM_FAULT_UNMAPPED] = "no mapping",
    [VM_FAULT_PROTECTION] = "protection violation",
    [VM_FAULT_GUARD] = "stack overflow into the guard page",
    [VM_FAULT_NOMEM] = "out of memory",
    [VM_FAULT_NOT_USER] = "not a user address",
    [VM_FAULT_PAGER_ERROR] = "the pager failed the page",
    [VM_FAULT_PAGER_TIMEOUT] = "the pager did not answer",
    [VM_FAULT_RETRY] = "retry",
    [VM_FAULT_RETRY_TIMEOUT] = "retry after a timeout",
    [VM_FAULT_RESUMED] = "resumed by the pager's answer",
};

static const char *const access_text[] = {
    [MMU_ACCESS_READ] = "read",
    [MMU_ACCESS_WRITE] = "write",
    [MMU_ACCESS_EXEC] = "execute",
};

const char *vm_fault_result_text(enum vm_fault_result r)
{
    return result_text[r];
}

static bool access_allowed(unsigned prot, enum mmu_access access)
{
    if (access == MMU_ACCESS_WRITE)
        return prot & MMU_PROT_WRITE;
    if (access == MMU_ACCESS_EXEC)
        return prot & MMU_PROT_EXEC;
    return prot & MMU_PROT_READ;
}

/*
 * Stamp @step of the current thread's fault when @traced. The fault path is
 * compiled twice (vm_fault_page and vm_fault_page_traced), with @traced a
 * constant in each, so an untraced fault pays nothing for the stamps.
 */
#define FAULT_STAMP(traced, step)                                                                  \
    do {                                                                                           \
        if (traced)                                                                                \
            trace_record(thread_current(), step);                                                  \
    } while (0)

/* How @p is mapped in @r: as the region says, less write while its pager write-locks it. */
static inline unsigned page_prot(const struct vm_region *r, const struct vm_page *p)
{
    return (p->flags & VM_PAGE_WRITE_LOCK) ? r->prot & ~MMU_PROT_WRITE : r->prot;
}

/* One attempt at a fault; VM_FAULT_RETRY after waiting for a pager. */
static inline __attribute__((always_inline)) enum vm_fault_result
vm_fault_page_once(struct vm_map *map, vaddr_t va, enum mmu_access access, bool timed_out,
                   paddr_t *pa, const bool traced)
{
    struct vm_region *r = vm_map_lookup(map, va);
    vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    struct mmu_mapping m;

    if (!r)
        return vm_map_is_guard(map, va) ? VM_FAULT_GUARD : VM_FAULT_UNMAPPED;
    FAULT_STAMP(traced, TRACE_FOUND);
    if (!access_allowed(r->prot, access))
        return VM_FAULT_PROTECTION;
    bool mapped = mmu_query(&map->space, page, &m) == MMU_OK;
    if (mapped && (access != MMU_ACCESS_WRITE || (m.prot & MMU_PROT_WRITE))) {
        *pa = m.pa;
        return VM_FAULT_OK;
    }
    struct vm_object *obj = r->object;
    uint64_t offset = r->offset + (page - r->start);
    if (vm_object_is_device(obj)) { /* no frames, no pages: the device's own memory */
        *pa = obj->ops->phys(obj, offset);
        if (vm_map_mmu_map(map, page, *pa, r->prot | MMU_PROT_NOCACHE) != MMU_OK)
            return VM_FAULT_NOMEM;
        map->resident++;
        return VM_FAULT_OK;
    }
    struct vm_page *p = vm_object_page_lookup(obj, offset);
    if (!timed_out && (!p || (!p->frame && !(p->flags & VM_PAGE_BUSY)))) {
        /* A new page will take a frame: below the reserve, wait for pageout.
         * (Not on the look after a pager timeout: that one must fail the page.) */
        enum vm_fault_result res = vm_pageout_throttle();
        if (res != VM_FAULT_OK)
            return res;
    }
    FAULT_STAMP(traced, TRACE_CHECKED);
    enum vm_fault_result res = obj->ops->fault(obj, offset, access, timed_out, &p);
    if (res != VM_FAULT_OK)
        return res; /* VM_FAULT_RETRY: it waited, everything is looked up again */
    if (!p)
        return VM_FAULT_NOMEM;
    unsigned prot = page_prot(r, p);
    /*
     * A write fault's page is modified as soon as the instruction runs
     * again: it is dirty from now on (Linux maps such a page dirty too).
     * Left to the M bit, it looked clean until then, and pageout under
     * pressure discarded it before the restart could write it: the same
     * fault again, for ever (a hog without a swap disk never ended).
     */
    if (access == MMU_ACCESS_WRITE && (prot & MMU_PROT_WRITE))
        p->flags |= VM_PAGE_DIRTY;
    if (mapped) {
        /* Mapped read-only until the pager granted write access: fix the
         * protection. (VM_FAULT_OK means the fault op did not wait, so the
         * page table is as the first look found it.) */
        if (m.prot != prot)
            mmu_protect(&map->space, page, prot);
        *pa = m.pa;
        return VM_FAULT_OK;
    }
    if (vm_map_mmu_map(map, page, p->frame, prot) != MMU_OK)
        return VM_FAULT_NOMEM; /* the page stays in the object */
    FAULT_STAMP(traced, TRACE_MAPPED);
    *pa = p->frame;
    map->resident++;
    vm_stats.faults++;
    return VM_FAULT_OK;
}

/*
 * Map page @va of region @r in @map if the region's object holds it
 * (resident, not busy) and nothing maps it yet, as a read fault would.
 * False when not: the walk around a fault ends there. Counts it in *@count.
 */
static bool map_neighbour(struct vm_map *map, struct vm_region *r, vaddr_t va, uint64_t *count)
{
    struct mmu_mapping m;

    if (va < r->start || va >= r->end)
        return false;
    struct vm_page *p = vm_object_page_lookup(r->object, r->offset + (va - r->start));
    if (!p || !p->frame || (p->flags & VM_PAGE_BUSY) || mmu_query(&map->space, va, &m) == MMU_OK)
        return false;
    unsigned prot = page_prot(r, p);
    if (vm_map_mmu_map(map, va, p->frame, prot) != MMU_OK)
        return false;
    map->resident++;
    (*count)++;
    return true;
}

void vm_fault_map_supplied(struct vm_object *obj, uint64_t offset, uint32_t n)
{
    unsigned regions = 0;
    struct list_node *l;

    list_for_each(l, &obj->mappings)
    {
        struct vm_region *r = list_entry(l, struct vm_region, obj_link);
        if (regions++ == VM_SUPPLY_MAP_REGIONS)
            break;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t at = offset + (uint64_t)i * PAGE_SIZE;
            if (at >= r->offset && at - r->offset < r->end - r->start)
                map_neighbour(r->map, r, r->start + (at - r->offset), &vm_stats.mapped_supplied);
        }
    }
}

/*
 * After a fault an external pager served: map the pages next to @va that
 * its answer brought in with the faulting one (a cluster, a sequential
 * range: docs/pager.md, "Clusters"), so that they do not fault one by one.
 * At most VM_SEQ_WINDOW_MAX - 1 pages on each side, up to the first that is
 * not resident or already mapped: bounded work, whatever the pager sent.
 */
static void vm_fault_map_around(struct vm_map *map, vaddr_t va)
{
    vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    struct vm_region *r = vm_map_lookup(map, page);

    if (!r)
        return;
    for (vaddr_t i = 1; i < VM_SEQ_WINDOW_MAX &&
                        map_neighbour(map, r, page + i * PAGE_SIZE, &vm_stats.mapped_around);
         i++)
        ;
    for (vaddr_t i = 1; i < VM_SEQ_WINDOW_MAX && page >= i * PAGE_SIZE &&
                        map_neighbour(map, r, page - i * PAGE_SIZE, &vm_stats.mapped_around);
         i++)
        ;
}

static inline __attribute__((always_inline)) enum vm_fault_result
vm_fault_page_loop(struct vm_map *map, vaddr_t va, enum mmu_access access, paddr_t *pa,
                   const bool traced)
{
    enum vm_fault_result res = VM_FAULT_OK;
    bool waited = false;

    /* The region and object may change while the thread waits for a pager. */
    do {
        bool timed_out = res == VM_FAULT_RETRY_TIMEOUT;
        waited |= res == VM_FAULT_RETRY;
        res = vm_fault_page_once(map, va, access, timed_out, pa, traced);
    } while (res == VM_FAULT_RETRY || res == VM_FAULT_RETRY_TIMEOUT);
    if (res == VM_FAULT_RESUMED) { /* the pager's answer mapped it (vm_fault_wake_filled) */
        res = VM_FAULT_OK;
        waited = true;
        *pa = thread_current()->fault_resume.pa;
    }
    if (res == VM_FAULT_OK && waited)
        vm_fault_map_around(map, va);
    return res;
}

enum vm_fault_result vm_fault_page(struct vm_map *map, vaddr_t va, enum mmu_access access,
                                   paddr_t *pa)
{
    return vm_fault_page_loop(map, va, access, pa, false);
}

/* The same, stamping the steps of a traced fault (kern/trace.h). */
static __attribute__((noinline, cold)) enum vm_fault_result
vm_fault_page_traced(struct vm_map *map, vaddr_t va, enum mmu_access access, paddr_t *pa)
{
    return vm_fault_page_loop(map, va, access, pa, true);
}

/*
 * The fault fast path: waiter @t, a user fault armed in vm_fault_user, gets
 * page @p (just filled) mapped at its faulting address while the pager's
 * answer is handled, if its region still maps @p there and allows the
 * access without the pager's further say (not write-locked for a write).
 * It then resumes without looking anything up again. False: it must.
 */
static bool fault_complete(struct thread *t, struct vm_page *p)
{
    struct vm_map *map = &t->task->map;
    vaddr_t page = ALIGN_DOWN(t->fault_resume.va, PAGE_SIZE);
    enum mmu_access access = t->fault_resume.access;
    struct vm_region *r = vm_map_lookup(map, page);
    struct mmu_mapping m;

    if (!r || r->object != p->object || r->offset + (page - r->start) != p->offset ||
        !access_allowed(r->prot, access))
        return false;
    unsigned prot = page_prot(r, p);
    if (access == MMU_ACCESS_WRITE && !(prot & MMU_PROT_WRITE))
        return false; /* write-locked: the pager must grant the write */
    if (mmu_query(&map->space, page, &m) == MMU_OK) {
        /* Another waiter of the same space mapped it already. */
        if (m.pa != p->frame || (access == MMU_ACCESS_WRITE && !(m.prot & MMU_PROT_WRITE)))
            return false;
    } else if (vm_map_mmu_map(map, page, p->frame, prot) != MMU_OK) {
        return false;
    } else {
        map->resident++;
        vm_stats.faults++;
    }
    if (access == MMU_ACCESS_WRITE)
        p->flags |= VM_PAGE_DIRTY; /* written as soon as it runs again (vm_fault_page_once) */
    t->fault_resume.pa = p->frame;
    t->fault_trace[2] = p->supplied_at;
    vm_stats.faults_resumed++;
    return true;
}

void vm_fault_wake_filled(struct vm_page *p)
{
    while (!list_empty(&p->waiters.threads)) {
        struct thread *t = list_entry(p->waiters.threads.next, struct thread, run_link);
        bool done = t->fault_resume.armed && t->task && fault_complete(t, p);
        sched_wake_one(&p->waiters, done ? VM_WAKE_MAPPED : 0);
    }
}

struct vm_fault_trace vm_last_fault_trace;

void vm_fault_user(const struct mmu_fault *fault, uint64_t pc)
{
    struct thread *self = thread_current();
    struct task *task = self->task;
    uint64_t *trace = self->fault_trace;
    enum vm_fault_result r = VM_FAULT_NOT_USER;
    bool traced = self->trace_fault != 0; /* numbered at its trap (kern/trace.h) */
    paddr_t pa;

    trace[0] = arch_cycles();
    trace[1] = 0;
    FAULT_STAMP(traced, TRACE_DECODED);
    if (fault->addr < MMU_USER_TOP && !fault->reserved_bit) {
        if (__builtin_expect(traced, 0)) {
            r = vm_fault_page_traced(&task->map, fault->addr, fault->access, &pa);
        } else {
            /* An untraced user fault may be completed by the pager's answer (a
             * traced one looks again, so that each of its steps is stamped). */
            self->fault_resume.va = fault->addr;
            self->fault_resume.access = (uint8_t)fault->access;
            self->fault_resume.armed = true;
            r = vm_fault_page(&task->map, fault->addr, fault->access, &pa);
            self->fault_resume.armed = false;
        }
    }
    if (r == VM_FAULT_OK) {
        FAULT_STAMP(traced, TRACE_RESTART);
        if (trace[1]) { /* it went to an external pager: keep the trace */
            vm_last_fault_trace = (struct vm_fault_trace){trace[0], trace[1], trace[2], 0};
            vm_last_fault_trace.resumed = arch_cycles();
        }
        return;
    }
    self->trace_fault = 0; /* a traced fault that failed ends here */
    if (exception_raise(EXC_BAD_ACCESS, fault->addr, pc, fault->access | (uint64_t)r << 8))
        return; /* the handler fixed it: run the instruction again */
    kprintf("task %s[%u]: killed: %s at %llx (%s), rip %llx\n", task->name, task->id,
            access_text[fault->access], (unsigned long long)fault->addr, result_text[r],
            (unsigned long long)pc);
    task_terminate(task, TASK_END_FAULT, 0, fault->addr);
}
