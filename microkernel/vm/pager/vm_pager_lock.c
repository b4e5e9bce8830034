/*
 * lock_request: a pager cleans a range (modified pages come back to it as
 * copies), flushes it (modified pages come back, all leave memory),
 * write-protects it, or grants the write access a fault asked for. The reply
 * the pager waits for is sent when the handler returns, so it is the
 * completion of the request.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kserver.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

enum lock_op { LOCK_CLEAN = 1, LOCK_FLUSH = 2, LOCK_WRITE_PROTECT = 3, LOCK_GRANT_WRITE = 4 };

/*
 * lock_request clean (dirty pages go back to the pager as copies and count as
 * clean again) and flush (dirty pages go back, clean ones are discarded; all
 * leave memory). The reply, sent when this returns, is the completion.
 */
static int lock_clean_flush(struct vm_object *obj, uint64_t offset, uint64_t count, bool flush)
{
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        /* Busy, pinned, or with threads waiting for write access: left alone. */
        if (!p || (p->flags & VM_PAGE_BUSY) || frame_of(p->frame)->pin_count ||
            !list_empty(&p->waiters.threads))
            continue;
        vm_object_page_bits(obj, off, !flush, flush); /* M is kept in the page */
        bool dirty = p->flags & VM_PAGE_DIRTY;
        bool back = dirty || (p->flags & VM_PAGE_PRECIOUS);
        int err = back ? vm_pager_page_return(obj, p, flush, dirty) : 0;
        if (err)
            return err;
        if (!flush)
            p->flags &= ~(VM_PAGE_DIRTY | VM_PAGE_PRECIOUS); /* the pager has its copy */
        else if (!back)
            frame_free(vm_object_page_remove(p));
    }
    return 0;
}

/* lock_request: clean, flush, write-protect or grant write access. */
int vm_pager_control_lock_request(struct vm_object *obj, uint64_t offset, uint64_t count,
                                  uint32_t op)
{
    if (!range_ok(obj, offset, count) || op < LOCK_CLEAN || op > LOCK_GRANT_WRITE)
        return -ERR_INVAL;
    if (op == LOCK_CLEAN || op == LOCK_FLUSH)
        return lock_clean_flush(obj, offset, count, op == LOCK_FLUSH);
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        if (!p || (p->flags & VM_PAGE_BUSY))
            continue;
        if (op == LOCK_WRITE_PROTECT) {
            p->flags |= VM_PAGE_WRITE_LOCK;
            vm_object_page_protect(obj, off, false);
        } else {
            p->flags &= ~(VM_PAGE_WRITE_LOCK | VM_PAGE_WRITE_WANTED);
            sched_wake_all(&p->waiters, 0);
        }
    }
    return 0;
}
