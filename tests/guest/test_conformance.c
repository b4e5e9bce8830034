/*
 * The pager conformance suite (docs/pager.md, "Conformance suite"): the same
 * checks against whichever pager serves anonymous memory (pager=NAME, or the
 * in-kernel pager), one boot per entry of CONFORMANCE_PAGERS
 * (tests/guest/conformance.cmake). A check a pager cannot do prints a SKIP
 * line with the reason. With the argument victim=PROGRAM the program is the
 * child of the pager-death check instead (cf_victim).
 */
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <lib/cmdline.h>
#include <naming_defs.h>

#include "pager_util.h"
#include "swap_util.h"

#define CF_TOUCH_PAGES 64u /* first touch: half read first, half written first */
#define CF_DIRTY_PAGES 32u
#define CF_DIRTY_PASSES 3u
#define CF_THREADS 4u        /* threads faulting on one page at once */
#define CF_VICTIM_PAGES 8u   /* pages the pager-death child gives its pager */
#define CF_SETTLE_ROUNDS 500 /* round trips to the pager while its frees land */
/* Swap blocks our own pages (stacks, data) may hold once pressure pushed them
 * out: init checks those exactly after we end (as in test_swap_full). */
#define CF_OWN_BLOCKS 64u
#define CF_VICTIM_NAME "conform_victim"

static port_name_t cf_pager; /* the system's pager; PORT_NULL: the in-kernel pager */
static char cf_name[32];     /* its name ("kernel" for the in-kernel pager) */

static void cf_skip(const char *check, const char *reason)
{
    printf("test_conformance: SKIP %s with %s: %s\n", check, cf_name, reason);
}

static long cf_allocate(uint64_t npages)
{
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    TEST_CHECK(base > 0, "allocate %lu pages: %s", (unsigned long)npages, err_text(base));
    return base;
}

static volatile uint64_t *cf_page(long base, uint64_t i)
{
    return (volatile uint64_t *)(base + i * PAGE_SIZE);
}

static bool cf_resident(long base, uint64_t i)
{
    struct vm_query q;
    return sys_vm_query((const void *)cf_page(base, i), &q) == 0 && q.resident;
}

/* The system pager's figures now (all 0 for the in-kernel pager). */
static struct pager_stats_info cf_stats(void)
{
    struct pager_stats_info st;

    memset(&st, 0, sizeof(st));
    if (cf_pager != PORT_NULL)
        TEST_CHECK(pager_stats_read(cf_pager, &st) == 0, "pager_stats of %s", cf_name);
    return st;
}

/* Pages the system's pager answered (supplied or zero filled) between @a and @b. */
static uint64_t cf_answered(const struct pager_stats_info *a, const struct pager_stats_info *b)
{
    return b->supplies + b->unavailable - a->supplies - a->unavailable;
}

/*
 * First touch: fresh pages read as zero, half of them read before written,
 * half written before ever read; every page answered by the pager (external:
 * supplied or unavailable) or zero filled (in-kernel).
 */
static void cf_first_touch(void)
{
    struct vm_stat v0, v1;
    struct pager_stats_info p0 = cf_stats();
    uint64_t nonzero = 0, bad = 0;
    long base = cf_allocate(CF_TOUCH_PAGES);

    if (base <= 0)
        return;
    sys_vm_stat(&v0);
    for (uint64_t i = 0; i < CF_TOUCH_PAGES; i++) {
        if (i < CF_TOUCH_PAGES / 2)
            for (uint64_t j = 0; j < PT_WORDS; j++)
                nonzero += cf_page(base, i)[j] != 0;
        sw_stamp(cf_page(base, i), base + i * PAGE_SIZE, 1);
    }
    for (uint64_t i = 0; i < CF_TOUCH_PAGES; i++)
        bad += !sw_stamped(cf_page(base, i), base + i * PAGE_SIZE, 1);
    sys_vm_stat(&v1);
    struct pager_stats_info p1 = cf_stats();
    TEST_CHECK(nonzero == 0, "first touch: %lu words not zero", (unsigned long)nonzero);
    TEST_CHECK(bad == 0, "first touch: %lu pages lost their writes", (unsigned long)bad);
    if (cf_pager != PORT_NULL) {
        TEST_CHECK(cf_answered(&p0, &p1) >= CF_TOUCH_PAGES, "first touch: %s answered %lu pages",
                   cf_name, (unsigned long)cf_answered(&p0, &p1));
        /* The fault fast path: the answers mapped the pages for the waiting faults. */
        uint64_t resumed = v1.faults_resumed - v0.faults_resumed;
        TEST_CHECK(resumed >= 1 && resumed <= v1.faults - v0.faults,
                   "first touch: %lu faults resumed by %s's answers, of %lu",
                   (unsigned long)resumed, cf_name, (unsigned long)(v1.faults - v0.faults));
    } else
        TEST_CHECK(v1.zero_fills - v0.zero_fills >= CF_TOUCH_PAGES, "first touch: %lu zero fills",
                   (unsigned long)(v1.zero_fills - v0.zero_fills));
    printf("test_conformance: first touch: %lu pages, %lu faults, %lu resumed by the answer\n",
           (unsigned long)CF_TOUCH_PAGES, (unsigned long)(v1.faults - v0.faults),
           (unsigned long)(v1.faults_resumed - v0.faults_resumed));
    TEST_CHECK(sys_vm_deallocate((void *)base, CF_TOUCH_PAGES * PAGE_SIZE) == 0, "deallocate");
}

