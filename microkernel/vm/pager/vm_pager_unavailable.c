/*
 * data_unavailable: the pager has no data for a range, and the kernel zero
 * fills the requested pages in it. The range must lie inside the object and
 * hold a requested page; pages nobody asked for are left alone.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kserver.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>

/* Zero fill page @p if it is requested (vm_object_range_walk). */
static int zero_page(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    (void)obj, (void)ctx;
    if (!(p->flags & VM_PAGE_BUSY))
        return 0;
    paddr_t frame = frame_alloc(FRAME_USER, NULL);
    if (!frame)
        return -ERR_NOMEM; /* the rest stay busy: the faults time out */
    memset(phys_to_virt(frame), 0, PAGE_SIZE);
    vm_stats.zero_fills++;
    page_fill(p, frame, 0);
    return 0;
}

/* The requested pages in the range are zero filled. */
int vm_pager_control_data_unavailable(struct vm_object *obj, uint64_t offset, uint64_t count)
{
    if (!range_ok(obj, offset, count))
        return -ERR_INVAL;
    if (!range_requested(obj, offset, count))
        return -ERR_INVAL;
    return vm_object_range_walk(obj, offset, count, zero_page, NULL);
}
