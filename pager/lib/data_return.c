/*
 * memory_object data_return: pageout moved pages of an object into this
 * task. The concrete pager takes them; without a callback they are kept in
 * the object's page store. Pages for an unknown object are released.
 */
#include "pager_lookup.h"

#include <ipc/sys.h>
#include <memory_object_defs.h>

/* Handler of memory_object data_return (generated dispatch): @ctx is the struct pager_msg. */
int memory_object_do_data_return(void *ctx, uint64_t object, uint64_t offset, uint64_t dirty,
                                 void *pages, uint64_t pages_size)
{
    struct pager *pager = ((struct pager_msg *)ctx)->pager;
    struct pager_object *obj = pager_object_enter(ctx, object);

    if (obj == NULL) {
        if (pages_size != 0)
            sys_vm_deallocate(pages, pages_size);
        return -ERR_NOENT;
    }
    if (pager->ops->on_data_return != NULL)
        pager->ops->on_data_return(pager, obj, offset, dirty, pages, pages_size);
    else
        pager_pages_keep(obj, offset, pages, pages_size);
    /* Counted once taken: whoever polls the count then finds the pages stored. */
    __atomic_add_fetch(&pager->returns, pages_size / PAGE_SIZE, __ATOMIC_RELAXED);
    pager_object_leave(pager, obj);
    return 0;
}
