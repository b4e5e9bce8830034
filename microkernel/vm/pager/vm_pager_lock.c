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

/* A lock_request's walk: its operation, the pages it left (vetoes) and the first of them. */
struct lock_walk {
    uint32_t op;
    uint64_t vetoed, first;
};

/*
 * lock_request clean (dirty pages go back to the pager as copies and count as
 * clean again) and flush (dirty pages go back, clean ones are discarded; all
 * leave memory) of page @p. The reply, sent when the request's walk ends, is
 * the completion.
 */
static int lock_clean_flush(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    struct lock_walk *walk = ctx;
    bool flush = walk->op == LOCK_FLUSH;

    /* Busy, pinned, or with threads waiting for write access: left alone (a veto). */
    if ((p->flags & VM_PAGE_BUSY) || !p->frame || frame_of(p->frame)->pin_count ||
        !list_empty(&p->waiters.threads)) {
        if (walk->vetoed++ == 0)
            walk->first = p->offset;
        return 0;
    }
    vm_object_page_bits(obj, p->offset, !flush, flush); /* M is kept in the page */
    bool dirty = p->flags & VM_PAGE_DIRTY;
    bool back = dirty || (p->flags & VM_PAGE_PRECIOUS);
    int err = back ? vm_pager_page_return(obj, p, flush, dirty) : 0;
    if (err || (flush && back))
        return err; /* a flushed page went with its frame */
    if (!flush)
        p->flags &= ~(VM_PAGE_DIRTY | VM_PAGE_PRECIOUS); /* the pager has its copy */
    else
        frame_free(vm_object_page_remove(p));
    return 0;
}

/* lock_request write-protect or grant write access, on page @p. */
static int lock_protect(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    if (p->flags & VM_PAGE_BUSY)
        return 0;
    if (((struct lock_walk *)ctx)->op == LOCK_WRITE_PROTECT) {
        p->flags |= VM_PAGE_WRITE_LOCK;
        vm_object_page_protect(obj, p->offset, false);
    } else {
        p->flags &= ~(VM_PAGE_WRITE_LOCK | VM_PAGE_WRITE_WANTED);
        sched_wake_all(&p->waiters, 0);
    }
    return 0;
}

/*
 * lock_request: clean, flush, write-protect or grant write access. The walk
 * costs the smaller of the range and the object's pages (vm_object_range_walk).
 * A clean or flush says in *@vetoed how many pages it left because they were
 * pinned or busy, and in *@first the offset of the first (0 when none).
 */
int vm_pager_control_lock_request(struct vm_object *obj, uint64_t offset, uint64_t count,
                                  uint32_t op, uint64_t *vetoed, uint64_t *first)
{
    struct lock_walk walk = {.op = op};

    if (!range_ok(obj, offset, count) || op < LOCK_CLEAN || op > LOCK_GRANT_WRITE)
        return -ERR_INVAL;
    bool clean = op == LOCK_CLEAN || op == LOCK_FLUSH;
    int err =
        vm_object_range_walk(obj, offset, count, clean ? lock_clean_flush : lock_protect, &walk);
    *vetoed = walk.vetoed, *first = walk.first;
    return err;
}
