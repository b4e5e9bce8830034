/*
 * Sequential faults cost far fewer pager round trips than pages (docs/pager.md,
 * "Clusters"): a region of the system's pager is read front to back fresh
 * (zero fill), then written, pushed out and read back front to back, and each
 * pass must take at most a quarter as many data_requests as pages, with
 * most pages mapped next to a served fault rather than faulted. Read back in
 * a scattered order the same pages cost about a request each: the kernel
 * asks for runs only when faults follow each other. Every page keeps its data.
 * Argument "pages=N" (default 256).
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <stdbool.h>

#include "swap_util.h"

#define SQ_STRIDE 97u /* scattered order: page i * 97 mod N, never next to the last */

static uint64_t sq_pages = 256;
static port_name_t sq_pager;

/* Requests the pager received, and pages the kernel mapped around faults, so far. */
static void sq_counts(uint64_t *requests, uint64_t *around)
{
    struct pager_stats_info st;
    struct vm_stat vm;

    *requests = pager_stats_read(sq_pager, &st) == 0 ? st.requests : 0;
    *around = sys_vm_stat(&vm) == 0 ? vm.mapped_around : 0;
}

/* Read every page of @b in order (@stride 1) or scattered; the wrong pages. */
static uint64_t sq_read(volatile uint64_t *b, uint64_t stride, uint64_t n)
{
    uint64_t bad = 0;

    for (uint64_t i = 0; i < sq_pages; i++) {
        uint64_t p = i * stride % sq_pages;
        volatile uint64_t *page = b + p * PAGE_SIZE / 8;
        bad += n == 0 ? page[0] != 0 || page[PAGE_SIZE / 8 - 1] != 0
                      : !sw_stamped(page, (uint64_t)page, n);
    }
    return bad;
}

/* Push the region out to the pager (every page written with stamp @n) and wait for it. */
static void sq_push(volatile uint64_t *b, uint64_t n)
{
    uint64_t r0 = sw_returns(sq_pager);

    for (uint64_t p = 0; p < sq_pages; p++)
        sw_stamp(b + p * PAGE_SIZE / 8, (uint64_t)(b + p * PAGE_SIZE / 8), n);
    long pushed = sys_vm_pageout((void *)b, sq_pages * PAGE_SIZE);
    TEST_CHECK(pushed == (long)sq_pages, "pageout pushed %ld of %lu", pushed,
               (unsigned long)sq_pages);
    sw_wait_returned(sq_pager, r0, sq_pages);
}

/* One pass: read in order (@stride 1) or scattered, expecting stamp @n (0: zeros). */
static void sq_pass(volatile uint64_t *b, uint64_t stride, uint64_t n, const char *what)
{
    uint64_t r0, a0, r1, a1;

    sq_counts(&r0, &a0);
    uint64_t bad = sq_read(b, stride, n);
    sq_counts(&r1, &a1);
    printf("test_seq_fault: %s: %lu pages, %lu requests, %lu mapped around a fault\n", what,
           (unsigned long)sq_pages, (unsigned long)(r1 - r0), (unsigned long)(a1 - a0));
    TEST_CHECK(bad == 0, "%s: %lu pages wrong", what, (unsigned long)bad);
    TEST_CHECK(r1 > r0, "%s: no request at all", what);
    if (stride == 1) {
        TEST_CHECK(r1 - r0 <= sq_pages / 4, "%s: %lu requests for %lu pages", what,
                   (unsigned long)(r1 - r0), (unsigned long)sq_pages);
        TEST_CHECK(a1 - a0 >= sq_pages / 2, "%s: only %lu pages mapped around faults", what,
                   (unsigned long)(a1 - a0));
    } else {
        TEST_CHECK(r1 - r0 >= sq_pages * 3 / 4, "%s: %lu requests: runs on scattered faults", what,
                   (unsigned long)(r1 - r0));
    }
}

int main(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "pages");

    if (v != NULL && (!parse_u64(v, &sq_pages) || sq_pages < 64 || sq_pages > 4096))
        sq_pages = 256;
    if (!TEST_CHECK(pager_stats_system(&sq_pager) == 0, "no system pager (pager=kernel?)"))
        return test_report("test_seq_fault");
    long base = sys_vm_allocate(sq_pages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate: %ld", base))
        return test_report("test_seq_fault");
    volatile uint64_t *b = (volatile uint64_t *)base;
    sq_pass(b, 1, 0, "fresh, in order");
    sq_push(b, 1);
    sq_pass(b, 1, 1, "pushed out, in order");
    sq_push(b, 2);
    sq_pass(b, SQ_STRIDE, 2, "pushed out, scattered");
    sq_push(b, 3);
    sq_pass(b, 1, 3, "pushed out again, in order");
    TEST_CHECK(sys_vm_deallocate((void *)base, sq_pages * PAGE_SIZE) == 0, "free");
    return test_report("test_seq_fault");
}
