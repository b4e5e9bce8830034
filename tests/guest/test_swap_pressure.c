/*
 * Memory pressure through the swap disk (issue 5): a working set four times
 * the usable frames is stamped page by page (the page's address and a
 * counter), then read back over several passes while the pageout thread
 * pushes pages out to the default pager, which writes them to the swap disk
 * through the backing-store server and reads them back on the next fault.
 * Half the pages are stamped again between passes, so both modified pages
 * (written back) and clean ones (dropped: the disk copy is still valid) leave
 * memory. Every stamp must read back; init then checks that every frame and
 * swap block comes back. Argument factor=N: the working set is N times the
 * usable frames (default 4). Under a pager with a frame quota (policy_pager)
 * the pager evicts its own pages before pageout has to: then its evictions
 * are checked instead of pageout's, and that it answered the kernel's
 * sequential ranges whole (at most a request per two pages evicted).
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <lib/cmdline.h>
#include <lib/lib.h>

#include "swap_util.h"

#define SP_FACTOR 4 /* working set / usable frames, unless factor=N says */

/* The factor=N option of the program's arguments, or SP_FACTOR. */
static uint64_t sp_factor(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "factor");
    uint64_t n;

    return v != NULL && parse_u64(v, &n) && n >= 2 ? n : SP_FACTOR;
}

/* Stamp every page with counter @n, or only the odd ones when @odd_only. */
static void sp_stamp(uint64_t base, uint64_t npages, uint64_t n, bool odd_only)
{
    for (uint64_t i = odd_only ? 1 : 0; i < npages; i += odd_only ? 2 : 1)
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, n);
}

/* Pages whose stamp is not the expected one: @even on even pages, @odd on odd ones. */
static uint64_t sp_check(uint64_t base, uint64_t npages, uint64_t even, uint64_t odd)
{
    uint64_t bad = 0;

    for (uint64_t i = 0; i < npages; i++) {
        uint64_t va = base + i * PAGE_SIZE;
        if (!sw_stamped((volatile const uint64_t *)va, va, i % 2 ? odd : even)) {
            if (bad++ < 4)
                printf("test_swap_pressure: page %lu at %lx holds %lx\n", (unsigned long)i,
                       (unsigned long)va, (unsigned long)*(volatile uint64_t *)va);
        }
    }
    return bad;
}

int main(int argc, char **argv)
{
    struct sw_stats s0, s1;
    struct vm_stat v0, v1;

    if (!TEST_CHECK(sw_stats(&s0) == 0 && s0.disk == 1, "the system pager does not swap to disk"))
        return test_report("test_swap_pressure");
    uint64_t npages = sp_factor(argc, argv) * sw_frames_total();
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate %lu pages: %ld", (unsigned long)npages, base))
        return test_report("test_swap_pressure");
    sys_vm_stat(&v0);
    printf("test_swap_pressure: %lu pages over %lu frames, swap %lu blocks (%lu free)\n",
           (unsigned long)npages, (unsigned long)v0.frames_total, (unsigned long)s0.blocks,
           (unsigned long)s0.free);

    sp_stamp((uint64_t)base, npages, 1, false);
    uint64_t bad = sp_check((uint64_t)base, npages, 1, 1);
    sp_stamp((uint64_t)base, npages, 2, true);
    bad += sp_check((uint64_t)base, npages, 1, 2);
    bad += sp_check((uint64_t)base, npages, 1, 2);
    TEST_CHECK(bad == 0, "%lu pages read back wrong", (unsigned long)bad);

    sys_vm_stat(&v1);
    TEST_CHECK(sw_stats(&s1) == 0, "swap_stats");
    printf("test_swap_pressure: evicted %lu clean, %lu dirty; %lu blocks written, %lu read; "
           "%lu faults waited for frames\n",
           (unsigned long)(v1.evict_clean - v0.evict_clean),
           (unsigned long)(v1.evict_dirty - v0.evict_dirty), (unsigned long)(s1.writes - s0.writes),
           (unsigned long)(s1.reads - s0.reads), (unsigned long)(v1.throttled - v0.throttled));
    printf("test_swap_pressure: %lu data_requests, %lu pages returned by pageout, %lu disk "
           "requests\n",
           (unsigned long)(s1.requests - s0.requests), (unsigned long)(s1.returns - s0.returns),
           (unsigned long)(s1.ios - s0.ios));
    if (s0.quota == 0) {
        TEST_CHECK(v1.evict_clean > v0.evict_clean, "no clean page was evicted");
        TEST_CHECK(v1.evict_dirty > v0.evict_dirty, "no dirty page was evicted");
    } else { /* within a frame quota the pager chooses the victims (local allocation) */
        printf("test_swap_pressure: the pager evicted %lu pages within its quota of %lu "
               "(%lu rounds, %lu vetoes)\n",
               (unsigned long)(s1.evictions - s0.evictions), (unsigned long)s0.quota,
               (unsigned long)(s1.rounds - s0.rounds), (unsigned long)(s1.vetoes - s0.vetoes));
        TEST_CHECK(s1.evictions - s0.evictions >= npages - s0.quota,
                   "the pager evicted %lu pages within its quota",
                   (unsigned long)(s1.evictions - s0.evictions));
        /* Sequential passes: the kernel asks for ranges, the pager answers them whole (a
         * request per page made this boot 3 to 5 times slower under load, docs/pagers.md). */
        TEST_CHECK(2 * (s1.requests - s0.requests) <= s1.evictions - s0.evictions,
                   "%lu data_requests for %lu pages evicted: ranges answered a page at a time",
                   (unsigned long)(s1.requests - s0.requests),
                   (unsigned long)(s1.evictions - s0.evictions));
    }
    TEST_CHECK(s1.writes - s0.writes >= npages - v0.frames_total, "too few pages went to disk");
    TEST_CHECK(s1.reads > s0.reads, "no page came back from disk");
    TEST_CHECK(s1.kept == s0.kept, "swap ran full (%lu pages kept)", (unsigned long)s1.kept);

    /* init checks that every frame and swap block comes back once this task is gone. */
    TEST_CHECK(sys_vm_deallocate((void *)base, npages * PAGE_SIZE) == 0, "deallocate");
    return test_report("test_swap_pressure");
}
