/*
 * Address maps: the regions of a task (enter, remove, wire, first-fit
 * placement, pages moved in and out by IPC) and lookups for the fault
 * handler. Regions are on a list in address order (walks) and in an AVL tree
 * by start address (searches, vm_map_tree.c); the last region found is
 * cached. Copies to and from user memory are in vm_copy.c.
 */
#include <abi/errors.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_map_tree.h>
#include <vm/vm_object.h>

#define VM_USER_END (VM_STACK_TOP)

int vm_map_init(struct vm_map *map)
{
    list_init(&map->regions);
    map->root = NULL;
    map->hint = NULL;
    map->resident = 0;
    map->nregions = 0;
    list_init(&map->pins);
    map->pinned = 0;
    map->acct = acct_current();
    if (mmu_space_create(&map->space) != MMU_OK)
        return -ERR_NOMEM;
    vm_stats.spaces_created++;
    return 0;
}

int vm_map_mmu_map(struct vm_map *map, vaddr_t va, paddr_t pa, unsigned prot)
{
    uint32_t old = acct_switch(map->acct);
    int err = mmu_map(&map->space, va, pa, prot);

    acct_switch(old);
    return err;
}

/* The frames belong to the objects: tearing down the page tables only counts. */
static void count_unmapped(void *ctx, vaddr_t va, paddr_t pa)
{
    struct vm_map *map = ctx;
    (void)va, (void)pa;
    map->resident--;
}

static void region_free(struct vm_map *map, struct vm_region *r)
{
    struct vm_region *next = region_next(map, r);

    KASSERT(r->map == map && map->nregions > 0 && r->object);
    map->nregions--;
    vm_map_tree_remove(map, r);
    list_remove(&r->link);
    vm_map_tree_gap_changed(map, next); /* it now follows r's predecessor */
    list_remove(&r->obj_link);
    if (map->hint == r)
        map->hint = NULL;
    vm_object_unref(r->object);
    kfree(r);
}

void vm_map_destroy(struct vm_map *map)
{
    struct list_node *n;

    vm_map_unpin_all(map); /* no transfer can be running: its task is gone */
    if (mmu_current() == &map->space)
        mmu_switch(mmu_kernel_space());
    vm_stats.spaces_destroyed++;
    vm_stats.exit_pages += map->resident;
    mmu_space_destroy(&map->space, count_unmapped, map);
    KASSERT(map->resident == 0);
    while ((n = map->regions.next) != &map->regions)
        region_free(map, list_entry(n, struct vm_region, link));
}

struct vm_region *vm_map_lookup(struct vm_map *map, vaddr_t va)
{
    if (map->hint && va >= map->hint->start && va < map->hint->end)
        return map->hint;
    struct vm_region *r = vm_map_tree_floor(map, va);
    return r && va < r->end ? (map->hint = r) : NULL;
}

bool vm_map_is_guard(struct vm_map *map, vaddr_t va)
{
    struct vm_region *r = region_next(map, vm_map_tree_floor(map, va)); /* the first above va */

    return r && (r->flags & VM_REGION_STACK) && va >= r->start - PAGE_SIZE && va < r->start;
}

void vm_map_set_stack(struct vm_map *map, struct vm_region *r)
{
    r->flags |= VM_REGION_STACK;
    vm_map_tree_gap_changed(map, r); /* the guard page narrows the gap below it */
}

int vm_map_can_enter(struct vm_map *map, vaddr_t start, size_t size)
{
    if (!size || (start | size) % PAGE_SIZE || start < VM_USER_BASE || start > VM_USER_END ||
        size > VM_USER_END - start)
        return -ERR_INVAL;
    /* The last region starting inside the range must end before it, and the
     * next one (with its guard page) must begin after it. */
    struct vm_region *prev = vm_map_tree_floor(map, start + size - 1);
    struct vm_region *next = region_next(map, prev);
    if ((prev && prev->end > start) || (next && region_low(next) < start + size))
        return -ERR_BUSY;
    return map->nregions >= VM_MAP_MAX_REGIONS ? -ERR_LIMIT : 0;
}

