/*
 * Several CPUs: find the processors in the ACPI MADT, start the application
 * processors (APs) with INIT and start-up IPIs through a trampoline below
 * 1 MiB (trampoline.asm), give each its stack, TSS and per-CPU area (GS
 * base) and let them wait; arch_smp_run sends them into the scheduler under
 * the big kernel lock. Also here: the lock, calls run on other CPUs (TLB
 * shootdowns) and wake-up interrupts. docs/design.md, "Several CPUs".
 */
#include "arch_x86_64.h"
#include "cpu.h"
#include "madt.h"

#include <boot/bootinfo.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <mmu.h>
#include <mmu_x86_64.h>
#include <task/sched.h>

#define SMP_LOW_PAGES 4           /* code and data, PML4, PDPT, PD */
#define SMP_LOW_LIMIT 0x100000ULL /* a start-up IPI's vector names a page below 1 MiB */
#define SMP_AP_STACK_SIZE 16384
#define SMP_AP_DF_STACK_SIZE 4096
#define SMP_START_WAIT_S 10 /* generous: a loaded host may run a virtual CPU late */

#define ICR_INIT 0x00004500u /* INIT, level assert */
#define ICR_STARTUP 0x00004600u

/* The data block of the trampoline (trampoline.asm's TD_* offsets). */
struct trampoline_data {
    uint64_t gdt[4];
    uint16_t gdt_limit;
    uint32_t gdt_base;
    uint16_t pad0;
    uint32_t pm_offset;
    uint16_t pm_selector, pad1;
    uint32_t lm_offset;
    uint16_t lm_selector, pad2;
    uint64_t cr3;
    uint64_t entry;
    uint64_t stack;
    uint64_t cpu;
} __attribute__((packed));
#define TD_OFFSET 0x100
_Static_assert(offsetof(struct trampoline_data, gdt_limit) == 0x120 - TD_OFFSET, "TD_GDTR");
_Static_assert(offsetof(struct trampoline_data, pm_offset) == 0x128 - TD_OFFSET, "TD_PM_JUMP");
_Static_assert(offsetof(struct trampoline_data, lm_offset) == 0x130 - TD_OFFSET, "TD_LM_JUMP");
_Static_assert(offsetof(struct trampoline_data, cr3) == 0x138 - TD_OFFSET, "TD_CR3");
_Static_assert(offsetof(struct trampoline_data, cpu) == 0x150 - TD_OFFSET, "TD_CPU");

extern const char smp_trampoline_start[], smp_trampoline_pm32[], smp_trampoline_lm64[],
    smp_trampoline_end[];
extern char boot_stack_top[];

static struct cpu cpus[ARCH_MAX_CPUS];
static unsigned cpus_found = 1;
static uint32_t cpus_online = 1;  /* atomic: each AP adds itself */
static uint32_t cpus_running = 1; /* bit i: CPU i runs threads (arch_cpus_running) */
static void (*ap_main)(void);     /* set by arch_smp_run: the parked APs go */
static unsigned ap_hz;
static uint64_t low_pages; /* physical: the trampoline's pages, 0 if none */
static uint8_t ap_stacks[ARCH_MAX_CPUS][SMP_AP_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t ap_df_stacks[ARCH_MAX_CPUS][SMP_AP_DF_STACK_SIZE] __attribute__((aligned(16)));

static void *low_virt(uint64_t phys)
{
    return (void *)(BOOT_HHDM_BASE + phys);
}

/* The CPUs of the MADT, the boot CPU (this one) first. */
static void smp_find(uint64_t acpi_rsdp)
{
    const struct acpi_header *madt = acpi_rsdp ? acpi_find(acpi_rsdp, "APIC") : NULL;
    uint32_t ids[ARCH_MAX_CPUS], self = lapic_id();
    unsigned n = madt ? madt_cpus(madt, ids, ARCH_MAX_CPUS) : 0;

    cpus[0].apic_id = self; /* (the area itself is smp_boot_cpu_init's) */
    cpus_found = 1;
    for (unsigned i = 0; i < n && cpus_found < ARCH_MAX_CPUS; i++)
        if (ids[i] != self)
            cpus[cpus_found++].apic_id = ids[i];
}

/*
 * Take SMP_LOW_PAGES free pages below 1 MiB off the front of a free range of
 * @mem, so that the frame allocator never hands them out. Page 0 is never
 * taken (the allocator skips it too).
 */
static void smp_reserve_low(struct boot_mem_range *mem, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint64_t base = mem[i].base, end = base + mem[i].pages * PAGE_SIZE;
        uint64_t start = MAX(base, (uint64_t)PAGE_SIZE);
        if (mem[i].type != BOOT_MEM_FREE ||
            start + SMP_LOW_PAGES * PAGE_SIZE > MIN(end, SMP_LOW_LIMIT))
            continue;
        low_pages = start;
        mem[i].base = start + SMP_LOW_PAGES * PAGE_SIZE;
        mem[i].pages = (end - mem[i].base) / PAGE_SIZE;
        return;
    }
}

