/*
 * What generic kernel code needs from the machine layer (arch/x86_64): the
 * saved user register frame, starting and switching threads, time, the
 * console, idling and power off. Nothing here names an x86 register except
 * the trap frame, which the syscall and fault paths read.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The registers saved on kernel entry (interrupt, exception or syscall),
 * at the top of the thread's kernel stack. The layout is shared with
 * arch/x86_64/trap.asm; the offsets are asserted in arch code.
 */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* as pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame layout");

/* Per-thread machine context: the saved kernel stack pointer. */
struct arch_context {
    uint64_t rsp;
};

/*
 * Save the callee-saved registers on the current stack, store the stack
 * pointer in @from->rsp, and resume the thread whose context is @to.
 */
void arch_context_switch(struct arch_context *from, struct arch_context *to);

/*
 * Prepare a fresh kernel stack [@stack_base, @stack_top) so that switching
 * to @ctx enters user mode at @entry with stack @user_sp, %rdi = @arg and
 * %rsi = @arg2.
 */
void arch_context_init_user(struct arch_context *ctx, uint64_t stack_top, uint64_t entry,
                            uint64_t user_sp, uint64_t arg, uint64_t arg2);

/*
 * Prepare a fresh kernel stack topping at @stack_top so that switching to
 * @ctx calls @fn(@arg) in kernel mode; @fn must never return.
 */
void arch_context_init_kernel(struct arch_context *ctx, uint64_t stack_top, void (*fn)(void *),
                              void *arg);

/* The kernel stack the CPU loads on entry from user mode (TSS rsp0, syscall). */
void arch_set_kernel_stack(uint64_t stack_top);

/* The trap frame of the thread whose kernel stack tops at @stack_top. */
static inline struct trap_frame *arch_user_frame(uint64_t stack_top)
{
    return (struct trap_frame *)stack_top - 1;
}

bool arch_frame_is_user(const struct trap_frame *tf);

/* Console and clock, before anything else. */
void arch_early_init(void);
/* Descriptor tables, syscall entry, interrupt controllers, timer calibration. */
void arch_cpu_init(void);
/* Start the periodic scheduler tick. */
void arch_timer_start(unsigned hz);

uint64_t arch_time_ns(void);                 /* nanoseconds since boot (TSC based) */
uint64_t arch_cycles(void);                  /* the raw cycle counter, for accounting and traces */
uint64_t arch_cycles_to_ns(uint64_t cycles); /* a count of arch_cycles() in nanoseconds */
void arch_console_write(const char *s, unsigned long len);
/* PCI configuration space: @bdf = bus << 8 | device << 3 | function, @offset 4-aligned < 256. */
uint32_t arch_pci_read32(uint32_t bdf, uint32_t offset);
void arch_pci_write32(uint32_t bdf, uint32_t offset, uint32_t value);
/*
 * Stop function @bdf from reaching memory: bus mastering off, then wait for
 * its transactions in flight to end (PCI Express reports them). Returns false
 * if it still reports some after a bounded wait.
 */
bool arch_pci_stop_dma(uint32_t bdf);
void arch_idle(void); /* enable interrupts and wait for one */
/*
 * Let pending interrupts in (and with them the timer's preemption) for a
 * moment: for long-running kernel threads, at points where they hold nothing
 * another thread could change under them.
 */
void arch_preempt_point(void);
__attribute__((noreturn)) void arch_shutdown(int code);
void arch_dump_frame(const struct trap_frame *tf);

#endif
