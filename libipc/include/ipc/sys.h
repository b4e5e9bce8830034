/*
 * System calls for user programs. The typed stub of every call, sys_<name>
 * (or the name its definition gives), is generated from
 * libipc/idl/syscalls.idl (syscalls_user.h, which this header includes, with
 * the raw sys_call0..6 of <ipc/sys_call.h>); each returns the kernel's
 * result, negative (-ERR_*) on failure. Below: the conveniences that give a
 * call's common uses their own names.
 */
#ifndef IPC_SYS_H
#define IPC_SYS_H

#include <abi/errors.h>
#include <abi/syscall.h>
#include <stddef.h>
#include <stdint.h>
#include <syscalls_user.h>

/*
 * Reserve @size bytes (rounded up to pages) of zero-fill memory with
 * VM_PROT_* bits @prot; pages are supplied on first touch.
 * Returns the address (> 0) or -ERR_*.
 */
static inline long sys_vm_allocate(size_t size, unsigned int prot)
{
    return sys_vm_allocate_call(size, prot, NULL);
}

/*
 * Like sys_vm_allocate, but exactly at the page-aligned address @addr (which
 * must be free). Returns @addr or -ERR_*.
 */
static inline long sys_vm_allocate_at(void *addr, size_t size, unsigned int prot)
{
    return sys_vm_allocate_call(size, prot, addr);
}

/*
 * Pin [@addr, @addr + @size) in memory (section 3.6.4): resident, and never
 * evicted or moved until sys_vm_unpin of the same range. Returns 0 or -ERR_*.
 */
static inline long sys_vm_pin(void *addr, size_t size)
{
    return sys_vm_pin_call(addr, size, NULL);
}

/* Pin for DMA (drivers only): also store each page's physical address in @phys[]. */
static inline long sys_vm_pin_dma(void *addr, size_t size, uint64_t *phys)
{
    return sys_vm_pin_call(addr, size, phys);
}

/* Read 32 bits of PCI configuration space (drivers only): the value or -ERR_*. */
static inline long sys_pci_read32(unsigned bdf, unsigned offset)
{
    return sys_pci_config(0, bdf, offset, 0);
}

/* Write 32 bits of PCI configuration space (drivers only). Returns 0 or -ERR_*. */
static inline long sys_pci_write32(unsigned bdf, unsigned offset, uint32_t value)
{
    return sys_pci_config(1, bdf, offset, value);
}

/*
 * Start boot module @module as a child task with argument string @args and,
 * unless @bootstrap is 0 (PORT_NULL), a send right made or copied from that
 * name as the child's bootstrap port. Returns the task id or -ERR_*.
 */
static inline long sys_task_spawn_bootstrap(const char *module, const char *args,
                                            uint32_t bootstrap)
{
    return sys_task_spawn_call(module, args, bootstrap, 0, PORT_NULL);
}

/*
 * Like sys_task_spawn_bootstrap, with driver access from the start: the
 * child never runs without it. @host names the caller's send right to the
 * host-privilege port (else -ERR_PERM).
 */
static inline long sys_task_spawn_driver(const char *module, const char *args, uint32_t bootstrap,
                                         uint32_t host)
{
    return sys_task_spawn_call(module, args, bootstrap, TASK_SPAWN_DRIVER, host);
}

/* Start boot module @module as a child task with argument string @args. Returns id or -ERR_*. */
static inline long sys_task_spawn(const char *module, const char *args)
{
    return sys_task_spawn_call(module, args, 0, 0, PORT_NULL);
}

/* The state of @task (0: the caller), the caller or one of its descendants. */
static inline long sys_task_info(uint64_t task, struct task_info *info)
{
    return sys_task_info_call(PORT_NULL, task, info);
}

/* The state of any task, with @host the caller's host-privilege right. */
static inline long sys_task_info_host(uint32_t host, uint64_t task, struct task_info *info)
{
    return sys_task_info_call(host, task, info);
}

/* The text of error code @code (either sign), or "unknown error". */
const char *err_text(long code);

#endif
