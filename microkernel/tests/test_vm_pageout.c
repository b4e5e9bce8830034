/*
 * Pageout on the host (vm_pageout.c over the real objects, pagers, MMU
 * handler and frame allocator): with free frames pushed below the low
 * watermark, a scan drops clean pages, passes over modified pages of the
 * in-kernel pager, pinned pages and pages of wired maps, sends modified pages
 * of an external object to their pager with data_return but never more than
 * VM_PAGEOUT_LAUNDRY_MAX at a time (VM_PAGEOUT_PAGER_QUEUE_MAX queued on an
 * ordinary pager), and none while the pager says its store is full or, at
 * the reserve, while an ordinary pager's credit is spent; a pager gets
 * frames below the reserve within its credit. The fake MMU never sets R or M: writes go through
 * vm_copy_out, which marks pages dirty the way the kernel's own writes do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <lib/lib.h>
#include <memory_object_kabi.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#include "host_support.h"
#include "ipc_support.h"

#define ENV_FRAMES 8192u
#define VA 0x10000000ULL
#define NPAGES 16u
#define EXT_PAGES (VM_PAGEOUT_LAUNDRY_MAX + 6u)

static struct task F, P;
static paddr_t hog[ENV_FRAMES];
static unsigned nhog;
static uint64_t baseline;

/* Take frames until exactly @free are left (below the low watermark). */
static void squeeze_to(uint64_t free)
{
    while (host_free_frames() > free) {
        hog[nhog] = frame_alloc(FRAME_KERNEL, NULL);
        assert_true(hog[nhog] != 0);
        nhog++;
    }
}

static void squeeze_release(void)
{
    while (nhog > 0)
        frame_free(hog[--nhog]);
}

/* A kernel-pager region of NPAGES at VA in F: pages 0..7 read, 8..15 written. */
static void kernel_region(void)
{
    static const uint8_t byte = 0x5a;
    paddr_t pa;

    ipc_test_map_region(&F, VA, NPAGES * PAGE_SIZE);
    for (unsigned i = 0; i < NPAGES; i++) {
        if (i < NPAGES / 2)
            assert_int_equal(vm_fault_page(&F.map, VA + i * PAGE_SIZE, MMU_ACCESS_READ, &pa),
                             VM_FAULT_OK);
        else
            assert_int_equal(vm_copy_out(&F.map, VA + i * PAGE_SIZE, &byte, 1), 0);
    }
}

static bool resident(unsigned i)
{
    struct vm_region *r = vm_map_lookup(&F.map, VA);
    struct vm_page *p = vm_object_page_lookup(r->object, i * PAGE_SIZE);
    return p && p->frame;
}

static int group_setup(void **state)
{
    (void)state;
    ipc_test_env_init(ENV_FRAMES);
    assert_int_equal(vm_pageout_setup(VM_POLICY_CLOCK), 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ipc_test_env_fini();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    baseline = host_free_frames();
    ipc_test_task_init(&F, 1);
    ipc_test_task_init(&P, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    squeeze_release();
    ipc_test_task_destroy(&F);
    ipc_test_task_destroy(&P);
    assert_int_equal(host_free_frames(), baseline);
    return 0;
}

/* The watermarks follow the number of usable frames. */
static void test_vm_pageout_levels(void **state)
{
    struct vm_pageout_levels l = vm_pageout_levels();

    (void)state;
    assert_int_equal(l.reserve, (frame_total_count()) / 64);
    assert_int_equal(l.low, 2 * l.reserve);
    assert_int_equal(l.high, 3 * l.reserve);
    assert_int_equal(vm_pageout_setup(VM_POLICY_OPT), -ERR_INVAL); /* needs the future */
    assert_int_equal(vm_pageout_policy_by_name("clock"), VM_POLICY_CLOCK);
    assert_int_equal(vm_pageout_policy_by_name("lru"), -1);
    assert_int_equal(vm_pageout_setup(VM_POLICY_CLOCK), 0);
}

/* Above the low watermark nothing goes; below it clean pages go and modified ones stay. */
static void test_vm_pageout_clean_dropped(void **state)
{
    (void)state;
    kernel_region();
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), 0); /* plenty of frames */
    squeeze_to(vm_pageout_levels().low - 1);
    uint64_t clean = vm_stats.evict_clean, free = host_free_frames();
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), NPAGES / 2);
    assert_int_equal(vm_stats.evict_clean - clean, NPAGES / 2);
    assert_int_equal(host_free_frames(), free + NPAGES / 2);
    for (unsigned i = 0; i < NPAGES; i++)
        assert_int_equal(resident(i), i >= NPAGES / 2); /* the kernel store would keep them */
    /* A dropped page comes back (zero filled: it was never written). */
    paddr_t pa;
    uint8_t byte = 1;
    assert_int_equal(vm_fault_page(&F.map, VA, MMU_ACCESS_READ, &pa), VM_FAULT_OK);
    assert_int_equal(vm_copy_in(&F.map, &byte, VA, 1), 0);
    assert_int_equal(byte, 0);
}

