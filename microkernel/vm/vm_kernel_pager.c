/*
 * The in-kernel pager (section 3.6's baseline: paging without leaving the
 * kernel). A missing page is filled with zeros or with the bytes of the
 * object's image (program text and data), through the same zeroing and
 * copying code every pager uses. Pageout keeps a modified page in the
 * pager's store, a frame of its own, and brings it back from there.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

/* Zero fill, or the image bytes that fall in this page followed by zeros. */
static void kernel_pager_fill(struct vm_object *obj, uint64_t offset, paddr_t frame)
{
    uint8_t *dst = phys_to_virt(frame);
    size_t n = offset < obj->image_len ? MIN(PAGE_SIZE, obj->image_len - offset) : 0;

    if (n) {
        memcpy(dst, obj->image + offset, n);
        vm_stats.image_copies++;
    } else {
        vm_stats.zero_fills++;
    }
    memset(dst + n, 0, PAGE_SIZE - n);
}

/*
 * Give @obj a filled, resident page at @offset, where @p is the page lookup
 * found (or NULL): a copy of the store's when only the store holds it (the
 * store keeps its copy), else a fresh one. Returns the page, or NULL when no
 * frame or page struct is left.
 */
static struct vm_page *kernel_pager_page_in(struct vm_object *obj, uint64_t offset,
                                            struct vm_page *p)
{
    paddr_t frame = frame_alloc(FRAME_USER, NULL);

    if (!frame)
        return NULL;
    if (p) { /* only the store holds it: copy it back, the store keeps its copy */
        memcpy(phys_to_virt(frame), phys_to_virt(p->stored), PAGE_SIZE);
        KASSERT(p->stored && obj->stored_only > 0);
        vm_page_set_frame(p, frame);
        obj->stored_only--;
        vm_stats.store_ins++;
        return p;
    }
    kernel_pager_fill(obj, offset, frame);
    p = vm_object_page_insert(obj, offset, frame);
    if (!p)
        frame_free(frame);
    return p;
}

static int kernel_pager_fault(struct vm_object *obj, uint64_t offset, unsigned access,
                              bool timed_out, struct vm_page **page)
{
    (void)access, (void)timed_out;
    if (!*page || !(*page)->frame)
        *page = kernel_pager_page_in(obj, offset, *page);
    return *page ? VM_FAULT_OK : VM_FAULT_NOMEM;
}

/*
 * A modified page becomes the store's copy; an unmodified one is dropped and
 * comes back from the store, the image or zero fill.
 */
static int kernel_pager_page_out(struct vm_object *obj, struct vm_page *p, bool back, bool dirty)
{
    paddr_t frame = vm_page_take_frame(p);

    (void)dirty;
    if (back) {
        if (p->stored)
            frame_free(p->stored);
        p->stored = frame; /* (nothing reads it before pageout flushes: see vm_object.h) */
        p->flags &= ~VM_PAGE_PRECIOUS; /* the store holds it now; its owner stays NULL */
        obj->stored_only++;
        return 1;
    }
    vm_object_pageout_free(frame);
    if (!p->stored)
        vm_object_page_remove(p);
    else
        obj->stored_only++;
    return 0;
}

const struct vm_pager_ops vm_kernel_pager_ops = {
    .name = "kernel",
    .abi_kind = VM_REGION_PAGER_KERNEL,
    .fault = kernel_pager_fault,
    .page_out = kernel_pager_page_out,
};

int vm_object_create_kernel(uint64_t size, const uint8_t *image, uint64_t image_len,
                            struct vm_object **out)
{
    struct vm_object *obj = vm_object_alloc(&vm_kernel_pager_ops, size);

    if (!obj)
        return -ERR_NOMEM;
    obj->image = image;
    obj->image_len = image ? image_len : 0;
    *out = obj;
    return 0;
}
