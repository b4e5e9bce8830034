/*
 * memory_object terminate: the kernel dropped the last reference to an
 * object. It leaves the table at once, the concrete pager forgets it, its
 * stored pages and control right are released, and the last reference frees
 * it (a handler of another thread may still hold one).
 */
#include "pager_lookup.h"

#include <ipc/ipc.h>
#include <memory_object_defs.h>

/* Handler of memory_object terminate (generated dispatch): @ctx is the struct pager_msg. */
int memory_object_do_terminate(void *ctx, uint64_t object)
{
    struct pager *pager = ((struct pager_msg *)ctx)->pager;
    struct pager_object *obj = pager_object_enter(ctx, object);

    if (obj == NULL)
        return -ERR_NOENT;
    obj->terminated = true;
    pager_spin_lock(&pager->table_lock);
    pager_table_remove(&pager->table, object);
    pager_spin_unlock(&pager->table_lock);
    if (pager->ops->on_terminate != NULL)
        pager->ops->on_terminate(pager, obj);
    pager_pages_free_all(obj);
    port_deallocate(obj->control);
    obj->control = PORT_NULL;
    pager_owner_leave(pager, obj); /* its blocks are free: who waits for its owner may hear */
    pager_object_leave(pager, obj);
    pager_object_release(pager, obj); /* the table's reference */
    return 0;
}