/* Every policy the kernel offers drives the same mechanism to the same end. */
static void test_vm_pageout_every_policy(void **state)
{
    static const enum vm_policy_kind kinds[] = {VM_POLICY_FIFO, VM_POLICY_AGING, VM_POLICY_NRU,
                                                VM_POLICY_WSCLOCK, VM_POLICY_CLOCK};
    (void)state;
    for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        assert_int_equal(vm_pageout_setup(kinds[k]), 0);
        kernel_region();
        squeeze_to(vm_pageout_levels().low - 1);
        /* The modified pages leave the candidates; the scan does not spin on them. */
        assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), NPAGES / 2);
        assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), 0);
        for (unsigned i = 0; i < NPAGES; i++)
            assert_int_equal(resident(i), i >= NPAGES / 2);
        squeeze_release();
        assert_int_equal(vm_map_remove(&F.map, VA, NPAGES * PAGE_SIZE), 0);
    }
}

/* Pinned pages and the pages of a wired map are never chosen. */
static void test_vm_pageout_pinned_and_wired(void **state)
{
    (void)state;
    kernel_region();
    assert_int_equal(vm_map_pin(&F.map, VA, 2 * PAGE_SIZE), 0);
    squeeze_to(vm_pageout_levels().low - 1);
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), NPAGES / 2 - 2);
    assert_true(resident(0) && resident(1) && !resident(2));
    /* Unpinned, they are candidates again. */
    assert_int_equal(vm_map_unpin(&F.map, VA, 2 * PAGE_SIZE), 0);
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), 2);
    assert_false(resident(0) || resident(1));

    /* A wired map: none of its pages, present or future, is a candidate. */
    paddr_t pa;
    vm_map_wire(&P.map);
    ipc_test_map_region(&P, VA, NPAGES * PAGE_SIZE);
    for (unsigned i = 0; i < NPAGES; i++)
        assert_int_equal(vm_fault_page(&P.map, VA + i * PAGE_SIZE, MMU_ACCESS_READ, &pa),
                         VM_FAULT_OK);
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), 0);
}

/*
 * An external object of EXT_PAGES resident pages, all modified, at @va in F,
 * served by a port of @t; one page every @stride pages (2: no two
 * consecutive, so pageout returns each in a data_return of its own).
 */
static struct vm_object *external_object_at(struct task *t, uint64_t va, unsigned stride,
                                            struct port **pager_out)
{
    port_name_t name = ipc_test_port_allocate(t);
    struct port *pager = ipc_entry_lookup(&t->ipc, name)->object;
    struct kright r = {.port = pager, .kind = IPC_RIGHT_SEND};
    struct vm_object *obj;

