/*
 * memory_object init: the kernel created an object served by this pager.
 * Enter it in the table, locked, before the next message's turn
 * (pager_order.h: that message may be a request for it), let the concrete
 * pager accept it, answer ready;
 * or, when it cannot be served, answer refuse (its faults fail at once) and
 * keep no name for it.
 */
#include "pager_order.h"

#include <pager/pager.h>

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <memory_object_control_defs.h>
#include <memory_object_defs.h>

/*
 * A fresh object @id of @size bytes of task @owner with control right
 * @control, locked, one reference.
 */
static struct pager_object *pager_object_create(uint64_t id, uint64_t size, uint64_t owner,
                                                port_name_t control)
{
    struct pager_object *obj = pager_mem_zalloc(sizeof(*obj));

    if (obj == NULL)
        return NULL;
    if (pager_store_init(&obj->store) < 0) {
        pager_mem_free(obj, sizeof(*obj));
        return NULL;
    }
    obj->id = id;
    obj->size = size;
    obj->owner = owner;
    obj->control = control;
    obj->refs = 1;
    obj->lock = 1;
    obj->pending_tail = &obj->pending;
    return obj;
}

/*
 * Tell the kernel we will not serve the object of @control (refused for
 * @err), so that its faults fail at once instead of waiting for the pager
 * deadline, and drop the right: we keep no name for it.
 */
static void pager_refuse(uint64_t object, port_name_t control, int err)
{
    printf("pager: init of object %lu refused: %s\n", (unsigned long)object, err_text(err));
    (void)memory_object_control_refuse(control, err);
    port_deallocate(control);
}

/* Take @obj out of the table again after its pager refused it (obj locked). */
static void pager_object_refuse(struct pager *pager, struct pager_object *obj, int err)
{
    obj->terminated = true;
    pager_spin_lock(&pager->table_lock);
    pager_table_remove(&pager->table, obj->id);
    pager_spin_unlock(&pager->table_lock);
    pager_owner_leave(pager, obj);
    pager_refuse(obj->id, obj->control, err);
    pager_spin_unlock(&obj->lock);
    pager_object_release(pager, obj);
}

/* Handler of memory_object init (generated dispatch): @ctx is the struct pager_msg. */
int memory_object_do_init(void *ctx, uint64_t object, uint64_t size, uint64_t owner,
                          port_name_t control)
{
    struct pager_msg *msg = ctx;
    struct pager *pager = msg->pager;
    (void)pager_mem_top_up(); /* on failure what is left may still do */
    struct pager_object *obj = pager_object_create(object, size, owner, control);
    if (obj)
        obj->pager = pager;
    int err = obj != NULL ? pager_owner_enter(pager, obj) : -ERR_NOMEM;

    if (obj != NULL) {
        /* In the table (locked, and claimed: pager_order.h) before the next message may look
         * for it. */
        pager_turn_wait(msg);
        if (err == 0) {
            pager_spin_lock(&pager->table_lock);
            err = pager_table_insert(&pager->table, obj);
            pager_spin_unlock(&pager->table_lock);
        }
        if (err == 0)
            pager_order_claim_new(msg, obj);
        pager_turn_pass(msg);
        if (err < 0) {
            pager_owner_leave(pager, obj);
            pager_store_fini(&obj->store);
            pager_mem_free(obj, sizeof(*obj));
        }
    }
    if (err < 0) {
        pager_refuse(object, control, err);
        return err;
    }
    if (pager->ops->on_init != NULL && (err = pager->ops->on_init(pager, obj)) != 0) {
        pager_object_refuse(pager, obj, err);
        return err;
    }
    err = pager_ready(obj);
    if (err < 0)
        printf("pager: ready for object %lu: %s\n", (unsigned long)object, err_text(err));
    pager_spin_unlock(&obj->lock);
    return 0;
}
