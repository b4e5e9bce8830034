/*
 * Object lookup for the message handlers (pager_lookup.h): a referenced,
 * locked object; with several threads serving, one this thread claimed in
 * its message's turn (pager_order.h).
 */
#include "pager_lookup.h"

#include <ipc/fmt.h>

struct pager_object *pager_object_enter(struct pager_msg *msg, uint64_t id)
{
    struct pager *pager = msg->pager;
    struct pager_object *obj = msg->claimed;

    if (obj != NULL && obj->id == id) /* ours (pager_order_admit): no other thread handles it */
        __atomic_add_fetch(&obj->refs, 1, __ATOMIC_RELAXED);
    else
        obj = pager_object_get(pager, id);
    if (obj == NULL) {
        printf("pager: message for unknown object %lu dropped\n", (unsigned long)id);
        return NULL;
    }
    pager_spin_lock(&obj->lock);
    if (obj->terminated) {
        pager_object_leave(pager, obj);
        return NULL;
    }
    return obj;
}

void pager_object_leave(struct pager *pager, struct pager_object *obj)
{
    pager_spin_unlock(&obj->lock);
    pager_object_release(pager, obj);
}
