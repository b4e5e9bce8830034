/*
 * Object lookup for the message handlers (pager_lookup.h): a referenced,
 * locked object, with a short retry for requests that overtake the init.
 */
#include "pager_lookup.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>

#define PAGER_LOOKUP_RETRIES 100

struct pager_object *pager_object_enter(struct pager *pager, uint64_t id)
{
    struct pager_object *obj = pager_object_get(pager, id);

    for (unsigned i = 0; obj == NULL && i < PAGER_LOOKUP_RETRIES; i++) {
        sys_yield();
        obj = pager_object_get(pager, id);
    }
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
