/*
 * memory_object evacuate: the object moves to another pager (docs/pager.md,
 * "Changing pager"). The concrete pager hands a batch of the pages it holds
 * back to the kernel, by default the pages of the RAM store, then the
 * framework answers evacuate_done: all went, or more are held (the kernel
 * asks again). The object stays in the table until the kernel's terminate
 * (or, if the move fails, until it is paged again).
 */
#include "pager_lookup.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <memory_object_control_defs.h>
#include <memory_object_defs.h>

/* Handler of memory_object evacuate (generated dispatch): @ctx is the struct pager_msg. */
int memory_object_do_evacuate(void *ctx, uint64_t object, uint64_t count, uint64_t first)
{
    struct pager *pager = ((struct pager_msg *)ctx)->pager;
    struct pager_object *obj = pager_object_enter(ctx, object);
    int status;

    if (obj == NULL)
        return -ERR_NOENT;
    if (pager->ops->on_evacuate != NULL)
        status = pager->ops->on_evacuate(pager, obj, count, first != 0);
    else
        status = pager_pages_evacuate(obj, count); /* lost pages are logged */
    if (status != EVACUATE_DONE && status != EVACUATE_MORE)
        status = EVACUATE_REFUSED;
    int err = memory_object_control_evacuate_done(obj->control, (uint64_t)status);
    if (err < 0)
        printf("pager: object %lu: evacuate_done refused: %s\n", (unsigned long)obj->id,
               err_text(err));
    pager_object_leave(pager, obj);
    return 0;
}
