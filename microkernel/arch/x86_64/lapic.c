/*
 * Time: the local APIC timer drives the scheduler tick; the TSC gives
 * nanoseconds since boot. Both are measured once against the PIT (channel 2,
 * 10 ms one-shot), which is the only clock of known frequency on a PC.
 */
#include "arch_x86_64.h"
#include "cpu.h"

#include <arch/arch.h>
#include <boot/bootinfo.h>
#include <kern/printk.h>

#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_PENDING (1u << 12)
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_DELIVER_NMI (4u << 8)

#define PIT_HZ 1193182u
#define CALIBRATE_MS 10u

static volatile uint32_t *lapic;
static uint64_t tsc_per_second;
static uint64_t lapic_per_second;
static uint64_t tsc_boot;
static uint64_t ns_mult; /* ns = (delta * ns_mult) >> 32 */

static uint32_t lapic_read(unsigned reg)
{
    return lapic[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

uint64_t tsc_hz(void)
{
    return tsc_per_second;
}

void time_init(void)
{
    tsc_boot = rdtsc();
}

uint64_t arch_cycles_to_ns(uint64_t cycles)
{
    return (uint64_t)(((unsigned __int128)cycles * ns_mult) >> 32);
}

uint64_t arch_time_ns(void)
{
    return arch_cycles_to_ns(rdtsc() - tsc_boot);
}

/* Run PIT channel 2 for CALIBRATE_MS and count TSC and LAPIC timer ticks. */
static void calibrate(void)
{
    uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
    uint8_t gate = inb(0x61) & ~0x03;

    outb(0x61, gate); /* gate low, speaker off */
    outb(0x43, 0xb0); /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    outb(0x61, gate | 0x01); /* gate high: count down */
    unsigned long spins = 0;
    while (!(inb(0x61) & 0x20) && spins < 100000000ul)
        spins++;
    uint64_t t1 = rdtsc();
    uint32_t elapsed = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);

    tsc_per_second = (t1 - t0) * (1000 / CALIBRATE_MS);
    lapic_per_second = (uint64_t)elapsed * (1000 / CALIBRATE_MS);
    if (tsc_per_second == 0 || lapic_per_second == 0)
        panic("time: PIT calibration failed");
}

/* Map the LAPIC through the direct map, enable it and measure the clocks. */
void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) & ~0xfffULL;

    lapic = (volatile uint32_t *)(BOOT_HHDM_BASE + base);
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
    lapic_write(LAPIC_SVR, 0x100 | VECTOR_SPURIOUS);
    lapic_write(LAPIC_LVT_LINT1, LVT_DELIVER_NMI); /* a debugger's NMI asks for a dump */
    calibrate();
    ns_mult = (1000000000ULL << 32) / tsc_per_second;
    kprintf("time: TSC %llu kHz, LAPIC timer %llu kHz\n",
            (unsigned long long)(tsc_per_second / 1000),
            (unsigned long long)(lapic_per_second / 1000));
}

void lapic_init_ap(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
    lapic_write(LAPIC_SVR, 0x100 | VECTOR_SPURIOUS);
    lapic_write(LAPIC_LVT_LINT1, LVT_DELIVER_NMI);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

void lapic_send_ipi(uint32_t apic_id, uint32_t icr)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, icr);
    for (unsigned long spins = 0; lapic_read(LAPIC_ICR_LOW) & ICR_PENDING && spins < 100000000ul;
         spins++)
        __asm__ volatile("pause");
}

void lapic_timer_start(unsigned hz)
{
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)(lapic_per_second / hz));
}
