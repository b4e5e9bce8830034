/*
 * Pushing pages out of memory and getting them back, through both pagers:
 * a region of the in-kernel pager (modified pages go to its kernel-held
 * store) and a region of the system's pager, whichever pager= chose
 * (modified pages go to it with data_return and come back with data_supply
 * from its store; with pager=kernel the in-kernel pager again). Pages that
 * were only read are dropped and come back zero filled. The data must
 * survive, the pages must really leave memory, and every frame must come back.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdbool.h>

#include "swap_util.h"

#define PO_PAGES 24u
#define PO_WRITTEN 16u /* pages 0..15 written, 16..23 only read */

static uint64_t po_word(uint64_t page, uint64_t j)
{
    return 0xab5e000000000000ull ^ (page << 20) ^ j;
}

static void po_fill(volatile uint64_t *base)
{
    for (uint64_t p = 0; p < PO_PAGES; p++)
        for (uint64_t j = 0; j < PAGE_SIZE / 8; j += 61)
            if (p < PO_WRITTEN)
                base[p * PAGE_SIZE / 8 + j] = po_word(p, j);
            else
                TEST_CHECK(base[p * PAGE_SIZE / 8 + j] == 0, "fresh page %lu not zero", p);
}

static unsigned po_resident(volatile uint64_t *base)
{
    unsigned n = 0;
    for (uint64_t p = 0; p < PO_PAGES; p++) {
        struct vm_query q;
        if (sys_vm_query((const void *)(base + p * PAGE_SIZE / 8), &q) == 0 && q.resident)
            n++;
    }
    return n;
}

static void po_check(volatile uint64_t *base, const char *what)
{
    unsigned bad = 0;
    for (uint64_t p = 0; p < PO_PAGES; p++)
        for (uint64_t j = 0; j < PAGE_SIZE / 8; j += 61)
            bad += base[p * PAGE_SIZE / 8 + j] != (p < PO_WRITTEN ? po_word(p, j) : 0);
    TEST_CHECK(bad == 0, "%s: %u words wrong after pageout and back", what, bad);
}

/*
 * The external pager's own figures (pager_stats) before the pageout (@p0),
 * once it took the pages (@p1) and after they came back (@p2): it took the
 * modified pages and holds them (in memory or on its store), then answered
 * every fault, the modified pages with data_supply.
 */
static void po_check_stats(const struct pager_stats_info p[3], const char *what)
{
    uint64_t held0 = p[0].resident + p[0].stored, held1 = p[1].resident + p[1].stored;
    uint64_t answered = p[2].supplies + p[2].unavailable - p[1].supplies - p[1].unavailable;

    printf("test_pageout: %s: pager_stats: %lu returned, %lu more held, %lu supplied, %lu "
           "answered, %lu objects\n",
           what, (unsigned long)(p[1].returns - p[0].returns), (unsigned long)(held1 - held0),
           (unsigned long)(p[2].supplies - p[1].supplies), (unsigned long)answered,
           (unsigned long)p[2].objects);
    TEST_CHECK(p[2].name[0] != '\0' && p[2].objects >= 1, "%s: no name or no object", what);
    TEST_CHECK(p[1].returns - p[0].returns >= PO_WRITTEN, "%s: returns not counted", what);
    TEST_CHECK(held1 - held0 >= PO_WRITTEN, "%s: pages held not counted", what);
    TEST_CHECK(p[2].supplies - p[1].supplies >= PO_WRITTEN, "%s: supplies not counted", what);
    TEST_CHECK(answered >= PO_PAGES, "%s: only %lu pages answered", what, (unsigned long)answered);
}

/* One region: of the in-kernel pager with @flags VM_ALLOC_KERNEL_PAGER, else of @pager. */
static void po_run(unsigned flags, port_name_t pager, const char *what)
{
    struct vm_stat s0, s1;
    struct pager_stats_info p[3];
    bool kernel = (flags & VM_ALLOC_KERNEL_PAGER) || pager == PORT_NULL;
    long base = sys_vm_allocate(PO_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE | flags);

    if (!TEST_CHECK(base > 0, "%s: allocate: %ld", what, base))
        return;
    volatile uint64_t *b = (volatile uint64_t *)base;
    po_fill(b);
    TEST_CHECK(po_resident(b) == PO_PAGES, "%s: %u resident before", what, po_resident(b));
    sys_vm_stat(&s0);
    TEST_CHECK(kernel || pager_stats_read(pager, &p[0]) == 0, "%s: pager_stats", what);
    long pushed = sys_vm_pageout((void *)base, PO_PAGES * PAGE_SIZE);
    TEST_CHECK(pushed == PO_PAGES, "%s: pageout pushed %ld", what, pushed);
    sw_wait_returned(kernel ? PORT_NULL : pager, kernel ? 0 : p[0].returns, PO_WRITTEN);
    TEST_CHECK(kernel || pager_stats_read(pager, &p[1]) == 0, "%s: pager_stats", what);
    TEST_CHECK(po_resident(b) == 0, "%s: %u pages still resident", what, po_resident(b));
    po_check(b, what);
    po_check(b, what); /* resident again now: the same data */
    if (!kernel && TEST_CHECK(pager_stats_read(pager, &p[2]) == 0, "%s: pager_stats", what))
        po_check_stats(p, what);
    sys_vm_stat(&s1);
    printf("test_pageout: %s: %lu pages out, %lu back from the kernel store, %lu pager "
           "requests\n",
           what, (unsigned long)(s1.pageouts - s0.pageouts),
           (unsigned long)(s1.store_ins - s0.store_ins),
           (unsigned long)(s1.pager_requests - s0.pager_requests));
    if (kernel)
        TEST_CHECK(s1.store_ins - s0.store_ins == PO_WRITTEN, "%s: store reads %lu", what,
                   (unsigned long)(s1.store_ins - s0.store_ins));
    else
        /* Fewer than pages: the kernel asks for runs when faults follow each other. */
        TEST_CHECK(s1.pager_requests > s0.pager_requests, "%s: requests %lu", what,
                   (unsigned long)(s1.pager_requests - s0.pager_requests));
    TEST_CHECK(sys_vm_deallocate((void *)base, PO_PAGES * PAGE_SIZE) == 0, "%s: free", what);
}

int main(void)
{
    struct pager_stats_info st;
    port_name_t pager = PORT_NULL;
    char what[64];

    if (pager_stats_system(&pager) == 0 && pager_stats_read(pager, &st) == 0)
        snprintf(what, sizeof(what), "system pager %s", st.name);
    else
        snprintf(what, sizeof(what), "system pager: the in-kernel pager (pager=kernel)");
    po_run(VM_ALLOC_KERNEL_PAGER, PORT_NULL, "in-kernel pager");
    po_run(0, pager, what);
    TEST_CHECK(sys_vm_pageout((void *)0xffff800000000000ul, PAGE_SIZE) == -ERR_INVAL,
               "kernel range refused");
    return test_report("test_pageout");
}
