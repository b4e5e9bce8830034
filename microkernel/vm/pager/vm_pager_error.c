/*
 * data_error: the pager cannot provide a range. The requested pages in it
 * fail, and the threads waiting for them get exceptions (or their tasks
 * end); resident pages are left alone.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kabi.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

/* The requested pages in the range fail; their threads get exceptions. */
int vm_pager_control_error(struct vm_object *obj, struct kmsg *m)
{
    uint64_t offset = m->w[MEMORY_OBJECT_CONTROL_DATA_ERROR_OFFSET_SLOT];
    uint64_t count = m->w[MEMORY_OBJECT_CONTROL_DATA_ERROR_COUNT_SLOT];

    if (!range_ok(obj, offset, count) || !range_requested(obj, offset, count))
        return -ERR_INVAL;
    for (uint64_t off = offset; off < offset + count; off += PAGE_SIZE) {
        struct vm_page *p = vm_object_page_lookup(obj, off);
        if (p && (p->flags & VM_PAGE_BUSY))
            page_fail(p, -ERR_FAULT);
    }
    return 0;
}