/*
 * Push pages [0, @npages) of @base out and wait until the pager has taken the
 * @dirty modified ones: none may stay resident. Returns the pages pushed.
 */
static long cf_push(long base, uint64_t npages, uint64_t dirty)
{
    uint64_t r0 = sw_returns(cf_pager), resident = 0;
    long pushed = sys_vm_pageout((void *)base, npages * PAGE_SIZE);

    sw_wait_returned(cf_pager, r0, dirty);
    for (uint64_t i = 0; i < npages; i++)
        resident += cf_resident(base, i);
    TEST_CHECK(resident == 0, "%lu pages still resident after pageout", (unsigned long)resident);
    return pushed;
}

/* Threads that fault on one page together (cf_concurrent). */
static struct {
    volatile uint64_t *page;
    uint64_t va;
    volatile unsigned ready, go, done, bad;
} cf_conc;

static void cf_conc_run(void *arg)
{
    (void)arg;
    pt_count(&cf_conc.ready);
    while (!__atomic_load_n(&cf_conc.go, __ATOMIC_SEQ_CST))
        sys_yield();
    if (!sw_stamped(cf_conc.page, cf_conc.va, 7))
        pt_count(&cf_conc.bad);
    pt_count(&cf_conc.done);
}

/*
 * Concurrent faults on one page: a page the pager holds (written, pushed out)
 * is faulted by CF_THREADS threads released together. One request goes to
 * the pager (in-kernel: one read from its store), and every thread sees the data.
 */
static void cf_concurrent(void)
{
    struct vm_stat v0, v1;
    long base = cf_allocate(1);

    if (base <= 0)
        return;
    cf_conc.page = cf_page(base, 0);
    cf_conc.va = (uint64_t)base;
    sw_stamp(cf_conc.page, cf_conc.va, 7);
    TEST_CHECK(cf_push(base, 1, 1) == 1, "concurrent: the page was not pushed out");
    for (unsigned i = 0; i < CF_THREADS; i++)
        TEST_CHECK(pt_thread(cf_conc_run, NULL) > 0, "concurrent: start a thread");
    pt_wait_count(&cf_conc.ready, CF_THREADS, TEST_WAIT); /* their stacks are touched */
    sys_vm_stat(&v0);
    __atomic_store_n(&cf_conc.go, 1, __ATOMIC_SEQ_CST);
    pt_wait_count(&cf_conc.done, CF_THREADS, TEST_WAIT);
    sys_vm_stat(&v1);
    uint64_t asked =
        cf_pager != PORT_NULL ? v1.pager_requests - v0.pager_requests : v1.store_ins - v0.store_ins;
    printf("test_conformance: concurrent: %u threads, %lu request(s), %u saw wrong data\n",
           CF_THREADS, (unsigned long)asked, cf_conc.bad);
    TEST_CHECK(asked == 1, "concurrent: %lu requests for one page", (unsigned long)asked);
    TEST_CHECK(cf_conc.bad == 0, "concurrent: %u threads saw wrong data", cf_conc.bad);
    TEST_CHECK(sys_vm_deallocate((void *)base, PAGE_SIZE) == 0, "deallocate");
}

/* Pages of [0, @npages) of @base that do not hold stamp @n. */
static uint64_t cf_bad_pages(long base, uint64_t npages, uint64_t n)
{
    uint64_t bad = 0;

    for (uint64_t i = 0; i < npages; i++)
        bad += !sw_stamped(cf_page(base, i), base + i * PAGE_SIZE, n);
    return bad;
}

