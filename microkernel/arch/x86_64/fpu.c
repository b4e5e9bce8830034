/*
 * The x87/SSE/AVX state of user threads. At boot the CPU is told the kernel
 * saves that state (CR4.OSFXSR, OSXMMEXCPT, OSXSAVE, XCR0 with x87, SSE and
 * AVX where present); each user thread owns a save area (XSAVE standard form,
 * or the 512-byte FXSAVE image without XSAVE). The registers hold one
 * thread's state at a time, the owner's. A thread's state is saved when it
 * leaves a CPU whose registers hold it (it may run on another CPU next);
 * the thread switched to gets its state loaded at once (eager) or only
 * CR0.TS set, so that its first FPU instruction traps (#NM) and loads it
 * then (lazy); by default a thread is switched lazily until its first use,
 * then eagerly. A thread back on the CPU whose registers still hold its
 * state (their last owner, loaded nowhere else since) loads nothing.
 * Kernel threads and the kernel never touch the registers.
 */
#include "arch_x86_64.h"
#include "cpu.h"

#include <arch/arch.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <mmu_x86_64.h>
#include <stddef.h>

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_EDX_FXSR (1u << 24)
#define XFEATURE_X87 (1u << 0)
#define XFEATURE_SSE (1u << 1)
#define XFEATURE_AVX (1u << 2)

#define FPU_FCW_INIT 0x37f    /* every x87 exception masked, double extended precision */
#define FPU_MXCSR_INIT 0x1f80 /* every SSE exception masked, round to nearest */
#define FPU_LEGACY_SIZE 512   /* the FXSAVE image, also the start of an XSAVE area */
#define FPU_XSAVE_HEADER 64   /* the XSAVE header after it (XSTATE_BV, XCOMP_BV) */

/* The start of the FXSAVE image (and of the XSAVE area's legacy region). */
struct fpu_legacy {
    uint16_t fcw, fsw;
    uint8_t ftw, reserved0;
    uint16_t fop;
    uint64_t fip, fdp;
    uint32_t mxcsr, mxcsr_mask;
};
_Static_assert(offsetof(struct fpu_legacy, mxcsr) == 24, "FXSAVE layout");

static bool fpu_xsave; /* XSAVE/XRSTOR, else FXSAVE/FXRSTOR */
static enum arch_fpu_mode fpu_mode;
static uint64_t fpu_xcr0; /* the state components saved */
static size_t fpu_size;   /* bytes of a save area */
/* Whose state each CPU's registers hold and whether its CR0.TS is set: struct cpu. */

