/*
 * Failover: a standby pager registered for a pager's port adopts that
 * pager's objects when the port dies, instead of their faults failing. Each
 * object gets a fresh control port, sent to the standby with init; resident
 * pages stay (precious: the standby has no copy of them), and the faults
 * that waited for the dead pager ask the standby once. Whatever only the
 * dead pager held is the standby's to answer for (a replica, a shared
 * disk). A small table pairs pagers with their standbys.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

#define STANDBY_MAX 8

/* Pager port -> standby port, a send right each; pager NULL: a free slot. */
static struct {
    struct port *pager, *standby;
} standbys[STANDBY_MAX];

/* Drop slot @i and the rights it holds. */
static void standby_drop(unsigned i)
{
    port_release_send(standbys[i].pager);
    port_release_send(standbys[i].standby);
    standbys[i].pager = standbys[i].standby = NULL;
}

/* The slot of @pager, or of a free one (after dropping dead pairs), or -1. */
static int standby_slot(struct port *pager)
{
    int free = -1;

    for (unsigned i = 0; i < STANDBY_MAX; i++) {
        if (standbys[i].pager && standbys[i].pager != pager &&
            (standbys[i].pager->dead || standbys[i].standby->dead))
            standby_drop(i);
        if (standbys[i].pager == pager)
            return (int)i;
        if (!standbys[i].pager && free < 0)
            free = (int)i;
    }
    return free;
}

int vm_pager_standby_set(struct kright *pager, struct kright *standby)
{
    if (pager->port == standby->port)
        return -ERR_INVAL;
    if (pager->port->dead || (standby->port && standby->port->dead))
        return -ERR_DEAD;
    int i = standby_slot(pager->port);
    if (i < 0)
        return -ERR_LIMIT;
    if (standbys[i].pager)
        standby_drop((unsigned)i);
    if (!standby->port)
        return 0; /* removed; the caller releases its right to @pager */
    standbys[i].pager = pager->port;
    standbys[i].standby = standby->port;
    pager->port = standby->port = NULL;
    return 0;
}

/* Move @obj of a dead pager to @standby with a fresh control port; false when out of memory. */
static bool failover_object(struct vm_object *obj, struct port *standby)
{
    struct port *control = port_create();

    if (!control)
        return false;
    if (obj->migrate != VM_MIGRATE_NONE)
        vm_pager_migrate_abort(obj);
    vm_pager_object_move(obj, standby, control);
    vm_pager_send_init(obj, standby, control);
    return true;
}

bool vm_pager_failover(struct port *pager)
{
    struct list_node *pos, *tmp;
    int i = -1;

    for (unsigned j = 0; j < STANDBY_MAX && i < 0; j++)
        if (standbys[j].pager == pager)
            i = (int)j;
    if (i < 0)
        return false;
    struct port *standby = standbys[i].standby;
    port_ref(standby); /* kept while the objects move */
    standby_drop((unsigned)i);
    bool adopted = !standby->dead;
    unsigned moved = 0;
    list_for_each_safe(pos, tmp, &pager->pager_objects)
    {
        struct vm_object *obj = list_entry(pos, struct vm_object, pager_link);
        if (adopted && !obj->pager_dead && failover_object(obj, standby))
            moved++;
    }
    if (adopted)
        kprintf("vm: a pager died: its standby adopted %u objects\n", moved);
    port_unref(standby);
    return adopted && list_empty(&pager->pager_objects);
}