    port_ref(pager);
    pager->send_rights++;
    uint64_t size = (uint64_t)EXT_PAGES * stride * PAGE_SIZE;
    assert_int_equal(vm_object_create_external(&r, size, acct_current(), &obj), 0);
    ipc_right_release(&r);
    assert_int_equal(vm_map_enter(&F.map, va, size, MMU_PROT_READ, obj, 0, NULL), 0);
    for (unsigned i = 0; i < EXT_PAGES; i++) {
        paddr_t frame = frame_alloc(FRAME_USER, NULL);
        assert_true(frame != 0);
        struct vm_page *p = vm_object_page_insert(obj, (uint64_t)i * stride * PAGE_SIZE, frame);
        assert_non_null(p);
        p->flags |= VM_PAGE_DIRTY;
    }
    *pager_out = pager;
    return obj;
}

/* The same, at VA, served by P. */
static struct vm_object *external_object_of(struct task *t, uint64_t va, struct port **pager_out)
{
    return external_object_at(t, va, 1, pager_out);
}

static struct vm_object *external_object(struct port **pager_out)
{
    return external_object_of(&P, VA, pager_out);
}

/* The pages the data_return messages queued on @pager carry. */
static uint64_t returned_pages(struct port *pager)
{
    uint64_t n = 0;
    struct list_node *pos;

    list_for_each(pos, &pager->queue)
    {
        struct kmsg *m = list_entry(pos, struct kmsg, link);
        if (m->id == MEMORY_OBJECT_DATA_RETURN_ID)
            n += m->ool_pages;
    }
    return n;
}

/* Modified external pages go to the default pager, at most VM_PAGEOUT_LAUNDRY_MAX in flight. */
static void test_vm_pageout_laundry_bounded(void **state)
{
    struct port *pager;
    (void)state;
    P.kernel_paged = true; /* the default pager: no bound of its own, no credit */
    struct vm_object *obj = external_object(&pager);
    uint64_t dirty = vm_stats.evict_dirty;

    assert_int_equal(pager->qcount, 1); /* init */
    /* Far enough below the high watermark that only the laundry bound stops the scan. */
    squeeze_to(vm_pageout_levels().low - 8);
    uint32_t evicted = 0, n;
    while ((n = vm_pageout_scan(VM_PAGEOUT_BATCH)) > 0)
        evicted += n;
    assert_int_equal(evicted, VM_PAGEOUT_LAUNDRY_MAX);
    assert_int_equal(vm_stats.evict_dirty - dirty, VM_PAGEOUT_LAUNDRY_MAX);
    assert_int_equal(frame_laundry_count(), VM_PAGEOUT_LAUNDRY_MAX);
    /* Consecutive pages, chosen in order: VM_RETURN_GATHER_MAX a data_return. */
    assert_int_equal(returned_pages(pager), VM_PAGEOUT_LAUNDRY_MAX);
    assert_int_equal(pager->qcount, 1 + VM_PAGEOUT_LAUNDRY_MAX / VM_RETURN_GATHER_MAX);
    assert_int_equal(obj->resident, EXT_PAGES - VM_PAGEOUT_LAUNDRY_MAX);

    /* The pager takes its messages (here: they die with its port): the laundry drains. */
    ipc_test_task_destroy(&P);
    assert_int_equal(frame_laundry_count(), 0);
    ipc_test_task_init(&P, 2);
}

/*
 * An ordinary pager that does not take its laundry (it may wait for a frame
 * itself) holds back only its own pages: the default pager's still go, up
 * to the laundry bound of their own. (With one bound for both, a stuck
 * ordinary pager's laundry left nothing else to write back: a migration
 * to a pager of a test's own hung that way, issue 11.)
 */