void arch_smp_prepare(struct boot_mem_range *mem, uint32_t count, uint64_t acpi_rsdp)
{
    smp_find(acpi_rsdp);
    if (cpus_found > 1)
        smp_reserve_low(mem, count);
}

static uint64_t kernel_root; /* the kernel's page tables, which the APs load */

/* An AP's first C code, on its own stack; it never returns. */
__attribute__((noreturn)) void smp_ap_entry(struct cpu *cpu);
void smp_ap_entry(struct cpu *cpu)
{
    mmu_x86_cr3_write(kernel_root);
    gdt_load(cpu->id);
    idt_load();
    cpu_area_load(cpu);
    syscall_init();
    lapic_init_ap();
    __atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&cpu->online, 1, __ATOMIC_RELEASE);
    void (*run)(void);
    while (!(run = __atomic_load_n(&ap_main, __ATOMIC_ACQUIRE)))
        __asm__ volatile("pause"); /* parked until arch_smp_run */
    fpu_cpu_init();                /* (the boot CPU chose how, after starting us) */
    mmu_cpu_start();
    arch_kernel_lock();
    lapic_timer_start(ap_hz);
    run();
    panic("smp: cpu %u left the scheduler", cpu->id);
}

struct cpu *smp_cpu(unsigned id)
{
    return &cpus[id];
}

bool smp_on_boot_cpu(void)
{
    return lapic_id() == cpus[0].apic_id;
}

/* Spin for at least @us microseconds of the calibrated TSC. */
static void smp_delay_us(uint64_t us)
{
    uint64_t t0 = rdtsc(), cycles = tsc_hz() / 1000000 * us;

    while (rdtsc() - t0 < cycles)
        __asm__ volatile("pause");
}

/* Copy the trampoline to the low pages and build its GDT and page tables. */
static void smp_trampoline_setup(void)
{
    uint8_t *code = low_virt(low_pages);
    uint64_t *pml4 = low_virt(low_pages + PAGE_SIZE), *pdpt = low_virt(low_pages + 2 * PAGE_SIZE),
             *pd = low_virt(low_pages + 3 * PAGE_SIZE);
    const uint64_t *kernel_pml4 = low_virt(kernel_root);
    struct trampoline_data *td = (struct trampoline_data *)(code + TD_OFFSET);

    KASSERT(smp_trampoline_end - smp_trampoline_start <= TD_OFFSET);
    memset(code, 0, SMP_LOW_PAGES * PAGE_SIZE);
    memcpy(code, smp_trampoline_start, (size_t)(smp_trampoline_end - smp_trampoline_start));
    /* The low 2 MiB one to one (the trampoline runs there), the kernel half shared. */
    pd[0] = PTE_P | PTE_RW | PTE_PS;
    pdpt[0] = (low_pages + 3 * PAGE_SIZE) | PTE_P | PTE_RW;
    pml4[0] = (low_pages + 2 * PAGE_SIZE) | PTE_P | PTE_RW;
    for (unsigned i = PTE_PER_TABLE / 2; i < PTE_PER_TABLE; i++)
        pml4[i] = kernel_pml4[i];
    td->gdt[1] = 0x00cf9a000000ffffULL; /* 0x08 code, 32-bit */
    td->gdt[2] = 0x00cf92000000ffffULL; /* 0x10 data */
    td->gdt[3] = 0x00af9a000000ffffULL; /* 0x18 code, 64-bit */
    td->gdt_limit = sizeof(td->gdt) - 1;
    td->gdt_base = (uint32_t)(low_pages + TD_OFFSET);
    td->pm_offset = (uint32_t)(low_pages + (smp_trampoline_pm32 - smp_trampoline_start));
    td->pm_selector = 0x08;
    td->lm_offset = (uint32_t)(low_pages + (smp_trampoline_lm64 - smp_trampoline_start));
    td->lm_selector = 0x18;
    td->cr3 = low_pages + PAGE_SIZE;
    td->entry = (uint64_t)smp_ap_entry;
}

