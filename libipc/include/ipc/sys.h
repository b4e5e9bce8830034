/*
 * System call wrappers for user programs: one inline function per call in
 * <abi/syscall.h>. Each loads the call number into %rax and the arguments
 * into the registers of the ABI, executes `syscall` and returns %rax, which
 * is negative (-ERR_*) on failure.
 */
#ifndef IPC_SYS_H
#define IPC_SYS_H

#include <abi/errors.h>
#include <abi/syscall.h>
#include <stddef.h>
#include <stdint.h>

/* Raw calls with 0 to 3 arguments; the result is the kernel's %rax. */
static inline long sys_call0(long nr)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
    return ret;
}

static inline long sys_call1(long nr, long a1)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1) : "rcx", "r11", "memory");
    return ret;
}

static inline long sys_call2(long nr, long a1, long a2)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2) : "rcx", "r11", "memory");
    return ret;
}

static inline long sys_call3(long nr, long a1, long a2, long a3)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline long sys_call4(long nr, long a1, long a2, long a3, long a4)
{
    long ret;
    register long r10 __asm__("r10") = a4;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Write @len bytes of @buf to the console in one piece. Returns bytes or -ERR_*. */
static inline long sys_console_write(const char *buf, size_t len)
{
    return sys_call2(SYS_CONSOLE_WRITE, (long)buf, (long)len);
}

/* End the whole task (all its threads) with exit status @status. */
static inline __attribute__((noreturn)) void sys_exit(int status)
{
    sys_call1(SYS_EXIT, status);
    __builtin_unreachable();
}

/* Give the CPU to another ready thread, if any. */
static inline void sys_yield(void)
{
    sys_call0(SYS_YIELD);
}

/*
 * Start a thread in this task at @entry with %rsp = @stack_top and %rdi = @arg.
 * Returns the thread id or -ERR_*. Use thread_start() from <ipc/thread.h>.
 */
static inline long sys_thread_create(void *entry, void *stack_top, void *arg)
{
    return sys_call3(SYS_THREAD_CREATE, (long)entry, (long)stack_top, (long)arg);
}

/* End the calling thread; the last thread ends the task (TASK_END_EXIT, code 0). */
static inline __attribute__((noreturn)) void sys_thread_exit(void)
{
    sys_call0(SYS_THREAD_EXIT);
    __builtin_unreachable();
}

/* Block the calling thread for at least @ns nanoseconds. Returns 0 or -ERR_*. */
static inline long sys_sleep_ns(uint64_t ns)
{
    return sys_call1(SYS_SLEEP, (long)ns);
}

/* Nanoseconds since boot. */
static inline uint64_t sys_clock_ns(void)
{
    return (uint64_t)sys_call0(SYS_CLOCK);
}

/*
 * Reserve @size bytes (rounded up to pages) of zero-fill memory with
 * VM_PROT_* bits @prot; pages are supplied on first touch.
 * Returns the address (> 0) or -ERR_*.
 */
static inline long sys_vm_allocate(size_t size, unsigned int prot)
{
    return sys_call3(SYS_VM_ALLOCATE, (long)size, (long)prot, 0);
}

/*
 * Like sys_vm_allocate, but exactly at the page-aligned address @addr (which
 * must be free). Returns @addr or -ERR_*.
 */
static inline long sys_vm_allocate_at(void *addr, size_t size, unsigned int prot)
{
    return sys_call3(SYS_VM_ALLOCATE, (long)size, (long)prot, (long)addr);
}

/*
 * Map a new memory object of @size bytes served by the pager whose port is
 * @pager (a send right is copied, or made from a receive right); the kernel
 * sends the pager memory_object init and data requests. Returns the address
 * or -ERR_*.
 */
static inline long sys_vm_map(uint32_t pager, size_t size, unsigned int prot)
{
    return sys_call3(SYS_VM_MAP, (long)pager, (long)size, (long)prot);
}

/*
 * Push the resident pages of [@addr, @addr + @size) out of memory now, as
 * pageout would: modified pages go to their pager (an external pager's
 * data_return, or the in-kernel pager's store). Returns the count or -ERR_*.
 */
static inline long sys_vm_pageout(void *addr, size_t size)
{
    return sys_call2(SYS_VM_PAGEOUT, (long)addr, (long)size);
}

/*
 * Pin [@addr, @addr + @size) in memory (section 3.6.4): resident, and never
 * evicted or moved until sys_vm_unpin of the same range. Returns 0 or -ERR_*.
 */
static inline long sys_vm_pin(void *addr, size_t size)
{
    return sys_call3(SYS_VM_PIN, (long)addr, (long)size, 0);
}

/* Pin for DMA (drivers only): also store each page's physical address in @phys[]. */
static inline long sys_vm_pin_dma(void *addr, size_t size, uint64_t *phys)
{
    return sys_call3(SYS_VM_PIN, (long)addr, (long)size, (long)phys);
}

static inline long sys_vm_unpin(void *addr, size_t size)
{
    return sys_call2(SYS_VM_UNPIN, (long)addr, (long)size);
}

/* Driver access, granted by init to a child (init only). Returns 0 or -ERR_*. */
static inline long sys_task_grant_driver(long task)
{
    return sys_call1(SYS_TASK_GRANT_DRIVER, task);
}

/* Read 32 bits of PCI configuration space (drivers only): the value or -ERR_*. */
static inline long sys_pci_read32(unsigned bdf, unsigned offset)
{
    return sys_call3(SYS_PCI_CONFIG, 0, (long)bdf, (long)offset);
}

/* Write 32 bits of PCI configuration space (drivers only). Returns 0 or -ERR_*. */
static inline long sys_pci_write32(unsigned bdf, unsigned offset, uint32_t value)
{
    long ret;
    register long r10 __asm__("r10") = (long)value;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)SYS_PCI_CONFIG), "D"(1L), "S"((long)bdf), "d"((long)offset),
                       "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Map @size bytes of device memory at physical @phys, uncached (drivers only). */
