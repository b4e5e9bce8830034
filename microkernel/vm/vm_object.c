/*
 * Memory objects and their pages. Resident (and busy) pages are entered in a
 * global hash keyed by object and offset, as in Mach's vm_page buckets, so
 * the fault path finds a page in O(1) whatever the number of resident
 * pages: the hash has a bucket per frame (vm_object_hash_init sizes it at
 * boot), and every page but a few busy ones holds a frame or a stored copy,
 * so chains stay about one page long however full memory is. Each object
 * also lists its pages for teardown. What differs by kind of object is in
 * its operations table (struct vm_pager_ops): the in-kernel pager's in
 * vm_kernel_pager.c, external pagers' in vm/pager/, and device memory's here.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#define PAGE_HASH_BOOT_ORDER 6u /* 64 buckets until vm_object_hash_init */
#define PAGE_HASH_MAX_ORDER 32u

static struct vm_page *boot_buckets[1u << PAGE_HASH_BOOT_ORDER];
static struct vm_page **buckets = boot_buckets;
static uint32_t bucket_shift = 64 - PAGE_HASH_BOOT_ORDER; /* 64 - log2(buckets) */
uint64_t vm_objects_created, vm_objects_live;

static struct vm_page **bucket_of(const struct vm_object *obj, uint64_t offset)
{
    uint64_t h = ((uintptr_t)obj >> 6) ^ (offset >> PAGE_SHIFT);

    h *= 0x9e3779b97f4a7c15ULL;
    return &buckets[h >> bucket_shift]; /* the top bits mix best */
}

/* Is the hash empty? (Only a boot-time resize may find it so: it walks every bucket.) */
static bool page_hash_empty(void)
{
    for (uint64_t b = 0; b < (1ull << (64 - bucket_shift)); b++)
        if (buckets[b])
            return false;
    return true;
}

uint64_t vm_object_hash_init(uint64_t frames)
{
    uint32_t order = PAGE_HASH_BOOT_ORDER;

    KASSERT(buckets == boot_buckets && page_hash_empty());
    while (order < PAGE_HASH_MAX_ORDER && (1ull << order) < frames)
        order++;
    /* Fewer buckets when memory has no free run for them all (longer chains, still a hash). */
    for (; order > PAGE_HASH_BOOT_ORDER; order--) {
        uint64_t bytes = sizeof(*buckets) << order;
        paddr_t pa = frame_alloc_contig(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, FRAME_KERNEL);
        if (!pa)
            continue;
        buckets = phys_to_virt(pa);
        memset(buckets, 0, bytes);
        bucket_shift = 64 - order;
        break;
    }
    return 1ull << (64 - bucket_shift);
}

struct vm_object *vm_object_alloc(const struct vm_pager_ops *ops, uint64_t size)
{
    struct vm_object *obj = kzalloc(sizeof(*obj));

    KASSERT(ops && ops->fault && ops->page_out && size % PAGE_SIZE == 0);
    if (!obj)
        return NULL;
    vm_objects_created++;
    vm_objects_live++;
    obj->refs = 1;
    obj->acct = acct_current();
    acct_object(obj->acct, ACCT_OBJ_VM_OBJECT, 1);
    obj->ops = ops;
    obj->size = size;
    list_init(&obj->pages);
    list_init(&obj->returning);
    list_init(&obj->mappings);
    list_init(&obj->pager_link);
    return obj;
}

/* Device memory: the range's own physical pages. */
static paddr_t device_phys(const struct vm_object *obj, uint64_t offset)
{
    return obj->device_base + offset;
}

/* Never reached: the fault path maps device memory without pages. */
static int device_fault(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                        struct vm_page **page)
{
    (void)obj, (void)offset, (void)access, (void)timed_out, (void)page;
    panic("device memory has no pages to fault in");
}

/* Never reached: device memory has no pages for pageout to choose. */
static int device_page_out(struct vm_object *obj, struct vm_page *p, bool back, bool dirty)
{
    (void)obj, (void)p, (void)back, (void)dirty;
    panic("device memory has no pages to push out");
}

static const struct vm_pager_ops device_ops = {
    .name = "device",
    .abi_kind = VM_REGION_PAGER_DEVICE,
    .fault = device_fault,
    .page_out = device_page_out,
    .phys = device_phys,
};

int vm_object_create_device(paddr_t base, uint64_t size, struct vm_object **out)
{
    struct vm_object *obj = vm_object_alloc(&device_ops, size);

    if (!obj)
        return -ERR_NOMEM;
    obj->device_base = base;
    *out = obj;
    return 0;
}

void vm_object_ref(struct vm_object *obj)
{
    KASSERT(obj->refs > 0);
    obj->refs++;
}