/*
 * Start AP @id with INIT, start-up, start-up (the delays are lower bounds)
 * and wait a generous bound for it to count itself in. True if it did; an
 * AP that did not is sent INIT again, so that it cannot start later on a
 * stack the next one was given.
 */
static bool smp_start_ap(unsigned id)
{
    struct cpu *cpu = &cpus[id];
    struct trampoline_data *td =
        (struct trampoline_data *)((uint8_t *)low_virt(low_pages) + TD_OFFSET);
    uint32_t vector = (uint32_t)(low_pages / PAGE_SIZE);

    cpu->self = cpu;
    cpu->id = id;
    cpu->stack_top = (uint64_t)ap_stacks[id] + SMP_AP_STACK_SIZE;
    cpu->tss = gdt_tss(id);
    gdt_prepare_cpu(id, (uint64_t)ap_df_stacks[id] + SMP_AP_DF_STACK_SIZE);
    td->stack = cpu->stack_top;
    td->cpu = (uint64_t)cpu;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    lapic_send_ipi(cpu->apic_id, ICR_INIT);
    smp_delay_us(10000);
    lapic_send_ipi(cpu->apic_id, ICR_STARTUP | vector);
    smp_delay_us(200);
    lapic_send_ipi(cpu->apic_id, ICR_STARTUP | vector);
    uint64_t t0 = rdtsc(), limit = tsc_hz() * SMP_START_WAIT_S;
    while (!__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE)) {
        if (rdtsc() - t0 > limit) {
            lapic_send_ipi(cpu->apic_id, ICR_INIT);
            return false;
        }
        __asm__ volatile("pause");
    }
    return true;
}

