/*
 * Bounded kernel work and tables no task fills for another (issue 13, items
 * 1, 3 and 4). A heartbeat thread ticks on a periodic sleep while this task
 * asks for the largest ranges each call accepts (pageout of the whole user
 * range, a run of thousands of regions deallocated at once, a pin of the
 * most pages, lock_request and query_bits over a 64 GiB object): a call
 * that lasts long and lets no heartbeat happen held the CPU. Then a child
 * fills its quota of dead-name requests on init's name service and ends
 * (its requests must go with it), and vm_allocate at refused addresses
 * must create no object.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <memory_object_control_defs.h>

#define BOUND_HUGE (64ull << 30)         /* the largest vm_allocate and vm_map */
#define BOUND_TOUCHED 8192u              /* pages of the huge region pageout pushes */
#define BOUND_RUN_BASE 0x400000000000ull /* the run of regions: above vm_allocate's */
#define BOUND_RUN_REGION (1ull << 30)    /* each region of the run */
#define BOUND_RUN_MAX 16384u             /* VM_MAP_MAX_REGIONS: the run stops before */
#define BOUND_PIN_PAGES 1024u            /* VM_PIN_MAX_PAGES */
#define BOUND_BEAT_NS 1000000ull         /* the heartbeat's period */
#define BOUND_LONG_NS (50 * 1000000ull)  /* a call this long must let the heartbeat run */
#define BOUND_ATTEMPTS 5                 /* long calls without a heartbeat before failing */
#define BOUND_DEAD_NAMES 64              /* IPC_DEAD_NAME_REQUESTS_MAX */
#define BOUND_LOCK_FLUSH 2u              /* lock_request ops (memory_object_control.idl) */
#define BOUND_WAIT (10 * PT_SEC)

static volatile uint64_t beats;
static volatile uint8_t *huge, *sparse;
static uint64_t run_regions;
static port_name_t pager, control;
static uint64_t mapped;

/* The heartbeat: one tick per period it gets to run. */
static void bound_heartbeat(void *arg)
{
    (void)arg;
    for (;;) {
        sys_sleep_ns(BOUND_BEAT_NS);
        beats++;
    }
}

/*
 * Run @call (after @prepare, if any, each time) until it either lets the
 * heartbeat tick or ends before BOUND_LONG_NS; BOUND_ATTEMPTS long calls
 * without a heartbeat fail. A correct kernel passes on any machine: a short
 * call proves nothing and is accepted, a long one has passed many preemption
 * points (a loaded host may stall one of them, hence the attempts). The
 * longest stretch the kernel measured is printed, for docs/design.md.
 */
static void bound_judge(const char *what, long (*prepare)(void), long (*call)(void))
{
    struct kern_stat st;

    for (int i = 0; i < BOUND_ATTEMPTS; i++) {
        if (prepare && !TEST_CHECK(prepare() >= 0, "%s: prepare", what))
            return;
        sys_kern_stat_reset(ipc_host_port); /* -ERR_PERM without host_priv=: nothing measured */
        uint64_t b0 = beats, t0 = sys_clock_ns();
        long r = call();
        uint64_t ns = sys_clock_ns() - t0, b = beats - b0;
        sys_kern_stat(&st);
        printf("test_bound: %s: %ld in %lu us, %lu heartbeats, longest stretch %lu us"
               " (entry %#x)\n",
               what, r, (unsigned long)(ns / 1000), (unsigned long)b,
               (unsigned long)(st.stretch_max_ns / 1000), st.stretch_max_what);
        if (!TEST_CHECK(r >= 0, "%s: %s", what, err_text(r)) || b > 0 || ns < BOUND_LONG_NS)
            return;
    }
    TEST_CHECK(0, "%s held the CPU: %d calls of over %llu ms without a heartbeat", what,
               BOUND_ATTEMPTS, BOUND_LONG_NS / 1000000);
}

/* Two 64 GiB regions: one with BOUND_TOUCHED pages written, one with two at its ends. */
static long bound_pageout_prepare(void)
{
    if (!huge) {
        huge = (volatile uint8_t *)sys_vm_allocate(BOUND_HUGE, VM_PROT_READ | VM_PROT_WRITE |
                                                                   VM_ALLOC_KERNEL_PAGER);
        sparse = (volatile uint8_t *)sys_vm_allocate(BOUND_HUGE, VM_PROT_READ | VM_PROT_WRITE |
                                                                     VM_ALLOC_KERNEL_PAGER);
        if ((long)huge < 0 || (long)sparse < 0)
            return -1;
    }
    for (uint64_t i = 0; i < BOUND_TOUCHED; i++)
        huge[i * (BOUND_HUGE / BOUND_TOUCHED)] = (uint8_t)i;
    sparse[0] = 1;
    sparse[BOUND_HUGE - 1] = 2;
    return 0;
}

