/*
 * One object changes pager (SYS_VM_REGION_MIGRATE): a task moves its own
 * anonymous memory from the system's pager to a pager of its own, with its
 * data. Some pages are resident, some were pushed out to the system's pager
 * first; after the move every page reads back as written, pages pushed out
 * again go to our pager and come back from it, and the system's pager kept
 * serving our other memory. Refusals: no region, an in-kernel pager region,
 * a dead port, the same pager, another region moved twice.
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

#define RM_PAGES 16

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

int main(void)
{
    struct pager_stats_info sys0 = {.returns = 0}, mine = {.returns = 0};
    port_name_t system = PORT_NULL;

    TEST_CHECK(pager_init(&rm_pager, &rm_ops, NULL, PORT_NULL) == 0, "our pager");
    TEST_CHECK(thread_start(rm_serve, NULL, 64 * 1024) > 0, "our pager's thread");
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
