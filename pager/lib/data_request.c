/*
 * memory_object data_request: the kernel needs pages of an object. The
 * concrete pager answers; without a callback the range is unavailable
 * (zero filled by the kernel). A request with MEMORY_OBJECT_ACCESS_TRACED
 * belongs to a traced fault: its arrival is marked (abi/trace.h), and the
 * concrete pager sees the bit to mark its own steps.
 */
#include "pager_lookup.h"

#include <ipc/sys.h>
#include <memory_object_defs.h>

/* Handler of memory_object data_request (generated dispatch): @ctx is the struct pager_msg. */
int memory_object_do_data_request(void *ctx, uint64_t object, uint64_t offset, uint64_t count,
                                  uint32_t access)
{
    struct pager *pager = ((struct pager_msg *)ctx)->pager;
    struct pager_object *obj = pager_object_enter(ctx, object);

    if (obj == NULL)
        return -ERR_NOENT;
    __atomic_add_fetch(&pager->requests, 1, __ATOMIC_RELAXED);
    if (access & MEMORY_OBJECT_ACCESS_TRACED) /* a traced fault: its request arrived here */
        sys_trace_mark(TRACE_PAGER, object, offset);
    if (pager->ops->on_data_request != NULL)
        pager->ops->on_data_request(pager, obj, offset, count, access);
    else
        pager_data_unavailable(obj, offset, count);
    pager_object_leave(pager, obj);
    return 0;
}
