/*
 * Zero-fill demand paging: a 256 MiB region is reserved, one page per MiB
 * plus random pages are touched; each must read zero on first touch, keep
 * the pattern written to it, fault only once, and all frames must come back
 * when the region is removed.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdint.h>

#define ZERO_SIZE (256ul * 1024 * 1024)
#define ZERO_PAGES (ZERO_SIZE / PAGE_SIZE)
#define ZERO_STRIDE_PAGES 256 /* one page per MiB */
#define ZERO_RANDOM 64
#define ZERO_MAX_TOUCH (ZERO_PAGES / ZERO_STRIDE_PAGES + ZERO_RANDOM)
#define ZERO_PATTERN 0x5a5aa5a5c3c33c3cull

static uint8_t zero_seen[ZERO_PAGES / 8];
static uint32_t zero_list[ZERO_MAX_TOUCH];
static unsigned int zero_count;
static uint64_t zero_rng;

static uint32_t zero_random(void)
{
    zero_rng = zero_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(zero_rng >> 33);
}

/* Add page @page to the touch list once. */
static void zero_pick(uint32_t page)
{
    if (zero_seen[page / 8] & (1u << (page % 8)))
        return;
    zero_seen[page / 8] |= (uint8_t)(1u << (page % 8));
    zero_list[zero_count++] = page;
}

/* Check that the page at @p reads all zero, then fill it with its pattern. */
static int zero_first_touch(uint64_t *p)
{
    unsigned int i;
    int zero = 1;

    for (i = 0; i < PAGE_SIZE / 8; i++)
        zero &= p[i] == 0;
    for (i = 0; i < PAGE_SIZE / 8; i++)
        p[i] = ((uintptr_t)p ^ ZERO_PATTERN) + i;
    return zero;
}

/* Number of words of the page at @p that do not hold its pattern. */
static unsigned int zero_verify(const uint64_t *p)
{
    unsigned int i, bad = 0;

    for (i = 0; i < PAGE_SIZE / 8; i++)
        bad += p[i] != ((uintptr_t)p ^ ZERO_PATTERN) + i;
    return bad;
}

/* Touch every listed page of @base; returns how many were not zero at first. */
static unsigned int zero_touch_all(uintptr_t base)
{
    unsigned int i, nonzero = 0;

    for (i = 0; i < zero_count; i++)
        nonzero += !zero_first_touch((uint64_t *)(base + zero_list[i] * PAGE_SIZE));
    return nonzero;
}

/* Verify every listed page of @base; returns the number of bad words. */
static unsigned int zero_verify_all(uintptr_t base)
{
    unsigned int i, bad = 0;

    for (i = 0; i < zero_count; i++)
        bad += zero_verify((const uint64_t *)(base + zero_list[i] * PAGE_SIZE));
    return bad;
}

/* Run the touch and verify passes over a fresh region at @base and check the counters. */
static void zero_check_region(uintptr_t base)
{
    struct vm_stat s1, s2, s3;
    unsigned int nonzero, bad;

    sys_vm_stat(&s1);
    nonzero = zero_touch_all(base);
    sys_vm_stat(&s2);
    bad = zero_verify_all(base);
    sys_vm_stat(&s3);
    TEST_CHECK(nonzero == 0, "%u pages were not zero on first touch", nonzero);
    TEST_CHECK(bad == 0, "%u words lost their pattern", bad);
    TEST_CHECK(s2.faults - s1.faults >= zero_count, "faults +%lu for %u pages",
               (unsigned long)(s2.faults - s1.faults), zero_count);
    TEST_CHECK(s2.zero_fills - s1.zero_fills >= zero_count, "zero fills +%lu for %u pages",
               (unsigned long)(s2.zero_fills - s1.zero_fills), zero_count);
    TEST_CHECK(s3.faults == s2.faults, "second touch faulted %lu times",
               (unsigned long)(s3.faults - s2.faults));
    printf("test_zero: %u pages: faults +%lu, zero fills +%lu, frames used %lu\n", zero_count,
           (unsigned long)(s2.faults - s1.faults), (unsigned long)(s2.zero_fills - s1.zero_fills),
           (unsigned long)(s1.frames_free - s2.frames_free));
}

int main(void)
{
    struct task_acct a0, a4;
    uint32_t page;
    long base;

    zero_rng = sys_clock_ns() | 1;
    for (page = 0; page < ZERO_PAGES; page += ZERO_STRIDE_PAGES)
        zero_pick(page);
    while (zero_count < ZERO_MAX_TOUCH)
        zero_pick(zero_random() % ZERO_PAGES);
    /* Our own pages must not disturb the frame count. */
    prefault_image();
    prefault_stack(8 * 1024);
    printf("test_zero: touching %u of %lu pages\n", zero_count, (unsigned long)ZERO_PAGES);
    TEST_CHECK(sys_task_acct(PORT_NULL, 0, 0, &a0) == 0, "task_acct");
    base = sys_vm_allocate(ZERO_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "vm_allocate 256 MiB: %s", err_text(base)))
        return test_report("test_zero");
    zero_check_region((uintptr_t)base);
    TEST_CHECK(sys_vm_deallocate((void *)base, ZERO_SIZE) == 0, "vm_deallocate");
    /* What we hold is exact at once (our own account: the pager's
     * bookkeeping of the terminated object is its own): data frames and
     * page tables apart. */
    TEST_CHECK(sys_task_acct(PORT_NULL, 0, 0, &a4) == 0, "task_acct");
    TEST_CHECK(a4.frames_user == a0.frames_user && a4.objects == a0.objects,
               "data not returned: %ld user frames, %ld objects after vm_deallocate",
               (long)(a4.frames_user - a0.frames_user), (long)(a4.objects - a0.objects));
    TEST_CHECK(a4.frames_table == a0.frames_table, "%ld page tables kept after vm_deallocate",
               (long)(a4.frames_table - a0.frames_table));
    return test_report("test_zero");
}
