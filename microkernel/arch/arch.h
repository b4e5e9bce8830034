/*
 * What generic kernel code needs from the machine layer (arch/x86_64): the
 * system-call registers of a user thread, starting and switching threads,
 * time, the console, PCI configuration space, idling and power off. Nothing
 * here names a machine register: generic code includes this header only.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A user thread's system-call registers as generic code sees them: the six
 * arguments of a call, the four message words IPC carries in registers, and
 * the result (on entry, the call's number). The machine layer keeps them in
 * place in the thread's saved user state, so reading and writing them costs
 * nothing; which machine registers they are is its business alone
 * (arch/x86_64/arch_x86_64.h). abi/syscall.h and abi/ipc.h give each
 * argument's meaning.
 */
struct syscall_regs {
    uint64_t arg[6];
    uint64_t word[4];
    uint64_t result;
};

/*
 * Per-thread machine context: the saved kernel stack pointer and, for a user
 * thread, its floating-point and vector register state (arch_fpu_size()
 * bytes, 64-byte aligned, allocated with the thread; NULL for kernel threads,
 * which never use those registers).
 */
struct arch_context {
    uint64_t sp;
    void *fpu;
    bool fpu_eager; /* switch its registers at every switch (it has used them, or ARCH_FPU_EAGER) */
    uint8_t fpu_cpu; /* the CPU whose registers it was last loaded into (0xff: none) */
};

/*
 * Save the callee-saved registers on the current stack, store the stack
 * pointer in @from->sp, and resume the thread whose context is @to.
 */
void arch_context_switch(struct arch_context *from, struct arch_context *to);

/*
 * Save as arch_context_switch does, then resume the user thread whose
 * kernel stack tops at @stack_top straight in user mode, from the frame
 * its system call entered with (its result already in its syscall_regs):
 * whatever it left below that frame is dropped. Only for a thread blocked
 * in a system call that, woken, would do nothing but return (the IPC fast
 * path's handoff, sched_block_handoff_user). Returns when @from is
 * switched to again.
 */
void arch_context_switch_user(struct arch_context *from, uint64_t stack_top);

/*
 * Prepare a fresh kernel stack [@stack_base, @stack_top) so that switching
 * to @ctx enters user mode at @entry with stack @user_sp, its first two
 * system-call argument registers holding @arg and @arg2 (arg[0], arg[1]).
 */
void arch_context_init_user(struct arch_context *ctx, uint64_t stack_top, uint64_t entry,
                            uint64_t user_sp, uint64_t arg, uint64_t arg2);

/*
 * Prepare a fresh kernel stack topping at @stack_top so that switching to
 * @ctx calls @fn(@arg) in kernel mode; @fn must never return.
 */
void arch_context_init_kernel(struct arch_context *ctx, uint64_t stack_top, void (*fn)(void *),
                              void *arg);

/*
 * How a switch hands over the floating-point and vector registers: EAGER
 * saves and loads them at every switch between user threads; LAZY on the
 * thread's first use of them after the switch (a trap); AUTO lazily for a
 * thread until it first uses them, eagerly from then on.
 */
enum arch_fpu_mode { ARCH_FPU_AUTO, ARCH_FPU_EAGER, ARCH_FPU_LAZY };

/* Enable those registers for user threads, switched as @mode says (after arch_cpu_init). */
void arch_fpu_init(enum arch_fpu_mode mode);
/* Bytes of a thread's register-state area (arch_context.fpu). */
size_t arch_fpu_size(void);
/*
 * A new user thread's context @ctx: fill its 64-byte aligned area ctx->fpu
 * with the clean initial state and set how it is switched.
 */
void arch_fpu_context_init(struct arch_context *ctx);
/*
 * The thread whose context is @from leaves this CPU and @to's runs next:
 * save @from's register state if the registers hold it (it may run on
 * another CPU next), give @to its own. Called by every switch.
 */
void arch_fpu_switch(struct arch_context *from, struct arch_context *to);
/* The thread of @ctx is going away: never save into its area again. */
void arch_fpu_release(struct arch_context *ctx);

/*
 * Load the thread pointer user code starts from (ABI_USER_THREAD_POINTER,
 * abi/syscall.h), undoing whatever the previous task did to its own.
 */
void arch_set_user_thread_pointer(void);

/* The kernel stack the CPU loads on entry from user mode. */
void arch_set_kernel_stack(uint64_t stack_top);

/*
 * The system-call registers of the user thread whose kernel stack tops at
 * @stack_top, as saved when it entered the kernel (or as it will start).
 */
struct syscall_regs *arch_user_regs(uint64_t stack_top);

/*
 * Copy @n bytes through the current address space's own mappings, as the
 * user would (CR0.WP: a read-only page is not written), taking no fault:
 * 0, or 1 when a page was not mapped as needed (some bytes may have been
 * copied). The caller has checked that each user range lies below
 * MMU_USER_TOP and that the current space is the one it means. Never
 * blocks; for the IPC fast path, which falls back to the general copy.
 */
int arch_user_copy(void *dst, const void *src, size_t n);