static inline long sys_vm_map_device(uint64_t phys, size_t size)
{
    return sys_call2(SYS_VM_MAP_DEVICE, (long)phys, (long)size);
}

/* Deliver a device's interrupts as IPC_ID_IRQ messages on @port (drivers only): the vector. */
static inline long sys_irq_attach(uint32_t port)
{
    return sys_call1(SYS_IRQ_ATTACH, (long)port);
}

/* The message of interrupt @vector is handled: the next one sends another. */
static inline long sys_irq_ack(long vector)
{
    return sys_call1(SYS_IRQ_ACK, vector);
}

/* Make @pager the pager of anonymous memory created from now on. Returns 0 or -ERR_*. */
static inline long sys_set_default_pager(uint32_t pager)
{
    return sys_call1(SYS_SET_DEFAULT_PAGER, (long)pager);
}

/*
 * Send the exceptions of task @task (0: the caller; else one of its children)
 * to the port named @port (a send right is copied, or made from a receive
 * right), or stop sending them with PORT_NULL. Returns 0 or -ERR_*.
 */
static inline long sys_task_set_exception_port(long task, uint32_t port)
{
    return sys_call2(SYS_TASK_SET_EXCEPTION_PORT, task, (long)port);
}

/* Remove the whole regions in [@addr, @addr + @size). Returns 0 or -ERR_*. */
static inline long sys_vm_deallocate(void *addr, size_t size)
{
    return sys_call2(SYS_VM_DEALLOCATE, (long)addr, (long)size);
}

/* Fill *@out with the kernel's memory counters. Returns 0 or -ERR_*. */
static inline long sys_vm_stat(struct vm_stat *out)
{
    return sys_call1(SYS_VM_STAT, (long)out);
}

/*
 * Start boot module @module as a child task with argument string @args and,
 * unless @bootstrap is 0 (PORT_NULL), a send right made or copied from that
 * name as the child's bootstrap port. Returns the task id or -ERR_*.
 */
static inline long sys_task_spawn_bootstrap(const char *module, const char *args,
                                            uint32_t bootstrap)
{
    return sys_call4(SYS_TASK_SPAWN, (long)module, (long)args, (long)bootstrap, 0);
}

/*
 * Like sys_task_spawn_bootstrap, with driver access from the start (init
 * only): the child never runs without it.
 */
static inline long sys_task_spawn_driver(const char *module, const char *args, uint32_t bootstrap)
{
    return sys_call4(SYS_TASK_SPAWN, (long)module, (long)args, (long)bootstrap, TASK_SPAWN_DRIVER);
}

/* Start boot module @module as a child task with argument string @args. Returns id or -ERR_*. */
static inline long sys_task_spawn(const char *module, const char *args)
{
    return sys_task_spawn_bootstrap(module, args, 0);
}

/*
 * Where the page holding @addr is: fills *@out (see abi/syscall.h). Test and
 * debugging aid. Returns 0 or -ERR_*.
 */
static inline long sys_vm_query(const void *addr, struct vm_query *out)
{
    return sys_call2(SYS_VM_QUERY, (long)addr, (long)out);
}

/* Wait until child @task ends; fills *@out. Returns 0 or -ERR_*. */
static inline long sys_task_wait(long task, struct task_status *out)
{
    return sys_call2(SYS_TASK_WAIT, task, (long)out);
}

/* Kill child @task (it ends TASK_END_KILLED). Returns 0 or -ERR_*. */
static inline long sys_task_kill(long task)
{
    return sys_call1(SYS_TASK_KILL, task);
}

/* Fill *@out with the accounting of @task (0: the caller). Returns 0 or -ERR_*. */
static inline long sys_task_info(long task, struct task_info *out)
{
    return sys_call2(SYS_TASK_INFO, task, (long)out);
}

/* Power the machine off with exit code @code (first task only). Returns -ERR_* on failure. */
static inline long sys_shutdown(int code)
{
    return sys_call1(SYS_SHUTDOWN, code);
}

/* The text of error code @code (either sign), or "unknown error". */
const char *err_text(long code);

#endif
