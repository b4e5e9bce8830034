/*
 * Simulated RAM and kernel stand-ins for the host unit tests (link-time
 * substitution: the product files are compiled unchanged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <task/task.h>
#include <vm/frame.h>

#include "host_support.h"

static void *ram;
static unsigned log_lines;
static unsigned terminations;

void host_memory_init(uint64_t frames, uint64_t limit, size_t side_bytes)
{
    struct boot_mem_range r[2] = {
        {.base = HOST_PHYS_BASE, .pages = frames, .type = BOOT_MEM_FREE},
        {.base = HOST_PHYS_BASE + frames * 4096, .pages = 16, .type = BOOT_MEM_RESERVED},
    };
    size_t bytes = (HOST_PHYS_BASE / 4096 + frames + 16) * 4096;

    host_memory_free();
    ram = aligned_alloc(4096, bytes - HOST_PHYS_BASE);
    assert_non_null(ram);
    memset(ram, 0xa5, bytes - HOST_PHYS_BASE);
    hhdm_base = (uintptr_t)ram - HOST_PHYS_BASE;
    assert_int_equal(frame_init(r, 2, limit, side_bytes), 0);
}

uint64_t host_free_frames(void)
{
    kmalloc_trim();
    return frame_free_count();
}

void host_memory_free(void)
{
    if (ram)
        kmalloc_trim(); /* no spare slab may outlive the memory it lies in */
    free(ram);
    ram = NULL;
}

unsigned host_log_lines(void)
{
    unsigned n = log_lines;
    log_lines = 0;
    return n;
}

unsigned host_terminations(void)
{
    unsigned n = terminations;
    terminations = 0;
    return n;
}

void kprintf(const char *fmt, ...)
{
    (void)fmt;
    log_lines++;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fail_msg("kernel panic");
    abort();
}

void task_terminate(struct task *task, enum task_end end, int code, uint64_t fault_addr)
{
    (void)task, (void)end, (void)code, (void)fault_addr;
    terminations++;
}

/* One CPU. */
unsigned arch_cpu_id(void)
{
    return 0;
}

uint32_t arch_cpus_running(void)
{
    return 1;
}

void arch_smp_run(void (*cpu_main)(void), unsigned hz)
{
    (void)cpu_main, (void)hz;
}

void arch_cpu_kick(unsigned cpu)
{
    fail_msg("arch_cpu_kick(%u) with one CPU", cpu);
}

void arch_cpu_call(uint32_t cpus, void (*fn)(void *arg, uint64_t word), void *arg, uint64_t word)
{
    (void)fn, (void)arg, (void)word;
    fail_msg("arch_cpu_call(%#x) with one CPU", cpus);
}

static uint64_t cpu_words[ARCH_CPU_WORDS];

uint64_t arch_cpu_word(enum arch_cpu_word w)
{
    return cpu_words[w];
}

void arch_cpu_word_set(enum arch_cpu_word w, uint64_t value)
{
    cpu_words[w] = value;
}
