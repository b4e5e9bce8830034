/*
 * The control port of an external object: a kernel object port whose
 * messages are handled at once in the sending pager's context, never queued.
 * vm_pager_control hands each message to its handler, one file per message
 * (vm_pager_supply.c, vm_pager_unavailable.c, ...); IPC reaches it through
 * the port's vm_pager_control_kobject and sends the code it returns as the
 * answer.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <memory_object_control_kabi.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

int vm_pager_control(struct vm_object *obj, struct kmsg *m, struct ipc_kobject_answer *out)
{
    if (out)
        out->len = 0;
    switch (m->id) {
    case MEMORY_OBJECT_CONTROL_READY_ID:
        return 0;
    case MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID:
        return vm_pager_control_supply(obj, m);
    case MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_ID:
        return vm_pager_control_unavailable(obj, m);
    case MEMORY_OBJECT_CONTROL_DATA_ERROR_ID:
        return vm_pager_control_error(obj, m);
    case MEMORY_OBJECT_CONTROL_LOCK_REQUEST_ID:
        return vm_pager_control_lock(obj, m);
    case MEMORY_OBJECT_CONTROL_QUERY_BITS_ID:
        return vm_pager_control_query(obj, m, out);
    case MEMORY_OBJECT_CONTROL_STORE_FULL_ID:
        return vm_pager_control_store_full(obj, m);
    default:
        return -ERR_NOSYS;
    }
}

static int control_call(void *object, struct kmsg *m, struct ipc_kobject_answer *out)
{
    return vm_pager_control(object, m, out);
}

const struct ipc_kobject_ops vm_pager_control_kobject = {
    .name = "memory object control",
    .call = control_call,
};