static void test_vm_pageout_ordinary_laundry_apart(void **state)
{
    struct port *ordinary, *system;
    struct task D;
    (void)state;
    ipc_test_task_init(&D, 3);
    D.kernel_paged = true; /* the default pager */
    struct vm_object *mine = external_object_at(&P, VA, 2, &ordinary);
    struct vm_object *sys = external_object_of(&D, VA + 2 * EXT_PAGES * PAGE_SIZE, &system);

    squeeze_to(vm_pageout_levels().low - 8);
    while (vm_pageout_scan(VM_PAGEOUT_BATCH) > 0)
        ;
    /* The ordinary pager's port is full (init, then a page a message); the default pager's go. */
    uint64_t stuck = VM_PAGEOUT_PAGER_QUEUE_MAX - 1;
    assert_int_equal(ordinary->qcount, VM_PAGEOUT_PAGER_QUEUE_MAX);
    assert_int_equal(mine->resident, EXT_PAGES - stuck);
    assert_int_equal(frame_laundry_ordinary_count(), stuck);
    assert_int_equal(returned_pages(system), VM_PAGEOUT_LAUNDRY_MAX);
    assert_int_equal(sys->resident, EXT_PAGES - VM_PAGEOUT_LAUNDRY_MAX);
    assert_int_equal(frame_laundry_count(), stuck + VM_PAGEOUT_LAUNDRY_MAX);
    assert_null(frame_check());

    /* The messages die with their ports: each laundry drains apart. */
    ipc_test_task_destroy(&D);
    assert_int_equal(frame_laundry_count(), stuck);
    ipc_test_task_destroy(&P);
    assert_int_equal(frame_laundry_count(), 0);
    ipc_test_task_init(&P, 2);
}

/* While the pager says its store is full, its modified pages stay; clean ones still go. */
static void test_vm_pageout_store_full(void **state)
{
    struct port *pager;
    (void)state;
    struct vm_object *obj = external_object(&pager);

    vm_object_page_lookup(obj, 0)->flags &= ~VM_PAGE_DIRTY; /* one clean page */
    pager->pager_full_until = UINT64_MAX;
    squeeze_to(vm_pageout_levels().low - 8);
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), 1);
    assert_int_equal(obj->resident, EXT_PAGES - 1);
    assert_int_equal(frame_laundry_count(), 0);
    pager->pager_full_until = 0; /* room again */
    assert_true(vm_pageout_scan(VM_PAGEOUT_BATCH) > 0);
    ipc_test_task_destroy(&P);
    ipc_test_task_init(&P, 2);
}

/* An ordinary pager's port holds at most VM_PAGEOUT_PAGER_QUEUE_MAX messages. */
static void test_vm_pageout_pager_queue_bounded(void **state)
{
    struct port *pager;
    (void)state;
    struct vm_object *obj = external_object_at(&P, VA, 2, &pager); /* a page a message */
    uint64_t deferred = vm_stats.returns_deferred;

    assert_true(P.serves_objects); /* marked when the kernel sent it init */
    squeeze_to(vm_pageout_levels().low - 8);
    uint32_t evicted = 0, n;
    while ((n = vm_pageout_scan(VM_PAGEOUT_BATCH)) > 0)
        evicted += n;
    /* The init message takes one place; the rest of the laundry stays for other pagers. */
    assert_int_equal(evicted, VM_PAGEOUT_PAGER_QUEUE_MAX - 1);
    assert_int_equal(pager->qcount, VM_PAGEOUT_PAGER_QUEUE_MAX);
    assert_int_equal(frame_laundry_count(), VM_PAGEOUT_PAGER_QUEUE_MAX - 1);
    assert_int_equal(obj->resident, EXT_PAGES - (VM_PAGEOUT_PAGER_QUEUE_MAX - 1));
    assert_true(vm_stats.returns_deferred > deferred);
    ipc_test_task_destroy(&P);
    ipc_test_task_init(&P, 2);
}

/* May the current thread, run as a thread of @task, take a frame now? */
static bool reserve_ok_as(struct task *task)
{
    struct thread *me = thread_current();
    me->task = task;
    bool ok = vm_pageout_reserve_ok();
    me->task = NULL;
    return ok;
}

/*
 * At the reserve an ordinary task gets no frame and a pager gets its share,
 * then no more; meanwhile pageout holds back its modified pages. Once free
 * memory is above the reserve again, the episode ends and the credit is whole.
 */
