/*
 * The C side of every interrupt and exception. It only decodes: a timer
 * tick goes to the scheduler, a user page fault is decoded by the MMU
 * handler and handed to the generic fault handler, a #NM of lazy FPU
 * switching loads the thread's registers, any other user exception (x87 and
 * SIMD errors included) goes to the task's exception port or ends the task; an exception in kernel
 * mode is a kernel bug and panics, except a page fault in arch_user_copy,
 * which only makes that copy fail.
 */
#include "arch_x86_64.h"
#include "cpu.h"

#include <arch/arch.h>
#include <kern/console.h>
#include <kern/dump.h>
#include <kern/irq.h>
#include <kern/printk.h>
#include <kern/trace.h>
#include <mmu.h>
#include <stddef.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/vm_fault.h>

_Static_assert(offsetof(struct trap_frame, sc) == 4 * 8, "TF_SYSCALL_REGS in trap.asm");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "TF_RIP in trap.asm");
_Static_assert(offsetof(struct trap_frame, cs) == 18 * 8, "TF_RIP + 8 in trap.asm");

static const char *const exception_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 error",
    "alignment check",
    "machine check",
    "SIMD error",
    "virtualization",
    "control protection",
};

static const char *exception_name(uint64_t vector)
{
    const char *name = vector < 32 ? exception_names[vector] : NULL;
    return name ? name : "exception";
}

bool arch_frame_is_user(const struct trap_frame *tf)
{
    return (tf->cs & 3) == 3;
}

void arch_dump_frame(const struct trap_frame *tf)
{
    kprintf("  rip %016llx cs %llx rflags %llx rsp %016llx ss %llx\n", (unsigned long long)tf->rip,
            (unsigned long long)tf->cs, (unsigned long long)tf->rflags, (unsigned long long)tf->rsp,
            (unsigned long long)tf->ss);
    kprintf("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)tf->rax,
            (unsigned long long)tf->rbx, (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
    kprintf("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)tf->rsi,
            (unsigned long long)tf->rdi, (unsigned long long)tf->rbp, (unsigned long long)tf->r8);
    kprintf("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", (unsigned long long)tf->r9,
            (unsigned long long)tf->r10, (unsigned long long)tf->r11, (unsigned long long)tf->r12);
    kprintf("  r13 %016llx r14 %016llx r15 %016llx cr2 %016llx\n", (unsigned long long)tf->r13,
            (unsigned long long)tf->r14, (unsigned long long)tf->r15,
            (unsigned long long)read_cr2());
}

static __attribute__((noreturn)) void kernel_exception(struct trap_frame *tf)
{
    kprintf("KERNEL PANIC: %s (vector %llu, error %llx) in kernel mode\n",
            exception_name(tf->vector), (unsigned long long)tf->vector,
            (unsigned long long)tf->error);
    arch_dump_frame(tf);
    panic("unrecoverable kernel exception");
}

static void user_exception(struct trap_frame *tf)
{
    if (tf->vector == VECTOR_PAGE_FAULT) {
        struct mmu_fault fault;
        uint64_t addr = read_cr2();
        trace_fault_begin(thread_current(), addr); /* step 1: the trap */
        mmu_fault_decode(addr, tf->error, &fault);
        vm_fault_user(&fault, tf->rip);
        return;
    }
    if (tf->vector == VECTOR_DEVICE_NOT_AVAILABLE && fpu_trap(&thread_current()->ctx))
        return;
    task_exception(tf->vector, exception_name(tf->vector), tf->rip);
}

/* Called from trap_common with interrupts disabled. */
static void trap_handle(struct trap_frame *tf)
{
    if (tf->vector == VECTOR_TIMER) {
        lapic_eoi();
        sched_tick();
        return;
    }
    if (tf->vector == VECTOR_SPURIOUS)
        return;
    if (tf->vector == VECTOR_WAKE) {
        lapic_eoi();
        sched_preempt(); /* a thread became ready, or ours was killed (below) */
        return;
    }
    if (tf->vector == VECTOR_CONSOLE) {
        uint8_t buf[16];
        unsigned n;
        lapic_eoi();
        while ((n = serial_rx_drain(buf, sizeof(buf))) > 0)
            console_input(buf, n);
        sched_preempt(); /* the console server the message woke runs now */
        return;
    }
    if (tf->vector >= IRQ_FIRST && tf->vector < IRQ_FIRST + IRQ_COUNT) {
        lapic_eoi();
        irq_deliver((unsigned)tf->vector);
        sched_preempt(); /* the driver the message woke runs now */
        return;
    }
    if (tf->vector >= 32) {
        kprintf("trap: unexpected vector %llu ignored\n", (unsigned long long)tf->vector);
        lapic_eoi();
        return;
    }
    if (!arch_frame_is_user(tf))
        kernel_exception(tf);
    user_exception(tf);
}

/*
 * An NMI (QEMU's monitor command nmi, which tools/guest-test sends to a
 * guest that ran out of time) prints the system's state from the boot CPU;
 * the parked CPUs go back to sleep. It may interrupt the kernel anywhere:
 * a report, read as a best effort, that changes nothing.
 */
static void nmi_handle(const struct trap_frame *tf)
{
    if (smp_on_boot_cpu())
        kern_dump("NMI", tf->rip, arch_frame_is_user(tf));
    else
        smp_nmi_report(tf->rip, arch_frame_is_user(tf));
}

extern char arch_user_copy_start[], arch_user_copy_end[], arch_user_copy_fault[];

/* A page fault of arch_user_copy's string moves: it returns 1 instead. */
static bool user_copy_fixup(struct trap_frame *tf)
{
    if (tf->vector != VECTOR_PAGE_FAULT || arch_frame_is_user(tf) ||
        tf->rip < (uint64_t)arch_user_copy_start || tf->rip >= (uint64_t)arch_user_copy_end)
        return false;
    tf->rip = (uint64_t)arch_user_copy_fault;
    return true;
}

/*
 * Every interrupt and exception. The kernel lock is taken unless this CPU
 * holds it already (a preemption point, a fault of arch_user_copy); the
 * return to user mode drops it (trap.asm), the return to the idle loop's
 * halt here. A call from another CPU (a TLB shootdown) and an NMI take no
 * lock: the CPU that sent the call holds it and waits for the answer.
 */
void trap_dispatch(struct trap_frame *tf)
{
    if (tf->vector == VECTOR_NMI) {
        nmi_handle(tf);
        return;
    }
    if (tf->vector == VECTOR_CALL) {
        smp_call_interrupt();
        return;
    }
    if (user_copy_fixup(tf)) /* before the stretch: it belongs to the system call */
        return;
    bool took = !kernel_lock_mine(), user = arch_frame_is_user(tf);
    if (took)
        arch_kernel_lock();
    if (user && tf->vector < 32)
        thread_kill_point(); /* an exception of a killed thread is not handled (it could block) */
    sched_stretch_begin(SCHED_STRETCH_TRAP | (uint32_t)tf->vector);
    trap_handle(tf);
    sched_stretch_end(); /* back to user mode, the idle loop or a preemption point */
    if (user)
        thread_kill_point(); /* (after an interrupt's EOI: exiting here leaves none in service) */
    else if (took)
        kernel_unlock(); /* the idle loop's halt: it takes the lock again itself */
}