int vm_map_enter(struct vm_map *map, vaddr_t start, size_t size, unsigned prot,
                 struct vm_object *obj, uint64_t offset, struct vm_region **out)
{
    int err = vm_map_can_enter(map, start, size);

    if (err)
        return err;
    struct vm_region *prev = vm_map_tree_floor(map, start + size - 1);
    struct vm_region *next = region_next(map, prev);
    struct vm_region *r = kzalloc(sizeof(*r));
    if (!r)
        return -ERR_NOMEM;
    if (!obj) {
        if (vm_object_create_kernel(size, NULL, 0, &obj) != 0) {
            kfree(r);
            return -ERR_NOMEM;
        }
        vm_object_charge(obj, map->acct); /* made for this map, maybe in a sender's thread */
    }
    KASSERT(offset % PAGE_SIZE == 0 && obj->refs > 0);
    r->start = start;
    r->end = start + size;
    r->prot = prot;
    r->object = obj;
    r->offset = offset;
    r->map = map;
    list_push_back(&obj->mappings, &r->obj_link);
    map->nregions++;
    list_insert_between(&r->link, prev ? &prev->link : &map->regions,
                        next ? &next->link : &map->regions);
    vm_map_tree_insert(map, r);
    if (map->wired)
        vm_object_wire(obj);
    if (out)
        *out = r;
    return 0;
}

void vm_map_wire(struct vm_map *map)
{
    struct list_node *pos;

    map->wired = true;
    list_for_each(pos, &map->regions)
        vm_object_wire(list_entry(pos, struct vm_region, link)->object);
}

int vm_map_find_space(struct vm_map *map, size_t size, vaddr_t *out)
{
    if (!size)
        return -ERR_INVAL;
    vaddr_t candidate = vm_map_tree_first_fit(map, size);
    if (size > VM_USER_END || candidate > VM_USER_END - size)
        return -ERR_NOSPACE;
    *out = candidate;
    return 0;
}

/* Unmap page @p of the region @ctx (vm_object_range_walk). */
static int region_unmap_page(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    struct vm_region *r = ctx;

    (void)obj;
    if (mmu_unmap(&r->map->space, r->start + (p->offset - r->offset), NULL, NULL) == MMU_OK)
        r->map->resident--;
    return 0;
}

/*
 * Unmap every resident page of @r: through the object's pages when it has
 * fewer than the region has page tables (a huge sparse region costs its
 * pages, not its size), else through the page tables, skipping absent ones.
 * Only device memory maps what is no page of its object.
 */
static void region_unmap_pages(struct vm_map *map, struct vm_region *r)
{
    uint8_t bits[512];

    if (!vm_object_is_device(r->object) &&
        r->object->npages < (r->end - r->start) / (sizeof(bits) * PAGE_SIZE)) {
        vm_object_range_walk(r->object, r->offset, r->end - r->start, region_unmap_page, r);
        return;
    }
    for (vaddr_t va = r->start; va < r->end; va += sizeof(bits) * PAGE_SIZE) {
        size_t n = MIN(sizeof(bits), (r->end - va) / PAGE_SIZE);
        if (!mmu_rm_collect(&map->space, va, n, bits, false))
            continue;
        for (size_t i = 0; i < n; i++) {
            if ((bits[i] & MMU_BIT_PRESENT) &&
                mmu_unmap(&map->space, va + i * PAGE_SIZE, NULL, NULL) == MMU_OK)
                map->resident--;
        }
    }
}

struct vm_region *vm_map_lookup_from(struct vm_map *map, vaddr_t va)
{
    struct vm_region *r = vm_map_tree_floor(map, va);

    return r && va < r->end ? r : region_next(map, r);
}

