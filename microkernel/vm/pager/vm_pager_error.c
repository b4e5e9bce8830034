/*
 * data_error: the pager cannot provide a range. The requested pages in it
 * fail, and the threads waiting for them get exceptions (or their tasks
 * end); resident pages are left alone. refuse: the pager will not serve the
 * object at all; it is treated as if its pager had died.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kserver.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

/* Fail page @p if it is requested (vm_object_range_walk), unless the error is stale. */
static int error_page(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    (void)ctx;
    if ((p->flags & VM_PAGE_BUSY) && !page_returning(obj, p->offset))
        page_fail(p, -ERR_FAULT);
    return 0;
}

/* The requested pages in the range fail; their threads get exceptions. */
int vm_pager_control_data_error(struct vm_object *obj, uint64_t offset, uint64_t count,
                                int64_t code)
{
    (void)code; /* the waiters get -ERR_FAULT whatever the pager's code */
    if (!range_ok(obj, offset, count) || !range_requested(obj, offset, count))
        return -ERR_INVAL;
    return vm_object_range_walk(obj, offset, count, error_page, NULL);
}

/* Fail page @p if a thread waits on it for the pager (vm_object_range_walk). */
static int refuse_page(struct vm_object *obj, struct vm_page *p, void *ctx)
{
    (void)obj, (void)ctx;
    if (p->flags & (VM_PAGE_BUSY | VM_PAGE_WRITE_WANTED))
        page_fail(p, -ERR_DEAD);
    return 0;
}

/* refuse: every waiting page fails, and so does every later fault on a missing page. */
int vm_pager_control_refuse(struct vm_object *obj, int64_t code)
{
    (void)code; /* as for data_error */
    if (obj->migrate != VM_MIGRATE_NONE)
        return -ERR_BUSY;
    pager_init_answered(obj);
    obj->pager_dead = true;
    return vm_object_range_walk(obj, 0, obj->size, refuse_page, NULL);
}
