/*
 * Declarations shared by the files of arch/x86_64 only: descriptor tables,
 * the LAPIC, the serial port and the interrupt vectors the kernel uses.
 */
#ifndef ARCH_X86_64_H
#define ARCH_X86_64_H

#include <arch/arch.h>
#include <stdint.h>

/*
 * The user registers saved on kernel entry (interrupt, exception or
 * syscall), at the top of the thread's kernel stack; trap.asm pushes them in
 * this order. The system-call registers generic code sees (struct
 * syscall_regs) lie in the middle, in place: arguments in %rdi, %rsi, %rdx,
 * %r10, %r8, %r9 (the System V order, with %r10 for %rcx, which SYSCALL
 * overwrites), message words in %r12-%r15, the number and result in %rax.
 */
struct trap_frame {
    uint64_t r11, rcx, rbx, rbp;
    union {
        struct syscall_regs sc;
        struct {
            uint64_t rdi, rsi, rdx, r10, r8, r9, r12, r13, r14, r15, rax;
        };
    };
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* as pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame layout");
_Static_assert(sizeof(struct syscall_regs) == 11 * 8, "syscall_regs fills the union");

/* The trap frame of the thread whose kernel stack tops at @stack_top. */
static inline struct trap_frame *arch_user_frame(uint64_t stack_top)
{
    return (struct trap_frame *)stack_top - 1;
}

bool arch_frame_is_user(const struct trap_frame *tf);
void arch_dump_frame(const struct trap_frame *tf);

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_BASE 0x18 /* STAR sysret base: user DS = +8, user CS = +16 */
#define GDT_USER_DS 0x23
#define GDT_USER_CS 0x2b
#define GDT_TSS 0x30

#define VECTOR_DEVICE_NOT_AVAILABLE 7
#define VECTOR_PAGE_FAULT 14
#define VECTOR_TIMER 32
#define VECTOR_CONSOLE 48 /* the serial port's receive interrupt */
#define VECTOR_SPURIOUS 255
#define VECTOR_SYSCALL 0x100 /* marks syscall frames; not an IDT vector */

void gdt_init(void);
void idt_init(void);
void tss_set_rsp0(uint64_t rsp0);

void serial_init(void);
void serial_write(const char *s, unsigned long len);

/* Measure the TSC and LAPIC timer against the PIT, then start the periodic tick. */
void lapic_init(void);
void lapic_timer_start(unsigned hz);
void lapic_eoi(void);
uint32_t lapic_id(void); /* this CPU's local APIC id */
/*
 * Route ISA interrupt line @isa to @vector on this CPU through the I/O APIC
 * the ACPI tables at @rsdp describe (acpi.c). False when there is none.
 */
bool ioapic_route_isa(uint64_t rsdp, unsigned isa, unsigned vector);
/* The serial port: enable its receive interrupt; read what it received. */
void serial_rx_enable(void);
unsigned serial_rx_drain(uint8_t *buf, unsigned max);
uint64_t tsc_hz(void);
void time_init(void);

void syscall_init(void);

/*
 * #NM (device not available) in the user thread of @ctx: under lazy
 * switching, load its register state and return true; false if the trap
 * was not the switch's doing (the thread gets the exception).
 */
bool fpu_trap(struct arch_context *ctx);

#endif
