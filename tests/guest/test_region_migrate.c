/*
 * One object changes pager (SYS_VM_REGION_MIGRATE): a task moves its own
 * anonymous memory from the system's pager to a pager of its own, with its
 * data. Some pages are resident, some were pushed out to the system's pager
 * first; after the move every page reads back as written, pages pushed out
 * again go to our pager and come back from it, and the system's pager kept
 * serving our other memory. Refusals: no region, an in-kernel pager region,
 * a dead port, the same pager, another region moved twice.
 * With the argument "big" (under frames=4096 swap=disk): a region of
 * RM_BIG_FACTOR times the usable memory, most of it on the system pager's
 * swap disk, moves to our pager; the old pager hands its pages over in
 * batches that go straight on to ours (docs/pager.md), so the move needs
 * no more free memory than a batch. Every page reads back as written, and
 * init checks that frames and swap blocks come back.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <pager/pager.h>

#include "swap_util.h"

#define RM_PAGES 16
#define RM_BIG_FACTOR 2 /* the big region: times the usable frames */

static struct pager rm_pager;

/* on_data_request: pages our store holds go back (precious), the rest is zero fill. */
static void rm_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                       uint64_t count, unsigned access)
{
    (void)pager, (void)access;
    for (uint64_t at = offset; at < offset + count; at += PAGE_SIZE) {
        if (pager_store_lookup(&obj->store, at) != NULL)
            pager_pages_supply(obj, at, PAGER_SUPPLY_PRECIOUS);
        else
            pager_data_unavailable(obj, at, PAGE_SIZE);
    }
}

static const struct pager_ops rm_ops = {.on_data_request = rm_request};

static void rm_serve(void *arg)
{
    (void)arg;
    pager_serve(&rm_pager, 1);
}

static uint64_t rm_word(unsigned page)
{
    return 0x5a5a000000000000ull | page;
}

/* Every page of @base holds its word: the count of pages that do not. */
static unsigned rm_bad_pages(volatile uint64_t *base)
{
    unsigned bad = 0;

    for (unsigned i = 0; i < RM_PAGES; i++)
        bad += base[i * PAGE_SIZE / 8] != rm_word(i);
    return bad;
}

/* Wait (an event, bounded by a count of yields) until @pager has taken @n more returns than @r0. */
static bool rm_wait_returns(port_name_t pager, uint64_t r0, uint64_t n)
{
    struct pager_stats_info st = {.returns = 0};

    for (unsigned i = 0; i < 200000; i++) {
        if (pager_stats_read(pager, &st) == 0 && st.returns >= r0 + n)
            return true;
        sys_yield();
    }
    return false;
}

static void rm_refusals(long base)
{
    long kernel = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE | VM_ALLOC_KERNEL_PAGER);
    port_name_t dead = test_dead_name();

    TEST_CHECK(sys_vm_region_migrate((void *)0x1000, rm_pager.port) == -ERR_NOENT, "no region");
    TEST_CHECK(sys_vm_region_migrate((void *)kernel, rm_pager.port) == -ERR_INVAL,
               "an in-kernel pager region has no pager to move from");
    TEST_CHECK(sys_vm_region_migrate((void *)base, rm_pager.port) == -ERR_INVAL,
               "already served by that pager");
    TEST_CHECK(dead != PORT_NULL, "a dead name");
    long err = sys_vm_region_migrate((void *)base, dead);
    TEST_CHECK(err < 0, "to a dead port refused (%ld)", err);
    sys_vm_deallocate((void *)kernel, PAGE_SIZE);
}

/*
 * The big run's store: one region of anonymous memory (paged by the
 * system's pager) with a byte per page saying it holds the page. Returned
 * pages are copied in and their message's region goes, so the store costs
 * the kernel one region, not one per page.
 */
static uint8_t *big_store, *big_have;
static uint64_t big_pages;

/* on_data_return of the big run: copy each page into the store. */
static void big_return(struct pager *pager, struct pager_object *obj, uint64_t offset,
                       uint64_t dirty, void *pages, uint64_t size)
{
    (void)pager, (void)obj, (void)dirty;
    for (uint64_t at = 0; at < size && (offset + at) / PAGE_SIZE < big_pages; at += PAGE_SIZE) {
        memcpy(big_store + offset + at, (uint8_t *)pages + at, PAGE_SIZE);
        big_have[(offset + at) / PAGE_SIZE] = 1;
    }
    sys_vm_deallocate(pages, size);
}

/* pager_supply_fill callback: the stored page at offset *@ctx. */
static void big_fill(void *ctx, void *buf, uint64_t size)
{
    memcpy(buf, big_store + *(uint64_t *)ctx, size);
}

/* on_data_request of the big run: the store's copy (it keeps it), or zero fill. */
static void big_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                        uint64_t count, unsigned access)
{
    (void)pager, (void)access;
    for (uint64_t at = offset; at < offset + count; at += PAGE_SIZE) {
        if (at / PAGE_SIZE < big_pages && big_have[at / PAGE_SIZE])
            pager_supply_fill(obj, at, PAGE_SIZE, 0, big_fill, &at);
        else
            pager_data_unavailable(obj, at, PAGE_SIZE);
    }
}

static const struct pager_ops big_ops = {.on_data_request = big_request,
                                         .on_data_return = big_return};