/*
 * Dirty data never lost: pages written, pushed out with sys_vm_pageout, read
 * back; pushed out again clean (a precious page must come back too) and read
 * back; then rewritten and the same again, over several passes.
 */
static void cf_dirty(void)
{
    long base = cf_allocate(CF_DIRTY_PAGES);
    uint64_t bad = 0;

    if (base <= 0)
        return;
    for (uint64_t pass = 1; pass <= CF_DIRTY_PASSES; pass++) {
        for (uint64_t i = 0; i < CF_DIRTY_PAGES; i++)
            sw_stamp(cf_page(base, i), base + i * PAGE_SIZE, pass);
        long pushed = cf_push(base, CF_DIRTY_PAGES, CF_DIRTY_PAGES);
        TEST_CHECK(pushed == CF_DIRTY_PAGES, "dirty: pass %lu pushed %ld", (unsigned long)pass,
                   pushed);
        bad += cf_bad_pages(base, CF_DIRTY_PAGES, pass);
        cf_push(base, CF_DIRTY_PAGES, 0); /* clean now: dropped or returned precious */
        bad += cf_bad_pages(base, CF_DIRTY_PAGES, pass);
    }
    printf("test_conformance: dirty: %u pages, %u passes, %lu read back wrong\n", CF_DIRTY_PAGES,
           CF_DIRTY_PASSES, (unsigned long)bad);
    TEST_CHECK(bad == 0, "dirty: %lu pages read back wrong", (unsigned long)bad);
    TEST_CHECK(sys_vm_deallocate((void *)base, CF_DIRTY_PAGES * PAGE_SIZE) == 0, "deallocate");
}

/*
 * Run @module with @args as our child and wait for its end in *@st; then it
 * must hold nothing (task_acct after its end): no frame, object or port.
 */
static void cf_child(const char *module, const char *args, struct task_status *st)
{
    struct task_acct a;
    long task = sys_task_spawn_bootstrap(module, args, ipc_bootstrap_port);

    *st = (struct task_status){0, 0, 0};
    if (!TEST_CHECK(task > 0, "spawn %s: %s", module, err_text(task)))
        return;
    long err = sys_task_acct(task_port_of(task), (uint32_t)task, TASK_ACCT_WAIT, &a);
    TEST_CHECK(err == 0 || err == -ERR_NOENT, "task_acct of %s: %s", module, err_text(err));
    if (err == 0)
        TEST_CHECK(a.frames_user + a.frames_table + a.frames_kstack + a.objects + a.ports == 0,
                   "%s still holds %lu user frames, %lu objects, %lu ports after its end", module,
                   (unsigned long)a.frames_user, (unsigned long)a.objects, (unsigned long)a.ports);
    TEST_CHECK(sys_task_wait(task_port_of((uint32_t)task), st) == 0, "wait for %s", module);
}

/*
 * 4x over-commitment under frames=4096 and swap full: test_swap_pressure,
 * which needs a pager with a disk, and test_swap_full, in a boot of its own
 * (test_conformance_full@...: a small disk, or memory full without one).
 */
static void cf_overcommit(bool disk)
{
    struct task_status st;

    if (!disk) {
        cf_skip("4x over-commitment", "its store is in memory (no swap disk): four times "
                                      "the frames cannot fit");
        printf("test_conformance: swap full: test_swap_full in its own boot (memory full, "
               "no disk)\n");
        return;
    }
    printf("test_conformance: swap full: test_swap_full in its own boot (a 16 MiB disk)\n");
    cf_child("test_swap_pressure", "", &st);
    TEST_CHECK(st.end == TASK_END_EXIT && st.code == 0,
               "4x over-commitment: test_swap_pressure ended %d (code %d)", st.end, st.code);
}

