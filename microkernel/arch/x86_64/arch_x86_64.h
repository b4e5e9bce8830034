/*
 * Declarations shared by the files of arch/x86_64 only: descriptor tables,
 * the LAPIC, the serial port and the interrupt vectors the kernel uses.
 */
#ifndef ARCH_X86_64_H
#define ARCH_X86_64_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_BASE 0x18 /* STAR sysret base: user DS = +8, user CS = +16 */
#define GDT_USER_DS 0x23
#define GDT_USER_CS 0x2b
#define GDT_TSS 0x30

#define VECTOR_PAGE_FAULT 14
#define VECTOR_TIMER 32
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
uint64_t tsc_hz(void);
void time_init(void);

void syscall_init(void);

#endif
