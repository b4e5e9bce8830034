/*
 * Machine set-up and the small services generic code asks of the machine:
 * CPU feature bits, SYSCALL MSRs, the first kernel stack frame of a new
 * thread, the console, idling and power off (QEMU's isa-debug-exit port).
 */
#include "arch_x86_64.h"
#include "cpu.h"

#include <abi/syscall.h>
#include <arch/arch.h>
#include <lib/lib.h>
#include <mmu_x86_64.h>

extern char syscall_entry[];
extern char thread_start_user[];
extern char thread_start_kernel[];

#define DEBUG_EXIT_PORT 0xf4

/* SYSCALL enters at syscall_entry with kernel segments and IF, DF, TF cleared. */
void syscall_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
    wrmsr(MSR_STAR, ((uint64_t)GDT_USER_BASE << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | (1u << 10) | (1u << 8)); /* IF, DF, TF */
    mmu_x86_cr4_write(mmu_x86_cr4_read() | CR4_PGE);
    write_cr0(read_cr0() | CR0_WP); /* arch_user_copy writes no read-only user page */
}

void arch_early_init(void)
{
    serial_init();
    time_init();
}

/* Mask both legacy 8259 PICs: all interrupts come through the LAPIC. */
static void pic_disable(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void arch_cpu_init(void)
{
    gdt_init();
    smp_boot_cpu_init();
    idt_init();
    syscall_init();
    pic_disable();
    lapic_init();
}

void arch_timer_start(unsigned hz)
{
    lapic_timer_start(hz);
}

struct syscall_regs *arch_user_regs(uint64_t stack_top)
{
    return &arch_user_frame(stack_top)->sc;
}

unsigned arch_user_entry(uint64_t stack_top, uint64_t *pc, uint64_t *nr)
{
    const struct trap_frame *tf = arch_user_frame(stack_top);

    _Static_assert(ARCH_ENTRY_SYSCALL == VECTOR_SYSCALL, "one marker for system-call frames");
    *pc = tf->rip;
    *nr = tf->rax;
    return (unsigned)tf->vector;
}

/* arch_context_switch's frame: the callee-saved registers it pushed, then its return address. */
struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp, ret;
};

unsigned arch_context_backtrace(const struct arch_context *ctx, uint64_t stack_lo,
                                uint64_t stack_hi, uint64_t *pcs, unsigned max)
{
    unsigned n = 0;

    if (ctx->sp < stack_lo || ctx->sp + sizeof(struct switch_frame) > stack_hi || max == 0)
        return 0;
    const struct switch_frame *sf = (const struct switch_frame *)ctx->sp;
    pcs[n++] = sf->ret;
    /* Each frame: the caller's frame pointer, then the return address; they only grow. */
    for (uint64_t fp = sf->rbp; n < max && fp >= ctx->sp && fp % 8 == 0 && fp + 16 <= stack_hi;) {
        const uint64_t *frame = (const uint64_t *)fp;
        if (frame[1] == 0)
            break;
        pcs[n++] = frame[1];
        if (frame[0] <= fp)
            break;
        fp = frame[0];
    }
    return n;
}

void arch_set_user_thread_pointer(void)
{
    wrmsr(MSR_FS_BASE, ABI_USER_THREAD_POINTER);
}

void arch_set_kernel_stack(uint64_t stack_top)
{
    struct cpu *cpu = cpu_self();

    cpu->tss->rsp[0] = stack_top;
    cpu->kernel_rsp = stack_top;
}

/*
 * A plain load through %gs (GCC's __seg_gs address space): the compiler may
 * reuse it until the next call or memory clobber, and a switch to another
 * thread, after which this one may run on another CPU, is always a call.
 */
unsigned arch_cpu_id(void)
{
    return *(const uint32_t __seg_gs *)offsetof(struct cpu, id);
}

uint64_t arch_cpu_word(enum arch_cpu_word w)
{
    return *(const uint64_t __seg_gs *)(offsetof(struct cpu, words) + w * sizeof(uint64_t));
}

void arch_cpu_word_set(enum arch_cpu_word w, uint64_t value)
{
    *(uint64_t __seg_gs *)(offsetof(struct cpu, words) + w * sizeof(uint64_t)) = value;
}

/*
 * Lay out a new kernel stack: the user trap frame at the top, below it the
 * return address thread_start_user and six zeroed callee-saved registers,
 * exactly what arch_context_switch pops.
 */
void arch_context_init_user(struct arch_context *ctx, uint64_t stack_top, uint64_t entry,
                            uint64_t user_sp, uint64_t arg, uint64_t arg2)
{
    struct trap_frame *tf = arch_user_frame(stack_top);
    uint64_t *sp = (uint64_t *)tf;

    memset(tf, 0, sizeof(*tf));
    tf->rip = entry;
    tf->cs = GDT_USER_CS;
    tf->rflags = RFLAGS_IF | 0x2;
    tf->rsp = user_sp;
    tf->ss = GDT_USER_DS;
    tf->rdi = arg;
    tf->rsi = arg2;
    *--sp = (uint64_t)thread_start_user;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    ctx->sp = (uint64_t)sp;
}

void arch_context_init_kernel(struct arch_context *ctx, uint64_t stack_top, void (*fn)(void *),
                              void *arg)
{
    uint64_t *sp = (uint64_t *)(stack_top & ~15ull);

    /* After the ret into thread_start_kernel %rsp is 16-byte aligned, as a call needs. */
    *--sp = (uint64_t)thread_start_kernel;
    *--sp = 0;             /* rbp */
    *--sp = 0;             /* rbx */
    *--sp = (uint64_t)fn;  /* r12 */
    *--sp = (uint64_t)arg; /* r13 */
    *--sp = 0;             /* r14 */
    *--sp = 0;             /* r15 */
    ctx->sp = (uint64_t)sp;
}

uint64_t arch_cycles(void)
{
    return rdtsc();
}

void arch_console_write(const char *s, unsigned long len)
{
    serial_write(s, len);
}

void arch_preempt_point(void)
{
    /* STI takes effect after the next instruction: the NOP is the window. */
    __asm__ volatile("sti; nop; cli" ::: "memory");
}

void arch_shutdown(int code)
{
    outl(DEBUG_EXIT_PORT, (uint32_t)code);
    cpu_halt_forever();
}
