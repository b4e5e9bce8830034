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

#define VM_USER_END (VM_STACK_TOP)

int vm_map_init(struct vm_map *map)
{
    list_init(&map->regions);
    map->hint = NULL;
    map->resident = 0;
    return mmu_space_create(&map->space) == MMU_OK ? 0 : -ERR_NOMEM;
}

static void free_user_frame(void *ctx, vaddr_t va, paddr_t pa)
{
    struct vm_map *map = ctx;
    (void)va;
    frame_free(pa);
    map->resident--;
}

void vm_map_destroy(struct vm_map *map)
{
    struct list_node *n;

    if (mmu_current() == &map->space)
        mmu_switch(mmu_kernel_space());
    mmu_space_destroy(&map->space, free_user_frame, map);
    KASSERT(map->resident == 0);
    while ((n = list_pop_front(&map->regions)))
        kfree(list_entry(n, struct vm_region, link));
    map->hint = NULL;
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
                 struct vm_region **out)
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
    struct vm_region *r = kzalloc(sizeof(*r));
    if (!r)
        return -ERR_NOMEM;
    r->start = start;
    r->end = start + size;
    r->prot = prot;
    r->backing = VM_BACKING_ZERO;
    list_insert_between(&r->link, pos->prev, pos);
    if (out)
        *out = r;
    return 0;
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

/* Unmap and free every resident page of @r, skipping absent page tables. */
static void region_unmap_pages(struct vm_map *map, struct vm_region *r)
{
    uint8_t bits[512];

    for (vaddr_t va = r->start; va < r->end; va += sizeof(bits) * PAGE_SIZE) {
        size_t n = MIN(sizeof(bits), (r->end - va) / PAGE_SIZE);
        if (!mmu_rm_collect(&map->space, va, n, bits, false))
            continue;
        for (size_t i = 0; i < n; i++) {
            paddr_t pa;
            if ((bits[i] & MMU_BIT_PRESENT) &&
                mmu_unmap(&map->space, va + i * PAGE_SIZE, &pa, NULL) == MMU_OK) {
                frame_free(pa);
                map->resident--;
            }
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
    list_for_each_safe(pos, tmp, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (r->start >= start && r->end <= start + size) {
            region_unmap_pages(map, r);
            mmu_trim(&map->space, r->start, (r->end - r->start) / PAGE_SIZE);
            list_remove(&r->link);
            if (map->hint == r)
                map->hint = NULL;
            kfree(r);
        }
    }
    return 0;
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
        if (vm_fault_page(map, va, access, &pa) != VM_FAULT_OK)
            return -ERR_FAULT;
        char *kva = (char *)phys_to_virt(pa) + va % PAGE_SIZE;
        if (to_user)
            memcpy(kva, p, chunk);
        else
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
