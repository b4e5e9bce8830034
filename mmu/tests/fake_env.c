/*
 * Simulated physical memory for the MMU handler's host tests: mmu_env_*
 * served from a static pool of 4 KiB frames at FAKE_PHYS_BASE. Every misuse
 * (double free, foreign address, access to a free table) fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mmu_fake.h"

static _Alignas(4096) unsigned char ram[FAKE_FRAMES][PAGE_SIZE];
static bool used[FAKE_FRAMES];
static unsigned free_stack[FAKE_FRAMES];
static unsigned free_top;
static int fail_after;
static struct fake_env_stats stats;

/* Index of pool frame @pa, or FAKE_FRAMES when @pa is not one. */
static unsigned fake_env_index(paddr_t pa)
{
    if (pa < FAKE_PHYS_BASE || (pa & (PAGE_SIZE - 1)) != 0)
        return FAKE_FRAMES;
    paddr_t i = (pa - FAKE_PHYS_BASE) / PAGE_SIZE;
    return i < FAKE_FRAMES ? (unsigned)i : FAKE_FRAMES;
}

/* Several CPUs, as a test sets them: the one running, those running, the shootdowns asked. */
unsigned fake_cpu;
uint32_t fake_cpus = 1;
struct fake_shootdown fake_shootdowns[FAKE_SHOOTDOWNS];
unsigned fake_shootdown_count;
uint32_t fake_batch_cpus[FAKE_SHOOTDOWNS];
unsigned fake_batch_count;
const struct mmu_batch *fake_batch_last;

void fake_env_reset(void)
{
    free_top = 0;
    for (unsigned i = FAKE_FRAMES; i-- > 0;) {
        used[i] = false;
        free_stack[free_top++] = i;
    }
    fail_after = -1;
    memset(&stats, 0, sizeof(stats));
    fake_cpu = 0;
    fake_cpus = 1;
    fake_shootdown_count = 0;
    fake_batch_count = 0;
    fake_batch_last = NULL;
}

void fake_env_fail_after(int n)
{
    fail_after = n;
}

struct fake_env_stats fake_env_stats(void)
{
    return stats;
}

bool fake_env_is_live(paddr_t pa)
{
    unsigned i = fake_env_index(pa);
    return i < FAKE_FRAMES && used[i];
}

paddr_t mmu_env_table_alloc(void)
{
    if (fail_after == 0 || free_top == 0)
        return 0;
    if (fail_after > 0)
        fail_after--;
    unsigned i = free_stack[--free_top];
    used[i] = true;
    memset(ram[i], 0, PAGE_SIZE);
    stats.allocs++;
    stats.live++;
    return FAKE_PHYS_BASE + (paddr_t)i * PAGE_SIZE;
}

void mmu_env_table_free(paddr_t pa, bool zeroed)
{
    unsigned i = fake_env_index(pa);
    if (i == FAKE_FRAMES || !used[i]) {
        fail_msg("mmu_env_table_free(%#llx): not an allocated frame", (unsigned long long)pa);
        return;
    }
    /* A frame given back as zeroed is reused without zeroing: it must be. */
    const uint64_t *words = mmu_env_phys_to_virt(pa);
    for (unsigned w = 0; zeroed && w < PAGE_SIZE / 8; w++)
        if (words[w])
            fail_msg("mmu_env_table_free(%#llx): freed as zeroed, word %u is %#llx",
                     (unsigned long long)pa, w, (unsigned long long)words[w]);
    used[i] = false;
    memset(ram[i], 0xa5, PAGE_SIZE); /* a freed table read again looks corrupt */
    free_stack[free_top++] = i;
    stats.frees++;
    stats.live--;
}

void *mmu_env_phys_to_virt(paddr_t pa)
{
    unsigned i = fake_env_index(pa);
    if (i == FAKE_FRAMES || !used[i]) {
        fail_msg("mmu_env_phys_to_virt(%#llx): not an allocated frame", (unsigned long long)pa);
        return NULL;
    }
    stats.lookups++;
    return ram[i];
}

static struct mmu_space *loaded;

struct mmu_space *mmu_env_loaded(void)
{
    return loaded;
}

void mmu_env_set_loaded(struct mmu_space *space)
{
    loaded = space;
}

unsigned mmu_env_cpu(void)
{
    return fake_cpu;
}

uint32_t mmu_env_cpus(void)
{
    return fake_cpus;
}

void mmu_env_shootdown_batch(uint32_t cpus, const struct mmu_batch *batch)
{
    assert_true((cpus & ~fake_cpus) == 0 && !(cpus & (1u << fake_cpu)));
    fake_batch_cpus[fake_batch_count < FAKE_SHOOTDOWNS ? fake_batch_count : 0] = cpus;
    fake_batch_count++;
    fake_batch_last = batch;
}

void mmu_env_shootdown(uint32_t cpus, struct mmu_space *space, vaddr_t va)
{
    assert_true((cpus & ~fake_cpus) == 0 && !(cpus & (1u << fake_cpu)));
    if (fake_shootdown_count < FAKE_SHOOTDOWNS)
        fake_shootdowns[fake_shootdown_count] = (struct fake_shootdown){cpus, space, va};
    fake_shootdown_count++;
}
