/*
 * The control port of an external object: a kernel object port whose
 * messages are handled at once in the sending pager's context, never queued.
 * The dispatch tools/idlgen generates from memory_object_control.idl checks
 * each message's whole shape and hands it to its handler, one file per
 * message (vm_pager_supply.c, vm_pager_unavailable.c, ...); IPC sends the
 * answer it makes.
 */
#include <ipc/ipc.h>
#include <memory_object_control_kserver.h>
#include <vm/vm_object.h>

int vm_pager_control(struct vm_object *obj, struct kmsg *m,
                     struct memory_object_control_kreply *out)
{
    return memory_object_control_kdispatch(obj, m, out);
}

/* ready: nothing to do; @attributes is reserved. */
int vm_pager_control_ready(struct vm_object *obj, uint64_t attributes)
{
    (void)obj, (void)attributes;
    return 0;
}
