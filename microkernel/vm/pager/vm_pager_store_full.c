/*
 * store_full: a pager says its backing store has no room (or has room
 * again). For a while after the report pageout leaves the modified pages of
 * that pager's objects alone instead of sending them back, and asks
 * vm_pager_store_full before each.
 */
#include <abi/errors.h>
#include <arch/arch.h>
#include <ipc/ipc.h>
#include <memory_object_control_kserver.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

#define STORE_FULL_NS 1000000000ull /* how long a store_full report holds */

/* store_full: the pager has no room; pageout leaves its modified pages alone for a while. */
int vm_pager_control_store_full(struct vm_object *obj, uint64_t full)
{
    if (full > 1)
        return -ERR_INVAL;
    if (!obj->pager)
        return -ERR_DEAD;
    obj->pager->pager_full_until = full ? arch_time_ns() + STORE_FULL_NS : 0;
    return 0;
}

bool vm_pager_store_full(struct vm_object *obj)
{
    return obj->pager && obj->pager->pager_full_until > arch_time_ns();
}