/* The pager-death child: see cf_death. Exit status 2: set-up failed; 3: the fault worked. */
static int cf_victim(const char *program)
{
    struct task_status st;
    port_name_t port;
    long pager = sys_task_spawn_bootstrap(program, "name=" CF_VICTIM_NAME, ipc_bootstrap_port);

    if (pager <= 0)
        return 2;
    while (naming_lookup(ipc_bootstrap_port, CF_VICTIM_NAME, &port) != 0)
        sys_yield(); /* until it registers: waited for, not timed */
    long base = sys_vm_map(port, CF_VICTIM_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (base <= 0)
        return 2;
    for (uint64_t i = 0; i < CF_VICTIM_PAGES; i++)
        sw_stamp(cf_page(base, i), base + i * PAGE_SIZE, 9);
    uint64_t r0 = sw_returns(port);
    if (sys_vm_pageout((void *)base, CF_VICTIM_PAGES * PAGE_SIZE) != CF_VICTIM_PAGES)
        return 2;
    sw_wait_returned(port, r0, CF_VICTIM_PAGES);
    if (sys_task_kill(task_port_of((uint32_t)pager)) != 0 ||
        sys_task_wait(task_port_of((uint32_t)pager), &st) != 0)
        return 2;
    printf("test_conformance: victim: %s [%ld] killed holding %u pages; touching one must end "
           "this task by its fault\n",
           program, pager, CF_VICTIM_PAGES);
    return sw_stamped(cf_page(base, 0), (uint64_t)base, 9) ? 3 : 4;
}

/*
 * Pager death: a second instance of the pager's program (started with
 * name=conform_victim) serves a region of a child task, holds its pages
 * (pushed out) and is killed: the child's next fault there must fail (the
 * child ends by its fault, never sees zeros or stale data), the child holds
 * nothing afterwards, and the system's pager still serves us.
 */
static void cf_death(void)
{
    struct task_status st;
    char args[64];

    if (cf_pager == PORT_NULL) {
        cf_skip("pager death", "the in-kernel pager is part of the kernel and cannot die");
        return;
    }
    snprintf(args, sizeof(args), "victim=%s", cf_name);
    cf_child("test_conformance", args, &st);
    printf("test_conformance: pager death: the child ended %d (code %d) at %lx\n", st.end, st.code,
           (unsigned long)st.fault_addr);
    TEST_CHECK(st.end == TASK_END_FAULT,
               "pager death: the child ended %d (code %d), not by its "
               "fault",
               st.end, st.code);
    long base = cf_allocate(1);
    if (base > 0) {
        sw_stamp(cf_page(base, 0), (uint64_t)base, 5);
        TEST_CHECK(sw_stamped(cf_page(base, 0), (uint64_t)base, 5), "pager death: %s still serves",
                   cf_name);
        sys_vm_deallocate((void *)base, PAGE_SIZE);
    }
}

/*
 * Frames and swap blocks back: once every region of the checks is gone, the
 * pager serves no more objects than before and its free swap blocks are
 * back, but for the few our own pages may hold (the children's frames were
 * checked with task_acct at their end; our own frames and blocks are
 * init's exact leak check once we end).
 */
static void cf_leak(const struct pager_stats_info *p0)
{
    struct pager_stats_info p1 = cf_stats();

    if (cf_pager == PORT_NULL) {
        cf_skip("swap blocks back", "no swap disk (frames: task_acct and init's leak check)");
        return;
    }
    /* terminate reaches the pager after the deallocation: a few round trips */
    for (int i = 0;
         i < CF_SETTLE_ROUNDS && (p1.objects > p0->objects || p1.used > p0->used + CF_OWN_BLOCKS);
         i++) {
        sys_yield();
        p1 = cf_stats();
    }
    printf("test_conformance: back: %lu objects (%lu before), %lu blocks used (%lu before)\n",
           (unsigned long)p1.objects, (unsigned long)p0->objects, (unsigned long)p1.used,
           (unsigned long)p0->used);
    TEST_CHECK(p1.objects <= p0->objects, "%s still serves %lu objects, %lu before", cf_name,
               (unsigned long)p1.objects, (unsigned long)p0->objects);
    TEST_CHECK(p1.used <= p0->used + CF_OWN_BLOCKS, "%s still uses %lu swap blocks, %lu before",
               cf_name, (unsigned long)p1.used, (unsigned long)p0->used);
}

int main(int argc, char **argv)
{
    const char *victim = cmdline_option(argc, argv, "victim");

    if (victim != NULL)
        return cf_victim(victim);
    struct pager_stats_info p0;
    if (pager_stats_system(&cf_pager) != 0 || pager_stats_read(cf_pager, &p0) != 0) {
        cf_pager = PORT_NULL;
        memset(&p0, 0, sizeof(p0));
        snprintf(cf_name, sizeof(cf_name), "kernel");
    } else {
        snprintf(cf_name, sizeof(cf_name), "%s", p0.name);
    }
    printf("test_conformance: the system's pager: %s (%s)\n", cf_name,
           p0.disk ? "a swap disk" : "no disk");
    cf_first_touch();
    cf_concurrent();
    /* the baseline of what comes back: the threads' stacks stay until we end */
    p0 = cf_stats();
    cf_dirty();
    cf_overcommit(p0.disk != 0);
    cf_death();
    cf_leak(&p0);
    return test_report("test_conformance");
}