/* "big": more pages held by the old pager than memory can take at once. */
static void rm_big(void)
{
    struct pager_stats_info mine = {.returns = 0};
    struct sw_stats sw0, sw1;
    uint64_t npages = RM_BIG_FACTOR * sw_frames_total(), bad = 0;
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    long store = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    long have = sys_vm_allocate(npages, VM_PROT_READ | VM_PROT_WRITE);

    if (!TEST_CHECK(base > 0 && store > 0 && have > 0 && npages > 0, "allocate %lu pages",
                    (unsigned long)npages))
        return;
    big_store = (uint8_t *)store;
    big_have = (uint8_t *)have;
    big_pages = npages;
    for (uint64_t i = 0; i < npages; i++)
        sw_stamp((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 7);
    TEST_CHECK(sw_stats(&sw0) == 0, "swap figures");
    uint64_t t0 = sys_clock_ns();
    long moved = sys_vm_region_migrate((void *)base, rm_pager.port);
    uint64_t t1 = sys_clock_ns();
    TEST_CHECK(moved == 1, "the big region's object moved (%ld)", moved);
    TEST_CHECK(pager_stats_read(rm_pager.port, &mine) == 0, "our pager's figures");
    TEST_CHECK(sw_stats(&sw1) == 0, "swap figures");
    printf("test_region_migrate: %lu pages (%lu on disk) moved in %lu us, %lu pages passed on\n",
           (unsigned long)npages, (unsigned long)(sw0.blocks - sw0.free),
           (unsigned long)((t1 - t0) / 1000), (unsigned long)mine.returns);
    TEST_CHECK(sw0.blocks - sw0.free > npages / 2, "most pages were on the old pager's disk");
    TEST_CHECK(mine.returns > sw_frames_total(), "more pages went on to our pager than fit in RAM");
    for (uint64_t i = 0; i < npages; i++)
        bad += !sw_stamped((volatile uint64_t *)(base + i * PAGE_SIZE), base + i * PAGE_SIZE, 7);
    TEST_CHECK(bad == 0, "%lu pages read back wrong", (unsigned long)bad);
    TEST_CHECK(sys_vm_deallocate((void *)base, npages * PAGE_SIZE) == 0, "deallocate");
    /* The store stays until the task ends: our pager's thread may still be
     * answering requests of the region's last faults (a sequential run asks
     * for pages ahead), on another CPU while this one goes on. Freeing it
     * here killed the task at the thread's next look into it. */
}

int main(int argc, char **argv)
{
    struct pager_stats_info sys0 = {.returns = 0}, mine = {.returns = 0};
    port_name_t system = PORT_NULL;

    bool big = argc > 1 && strcmp(argv[1], "big") == 0;
    TEST_CHECK(pager_init(&rm_pager, big ? &big_ops : &rm_ops, NULL, PORT_NULL) == 0, "our pager");
    TEST_CHECK(thread_start(rm_serve, NULL, 64 * 1024) > 0, "our pager's thread");
    if (big) {
        rm_big();
        return test_report("test_region_migrate");
    }
    TEST_CHECK(pager_stats_system(&system) == 0, "the system's pager");
    long base = sys_vm_allocate(RM_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate"))
        return test_report("test_region_migrate");
    volatile uint64_t *b = (volatile uint64_t *)base;
    for (unsigned i = 0; i < RM_PAGES; i++)
        b[i * PAGE_SIZE / 8] = rm_word(i);
    /* Half goes out to the system's pager: it holds those pages now. */
    pager_stats_read(system, &sys0);
    TEST_CHECK(sys_vm_pageout((void *)base, RM_PAGES / 2 * PAGE_SIZE) == RM_PAGES / 2, "pageout");
    TEST_CHECK(rm_wait_returns(system, sys0.returns, RM_PAGES / 2), "the system's pager took them");

    long moved = sys_vm_region_migrate((void *)base, rm_pager.port);
    TEST_CHECK(moved == 1, "the region's object moved (%ld)", moved);
    TEST_CHECK(rm_bad_pages(b) == 0, "every page reads back after the move");
    rm_refusals(base);

    /* Pushed out again, the pages go to our pager now and come back from it. */
    pager_stats_read(rm_pager.port, &mine);
    TEST_CHECK(mine.objects == 1, "our pager serves the object (%lu)", (unsigned long)mine.objects);
    TEST_CHECK(sys_vm_pageout((void *)base, RM_PAGES * PAGE_SIZE) == RM_PAGES, "pageout again");
    TEST_CHECK(rm_wait_returns(rm_pager.port, mine.returns, RM_PAGES), "our pager took them all");
    TEST_CHECK(rm_bad_pages(b) == 0, "every page reads back from our pager");
    pager_stats_read(rm_pager.port, &mine);
    TEST_CHECK(mine.supplies >= RM_PAGES, "our pager supplied them (%lu)",
               (unsigned long)mine.supplies);

    /* The system's pager still serves other memory of ours. */
    long other = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    struct vm_stat v0, v1;
    sys_vm_stat(&v0);
    *(volatile uint64_t *)other = 1;
    sys_vm_stat(&v1);
    TEST_CHECK(v1.pager_requests > v0.pager_requests, "new memory still goes to a pager");
    sys_vm_deallocate((void *)other, PAGE_SIZE);
    sys_vm_deallocate((void *)base, RM_PAGES * PAGE_SIZE);
    port_deallocate(system);
    return test_report("test_region_migrate");
}
