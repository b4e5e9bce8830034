/*
 * Pinning (section 3.6.4): a task locks a range of its memory in place, so
 * that a transfer into it (DMA) cannot land in a page that was taken away.
 * A pinned page is resident, and its frame is never evicted, flushed or
 * moved (pageout, lock_request and out-of-line moves skip or refuse it); a
 * region holding pins cannot be removed. Pins are recorded per address map
 * and bounded per task; the map's teardown releases what is left.
 */
#include <abi/errors.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

struct vm_pin {
    struct list_node link; /* in vm_map.pins */
    vaddr_t start;
    uint32_t npages;
};

/*
 * Fault every page of the range in, with a preemption point between two
 * (each may zero or copy a page; nothing is held across: the region is looked
 * up again). 0 or -ERR_FAULT.
 */
static int pin_fault_in(struct vm_map *map, vaddr_t start, uint32_t npages)
{
    for (uint32_t i = 0; i < npages; i++) {
        if (i)
            sched_preempt_point();
        struct vm_region *r = vm_map_lookup(map, start + i * PAGE_SIZE);
        if (r && vm_object_is_device(r->object))
            return -ERR_FAULT; /* device memory has no frames to pin */
        enum mmu_access access =
            r && (r->prot & MMU_PROT_WRITE) ? MMU_ACCESS_WRITE : MMU_ACCESS_READ;
        paddr_t pa;
        if (vm_fault_page(map, start + i * PAGE_SIZE, access, &pa) != VM_FAULT_OK)
            return -ERR_FAULT;
    }
    return 0;
}

static bool pin_all_resident(struct vm_map *map, vaddr_t start, uint32_t npages)
{
    struct mmu_mapping m;

    for (uint32_t i = 0; i < npages; i++)
        if (mmu_query(&map->space, start + i * PAGE_SIZE, &m) != MMU_OK)
            return false;
    return true;
}

/* Add @delta to the pin count of every frame of the (resident) range. */
static void pin_frames(struct vm_map *map, vaddr_t start, uint32_t npages, int delta)
{
    struct mmu_mapping m;

    for (uint32_t i = 0; i < npages; i++) {
        if (mmu_query(&map->space, start + i * PAGE_SIZE, &m) != MMU_OK)
            panic("vm_pin: pinned page at %llx not mapped",
                  (unsigned long long)(start + i * PAGE_SIZE));
        struct frame *f = frame_of(m.pa);
        KASSERT(f && f->state == FRAME_USER && (delta > 0 || f->pin_count > 0));
        f->pin_count += delta;
        /* A pinned frame is no pageout candidate; it becomes one again when the last pin goes. */
        if (f->pin_count == 1 && delta > 0)
            vm_pageout_candidate_remove(m.pa);
        else if (f->pin_count == 0)
            vm_pageout_candidate_add(m.pa);
    }
}

int vm_map_pin(struct vm_map *map, vaddr_t va, size_t size)
{
    vaddr_t start = ALIGN_DOWN(va, PAGE_SIZE);

    if (!size || va >= MMU_USER_TOP || size > MMU_USER_TOP - va)
        return -ERR_INVAL;
    uint64_t npages = (ALIGN_UP(va + size, PAGE_SIZE) - start) / PAGE_SIZE;
    if (npages > VM_PIN_MAX_PAGES - map->pinned)
        return -ERR_LIMIT;
    /* Faulting in may wait for a pager: check that all stayed resident. */
    do {
        int err = pin_fault_in(map, start, (uint32_t)npages);
        if (err)
            return err;
    } while (!pin_all_resident(map, start, (uint32_t)npages));
    if (npages > VM_PIN_MAX_PAGES - map->pinned)
        return -ERR_LIMIT; /* another thread pinned meanwhile */
    /* Allocated only now: a thread killed while it waited above holds nothing. */
    struct vm_pin *pin = kzalloc(sizeof(*pin));
    if (!pin)
        return -ERR_NOMEM;
    pin->start = start;
    pin->npages = (uint32_t)npages;
    pin_frames(map, start, pin->npages, +1);
    list_push_back(&map->pins, &pin->link);
    map->pinned += pin->npages;
    return 0;
}

static void pin_release(struct vm_map *map, struct vm_pin *pin)
{
    KASSERT(map->pinned >= pin->npages);
    pin_frames(map, pin->start, pin->npages, -1);
    map->pinned -= pin->npages;
    list_remove(&pin->link);
    kfree(pin);
}

int vm_map_unpin(struct vm_map *map, vaddr_t va, size_t size)
{
    vaddr_t start = ALIGN_DOWN(va, PAGE_SIZE);
    uint64_t npages = size ? (ALIGN_UP(va + size, PAGE_SIZE) - start) / PAGE_SIZE : 0;
    struct list_node *pos;

    list_for_each(pos, &map->pins)
    {
        struct vm_pin *pin = list_entry(pos, struct vm_pin, link);
        if (pin->start == start && pin->npages == npages) {
            pin_release(map, pin);
            return 0;
        }
    }
    return -ERR_NOENT;
}

bool vm_map_pinned_in(struct vm_map *map, vaddr_t start, vaddr_t end)
{
    struct list_node *pos;

    list_for_each(pos, &map->pins)
    {
        struct vm_pin *pin = list_entry(pos, struct vm_pin, link);
        if (pin->start < end && pin->start + pin->npages * PAGE_SIZE > start)
            return true;
    }
    return false;
}

void vm_map_unpin_all(struct vm_map *map)
{
    while (!list_empty(&map->pins))
        pin_release(map, list_entry(map->pins.next, struct vm_pin, link));
}