/* The call of issue 13: every page of the user range. */
static long bound_pageout(void)
{
    long r = sys_vm_pageout((void *)0x10000, 0x7fff00000000ull);
    TEST_CHECK(r < 0 || r >= (long)BOUND_TOUCHED + 2, "pageout pushed only %ld pages", r);
    return r;
}

/* A run of 1 GiB regions, as many as the task may hold. */
static long bound_run_prepare(void)
{
    unsigned prot = VM_PROT_READ | VM_PROT_WRITE | VM_ALLOC_KERNEL_PAGER;

    for (run_regions = 0; run_regions < BOUND_RUN_MAX; run_regions++) {
        uint64_t va = BOUND_RUN_BASE + run_regions * BOUND_RUN_REGION;
        long r = sys_vm_allocate_at((void *)va, BOUND_RUN_REGION, prot);
        if (r < 0) {
            printf("test_bound: %lu regions in the run (then %s)\n", (unsigned long)run_regions,
                   err_text(r));
            break;
        }
        if (run_regions % 1024 == 0)
            *(volatile uint8_t *)va = 1; /* a page now and then, and its page tables */
    }
    return run_regions > 1000 ? 0 : -1;
}

/* The whole run in one call; then the range is free again. */
static long bound_run_deallocate(void)
{
    long r = sys_vm_deallocate((void *)BOUND_RUN_BASE, run_regions * BOUND_RUN_REGION);
    struct vm_region_info ri;
    long next = sys_vm_region_info(PORT_NULL, 0, BOUND_RUN_BASE, &ri);
    TEST_CHECK(next == -ERR_NOENT ||
                   next >= (long)(BOUND_RUN_BASE + run_regions * BOUND_RUN_REGION),
               "a region of the run is left at %lx", next);
    return r;
}

static long bound_pin(void)
{
    static long at;

    if (at > 0)
        sys_vm_deallocate((void *)at, BOUND_PIN_PAGES * PAGE_SIZE);
    at = sys_vm_allocate(BOUND_PIN_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (at < 0)
        return at;
    long r = sys_vm_pin((void *)at, BOUND_PIN_PAGES * PAGE_SIZE);
    if (r == 0)
        TEST_CHECK(sys_vm_unpin((void *)at, BOUND_PIN_PAGES * PAGE_SIZE) == 0, "unpin");
    return r;
}

/* A 64 GiB object of a pager of our own (this task; it never faults on it). */
static long bound_pager_prepare(void)
{
    struct pt_event ev;

    if (control)
        return 0;
    if (port_allocate(IPC_RIGHT_RECEIVE, &pager) != 0)
        return -1;
    long addr = sys_vm_map(pager, BOUND_HUGE, VM_PROT_READ | VM_PROT_WRITE);
    if (addr < 0 || !pt_expect(pager, &ev, PT_INIT, BOUND_WAIT))
        return -1;
    mapped = (uint64_t)addr;
    control = ev.control;
    return 0;
}

static long bound_lock_request(void)
{
    return pt_lock(control, 0, BOUND_HUGE, BOUND_LOCK_FLUSH);
}

static long bound_query_bits(void)
{
    static uint8_t bits[MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_MAX];
    uint32_t len = 0;

    return memory_object_control_query_bits(control, BOUND_HUGE - sizeof(bits) * PAGE_SIZE,
                                            sizeof(bits) * PAGE_SIZE, bits, &len);
}

static void bound_pager_done(void)
{
    struct pt_event ev;

    if (!control)
        return;
    sys_vm_deallocate((void *)mapped, BOUND_HUGE);
    TEST_CHECK(pt_expect(pager, &ev, PT_TERMINATE, BOUND_WAIT), "terminate");
    port_deallocate(control);
    port_destroy(pager);
}

/* Child mode "dnr": ask for dead-name notices on the name service until refused. */
static int bound_dead_name_child(void)
{
    port_name_t notify;
    int n = 0;

    if (port_allocate(IPC_RIGHT_RECEIVE, &notify) != 0)
        return 255;
    while (n < 4 * BOUND_DEAD_NAMES && port_request_dead_name(ipc_bootstrap_port, notify) == 0)
        n++;
    return n; /* the requests stay until this task ends */
}

static uint32_t bound_dead_names_held(void)
{
    struct kern_stat st = {0};

    sys_kern_stat(&st);
    return st.dead_name_requests;
}

/*
 * Dead-name requests are the requester's (before, 16 per watched port for
 * the rest of the boot): a child takes its whole quota on init's name
 * service and ends; this task's own requests still work, stop at the quota
 * and go when their notify port dies.
 */
static void bound_dead_names(void)
{
    struct task_status st = {0};
    port_name_t notify;
    int n;

    long child = sys_task_spawn_bootstrap("test_bound", "dnr", ipc_bootstrap_port);
    TEST_CHECK(child > 0 && sys_task_wait(task_port_of((uint32_t)child), &st) == 0, "child: %s",
               err_text(child));
    TEST_CHECK(st.end == TASK_END_EXIT && st.code == BOUND_DEAD_NAMES,
               "the child got %d dead-name requests, not its %d", st.code, BOUND_DEAD_NAMES);
    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &notify) == 0, "notify port"))
        return;
    for (n = 0; n < BOUND_DEAD_NAMES; n++)
        if (!TEST_CHECK(port_request_dead_name(ipc_bootstrap_port, notify) == 0,
                        "request %d after the child's ended", n))
            break;
    TEST_CHECK(port_request_dead_name(ipc_bootstrap_port, notify) == -ERR_LIMIT,
               "request over the quota");
    TEST_CHECK(bound_dead_names_held() == BOUND_DEAD_NAMES, "held: %u", bound_dead_names_held());
    port_destroy(notify);
    TEST_CHECK(bound_dead_names_held() == 0, "held after the notify port died: %u",
               bound_dead_names_held());
}