int vm_map_remove_check(struct vm_map *map, vaddr_t start, size_t size)
{
    struct vm_region *r = vm_map_tree_floor(map, start);
    vaddr_t covered = start;

    /* The range must be exactly a run of whole regions. */
    if (!size || !r || r->start != start)
        return -ERR_INVAL;
    for (; r && r->start == covered && r->end <= start + size; r = region_next(map, r))
        covered = r->end;
    if (covered != start + size)
        return -ERR_INVAL;
    if (vm_map_pinned_in(map, start, start + size))
        return -ERR_BUSY; /* pinned pages stay where they are */
    return 0;
}

void vm_map_drain(struct vm_map *map)
{
    struct vm_region *r;

    for (vaddr_t va = 0; (r = vm_map_lookup_from(map, va)) != NULL;) {
        va = r->end;
        vm_map_remove(map, r->start, r->end - r->start); /* -ERR_BUSY: pinned, stays */
        sched_preempt_point();
    }
}

int vm_map_remove(struct vm_map *map, vaddr_t start, size_t size)
{
    struct vm_region *r = vm_map_tree_floor(map, start);
    int err = vm_map_remove_check(map, start, size);

    while (!err && r && r->start < start + size) {
        struct vm_region *prev = region_prev(map, r), *next = region_next(map, r);
        region_unmap_pages(map, r);
        /* Nothing is mapped between the neighbours: the tables inside that gap go. */
        mmu_trim(&map->space, r->start, (r->end - r->start) / PAGE_SIZE, prev ? prev->end : 0,
                 next ? next->start : MMU_USER_TOP);
        region_free(map, r);
        r = next;
    }
    return err;
}

bool vm_map_is_device(struct vm_map *map, vaddr_t va)
{
    struct vm_region *r = vm_map_lookup(map, va);
    return r && vm_object_is_device(r->object);
}

int vm_map_take_page(struct vm_map *map, vaddr_t va, paddr_t *frame)
{
    struct vm_region *r = vm_map_lookup(map, va);
    vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    struct vm_page *p = r ? vm_object_page_lookup(r->object, r->offset + (page - r->start)) : NULL;

    if (!p || !p->frame || (p->flags & VM_PAGE_BUSY))
        return -ERR_FAULT;
    if (mmu_unmap(&map->space, page, NULL, NULL) == MMU_OK)
        map->resident--;
    *frame = vm_object_page_remove(p);
    return 0;
}

int vm_map_insert_pages(struct vm_map *map, const paddr_t *frames, size_t n, unsigned prot,
                        vaddr_t *out)
{
    struct vm_region *r;
    vaddr_t va;
    int err = vm_map_find_space(map, n * PAGE_SIZE, &va);

    if (!err)
        err = vm_map_enter(map, va, n * PAGE_SIZE, prot, NULL, 0, &r);
    for (size_t i = 0; !err && i < n; i++) {
        struct vm_page *p = vm_object_page_insert(r->object, i * PAGE_SIZE, frames[i]);
        if (!p || vm_map_mmu_map(map, va + i * PAGE_SIZE, frames[i], prot) != MMU_OK) {
            vm_map_extract_pages(map, va, n, NULL);
            return -ERR_NOMEM;
        }
        p->flags |= VM_PAGE_PRECIOUS; /* its contents exist nowhere else */
        map->resident++;
    }
    if (!err)
        *out = va;
    return err;
}

void vm_map_extract_pages(struct vm_map *map, vaddr_t va, size_t n, paddr_t *frames)
{
    struct vm_region *r = vm_map_lookup(map, va);

    KASSERT(r && r->start == va);
    for (size_t i = 0; i < n; i++) {
        struct vm_page *p = vm_object_page_lookup(r->object, i * PAGE_SIZE);
        if (mmu_unmap(&map->space, va + i * PAGE_SIZE, NULL, NULL) == MMU_OK)
            map->resident--;
        paddr_t frame = p ? vm_object_page_remove(p) : 0;
        if (frames)
            frames[i] = frame;
    }
    vm_map_remove(map, va, n * PAGE_SIZE);
}
