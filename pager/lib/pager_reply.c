/*
 * The answers a pager gives through an object's control port: thin wrappers
 * over the generated memory_object_control stubs, plus pager_supply_fill,
 * which supplies freshly written pages from a buffer of its own.
 */
#include <pager/pager.h>

#include <ipc/sys.h>
#include <memory_object_control_defs.h>

int pager_ready(struct pager_object *obj)
{
    return memory_object_control_ready(obj->control,
                                       obj->pager != NULL ? obj->pager->ready_attributes : 0);
}

/* Add @n to the counter @field of @obj's pager (pager_stats), if it has a pager. */
#define PAGER_COUNT(obj, field, n)                                                                 \
    ((obj)->pager != NULL ? (void)__atomic_add_fetch(&(obj)->pager->field, (n), __ATOMIC_RELAXED)  \
                          : (void)0)

int pager_data_supply(struct pager_object *obj, uint64_t offset, void *pages, uint64_t size,
                      unsigned flags)
{
    int err = memory_object_control_data_supply(obj->control, offset, flags, pages, size);

    if (err == 0)
        PAGER_COUNT(obj, supplies, size / PAGE_SIZE);
    return err;
}

int pager_data_supply_copy(struct pager_object *obj, uint64_t offset, const void *pages,
                           uint64_t size, unsigned flags)
{
    struct ipc_message m;
    int err = memory_object_control_data_supply_build(&m, obj->control, offset, flags, pages, size);

    if (err != 0)
        return err;
    m.ext.desc[0].flags = IPC_OOL_COPY; /* the routine takes either (its only descriptor) */
    long ret = ipc_call(&m, IPC_TIMEOUT_NONE);
    if (ret < 0)
        return (int)ret; /* -ERR_NOMEM: no frame for the copy; nothing was sent */
    if (m.id != MEMORY_OBJECT_CONTROL_DATA_SUPPLY_REPLY_ID || m.ndesc != 0) {
        ipc_msg_destroy(&m);
        return -ERR_INVAL;
    }
    err = (int)(int64_t)m.w[0];
    if (err == 0)
        PAGER_COUNT(obj, supplies, size / PAGE_SIZE);
    return err;
}

int pager_supply_fill(struct pager_object *obj, uint64_t offset, uint64_t size, unsigned flags,
                      void (*fill)(void *ctx, void *buf, uint64_t size), void *ctx)
{
    long addr;
    int err;

    if (size == 0 || size % PAGE_SIZE != 0)
        return -ERR_INVAL;
    addr = sys_vm_allocate(size, VM_PROT_READ | VM_PROT_WRITE);
    if (addr < 0)
        return (int)addr;
    fill(ctx, (void *)addr, size); /* also makes every page resident, as a move requires */
    err = pager_data_supply(obj, offset, (void *)addr, size, flags);
    sys_vm_deallocate((void *)addr, size);
    return err;
}

int pager_data_unavailable(struct pager_object *obj, uint64_t offset, uint64_t count)
{
    struct pager *pager = obj->pager;

    PAGER_COUNT(obj, unavailable, (count + PAGE_SIZE - 1) / PAGE_SIZE);
    if (pager && pager->single_thread && !pager->answer) {
        /* Sent by the loop together with its next receive (pager.c). */
        struct ipc_message *m = pager->spare;
        memory_object_control_data_unavailable_build(m, obj->control, offset, count);
        pager->answer = m;
        return 0;
    }
    return memory_object_control_data_unavailable(obj->control, offset, count);
}

int pager_store_full(struct pager_object *obj, bool full)
{
    return memory_object_control_store_full(obj->control, full);
}

int pager_data_error(struct pager_object *obj, uint64_t offset, uint64_t count, int64_t code)
{
    PAGER_COUNT(obj, errors, 1);
    return memory_object_control_data_error(obj->control, offset, count, code);
}
