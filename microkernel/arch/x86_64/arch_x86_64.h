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
#define GDT_TSS_OF(cpu) (GDT_TSS + 16 * (cpu)) /* each CPU's TSS descriptor */

#define VECTOR_NMI 2
#define VECTOR_DEVICE_NOT_AVAILABLE 7
#define VECTOR_PAGE_FAULT 14
#define VECTOR_TIMER 32
#define VECTOR_CONSOLE 48 /* the serial port's receive interrupt */
#define VECTOR_SPURIOUS 255
#define VECTOR_SYSCALL 0x100 /* marks syscall frames; not an IDT vector */

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

/* The boot CPU's GDT, TSS and IDT (gdt.c). */
void gdt_init(void);
void idt_init(void);
/* Fill CPU @cpu's TSS (double faults on the stack topping at @double_fault_stack_top). */
void gdt_prepare_cpu(unsigned cpu, uint64_t double_fault_stack_top);
/* On CPU @cpu: load the shared GDT, the segment registers and its TSS. */
void gdt_load(unsigned cpu);
struct tss *gdt_tss(unsigned cpu);
/* Load the IDT idt_init filled (every CPU shares it). */
void idt_load(void);

/*
 * A CPU's own data (smp.c), reached through its GS base while the kernel
 * runs: %gs:0 holds the area's address. The entry paths swap GS (SWAPGS) on
 * every entry from and exit to user mode, so user code never sees or
 * changes the kernel's GS base (it stays in MSR_KERNEL_GS_BASE meanwhile).
 * trap.asm reads the first three fields at fixed offsets.
 */
struct cpu {
    struct cpu *self;
    uint64_t kernel_rsp; /* the running thread's kernel stack top: SYSCALL's stack */
    uint64_t user_rsp;   /* scratch: the user %rsp during the system-call entry */
    uint32_t id;         /* 0: the boot CPU */
    uint32_t apic_id;    /* its local APIC id */
    uint64_t stack_top;  /* its own stack (the boot stack on the boot CPU): its idle thread's */
    struct tss *tss;
    volatile uint32_t online;       /* set by the CPU itself once it runs in the kernel */
    bool fpu_ts;                    /* CR0.TS is set: the next FPU use traps (fpu.c) */
    struct arch_context *fpu_owner; /* whose state its FPU registers hold; NULL: nobody's */
    uint64_t words[ARCH_CPU_WORDS]; /* generic code's (arch_cpu_word) */
};
_Static_assert(offsetof(struct cpu, kernel_rsp) == 8 && offsetof(struct cpu, user_rsp) == 16,
               "trap.asm's CPU_KERNEL_RSP and CPU_USER_RSP");

/* This CPU's struct cpu (through %gs). */
static inline struct cpu *cpu_self(void)
{
    struct cpu *self;

    /* (not through __seg_gs: GCC takes a load from its address 0 for a null dereference) */
    __asm__ volatile("movq %%gs:0, %0" : "=r"(self));
    return self;
}

/* Make @cpu this CPU's area (GS base; the user's, in KERNEL_GS_BASE, starts at 0). */
void cpu_area_load(struct cpu *cpu);
/* The boot CPU's area, loaded (arch_cpu_init, before anything asks for the current thread). */
void smp_boot_cpu_init(void);

/* The ACPI table with signature @sig under the RSDP at @rsdp, or NULL (acpi.c). */
struct acpi_header;
const struct acpi_header *acpi_find(uint64_t rsdp, const char *sig);

void serial_init(void);
void serial_write(const char *s, unsigned long len);

/* Measure the TSC and LAPIC timer against the PIT, then start the periodic tick. */
void lapic_init(void);
void lapic_timer_start(unsigned hz);
void lapic_eoi(void);
uint32_t lapic_id(void);    /* this CPU's local APIC id */
bool smp_on_boot_cpu(void); /* does this code run on the boot CPU? (smp.c) */
/* On an application processor: enable its local APIC, timer masked. */
void lapic_init_ap(void);
/* Send @icr (delivery mode, vector) to the CPU with local APIC id @apic_id; wait until sent. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr);
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
/* On an application processor: its FPU control registers as the boot CPU's. */
void fpu_cpu_init(void);
/* Save the state the registers hold into its owner's area (before other CPUs run threads). */
void fpu_save_owner(void);

/* CPU @id's area (smp.c). */
struct cpu *smp_cpu(unsigned id);
/* The other CPUs' interrupts: a call waits (arch_cpu_call), the run queue has work. */
#define VECTOR_WAKE 49
#define VECTOR_CALL 50
void smp_call_interrupt(void);
/* An NMI on an application processor: one line of what it was doing (the boot CPU dumps all). */
void smp_nmi_report(uint64_t pc, bool user);
/* The kernel lock: does this CPU hold it (or is it not in force); drop it if this CPU holds it. */
bool kernel_lock_mine(void);
void kernel_unlock(void);

#endif
