/*
 * The cost of changing pager at run time (tools/bench switch, docs/perf.md).
 * Two pagers on the framework in this task, each with its own serving
 * thread, take turns serving one object of SW_PAGES pages, which moves
 * between them with SYS_VM_PAGER_MIGRATE (the boot gives this module the
 * host-privilege right). A move with every page held by the old pager
 * (pushed out to its RAM store, which it hands over in batches that go
 * straight on to the new pager) gives switch_per_stored_page; a move with
 * every page resident, switch_per_resident_page; a move of an object with
 * no page at all, switch_empty_object. A sample is the time from the
 * request to the last object migrated (the call returns then), per page.
 */
#include "bench_fault.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <pager/pager.h>

#define SW_PAGES 256u
#define SW_ROUNDS 21u
#define SW_WAIT_YIELDS 1000000u /* bounds a wait for the pager's returns */

static struct pager sw_pagers[2];
static uint64_t sw_samples[3][SW_ROUNDS];

/* on_data_request: a page of the store goes back (precious), any other is zero fill. */
static void sw_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                       uint64_t count, unsigned access)
{
    (void)pager, (void)access;
    for (uint64_t end = offset + count; offset < end; offset += PAGE_SIZE)
        if (pager_store_lookup(&obj->store, offset) == NULL ||
            pager_pages_supply(obj, offset, PAGER_SUPPLY_PRECIOUS) != 0)
            pager_data_unavailable(obj, offset, PAGE_SIZE);
}

static const struct pager_ops sw_ops = {.on_data_request = sw_request};

static void sw_serve(void *arg)
{
    pager_serve(arg, 1);
}

/* Touch every page of @base (@write: and dirty it). */
static void sw_touch(volatile uint64_t *base, unsigned pages, bool write)
{
    for (unsigned i = 0; i < pages; i++) {
        if (write)
            base[i * PAGE_SIZE / 8] = i;
        (void)base[i * PAGE_SIZE / 8];
    }
}

/* Push @pages pages of @base out to pager @p; false if it did not take them all. */
static bool sw_push_out(struct pager *p, volatile uint64_t *base, unsigned pages)
{
    uint64_t want = __atomic_load_n(&p->returns, __ATOMIC_SEQ_CST) + pages;

    if (sys_vm_pageout((void *)base, pages * PAGE_SIZE) != (long)pages)
        return false;
    for (unsigned i = 0; i < SW_WAIT_YIELDS; i++) {
        if (__atomic_load_n(&p->returns, __ATOMIC_SEQ_CST) >= want)
            return true;
        sys_yield();
    }
    return false;
}

/* Move the objects of pager @from to @to: ticks per page (@pages 0: per move), or 0 on failure. */
static uint64_t sw_move(struct pager *from, struct pager *to, unsigned pages)
{
    uint64_t t0 = bench_rdtsc();
    long moved = sys_vm_pager_migrate(ipc_host_port, from->port, to->port);
    uint64_t t1 = bench_rdtsc();

    if (!TEST_CHECK(moved > 0, "move: %ld", moved))
        return 0;
    return (t1 - t0) / (pages ? pages : 1);
}

int bench_switch_main(void)
{
    for (unsigned i = 0; i < 2; i++)
        if (!TEST_CHECK(pager_init(&sw_pagers[i], &sw_ops, NULL, PORT_NULL) == 0 &&
                            thread_start(sw_serve, &sw_pagers[i], 64 * 1024) > 0,
                        "pager %u", i))
            return test_report("bench_switch");
    long addr = sys_vm_map(sw_pagers[0].port, SW_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    long empty = sys_vm_map(sw_pagers[0].port, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0 && empty > 0, "vm_map: %ld %ld", addr, empty))
        return test_report("bench_switch");
    volatile uint64_t *base = (volatile uint64_t *)addr;
    sw_touch(base, SW_PAGES, true);
    /* Round r: stored pages 0 -> 1, resident pages 1 -> 0. The empty
     * object moves with the others each time; its own samples come from a
     * third move of it alone, after the big object went away. */
    for (unsigned r = 0; r < SW_ROUNDS; r++) {
        if (!TEST_CHECK(sw_push_out(&sw_pagers[0], base, SW_PAGES), "push out, round %u", r))
            break;
        sw_samples[0][r] = sw_move(&sw_pagers[0], &sw_pagers[1], SW_PAGES);
        sw_touch(base, SW_PAGES, false); /* every page back from the new pager */
        sw_samples[1][r] = sw_move(&sw_pagers[1], &sw_pagers[0], SW_PAGES);
    }
    TEST_CHECK(sys_vm_deallocate((void *)addr, SW_PAGES * PAGE_SIZE) == 0, "deallocate");
    for (unsigned r = 0; r < SW_ROUNDS; r++)
        sw_samples[2][r] = sw_move(&sw_pagers[r % 2], &sw_pagers[1 - r % 2], 0);
    bench_report_samples("switch", "switch_per_stored_page", "fast", sw_samples[0], SW_ROUNDS);
    bench_report_samples("switch", "switch_per_resident_page", "fast", sw_samples[1], SW_ROUNDS);
    bench_report_samples("switch", "switch_empty_object", "fast", sw_samples[2], SW_ROUNDS);
    return test_report("bench_switch");
}
