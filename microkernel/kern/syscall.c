/*
 * System-call dispatch: the entry hands over the caller's registers, and the
 * dispatch generated from libipc/idl/syscalls.idl (syscalls_kdispatch.h)
 * decodes the arguments and calls the handler of the subsystem the call
 * belongs to (ipc/, vm/, task/, driver.c) with C values. The console and
 * power-off calls live here. Each handler checks every argument (user
 * pointers are only touched through vm_copy_*, which fail cleanly on a bad
 * address) before it changes any state, and returns 0 or a positive value,
 * or -ERR_*.
 */
#include <abi/errors.h>
#include <abi/syscall.h>
#include <arch/arch.h>
#include <kern/host.h>
#include <kern/irq.h>
#include <kern/printk.h>
#include <kern/syscall.h>
#include <lib/lib.h>
#include <syscalls_kdispatch.h>
#include <task/task.h>
#include <vm/vm_copy.h>
#include <vm/vm_object.h>

#define CONSOLE_CHUNK 256

int64_t sys_console_write(struct task *self, uint64_t buf, uint64_t len)
{
    char chunk[CONSOLE_CHUNK];

    if (len > (1u << 20))
        return -ERR_INVAL;
    for (uint64_t done = 0; done < len;) {
        size_t n = MIN(len - done, sizeof(chunk));
        if (vm_copy_in(&self->map, chunk, buf + done, n) != 0)
            return -ERR_FAULT;
        arch_console_write(chunk, n);
        done += n;
        if (done < len)
            sched_preempt_point(); /* the serial port is slow: holds only the count */
    }
    return (int64_t)len;
}

int64_t sys_shutdown(struct task *self, port_name_t host, int32_t code)
{
    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    kprintf("shutdown requested by %s, status %d\n", self->name, code);
    arch_shutdown(code);
}

int64_t sys_kern_stat(struct task *self, uint64_t stat)
{
    struct kern_stat st = {
        .stretch_max_ns = arch_cycles_to_ns(sched_stretch.max_cycles),
        .stretch_max_cycles = sched_stretch.max_cycles,
        .stretch_max_what = sched_stretch.max_what,
        .dead_name_requests = self->ipc.dead_name_count,
        .preempt_points = sched_stretch.points,
        .kernel_preemptions = sched_stretch.preemptions,
        .objects_created = vm_objects_created,
        .objects_live = vm_objects_live,
        .idle_ns = arch_cycles_to_ns(sched_stretch.idle_cycles),
    };
    return vm_copy_out(&self->map, stat, &st, sizeof(st));
}

int64_t sys_cpu_info(struct task *self, uint64_t info)
{
    struct cpu_info ci = {0};
    unsigned online;

    _Static_assert(CPU_INFO_MAX >= ARCH_MAX_CPUS, "cpu_info holds every CPU");
    ci.found = arch_cpu_list(ci.apic_id, CPU_INFO_MAX, &online);
    ci.online = online;
    ci.cpu = arch_cpu_id();
    ci.running = arch_cpus_running();
    for (unsigned i = 0; i < ARCH_MAX_CPUS; i++) {
        ci.switches[i] = sched_cpu_switches(i);
        ci.irqs[i] = irq_taken_on(i);
        ci.steals += sched_cpu_steals(i);
    }
    ci.remote_kills = task_remote_kills;
    ci.shootdowns = arch_cpu_calls_answered();
    struct mmu_batch_stat batches = mmu_batch_stat();
    ci.shootdown_batches = batches.batches;
    ci.shootdown_batch_pages = batches.pages;
    return vm_copy_out(&self->map, info, &ci, sizeof(ci));
}

int64_t sys_kern_stat_reset(struct task *self, port_name_t host)
{
    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    sched_stretch_measure(SYS_KERN_STAT_RESET);
    return 0;
}

/* Every system call's start: the kernel lock when several CPUs run, and the stretch's start. */
static inline __attribute__((always_inline)) void syscall_enter(uint32_t nr)
{
    if (smp_lock_on) {       /* (a test of one flag on one CPU) */
        arch_kernel_lock();  /* dropped on the way back to user mode (arch) */
        thread_kill_point(); /* only another CPU kills a running thread */
    }
    sched_stretch_begin(nr);
}

void syscall_dispatch(struct syscall_regs *regs)
{
    syscall_enter((uint32_t)regs->result); /* the call's number */
    regs->result = (uint64_t)sys_dispatch(regs, task_current);
    sched_stretch_end(); /* back to user mode */
}

_Static_assert(SYS_IPC == SYSCALL_NR_IPC, "the number syscall_entry (trap.asm) tests");

void syscall_ipc(struct syscall_regs *regs)
{
    syscall_enter(SYS_IPC);
    regs->result = (uint64_t)sys_ipc(task_current(), regs); /* inlined: its fast paths */
    sched_stretch_end();
}
