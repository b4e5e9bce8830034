/*
 * data_unavailable: the pager has no data for a range, and the kernel zero
 * fills the requested pages in it, and the absent pages of it that the last
 * multi-page request asked for (at most VM_SEQ_WINDOW_MAX). The range must
 * lie inside the object and hold a requested page or lie inside that
 * request's range; other pages nobody asked for are left alone.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kserver.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

/* Busy page @p gets @frame, zeroed. */
static void zero_fill(struct vm_page *p, paddr_t frame)
{
    memset(phys_to_virt(frame), 0, PAGE_SIZE);
    vm_stats.zero_fills++;
    page_fill(p, frame, 0);
}

/*
 * Zero fill page @p if it is requested (vm_object_range_walk). With no
 * frame free at all, its faults start over instead (page_restart): they
 * wait for pageout and ask the pager again. Left busy, the answer was lost
 * and the faults timed out (test_region_migrate_big under load, session 7).
 */
static int zero_page(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    (void)ctx;
    if (!(p->flags & VM_PAGE_BUSY) || page_returning(obj, p->offset))
        return 0;
    paddr_t frame = frame_alloc(FRAME_USER, NULL);
    if (!frame) {
        page_restart(p);
        return 0;
    }
    zero_fill(p, frame);
    return 0;
}

/*
 * Zero fill the absent pages of [@offset, @end) that the last request asked
 * for, while free memory stays above pageout's low mark (they are a guess:
 * no fault waits for them, and they must not push other pages out).
 */
static void zero_asked(struct vm_object *obj, uint64_t offset, uint64_t end)
{
    uint64_t from = offset > obj->asked ? offset : obj->asked;
    uint64_t to = end < obj->asked_end ? end : obj->asked_end;

    for (uint64_t at = from; at < to; at += PAGE_SIZE) {
        if (vm_object_page_lookup(obj, at) || page_returning(obj, at))
            continue;
        if (!prefetch_ok())
            return;
        struct vm_page *p = vm_object_page_insert(obj, at, 0);
        if (!p)
            return;
        paddr_t frame = frame_alloc(FRAME_USER, NULL);
        if (!frame) {
            vm_object_page_remove(p);
            return;
        }
        zero_fill(p, frame);
    }
}

/* The requested pages in the range are zero filled, and the asked ones. */
int vm_pager_control_data_unavailable(struct vm_object *obj, uint64_t offset, uint64_t count)
{
    if (!range_ok(obj, offset, count))
        return -ERR_INVAL;
    bool asked = range_asked(obj, offset, count);
    if (count == PAGE_SIZE && !asked) {
        /* A lone requested page (the common answer): one lookup, no walk. */
        struct vm_page *p = vm_object_page_lookup(obj, offset);
        if (!p || !(p->flags & VM_PAGE_BUSY))
            return -ERR_INVAL;
        vm_fault_answer_range(offset, offset + count);
        return zero_page(obj, p, NULL);
    }
    if (!asked && !range_requested(obj, offset, count))
        return -ERR_INVAL;
    vm_fault_answer_range(offset, offset + count);
    int err = vm_object_range_walk(obj, offset, count, zero_page, NULL);
    if (err == 0 && obj->migrate == VM_MIGRATE_NONE)
        zero_asked(obj, offset, offset + count);
    return err;
}