static void test_vm_pageout_pager_credit(void **state)
{
    struct port *pager;
    (void)state;
    (void)external_object(&pager);
    struct vm_credit_pool pool = vm_pageout_credits();
    uint64_t taken = vm_stats.credit_taken, deferred = vm_stats.returns_deferred;

    assert_int_equal(pool.share, vm_pageout_levels().reserve / 4);
    squeeze_to(vm_pageout_levels().reserve + 1);
    assert_true(reserve_ok_as(&F)); /* above the reserve: anyone, nothing charged */
    assert_int_equal(vm_stats.credit_taken, taken);
    squeeze_to(vm_pageout_levels().reserve);
    assert_false(reserve_ok_as(&F)); /* serves nothing: it waits */
    for (uint64_t i = 0; i < pool.share; i++)
        assert_true(reserve_ok_as(&P));
    assert_false(reserve_ok_as(&P)); /* spent */
    assert_int_equal(vm_stats.credit_taken - taken, pool.share);
    assert_int_equal(vm_pageout_credits().used, pool.share);
    P.kernel_paged = true; /* the default pager is not limited */
    assert_true(reserve_ok_as(&P));
    P.kernel_paged = false;
    /* No data_return to a pager on spent credit: its modified pages stay. */
    assert_int_equal(vm_pageout_scan(VM_PAGEOUT_BATCH), 0);
    assert_int_equal(pager->qcount, 1); /* only init */
    assert_int_equal(frame_laundry_count(), 0);
    assert_true(vm_stats.returns_deferred > deferred);
    /* Free memory rises above the reserve (through the low watermark): the episode ends. */
    squeeze_release();
    assert_int_equal(vm_pageout_credits().used, 0);
    squeeze_to(vm_pageout_levels().reserve);
    assert_true(reserve_ok_as(&P));
    assert_true(vm_pageout_scan(VM_PAGEOUT_BATCH) > 0); /* its pages go again */
    ipc_test_task_destroy(&P);
    ipc_test_task_init(&P, 2);
}

/* A pager that gives frames back gets its credit back; a task that serves nothing gets none. */
static void test_vm_pageout_pager_gives_back(void **state)
{
    struct port *pager;
    (void)state;
    (void)external_object(&pager);
    uint64_t share = vm_pageout_credits().share;

    squeeze_to(vm_pageout_levels().reserve);
    for (uint64_t i = 0; i < share; i++)
        assert_true(reserve_ok_as(&P));
    assert_false(reserve_ok_as(&P));
    vm_pageout_frames_given_back(&P, 2);
    assert_int_equal(vm_pageout_credits().used, share - 2);
    assert_true(reserve_ok_as(&P));
    assert_true(reserve_ok_as(&P));
    assert_false(reserve_ok_as(&P));
    vm_pageout_frames_given_back(&F, 5); /* not a pager: changes nothing */
    assert_int_equal(vm_pageout_credits().used, share);
    vm_pageout_frames_given_back(&P, UINT64_MAX); /* it ends */
    assert_int_equal(vm_pageout_credits().used, 0);
    squeeze_release();
    ipc_test_task_destroy(&P);
    ipc_test_task_init(&P, 2);
}

/* A pager's own share replaces the default one. */
static void test_vm_pageout_pager_own_share(void **state)
{
    struct port *pager;
    (void)state;
    (void)external_object(&pager);

    P.reserve_share = 3;
    squeeze_to(vm_pageout_levels().reserve);
    for (unsigned i = 0; i < 3; i++)
        assert_true(reserve_ok_as(&P));
    assert_false(reserve_ok_as(&P));
    squeeze_release();
    ipc_test_task_destroy(&P);
    ipc_test_task_init(&P, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vm_pageout_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_clean_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_every_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_pinned_and_wired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_laundry_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_ordinary_laundry_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_store_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_pager_queue_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_pager_credit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_pager_gives_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_pageout_pager_own_share, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