static void fpu_save(void *area)
{
    if (fpu_xsave)
        __asm__ volatile("xsave64 (%0)"
                         :
                         : "r"(area), "a"((uint32_t)fpu_xcr0), "d"((uint32_t)(fpu_xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void fpu_restore(const void *area)
{
    if (fpu_xsave)
        __asm__ volatile("xrstor64 (%0)"
                         :
                         : "r"(area), "a"((uint32_t)fpu_xcr0), "d"((uint32_t)(fpu_xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* This CPU's control registers for the choice fpu_enable made on the boot CPU. */
void fpu_cpu_init(void)
{
    write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    uint64_t cr4 = mmu_x86_cr4_read() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    mmu_x86_cr4_write(fpu_xsave ? cr4 | CR4_OSXSAVE : cr4);
    if (fpu_xsave)
        xsetbv(0, fpu_xcr0);
    __asm__ volatile("fninit");
}

/* Choose XSAVE and its components, or FXSAVE; set the control registers for them. */
static void fpu_enable(void)
{
    uint32_t r[4];

    cpuid(1, 0, r);
    if (!(r[3] & CPUID1_EDX_FXSR))
        panic("fpu: the CPU has no FXSAVE");
    write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    uint64_t cr4 = mmu_x86_cr4_read() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    fpu_xsave = r[2] & CPUID1_ECX_XSAVE;
    bool avx = r[2] & CPUID1_ECX_AVX;
    fpu_size = FPU_LEGACY_SIZE;
    if (!fpu_xsave) {
        mmu_x86_cr4_write(cr4);
        return;
    }
    mmu_x86_cr4_write(cr4 | CR4_OSXSAVE);
    cpuid(0xd, 0, r);
    fpu_xcr0 = XFEATURE_X87 | XFEATURE_SSE | (avx ? (r[0] & XFEATURE_AVX) : 0);
    xsetbv(0, fpu_xcr0);
    cpuid(0xd, 0, r); /* EBX: the area's size for the components XCR0 now enables */
    fpu_size = ALIGN_UP(r[1], 64);
}

void arch_fpu_init(enum arch_fpu_mode mode)
{
    static const char *const mode_names[] = {"lazily until a thread first uses them, then eagerly",
                                             "eagerly", "lazily"};

    fpu_enable();
    fpu_mode = mode;
    if (fpu_size > KMALLOC_MAX)
        panic("fpu: a %zu-byte save area is more than kmalloc gives", fpu_size);
    __asm__ volatile("fninit");
    kprintf("fpu: %s, %zu-byte areas, x87 sse%s, switched %s\n", fpu_xsave ? "xsave" : "fxsave",
            fpu_size, fpu_xcr0 & XFEATURE_AVX ? " avx" : "", mode_names[mode]);
}

size_t arch_fpu_size(void)
{
    return fpu_size;
}

void arch_fpu_context_init(struct arch_context *ctx)
{
    struct fpu_legacy *legacy = ctx->fpu;

    KASSERT(((uintptr_t)ctx->fpu & 63) == 0);
    memset(ctx->fpu, 0, fpu_size);
    legacy->fcw = FPU_FCW_INIT;
    ctx->fpu_cpu = 0xff;
    legacy->mxcsr = FPU_MXCSR_INIT;
    /* XSTATE_BV 0: XRSTOR puts every component in its initial state (zero), MXCSR aside. */
    ctx->fpu_eager = fpu_mode == ARCH_FPU_EAGER;
}

/* Make @ctx's state the registers' (TS clear): save the owner's, load @ctx's. */
/* Load @ctx's state into @cpu's registers (its last owner's was saved when it left). */
static void fpu_load(struct cpu *cpu, struct arch_context *ctx)
{
    fpu_restore(ctx->fpu);
    cpu->fpu_owner = ctx;
    ctx->fpu_cpu = (uint8_t)cpu->id;
}

static void fpu_ts_clear(struct cpu *cpu)
{
    if (cpu->fpu_ts) {
        __asm__ volatile("clts");
        cpu->fpu_ts = false;
    }
}

/*
 * The hot path of every switch: the order of the tests puts first what costs
 * least for a thread that never used the registers (and for kernel threads).
 */
void arch_fpu_switch(struct arch_context *from, struct arch_context *to)
{
    struct cpu *cpu = cpu_self();
    struct arch_context *owner = cpu->fpu_owner;
    uint8_t self = (uint8_t)cpu->id;

    if (owner == to && to->fpu_cpu == self) { /* its state is still in the registers */
        fpu_ts_clear(cpu);
        return;
    }
    /* The registers hold @from's current state only if it was last loaded here: a
     * thread that ran here lazily since it was loaded on another CPU left them stale. */
    if (owner == from && from->fpu_cpu == self)
        fpu_save(from->fpu);
    if (to->fpu_eager) {
        fpu_ts_clear(cpu);
        fpu_load(cpu, to);
    } else if (to->fpu && !cpu->fpu_ts) {
        write_cr0(read_cr0() | CR0_TS); /* its first use traps (a kernel thread has none) */
        cpu->fpu_ts = true;
    }
}

bool fpu_trap(struct arch_context *ctx)
{
    struct cpu *cpu = cpu_self();

    if (!cpu->fpu_ts || !ctx->fpu)
        return false;
    fpu_ts_clear(cpu);
    ctx->fpu_eager = fpu_mode == ARCH_FPU_AUTO;
    fpu_load(cpu, ctx);
    return true;
}

void arch_fpu_release(struct arch_context *ctx)
{
    unsigned id = ctx->fpu_cpu;

    if (id < ARCH_MAX_CPUS && smp_cpu(id)->fpu_owner == ctx)
        smp_cpu(id)->fpu_owner = NULL; /* its registers keep the values until the next load */
}

void fpu_save_owner(void)
{
    struct cpu *cpu = cpu_self();

    if (cpu->fpu_owner) {
        fpu_ts_clear(cpu);
        fpu_save(cpu->fpu_owner->fpu);
    }
}
