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
#include <abi/ipc.h>
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

/* A name no right has (-ERR_NAME): what task_port_of gives for a task it keeps no port of. */
#define TASK_PORT_NONE ((port_name_t)0xffffffffu)

/*
 * sys_task_spawn_call that keeps the caller's send right to the child's
 * task port in the program's table (src/task_ports.c), by task id, or
 * releases it when the table is full. Returns the task id or -ERR_*.
 */
long sys_task_spawn_flags(const char *module, const char *args, uint64_t bootstrap, uint64_t flags,
                          port_name_t host);
/* The task port of child @id kept by the spawn wrappers below, else TASK_PORT_NONE. */
port_name_t task_port_of(long id);
/* Drop @port from the table (sys_task_wait collected its task). */
void task_port_forget(port_name_t port);

/*
 * Start boot module @module as a child task with argument string @args and,
 * unless @bootstrap is 0 (PORT_NULL), a send right made or copied from that
 * name as the child's bootstrap port. The send right to its task port is
 * kept by id (task_port_of). Returns the task id or -ERR_*.
 */
static inline long sys_task_spawn_bootstrap(const char *module, const char *args,
                                            uint32_t bootstrap)
{
    return sys_task_spawn_flags(module, args, bootstrap, 0, PORT_NULL);
}

/*
 * Like sys_task_spawn_bootstrap, and the caller gets a send right to the
 * child's task port, named in *@port: the authority to kill the child, wait
 * for it, set its exception port and read its state (sys_task_kill, ...).
 * Without it nobody can act on the child. Returns the task id or -ERR_*.
 */
static inline long sys_task_spawn_port(const char *module, const char *args, uint32_t bootstrap,
                                       port_name_t *port)
{
    return sys_task_spawn_call(module, args, bootstrap, 0, PORT_NULL, port);
}

/*
 * Like sys_task_spawn_bootstrap, with driver access from the start: the
 * child never runs without it. @host names the caller's send right to the
 * host-privilege port (else -ERR_PERM).
 */
static inline long sys_task_spawn_driver(const char *module, const char *args, uint32_t bootstrap,
                                         uint32_t host)
{
    return sys_task_spawn_flags(module, args, bootstrap, TASK_SPAWN_DRIVER, host);
}

/* Start boot module @module as a child task with argument string @args. Returns id or -ERR_*. */
static inline long sys_task_spawn(const char *module, const char *args)
{
    return sys_task_spawn_bootstrap(module, args, PORT_NULL);
}

/*
 * Wait until the task whose task port @task names ends; fill *@status. On
 * success the caller's name for the port (dead by then) is released (and
 * forgotten by task_port_of). Returns 0 or -ERR_* (see task_wait_call).
 */
static inline long sys_task_wait(port_name_t task, struct task_status *status)
{
    long err = sys_task_wait_call(task, status);

    if (err == 0) {
        sys_port_op(PORT_OP_DEALLOCATE, task, 0);
        task_port_forget(task);
    }
    return err;
}

/* The state of the caller itself (@task 0, or its own id). */
static inline long sys_task_info(uint64_t task, struct task_info *info)
{
    return sys_task_info_call(PORT_NULL, task, info);
}

/*
 * The state of task @task, with @host a right over it: a send right to its
 * task port, or the host-privilege right (any task).
 */
static inline long sys_task_info_host(uint32_t host, uint64_t task, struct task_info *info)
{
    return sys_task_info_call(host, task, info);
}

/* The text of error code @code (either sign), or "unknown error". */
const char *err_text(long code);

#endif