void vm_object_unref(struct vm_object *obj)
{
    struct list_node *n;

    KASSERT(obj->refs > 0);
    if (--obj->refs > 0)
        return;
    if (obj->ops->terminate)
        obj->ops->terminate(obj);
    while ((n = obj->pages.next) != &obj->pages) {
        struct vm_page *p = list_entry(n, struct vm_page, obj_link);
        sched_wake_all(&p->waiters, -ERR_DEAD);
        paddr_t frame = vm_object_page_remove(p);
        if (frame)
            frame_free(frame);
    }
    while (!list_empty(&obj->returning)) /* still queued: nobody watches them now */
        list_remove(obj->returning.next);
    vm_objects_live--;
    acct_object(obj->acct, ACCT_OBJ_VM_OBJECT, -1);
    if (obj->acct_paged)
        acct_object(obj->acct, ACCT_OBJ_PAGED, -1);
    kfree(obj);
}

void vm_object_charge(struct vm_object *obj, uint32_t slot)
{
    KASSERT(obj->resident == 0);
    acct_object(obj->acct, ACCT_OBJ_VM_OBJECT, -1);
    acct_object(slot, ACCT_OBJ_VM_OBJECT, 1);
    if (obj->acct_paged) {
        acct_object(obj->acct, ACCT_OBJ_PAGED, -1);
        acct_object(slot, ACCT_OBJ_PAGED, 1);
    }
    obj->acct = slot;
}

void vm_object_wire(struct vm_object *obj)
{
    struct list_node *pos;

    if (obj->wired)
        return;
    obj->wired = true;
    list_for_each(pos, &obj->pages)
    {
        struct vm_page *p = list_entry(pos, struct vm_page, obj_link);
        if (p->frame)
            vm_pageout_candidate_remove(p->frame);
    }
}

struct vm_page *vm_object_page_lookup(struct vm_object *obj, uint64_t offset)
{
    for (struct vm_page *p = *bucket_of(obj, offset); p; p = p->hash_next)
        if (p->object == obj && p->offset == offset)
            return p;
    return NULL;
}

int vm_object_range_walk(struct vm_object *obj, uint64_t offset, uint64_t count,
                         int (*fn)(struct vm_object *obj, struct vm_page *p, void *ctx), void *ctx)
{
    struct list_node *pos, *tmp;
    int err = 0;

    if (count / PAGE_SIZE <= obj->npages) {
        for (uint64_t off = offset; !err && off - offset < count; off += PAGE_SIZE) {
            struct vm_page *p = vm_object_page_lookup(obj, off);
            err = p ? fn(obj, p, ctx) : 0;
        }
        return err;
    }
    list_for_each_safe(pos, tmp, &obj->pages) /* fn may remove this page, no other */
    {
        struct vm_page *p = list_entry(pos, struct vm_page, obj_link);
        err = p->offset >= offset && p->offset - offset < count ? fn(obj, p, ctx) : 0;
        if (err)
            break;
    }
    return err;
}

int vm_object_range_walk_some(struct vm_object *obj, uint64_t offset, uint64_t count,
                              uint64_t steps,
                              int (*fn)(struct vm_object *obj, struct vm_page *p, void *ctx),
                              void *ctx)
{
    int err = 0;

    for (uint64_t i = 0; !err && i < steps && i < obj->npages; i++) {
        struct vm_page *p = list_entry(obj->pages.next, struct vm_page, obj_link);
        list_remove(&p->obj_link);
        list_push_back(&obj->pages, &p->obj_link); /* looked at: the next call starts after it */
        if (p->offset >= offset && p->offset - offset < count)
            err = fn(obj, p, ctx);
    }
    return err;
}

struct vm_page *vm_object_page_insert(struct vm_object *obj, uint64_t offset, paddr_t frame)
{
    struct vm_page **bucket = bucket_of(obj, offset);
    struct vm_page *p = kzalloc(sizeof(*p));

    KASSERT(!vm_object_is_device(obj) && offset % PAGE_SIZE == 0 && offset < obj->size);
    if (!p)
        return NULL;
    p->object = obj;
    p->offset = offset;
    p->frame = frame;
    p->flags = frame ? 0 : VM_PAGE_BUSY;
    wait_queue_init(&p->waiters);
    p->hash_next = *bucket;
    *bucket = p;
    list_push_back(&obj->pages, &p->obj_link);
    obj->npages++;
    if (frame) {
        p->frame = 0;
        vm_page_set_frame(p, frame);
    }
    return p;
}

void vm_page_set_frame(struct vm_page *p, paddr_t frame)
{
    struct frame *f = frame_of(frame);

    KASSERT(!p->frame && frame && f && f->state == FRAME_USER && !f->owner);
    p->frame = frame;
    p->object->resident++;
    if (p->object->pager)
        vm_pager_quota_filled(p->object);
    f->owner = p;
    frame_charge(frame, p->object->acct); /* the object's holder holds its pages */
    frame_laundry_clear(frame);
    vm_pageout_candidate_add(frame);
}

