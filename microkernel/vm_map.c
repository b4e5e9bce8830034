/*
 * Address maps: the sorted region list of a task, lookups for the fault
 * handler, and copying between kernel buffers and user memory. Copies go
 * page by page through the direct map after the fault handler has made
 * the page resident, so the kernel never takes a fault on a user address
 * and the same code serves the current task and one being built.
 */
#include <abi/errors.h>
#include <kernel/frame.h>
#include <kernel/kmalloc.h>
#include <kernel/lib.h>
#include <kernel/printk.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_map.h>
#include <kernel/vm_object.h>

#define VM_USER_END (VM_STACK_TOP)

int vm_map_init(struct vm_map *map)
{
    list_init(&map->regions);
    map->hint = NULL;
    map->resident = 0;
    map->nregions = 0;
    list_init(&map->pins);
    map->pinned = 0;
    return mmu_space_create(&map->space) == MMU_OK ? 0 : -ERR_NOMEM;
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
    map->nregions--;
    list_remove(&r->link);
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
    mmu_space_destroy(&map->space, count_unmapped, map);
    KASSERT(map->resident == 0);
    while ((n = map->regions.next) != &map->regions)
        region_free(map, list_entry(n, struct vm_region, link));
}

struct vm_region *vm_map_lookup(struct vm_map *map, vaddr_t va)
{
    struct list_node *pos;

    if (map->hint && va >= map->hint->start && va < map->hint->end)
        return map->hint;
    list_for_each(pos, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (va < r->start)
            break;
        if (va < r->end)
            return map->hint = r;
    }
    return NULL;
}

/* The range a region occupies, its stack guard page included. */
static vaddr_t region_low(const struct vm_region *r)
{
    return (r->flags & VM_REGION_STACK) ? r->start - PAGE_SIZE : r->start;
}

bool vm_map_is_guard(struct vm_map *map, vaddr_t va)
{
    struct list_node *pos;

    list_for_each(pos, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if ((r->flags & VM_REGION_STACK) && va >= r->start - PAGE_SIZE && va < r->start)
            return true;
    }
    return false;
}

int vm_map_enter(struct vm_map *map, vaddr_t start, size_t size, unsigned prot,
                 struct vm_object *obj, uint64_t offset, struct vm_region **out)
{
    struct list_node *pos;

    if (!size || (start | size) % PAGE_SIZE || start < VM_USER_BASE || start > VM_USER_END ||
        size > VM_USER_END - start)
        return -ERR_INVAL;
    list_for_each(pos, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (start + size <= region_low(r))
            break;
        if (start < r->end)
            return -ERR_BUSY;
    }
    if (map->nregions >= VM_MAP_MAX_REGIONS)
        return -ERR_LIMIT;
    struct vm_region *r = kzalloc(sizeof(*r));
    if (!r)
        return -ERR_NOMEM;
    if (!obj && vm_object_create_kernel(size, NULL, 0, &obj) != 0) {
        kfree(r);
        return -ERR_NOMEM;
    }
    r->start = start;
    r->end = start + size;
    r->prot = prot;
    r->object = obj;
    r->offset = offset;
    r->map = map;
    list_push_back(&obj->mappings, &r->obj_link);
    map->nregions++;
    list_insert_between(&r->link, pos->prev, pos);
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
    vaddr_t candidate = VM_ALLOC_BASE;
    struct list_node *pos;

    list_for_each(pos, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (r->end + PAGE_SIZE <= candidate)
            continue;
        if (candidate + size + PAGE_SIZE <= region_low(r))
            break;
        candidate = r->end + PAGE_SIZE; /* leave an unmapped page between regions */
    }
    if (size > VM_USER_END || candidate > VM_USER_END - size)
        return -ERR_NOSPACE;
    *out = candidate;
    return 0;
}

/* Unmap every resident page of @r, skipping absent page tables. */
static void region_unmap_pages(struct vm_map *map, struct vm_region *r)
{
    uint8_t bits[512];

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

int vm_map_remove(struct vm_map *map, vaddr_t start, size_t size)
{
    struct list_node *pos, *tmp;
    vaddr_t covered = start;

    /* Check first: the range must be exactly a run of whole regions. */
    list_for_each(pos, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (r->end <= covered || r->start < start)
            continue;
        if (r->start != covered || r->end > start + size)
            break;
        covered = r->end;
    }
    if (!size || covered != start + size)
        return -ERR_INVAL;
    if (vm_map_pinned_in(map, start, start + size))
        return -ERR_BUSY; /* pinned pages stay where they are */
    list_for_each_safe(pos, tmp, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (r->start >= start && r->end <= start + size) {
            region_unmap_pages(map, r);
            mmu_trim(&map->space, r->start, (r->end - r->start) / PAGE_SIZE);
            region_free(map, r);
        }
    }
    return 0;
}

bool vm_map_is_device(struct vm_map *map, vaddr_t va)
{
    struct vm_region *r = vm_map_lookup(map, va);
    return r && r->object->kind == VM_PAGER_DEVICE;
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
        if (!p || mmu_map(&map->space, va + i * PAGE_SIZE, frames[i], prot) != MMU_OK) {
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

/* Copy @len bytes between @buf and user @va in page-sized steps. */
static int vm_copy(struct vm_map *map, vaddr_t va, void *buf, size_t len, bool to_user)
{
    enum mmu_access access = to_user ? MMU_ACCESS_WRITE : MMU_ACCESS_READ;
    char *p = buf;

    if (va >= MMU_USER_TOP || len > MMU_USER_TOP - va)
        return -ERR_FAULT;
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - va % PAGE_SIZE);
        paddr_t pa;
        if (vm_map_is_device(map, va)) /* the kernel does not touch device memory */
            return -ERR_FAULT;
        if (vm_fault_page(map, va, access, &pa) != VM_FAULT_OK)
            return -ERR_FAULT;
        char *kva = (char *)phys_to_virt(pa) + va % PAGE_SIZE;
        if (to_user) {
            struct vm_page *page = frame_of(pa)->owner;
            if (page) /* the MMU's M bit does not see writes through the kernel's mapping */
                page->flags |= VM_PAGE_DIRTY;
            memcpy(kva, p, chunk);
        } else
            memcpy(p, kva, chunk);
        va += chunk, p += chunk, len -= chunk;
    }
    return 0;
}

int vm_copy_in(struct vm_map *map, void *dst, vaddr_t va, size_t len)
{
    return vm_copy(map, va, dst, len, false);
}

int vm_copy_out(struct vm_map *map, vaddr_t va, const void *src, size_t len)
{
    return vm_copy(map, va, (void *)src, len, true);
}

int vm_copy_string_in(struct vm_map *map, char *dst, vaddr_t va, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (vm_copy_in(map, &dst[i], va + i, 1) != 0)
            return -ERR_FAULT;
        if (dst[i] == '\0')
            return (int)i;
    }
    return -ERR_INVAL;
}
