/*
 * data_supply: a pager moves pages out of its address space into an object,
 * the same frames without a copy. It answers a data_request, and may bring
 * the pages after the requested one along (prefetch); nothing else brings a
 * pager's data in.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kserver.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>

/*
 * A supply of the @n pages at @offset failed for want of kernel memory:
 * placeholders nobody waits for go, and the faults waiting in the range
 * start over (page_restart: they ask again once pageout has made room)
 * rather than wait for an answer that was lost. (Every page of the range
 * is busy or absent: a resident one refused the supply earlier.)
 */
static void supply_abandon(struct vm_object *obj, uint64_t offset, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        struct vm_page *p = vm_object_page_lookup(obj, offset + j * PAGE_SIZE);
        if (!p)
            continue;
        if (list_empty(&p->waiters.threads))
            vm_object_page_remove(p); /* an unrequested placeholder of ours */
        else
            page_restart(p);
    }
}

/*
 * Refused whole when the range is outside the object, overlaps a resident
 * page (a duplicate never overwrites data) or covers no requested page
 * (nobody asked, unless the object is being evacuated: then the pages go on
 * to the new pager, or stay precious when a fault waits for one). Accepted
 * too: pages inside the last multi-page request's range (range_asked), and
 * pages flagged SUPPLY_PREFETCH while that request waits (request_waiting).
 * Pages beyond the requested ones are kept as prefetch. With SUPPLY_MAP
 * they are also mapped where the object is mapped, ahead of their faults.
 * A page whose data_return the pager has not received yet is left out
 * (page_returning: the pager's copy is older), its frame freed.
 */
int vm_pager_control_data_supply(struct vm_object *obj, uint64_t offset, uint64_t flags,
                                 const paddr_t *pages, uint32_t pages_npages)
{
    if ((flags & ~(uint64_t)(SUPPLY_READ_ONLY | SUPPLY_PRECIOUS | SUPPLY_PREFETCH | SUPPLY_MAP)) ||
        !range_ok(obj, offset, pages_npages * PAGE_SIZE))
        return -ERR_INVAL;
    bool busy = false; /* a page of the range is requested (range_requested, in this walk) */
    for (uint32_t i = 0; i < pages_npages; i++) {
        struct vm_page *p = vm_object_page_lookup(obj, offset + i * PAGE_SIZE);
        if (p && (!(p->flags & VM_PAGE_BUSY) || (p->flags & VM_PAGE_HANDED)))
            return -ERR_BUSY; /* resident, or its newer copy went on to the new pager */
        busy |= p != NULL;
    }
    bool requested = busy || range_asked(obj, offset, pages_npages * PAGE_SIZE) ||
                     ((flags & SUPPLY_PREFETCH) && request_waiting(obj));
    if (obj->migrate == VM_MIGRATE_EVACUATING && !requested)
        return vm_pager_migrate_forward(obj, offset, pages, pages_npages); /* nobody waits */
    if (obj->migrate == VM_MIGRATE_EVACUATING)
        flags |= SUPPLY_PRECIOUS; /* handed over: the only copy */
    else if (!requested)
        return -ERR_INVAL;
    /* Page structs for the prefetched pages first, so the rest cannot fail. */
    for (uint32_t i = 0; i < pages_npages; i++) {
        uint64_t off = offset + i * PAGE_SIZE;
        if (!vm_object_page_lookup(obj, off) && !page_returning(obj, off) &&
            !vm_object_page_insert(obj, off, 0)) {
            supply_abandon(obj, offset, pages_npages);
            return -ERR_NOMEM;
        }
    }
    vm_fault_answer_range(offset, offset + (uint64_t)pages_npages * PAGE_SIZE);
    for (uint32_t i = 0; i < pages_npages; i++) {
        uint64_t off = offset + i * PAGE_SIZE;
        if (page_returning(obj, off))
            frame_free(pages[i]); /* stale; a fault waiting on it asked again */
        else
            page_fill(vm_object_page_lookup(obj, off), pages[i], flags);
    }
    if (flags & SUPPLY_MAP)
        vm_fault_map_supplied(obj, offset, pages_npages);
    vm_stats.pager_supplies++;
    return 0;
}