/* vm_allocate at a refused address creates nothing (before, an object each time). */
static void bound_check_first(void)
{
    void *const bad[] = {(void *)0xffff800000000000ull, (void *)0x0000800000000000ull,
                         (void *)0x8000000000000000ull, (void *)((uintptr_t)&beats & ~0xfffull)};
    struct kern_stat before = {0}, after = {0};
    const unsigned rounds = 64;

    TEST_CHECK(sys_kern_stat(&before) == 0, "kern_stat");
    for (unsigned i = 0; i < rounds; i++)
        for (unsigned j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
            TEST_CHECK(sys_vm_allocate_at(bad[j], PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE) < 0,
                       "vm_allocate at %p", bad[j]);
    TEST_CHECK(sys_kern_stat(&after) == 0, "kern_stat");
    /* Other tasks may create a few meanwhile; each refused call used to make one. */
    TEST_CHECK(after.objects_created - before.objects_created < rounds,
               "%lu objects created for refused addresses",
               (unsigned long)(after.objects_created - before.objects_created));
}

/* Print the longest stretch since the last reset, after @what. */
static void bound_stretch(const char *what)
{
    struct kern_stat st = {0};

    sys_kern_stat(&st);
    printf("test_bound: %s: longest stretch %lu us, %lu cycles (entry %#x), %lu points,"
           " %lu preemptions at one\n",
           what, (unsigned long)(st.stretch_max_ns / 1000), (unsigned long)st.stretch_max_cycles,
           st.stretch_max_what, (unsigned long)st.preempt_points,
           (unsigned long)st.kernel_preemptions);
}

/*
 * A child that ends holding a run of regions: its teardown (one stretch, at
 * its last thread's end) is measured, not judged: it is bounded by what the
 * task holds.
 */
static void bound_teardown(void)
{
    struct task_status st = {0};

    sys_kern_stat_reset(ipc_host_port);
    long child = sys_task_spawn("test_bound", "run");
    TEST_CHECK(child > 0 && sys_task_wait(task_port_of((uint32_t)child), &st) == 0 && st.code == 0,
               "child with a run of regions: %s, status %d", err_text(child), st.code);
    bound_stretch("a task ending with a run of regions");
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    if (strcmp(args, "dnr") == 0)
        return bound_dead_name_child();
    if (strcmp(args, "run") == 0)
        return bound_run_prepare() == 0 ? 0 : 1;
    bound_check_first();
    bound_dead_names();
    TEST_CHECK(thread_start(bound_heartbeat, NULL, 0) >= 0, "heartbeat thread");
    bound_judge("lock_request flush of 64 GiB", bound_pager_prepare, bound_lock_request);
    bound_judge("query_bits of 512 pages", bound_pager_prepare, bound_query_bits);
    bound_pager_done();
    bound_judge("pin of 1024 pages", NULL, bound_pin);
    bound_judge("deallocate of a run of 1 GiB regions", bound_run_prepare, bound_run_deallocate);
    bound_judge("pageout of the user range", bound_pageout_prepare, bound_pageout);
    bound_teardown();
    return test_report("test_bound");
}
