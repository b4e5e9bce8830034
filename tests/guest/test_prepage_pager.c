/*
 * The prepaging pager's own test (pager=prepage_pager swap=disk,
 * docs/pagers.md). Clusters: a region pushed out to the swap disk and read
 * back in a scattered order costs at most one request per eight pages, and
 * the pager reads every page back (its disk figures), over several passes of
 * fresh stamps. Working sets: every third page of a region written and
 * pushed out together; one fault on one of them brings the others back
 * (the pager supplies them with it), and reading them all takes a few
 * requests. Every page keeps its data throughout.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdbool.h>

#include "swap_util.h"

#define PT_PAGES 512u   /* the clusters' region */
#define PT_STRIDE 97u   /* scattered order: page i * 97 mod 512 */
#define PT_PASSES 3u    /* swap-out and back, each with fresh stamps */
#define PT_WS_SPAN 192u /* the working set's region: every third page written */

static port_name_t pt_pager;

static volatile uint64_t *pt_page(volatile uint64_t *b, uint64_t p)
{
    return b + p * PAGE_SIZE / 8;
}

static struct pager_stats_info pt_stats(void)
{
    struct pager_stats_info st = {0};
    TEST_CHECK(pager_stats_read(pt_pager, &st) == 0, "pager_stats");
    return st;
}

/* Resident pages among @first, @first + @step, ... below @end. */
static unsigned pt_resident(volatile uint64_t *b, uint64_t end, uint64_t first, uint64_t step)
{
    unsigned n = 0;
    for (uint64_t p = first; p < end; p += step) {
        struct vm_query q;
        n += sys_vm_query((const void *)pt_page(b, p), &q) == 0 && q.resident;
    }
    return n;
}

/*
 * Stamp pages @first, @first + @step, ... below @end with @n; push the
 * region out (a sparse region's walk may take more than one call) and wait
 * until the pager has taken every page.
 */
static void pt_push(volatile uint64_t *b, uint64_t end, uint64_t first, uint64_t step, uint64_t n)
{
    uint64_t r0 = sw_returns(pt_pager), count = 0;
    long pushed = 0;

    for (uint64_t p = first; p < end; p += step, count++)
        sw_stamp(pt_page(b, p), (uint64_t)pt_page(b, p), n);
    for (unsigned i = 0; i < 8 && pt_resident(b, end, 0, 1) > 0; i++) {
        long got = sys_vm_pageout((void *)b, end * PAGE_SIZE);
        pushed += got > 0 ? got : 0;
    }
    TEST_CHECK(pushed >= (long)count, "pageout pushed %ld of %lu", pushed, (unsigned long)count);
    sw_wait_returned(pt_pager, r0, count);
}

/* Clusters: pass @n reads the pushed-out region back scattered. */
static void pt_cluster_pass(volatile uint64_t *b, uint64_t n)
{
    pt_push(b, PT_PAGES, 0, 1, n);
    struct pager_stats_info s0 = pt_stats();
    uint64_t bad = 0;
    for (uint64_t i = 0; i < PT_PAGES; i++) {
        uint64_t p = i * PT_STRIDE % PT_PAGES;
        bad += !sw_stamped(pt_page(b, p), (uint64_t)pt_page(b, p), n);
    }
    struct pager_stats_info s1 = pt_stats();
    uint64_t requests = s1.requests - s0.requests, reads = s1.reads - s0.reads;
    printf("test_prepage_pager: clusters, pass %lu: %u pages, %lu requests, %lu blocks read\n",
           (unsigned long)n, PT_PAGES, (unsigned long)requests, (unsigned long)reads);
    TEST_CHECK(bad == 0, "pass %lu: %lu pages wrong", (unsigned long)n, (unsigned long)bad);
    TEST_CHECK(requests <= PT_PAGES / 8, "pass %lu: %lu requests for %u scattered pages",
               (unsigned long)n, (unsigned long)requests, PT_PAGES);
    TEST_CHECK(reads >= PT_PAGES, "pass %lu: only %lu blocks read", (unsigned long)n,
               (unsigned long)reads);
}

/* Working sets: pass @n pushes the written pages out, faults one, finds the rest back. */
static void pt_ws_pass(volatile uint64_t *b, uint64_t n)
{
    const unsigned pages = PT_WS_SPAN / 3;

    pt_push(b, PT_WS_SPAN, 0, 3, n);
    TEST_CHECK(pt_resident(b, PT_WS_SPAN, 0, 3) == 0, "ws pass %lu: pages still resident",
               (unsigned long)n);
    struct pager_stats_info s0 = pt_stats();
    uint64_t one = 3 * 30; /* one page of the set, in its middle */
    TEST_CHECK(sw_stamped(pt_page(b, one), (uint64_t)pt_page(b, one), n), "ws page %lu wrong",
               (unsigned long)one);
    struct pager_stats_info s_one = pt_stats();
    unsigned back = (unsigned)(s_one.supplies - s0.supplies);
    unsigned mapped = pt_resident(b, PT_WS_SPAN, 0, 3); /* in our page table, before any touch */
    uint64_t bad = 0;
    for (uint64_t p = 0; p < PT_WS_SPAN; p += 3)
        bad += !sw_stamped(pt_page(b, p), (uint64_t)pt_page(b, p), n);
    struct pager_stats_info s1 = pt_stats();
    printf("test_prepage_pager: working set, pass %lu: %u pages, %u supplied and %u mapped for "
           "one fault (%lu requests), %lu requests for all\n",
           (unsigned long)n, pages, back, mapped, (unsigned long)(s_one.requests - s0.requests),
           (unsigned long)(s1.requests - s0.requests));
    TEST_CHECK(bad == 0, "ws pass %lu: %lu pages wrong", (unsigned long)n, (unsigned long)bad);
    TEST_CHECK(back >= pages * 7 / 8, "ws pass %lu: only %u of %u back after one fault",
               (unsigned long)n, back, pages);
    TEST_CHECK(mapped >= back, "ws pass %lu: %u of the %u pages back are mapped", (unsigned long)n,
               mapped, back);
    TEST_CHECK(s1.requests - s0.requests <= pages / 8, "ws pass %lu: %lu requests",
               (unsigned long)n, (unsigned long)(s1.requests - s0.requests));
}

int main(void)
{
    struct pager_stats_info st;

    if (!TEST_CHECK(pager_stats_system(&pt_pager) == 0 && pager_stats_read(pt_pager, &st) == 0,
                    "no system pager") ||
        !TEST_CHECK(st.disk == 1, "%s has no swap disk (swap=disk)", st.name))
        return test_report("test_prepage_pager");
    long a = sys_vm_allocate(PT_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    long w = sys_vm_allocate(PT_WS_SPAN * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(a > 0 && w > 0, "allocate: %ld %ld", a, w))
        return test_report("test_prepage_pager");
    for (uint64_t n = 1; n <= PT_PASSES; n++) {
        pt_cluster_pass((volatile uint64_t *)a, n);
        pt_ws_pass((volatile uint64_t *)w, n);
    }
    TEST_CHECK(sys_vm_deallocate((void *)a, PT_PAGES * PAGE_SIZE) == 0, "free");
    TEST_CHECK(sys_vm_deallocate((void *)w, PT_WS_SPAN * PAGE_SIZE) == 0, "free");
    return test_report("test_prepage_pager");
}
