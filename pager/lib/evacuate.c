/*
 * memory_object evacuate: the object moves to another pager (docs/pager.md,
 * "Changing pager"). The concrete pager hands every page it holds back to
 * the kernel, by default the pages of the RAM store, then the framework
 * answers evacuate_done. The object stays in the table, empty, until the
 * kernel's terminate (or, if the move fails, until it is paged again).
 */
#include "pager_lookup.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <memory_object_control_defs.h>
#include <memory_object_defs.h>

/* Handler of memory_object evacuate (generated dispatch): @ctx is the struct pager. */
int memory_object_do_evacuate(void *ctx, uint64_t object)
{
    struct pager *pager = ctx;
    struct pager_object *obj = pager_object_enter(pager, object);
    int refused;

    if (obj == NULL)
        return -ERR_NOENT;
    refused = 0;
    if (pager->ops->on_evacuate != NULL)
        refused = pager->ops->on_evacuate(pager, obj) != 0;
    else
        (void)pager_pages_evacuate(obj); /* lost pages are logged; the store is empty anyway */
    int err = memory_object_control_evacuate_done(obj->control, refused);
    if (err < 0)
        printf("pager: object %lu: evacuate_done refused: %s\n", (unsigned long)obj->id,
               err_text(err));
    pager_object_leave(pager, obj);
    return 0;
}