void cpu_area_load(struct cpu *cpu)
{
    wrmsr(MSR_GS_BASE, (uint64_t)cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void smp_boot_cpu_init(void)
{
    cpus[0] = (struct cpu){
        .self = &cpus[0], .stack_top = (uint64_t)boot_stack_top, .tss = gdt_tss(0), .online = 1};
    cpu_area_load(&cpus[0]);
}

void arch_smp_start(void)
{
    kernel_root = mmu_x86_cr3_read() & PTE_ADDR;
    if (cpus_found > 1 && !low_pages)
        kprintf("smp: no free page below 1 MiB for the start-up code\n");
    if (cpus_found > 1 && low_pages) {
        smp_trampoline_setup();
        for (unsigned id = 1; id < cpus_found; id++)
            if (!smp_start_ap(id))
                kprintf("smp: cpu %u (apic %u) did not start\n", id, cpus[id].apic_id);
    }
    kprintf("smp: %u CPU%s found in the MADT, %u online (APs parked)\n", cpus_found,
            cpus_found == 1 ? "" : "s", __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE));
}

unsigned arch_cpu_list(uint32_t *ids, unsigned max, unsigned *online)
{
    for (unsigned i = 0; i < cpus_found && i < max; i++)
        ids[i] = cpus[i].apic_id;
    *online = __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
    return cpus_found;
}

/* --- the big kernel lock: a ticket lock --- */

bool smp_lock_on; /* arch_smp_run set it: the lock is taken and dropped (trap.asm reads it) */
static uint32_t klock_next;    /* the next ticket */
static uint32_t klock_serving; /* the ticket that holds the lock */
static int klock_holder = -1;  /* the CPU that holds it */

/* A call other CPUs wait for (arch_cpu_call): one at a time, its caller holds the lock. */
static struct {
    void (*fn)(void *arg, uint64_t word);
    void *arg;
    uint64_t word;
    uint32_t pending; /* CPUs that have not run it yet */
} cpu_call;

static uint64_t calls_answered; /* arch_cpu_calls_answered */

/* Run the call waiting for this CPU, if one is. */
static void cpu_call_poll(unsigned self)
{
    uint32_t bit = 1u << self;

    if (__atomic_load_n(&cpu_call.pending, __ATOMIC_ACQUIRE) & bit) {
        cpu_call.fn(cpu_call.arg, cpu_call.word);
        __atomic_fetch_and(&cpu_call.pending, ~bit, __ATOMIC_RELEASE);
    }
}

void arch_kernel_lock(void)
{
    if (!__atomic_load_n(&smp_lock_on, __ATOMIC_RELAXED))
        return;
    unsigned self = arch_cpu_id();
    uint32_t ticket = __atomic_fetch_add(&klock_next, 1, __ATOMIC_RELAXED);
    KASSERT(klock_holder != (int)self);
    while (__atomic_load_n(&klock_serving, __ATOMIC_ACQUIRE) != ticket) {
        cpu_call_poll(self); /* the holder may wait for us meanwhile */
        __asm__ volatile("pause");
    }
    klock_holder = (int)self;
}

/* Drop the lock if this CPU holds it (trap.asm calls this on every return to user mode). */
void kernel_unlock(void)
{
    if (!__atomic_load_n(&smp_lock_on, __ATOMIC_RELAXED) || klock_holder != (int)arch_cpu_id())
        return;
    klock_holder = -1;
    __atomic_store_n(&klock_serving, klock_serving + 1, __ATOMIC_RELEASE);
}

bool kernel_lock_mine(void)
{
    return !smp_lock_on || klock_holder == (int)arch_cpu_id();
}

void arch_idle(void)
{
    kernel_unlock();
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    arch_kernel_lock();
}

void arch_cpu_call(uint32_t targets, void (*fn)(void *arg, uint64_t word), void *arg, uint64_t word)
{
    unsigned self = arch_cpu_id();

    targets &= cpus_running & ~(1u << self);
    if (!targets)
        return;
    KASSERT(kernel_lock_mine() && !cpu_call.pending);
    cpu_call.fn = fn;
    cpu_call.arg = arg;
    cpu_call.word = word;
    __atomic_store_n(&cpu_call.pending, targets, __ATOMIC_RELEASE);
    for (unsigned id = 0; id < cpus_found; id++) {
        if (targets & (1u << id)) {
            lapic_send_ipi(cpus[id].apic_id, VECTOR_CALL);
            calls_answered++;
        }
    }
    while (__atomic_load_n(&cpu_call.pending, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

uint64_t arch_cpu_calls_answered(void)
{
    return calls_answered;
}

void smp_call_interrupt(void)
{
    lapic_eoi();
    cpu_call_poll(arch_cpu_id());
}

void arch_cpu_kick(unsigned id)
{
    if (id != arch_cpu_id() && (cpus_running & (1u << id)))
        lapic_send_ipi(cpus[id].apic_id, VECTOR_WAKE);
}

uint32_t arch_cpus_running(void)
{
    return __atomic_load_n(&cpus_running, __ATOMIC_RELAXED);
}

void arch_smp_run(void (*cpu_main)(void), unsigned hz)
{
    uint32_t running = 1;

    for (unsigned id = 1; id < cpus_found; id++)
        if (__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE))
            running |= 1u << id;
    if (running == 1)
        return;
    fpu_save_owner(); /* from now on a thread's registers are saved whenever it leaves a CPU */
    __atomic_store_n(&smp_lock_on, true, __ATOMIC_RELAXED);
    arch_kernel_lock(); /* ours: we are in the kernel */
    __atomic_store_n(&cpus_running, running, __ATOMIC_RELEASE);
    ap_hz = hz;
    __atomic_store_n(&ap_main, cpu_main, __ATOMIC_RELEASE);
    kprintf("smp: %u CPUs run threads under the kernel lock\n",
            __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE));
}

void smp_nmi_report(uint64_t pc, bool user)
{
    static uint32_t turn = 1; /* the APs report in order, one line each */

    while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != arch_cpu_id())
        __asm__ volatile("pause");
    kprintf("smp: cpu %u NMI at %s pc %llx, thread %u, kernel lock held by cpu %d, call "
            "pending %#x\n",
            arch_cpu_id(), user ? "user" : "kernel", (unsigned long long)pc, thread_current()->id,
            klock_holder, cpu_call.pending);
    __atomic_store_n(&turn, arch_cpu_id() + 1, __ATOMIC_RELEASE);
}
