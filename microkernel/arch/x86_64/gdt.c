/*
 * The GDT (kernel and user segments in the order SYSCALL/SYSRET require,
 * then one TSS descriptor per CPU), the TSSs (kernel stack for entries from
 * user mode, a separate stack for double faults) and the IDT pointing at the
 * stubs of trap.asm, which every CPU loads.
 */
#include "arch_x86_64.h"
#include "cpu.h"

#include <lib/lib.h>

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry layout");

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct tss tss[ARCH_MAX_CPUS]; /* one per CPU, [0] the boot CPU's */
static uint8_t double_fault_stack[8192] __attribute__((aligned(16)));
static struct idt_entry idt[256];

/* The segments, then a TSS descriptor of two slots per CPU (GDT_TSS_OF). */
static uint64_t gdt[GDT_TSS / 8 + 2 * ARCH_MAX_CPUS] = {
    0,                     /* null */
    0x00af9a000000ffffULL, /* 0x08 kernel code, 64-bit */
    0x00cf92000000ffffULL, /* 0x10 kernel data */
    0x00cffa000000ffffULL, /* 0x18 user code, 32-bit (unused, SYSRET base) */
    0x00cff2000000ffffULL, /* 0x20 user data */
    0x00affa000000ffffULL, /* 0x28 user code, 64-bit */
    0,                     /* 0x30 TSS of CPU 0, low half */
    0,                     /* 0x38 TSS of CPU 0, high half */
};

extern const uint64_t trap_stubs[VECTOR_CALL + 1]; /* trap.asm: vectors 0 to the last IPI's */
extern const uint64_t trap_stub_spurious;

/* Fill the TSS descriptor of CPU @cpu (two slots from GDT_TSS_OF(@cpu)). */
static void gdt_set_tss(unsigned cpu)
{
    uint64_t base = (uint64_t)&tss[cpu];
    uint64_t limit = sizeof(tss[cpu]) - 1;
    unsigned slot = GDT_TSS_OF(cpu) / 8;

    gdt[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[slot + 1] = base >> 32;
}

void gdt_prepare_cpu(unsigned cpu, uint64_t double_fault_stack_top)
{
    tss[cpu].ist[0] = double_fault_stack_top;
    tss[cpu].iomap_base = sizeof(tss[cpu]);
    gdt_set_tss(cpu);
}

struct tss *gdt_tss(unsigned cpu)
{
    return &tss[cpu];
}

void gdt_load(unsigned cpu)
{
    struct table_ptr ptr = {sizeof(gdt) - 1, (uint64_t)gdt};

    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ds\n\t"
                     "movw %w2, %%es\n\t"
                     "movw %w2, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "ltr %w3"
                     :
                     : "m"(ptr), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS_OF(cpu))
                     : "rax", "memory");
}

/* The boot CPU: its TSS, then load the GDT, every segment register and the task register. */
void gdt_init(void)
{
    gdt_prepare_cpu(0, (uint64_t)double_fault_stack + sizeof(double_fault_stack));
    gdt_load(0);
}

static void idt_set(unsigned vector, uint64_t handler, uint8_t ist)
{
    struct idt_entry *e = &idt[vector];

    e->offset_low = handler & 0xffff;
    e->selector = GDT_KERNEL_CS;
    e->ist = ist;
    e->type_attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
    e->offset_mid = (handler >> 16) & 0xffff;
    e->offset_high = handler >> 32;
    e->reserved = 0;
}

/* Point vectors 0-47 and the spurious vector at their stubs and load the IDT. */
void idt_init(void)
{
    for (unsigned v = 0; v < ARRAY_SIZE(trap_stubs); v++)
        idt_set(v, trap_stubs[v], v == 8 ? 1 : 0);
    idt_set(VECTOR_SPURIOUS, trap_stub_spurious, 0);
    idt_load();
}

void idt_load(void)
{
    struct table_ptr ptr = {sizeof(idt) - 1, (uint64_t)idt};

    __asm__ volatile("lidt %0" : : "m"(ptr));
}
