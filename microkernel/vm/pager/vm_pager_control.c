/*
 * The control port of an external object: a kernel object port whose
 * messages are handled at once in the sending pager's context, never queued.
 * The dispatch tools/idlgen generates from memory_object_control.idl checks
 * each message's whole shape and hands it to its handler, one file per
 * message (vm_pager_supply.c, vm_pager_unavailable.c, ...); IPC reaches it
 * through the port's vm_pager_control_kobject and sends the answer it makes.
 */
#include <abi/pager.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_control_kserver.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>

_Static_assert(MEMORY_OBJECT_CONTROL_KREPLY_INLINE_MAX <= IPC_KOBJECT_INLINE_MAX,
               "a control answer fits IPC's");

int vm_pager_control(struct vm_object *obj, struct kmsg *m,
                     struct memory_object_control_kreply *out)
{
    int code = memory_object_control_kdispatch(obj, m, out);

    vm_fault_answer_range(0, UINT64_MAX); /* (a handler that answers faults narrows it) */
    return code;
}

/* IPC's entry: the generated answer becomes IPC's (words past the code, and the data). */
static int control_call(void *object, struct kmsg *m, struct ipc_kobject_answer *out)
{
    struct memory_object_control_kreply answer;
    int code = vm_pager_control(object, m, out ? &answer : NULL);

    if (out && code == 0) {
        memcpy(out->w, answer.w, sizeof(out->w));
        out->inline_size = answer.inline_size;
        memcpy(out->bytes, answer.inline_data.bytes, answer.inline_size);
    }
    return code;
}

const struct ipc_kobject_ops vm_pager_control_kobject = {
    .name = "memory object control",
    .call = control_call,
};

/* ready: the init is answered; @attributes: MEMORY_OBJECT_READY_* (others refused). */
int vm_pager_control_ready(struct vm_object *obj, uint64_t attributes)
{
    if (attributes & ~(uint64_t)MEMORY_OBJECT_READY_ALL)
        return -ERR_INVAL;
    obj->pager_attributes = attributes;
    pager_init_answered(obj);
    return 0;
}