#define ARCH_ENTRY_SYSCALL 0x100u /* arch_user_entry's vector of a system call */
/*
 * How the user thread whose kernel stack tops at @stack_top last entered
 * the kernel: returns the vector (ARCH_ENTRY_SYSCALL for a system call, its
 * number in *@nr) and sets *@pc to its user program counter. For reports.
 */
unsigned arch_user_entry(uint64_t stack_top, uint64_t *pc, uint64_t *nr);

/*
 * The kernel return addresses of a thread switched out by
 * arch_context_switch with @ctx, its kernel stack spanning [@stack_lo,
 * @stack_hi): at most @max into @pcs, innermost first, by the frame-pointer
 * chain (stopping where it leaves the stack). Returns how many. For reports.
 */
unsigned arch_context_backtrace(const struct arch_context *ctx, uint64_t stack_lo,
                                uint64_t stack_hi, uint64_t *pcs, unsigned max);

/* Console and clock, before anything else. */
void arch_early_init(void);
/* Descriptor tables, syscall entry, interrupt controllers, timer calibration. */
void arch_cpu_init(void);
/* Start the periodic scheduler tick. */
void arch_timer_start(unsigned hz);

/*
 * Several CPUs (docs/design.md, "Several CPUs"). Before the frame allocator
 * reads @mem (@count ranges): find the CPUs in the ACPI tables at
 * @acpi_rsdp and take the low memory the start-up code needs out of the map.
 * After mmu_init: start the other CPUs, which then wait parked (they run no
 * kernel code that touches shared state yet).
 */
#define ARCH_MAX_CPUS 16
/* The number of the CPU this runs on: 0 (the boot CPU) to ARCH_MAX_CPUS - 1. */
unsigned arch_cpu_id(void);
/*
 * Words generic code keeps per CPU in the machine's per-CPU area, each read
 * or written with one instruction (zero at boot). A thread may run on
 * another CPU after any switch: a word read before one is stale after it.
 */
enum arch_cpu_word {
    ARCH_CPU_THREAD, /* the running thread (task/sched.h) */
    ARCH_CPU_SCHED,  /* the scheduler's per-CPU state */
    ARCH_CPU_ACCT,   /* the account charged (vm/frame.h) */
    ARCH_CPU_SPACE,  /* the address space loaded (mmu.h) */
    ARCH_CPU_WORDS
};
uint64_t arch_cpu_word(enum arch_cpu_word w);
void arch_cpu_word_set(enum arch_cpu_word w, uint64_t value);
struct boot_mem_range;
void arch_smp_prepare(struct boot_mem_range *mem, uint32_t count, uint64_t acpi_rsdp);
void arch_smp_start(void);
/*
 * The CPUs found (at most ARCH_MAX_CPUS; 1 without ACPI tables) with their
 * local APIC ids in @ids (@max at most, the boot CPU first); *@online: how
 * many of them run (the boot CPU and the parked ones).
 */
unsigned arch_cpu_list(uint32_t *ids, unsigned max, unsigned *online);
/*
 * Let the other CPUs that started run @cpu_main (the scheduler's loop, never
 * returning) with this CPU's tick rate @hz. From then on the big kernel lock
 * is in force: every entry into the kernel takes it, every return to user
 * mode and every idle halt (arch_idle) drops it, so kernel code runs on one
 * CPU at a time. Called once, by the boot CPU, in the kernel; until then
 * the lock costs a test of one flag.
 */
void arch_smp_run(void (*cpu_main)(void), unsigned hz);
/* The CPUs running threads, bit i for CPU i (bit 0 alone until arch_smp_run). */
uint32_t arch_cpus_running(void);
/* arch_smp_run ran: the kernel lock is in force (generic code only reads it). */
extern bool smp_lock_on;
/* Take the kernel lock at an entry into the kernel (a system call's; traps take it themselves). */
void arch_kernel_lock(void);
/*
 * Run @fn(@arg) on each CPU of @cpus (not the caller's), in an interrupt
 * that does not wait for the kernel lock (a CPU waiting for it runs @fn
 * meanwhile), and return once every one has. The caller holds the lock.
 */
void arch_cpu_call(uint32_t cpus, void (*fn)(void *arg, uint64_t word), void *arg, uint64_t word);
/* Calls of arch_cpu_call that other CPUs answered since boot (one per CPU and call). */
uint64_t arch_cpu_calls_answered(void);
/* Interrupt @cpu, so that it looks at the run queue (it idles, or a thread of it was killed). */
void arch_cpu_kick(unsigned cpu);

uint64_t arch_time_ns(void);                 /* nanoseconds since boot (TSC based) */
uint64_t arch_cycles(void);                  /* the raw cycle counter, for accounting and traces */
uint64_t arch_cycles_to_ns(uint64_t cycles); /* a count of arch_cycles() in nanoseconds */
void arch_console_write(const char *s, unsigned long len);
/*
 * Console input: route the console's receive interrupt (with the ACPI
 * tables at @acpi_rsdp) and enable it; typed bytes go to console_input()
 * (kern/console.h), in interrupt context. False if the machine cannot.
 */
bool arch_console_input_start(uint64_t acpi_rsdp);
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

#endif