paddr_t vm_page_take_frame(struct vm_page *p)
{
    paddr_t frame = p->frame;

    KASSERT(frame && frame_of(frame)->owner == p && p->object->resident > 0);
    vm_pageout_candidate_remove(frame);
    frame_of(frame)->owner = NULL;
    p->frame = 0;
    p->flags &= ~VM_PAGE_DIRTY;
    p->object->resident--;
    return frame;
}

/* Does region @r map object offset @offset? Then its address is in *@va. */
static bool region_maps(const struct vm_region *r, uint64_t offset, vaddr_t *va)
{
    if (offset < r->offset || offset >= r->offset + (r->end - r->start))
        return false;
    *va = r->start + (offset - r->offset);
    return true;
}

unsigned vm_object_page_bits(struct vm_object *obj, uint64_t offset, bool clear, bool unmap)
{
    unsigned bits = 0;
    struct list_node *pos;

    list_for_each(pos, &obj->mappings)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, obj_link);
        vaddr_t va;
        if (!region_maps(r, offset, &va))
            continue;
        uint8_t b = 0;
        unsigned ub = 0;
        if (unmap && mmu_unmap(&r->map->space, va, NULL, &ub) == MMU_OK) {
            r->map->resident--;
            b = (uint8_t)ub;
        } else if (!unmap) {
            mmu_rm_collect(&r->map->space, va, 1, &b, clear);
        }
        bits |= b;
    }
    if (bits & MMU_BIT_MOD) {
        struct vm_page *p = vm_object_page_lookup(obj, offset);
        if (p)
            p->flags |= VM_PAGE_DIRTY;
    }
    return bits;
}

void vm_object_page_protect(struct vm_object *obj, uint64_t offset, bool write_ok)
{
    struct list_node *pos;

    list_for_each(pos, &obj->mappings)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, obj_link);
        vaddr_t va;
        if (!region_maps(r, offset, &va))
            continue;
        unsigned prot = write_ok ? r->prot : r->prot & ~MMU_PROT_WRITE;
        mmu_protect(&r->map->space, va, prot); /* not mapped: nothing to do */
    }
}

bool vm_page_needs_writeback(struct vm_page *p)
{
    if (p->flags & (VM_PAGE_DIRTY | VM_PAGE_PRECIOUS))
        return true;
    return vm_object_page_bits(p->object, p->offset, false, false) & MMU_BIT_MOD;
}

paddr_t vm_object_page_remove(struct vm_page *page)
{
    struct vm_page **link = bucket_of(page->object, page->offset);
    paddr_t frame = page->frame ? vm_page_take_frame(page) : 0;

    if (page->stored && !frame) {
        KASSERT(page->object->stored_only > 0);
        page->object->stored_only--;
    }
    while (*link != page)
        link = &(*link)->hash_next;
    *link = page->hash_next;
    list_remove(&page->obj_link);
    page->object->npages--;
    if (page->stored) /* the store's copy goes with the page */
        frame_free(page->stored);
    KASSERT(list_empty(&page->waiters.threads));
    kfree(page);
    return frame;
}

/* Each page of @obj: in the hash, inside the object, the owner of its frame. */
static const char *object_pages_check(struct vm_object *obj)
{
    uint64_t resident = 0, stored_only = 0;
    struct list_node *pos;

    list_for_each(pos, &obj->pages)
    {
        struct vm_page *p = list_entry(pos, struct vm_page, obj_link);
        if (p->object != obj || p->offset % PAGE_SIZE || p->offset >= obj->size)
            return "a page outside its object";
        if (vm_object_page_lookup(obj, p->offset) != p)
            return "a page the hash does not find";
        if (p->frame && (frame_of(p->frame)->state != FRAME_USER || frame_of(p->frame)->owner != p))
            return "a resident page whose frame it does not own";
        resident += p->frame != 0;
        stored_only += p->stored && !p->frame;
    }
    if (resident != obj->resident)
        return "resident pages differ from the object's count";
    return stored_only == obj->stored_only ? NULL : "store-only pages differ from the count";
}

const char *vm_object_check(struct vm_object *obj)
{
    uint32_t mappings = 0;
    struct list_node *pos;

    if (!obj->refs || obj->size % PAGE_SIZE || !obj->ops)
        return "an object without references, of a bad size or without operations";
    if (obj->migrate > VM_MIGRATE_EVACUATING)
        return "an object in no known migration state";
    list_for_each(pos, &obj->mappings)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, obj_link);
        if (r->object != obj || ++mappings > obj->refs)
            return "a mapping of another object, or more mappings than references";
    }
    return vm_object_is_device(obj) ? NULL : object_pages_check(obj);
}

const char *vm_page_frame_check(paddr_t frame)
{
    struct frame *f = frame_of(frame);
    const struct vm_page *p = f ? f->owner : NULL;

    if (!f || f->state != FRAME_USER || !p)
        return NULL;
    return p->frame == frame && p->object && p->object->refs ? NULL
                                                             : "a user frame owned by another page";
}
