/*
 * The fault benchmark (run by tools/bench fault and tools/bench pagers): the
 * cost of a first touch of a page with the in-kernel pager (config=kernel)
 * and with the system's pager, whichever pager= chose (config=its name, as
 * pager_stats reports it; for supply_from_store this module's own pager,
 * config=bench_pager, see bench_fault_pager.c), in TSC ticks, which under
 * -icount shift=0 count guest instructions. It also prints the breakdown of
 * external faults from the kernel's fault trace and the pager's own stamps.
 *
 * Major faults (swap_*, pageout_dirty): pages written, pushed out with
 * SYS_VM_PAGEOUT, then touched again. With no argument the system pager
 * keeps them in its RAM store and the in-kernel pager in its kernel store
 * (swap_in_ram, pageout_dirty_ram); the wait for the pager to take them
 * polls its pager_stats returns, so any pager on pager/lib works. With
 * "swap" (booted with swap=disk and without icount) the pager writes them to
 * its disk: swap_in_disk and pageout_dirty in nanoseconds, and the throughput
 * of sequential and random swap-in (seq_swap_in, rand_swap_in) in pages per
 * second of wall time (swap_in_pool for a pager with a compressed pool,
 * which keeps these one-word pages there). With "system" only the system
 * pager's rows (the pagers suite), and for a pager with a compressed pool
 * (pager_stats pool) its own: swap-in of text-like pages from the pool and
 * their store cost (swap_in_pool_text, pageout_dirty_pool_text; swap_in_ram
 * is a page of one word and zeros), and what a zero, text-like or random
 * page takes in the pool (pool_bytes_per_page_*, pool_ratio_text) and how
 * many of them it rejected (pool_rejected_*).
 *
 * With "scaling" (tools/bench scaling, a guest of 2 GiB) the rows of the
 * scaling suite: zero_fill_read in the kernel and from the system's pager
 * with 4k, 64k and 256k user pages resident (bench_scaling_main), with 0
 * and 256 sleeping threads, and bench_ipc's call_null with 4,000 ports in
 * the server's space (it runs bench_ipc scaling).
 */
#include "bench_fault.h"
#include "page_content.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <naming_defs.h>

#define BENCH_N 2000       /* samples of zero_fill_read/_write */
#define BENCH_N_STORE 1000 /* samples of supply_from_store and of each breakdown */
#define BENCH_WARMUP 24
#define BENCH_PROFILED (BENCH_WARMUP + 10) /* traced by tools/profile */
#define BENCH_TOUCH_PAGES 65536u
#define BENCH_TOUCH_CHUNK 4096u
#define BENCH_RW (VM_PROT_READ | VM_PROT_WRITE)
#define BENCH_N_SWAP 1000           /* samples of swap_in_* and pageout_dirty */
#define BENCH_SWAP_WALL_PAGES 8192u /* pages of seq_swap_in / rand_swap_in */
#define BENCH_SWAP_WALL_CHUNK 512u
#define BENCH_POOL_PAGES 256u /* pages of each content for the pool's ratio */
#define BENCH_POOL_SEED 11u

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c */

/* One timed first touch: TSC before and after, and the kernel's trace of it. */
struct bench_fault {
    uint64_t start, end;
    struct vm_fault_trace tr;
};

static struct ipc_message bench_msg;
static const char *bench_suite = "fault"; /* the suite of the BENCH lines */
/* The system's pager: its name (the config of its rows), "kernel" when none. */
static char bench_sys_name[PAGER_STATS_NAME_MAX] = "kernel";
static uint64_t bench_samples[BENCH_N];
static struct bench_fault bench_faults[BENCH_N];
static uint32_t bench_perm[BENCH_TOUCH_PAGES];
/* Pages of an executable image: the in-kernel pager copies them out of the
 * image it holds (supply_from_store, config=kernel). Non-zero, so in .data. */
static volatile uint64_t bench_image[(BENCH_WARMUP + BENCH_N_STORE) * PAGE_SIZE / 8]
    __attribute__((aligned(4096))) = {1};

void bench_report_samples(const char *suite, const char *metric, const char *config,
                          uint64_t *samples, unsigned n)
{
    bench_sort(samples, n);
    printf("BENCH %s metric=%s config=%s median=%lu p99=%lu n=%u unit=icount_ticks\n", suite,
           metric, config, (unsigned long)samples[n / 2],
           (unsigned long)samples[(uint64_t)n * 99 / 100], n);
}

/* Sort the @n samples and print the median and p99 of @metric under @config. */
static void bench_report(const char *metric, const char *config, unsigned n)
{
    bench_report_samples(bench_suite, metric, config, bench_samples, n);
}

/* The same as a breakdown line: segment @segment of the faults of @path. */
static void bench_report_segment(const char *path, const char *segment, unsigned n)
{
    bench_sort(bench_samples, n);
    printf("BENCH fault breakdown path=%s segment=%s median=%lu p99=%lu n=%u unit=icount_ticks\n",
           path, segment, (unsigned long)bench_samples[n / 2],
           (unsigned long)bench_samples[(uint64_t)n * 99 / 100], n);
}

/* The kernel's stamps of the last fault that went to an external pager (libipc has no wrapper). */
static long bench_fault_trace(struct vm_fault_trace *out)
{
    return sys_call1(SYS_VM_FAULT_TRACE, (long)out);
}

/* The pager requests the kernel has sent since boot. */
static uint64_t bench_pager_requests(void)
{
    struct vm_stat st;

    return sys_vm_stat(&st) == 0 ? st.pager_requests : 0;
}

/*
 * Touch the @pages pages at @base once each (a write if @write), timing each
 * touch; after the first BENCH_WARMUP, keep the time in bench_samples and,
 * with @trace, the whole fault in bench_faults. A read must see @expect(i)
 * (NULL: anything). Returns the number of pages that read wrong.
 */
static unsigned bench_touch_pages(long base, unsigned pages, bool write, bool trace,
                                  uint64_t (*expect)(uint64_t index))
{
    unsigned wrong = 0;

    /* From the last page down: faults that never follow each other, so each
     * is a lone page's (the kernel asks for runs on ascending faults). */
    for (unsigned k = 0; k < pages; k++) {
        unsigned i = pages - 1 - k;
        volatile uint64_t *p = (volatile uint64_t *)(base + (long)i * (long)PAGE_SIZE);
        if (k == BENCH_PROFILED)
            sys_profile_mark();
        uint64_t v = 0, t0 = bench_rdtsc();
        if (write)
            *p = i;
        else
            v = *p;
        uint64_t t1 = bench_rdtsc();
        if (k == BENCH_PROFILED)
            sys_profile_mark();
        wrong += !write && expect != NULL && v != expect(i);
        if (k < BENCH_WARMUP)
            continue;
        bench_samples[k - BENCH_WARMUP] = t1 - t0;
        if (trace) {
            struct bench_fault *f = &bench_faults[k - BENCH_WARMUP];
            f->start = t0, f->end = t1;
            bench_fault_trace(&f->tr);
        }
    }
    return wrong;
}

static uint64_t bench_expect_zero(uint64_t index)
{
    (void)index;
    return 0;
}

/* The parts of the system pager's faults in bench_faults: only the kernel's stamps. */
static void bench_breakdown_default(unsigned n)
{
    static const char *const names[] = {"fault_entry",         "trap_to_request",
                                        "request_to_supplied", "supplied_to_resumed",
                                        "resumed_to_user",     "total"};

    for (unsigned s = 0; s < 6; s++) {
        for (unsigned i = 0; i < n; i++) {
            const struct bench_fault *f = &bench_faults[i];
            uint64_t pts[6] = {f->start,       f->tr.trap,    f->tr.request,
                               f->tr.supplied, f->tr.resumed, f->end};
            bench_samples[i] = s == 5 ? f->end - f->start : pts[s + 1] - pts[s];
        }
        bench_report_segment(bench_sys_name, names[s], n);
    }
}

/*
 * zero_fill_read or _write (@write) with pager @flags (VM_ALLOC_KERNEL_PAGER
 * or 0), reported as @metric (NULL: by its name).
 */
static int bench_zero_fill_as(const char *metric, bool write, unsigned flags, const char *config)
{
    unsigned pages = BENCH_WARMUP + BENCH_N;
    bool external = flags == 0;
    uint64_t req0 = bench_pager_requests();
    long base = sys_vm_allocate(pages * PAGE_SIZE, BENCH_RW | flags);

    if (!TEST_CHECK(base > 0, "allocate: %s", err_text(base)))
        return 1;
    unsigned wrong = bench_touch_pages(base, pages, write, external, bench_expect_zero);
    uint64_t requests = bench_pager_requests() - req0;
    sys_vm_deallocate((void *)base, pages * PAGE_SIZE);
    if (!TEST_CHECK(wrong == 0, "%u pages not zero", wrong) ||
        !TEST_CHECK(external ? requests >= pages : requests == 0,
                    "%s: %lu pager requests for %u faults (is the system pager running?)", config,
                    (unsigned long)requests, pages))
        return 1;
    bench_report(metric ? metric : write ? "zero_fill_write" : "zero_fill_read", config, BENCH_N);
    if (external && !write && !metric)
        bench_breakdown_default(BENCH_N);
    return 0;
}

static int bench_zero_fill(bool write, unsigned flags, const char *config)
{
    return bench_zero_fill_as(NULL, write, flags, config);
}

#define BENCH_SLEEPER_TASKS 4
#define BENCH_SLEEPER_THREADS 64 /* a task's most threads (the kernel's TASK_MAX_THREADS) */
static volatile unsigned bench_sleeping;

/* A thread that sleeps for an hour, its deadline armed the whole time (it is killed first). */
static void bench_sleeper(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&bench_sleeping, 1, __ATOMIC_SEQ_CST);
    sys_sleep_ns(3600ull * 1000000000ull);
}

/*
 * Role "sleepers": start BENCH_SLEEPER_THREADS - 1 sleeping threads, tell
 * the benchmark (BENCH_ID_HELLO to the bootstrap port) once they all
 * reached their sleep, and sleep too.
 */
static int bench_sleepers_main(void)
{
    struct ipc_message *m = &bench_msg;

    for (unsigned i = 1; i < BENCH_SLEEPER_THREADS; i++)
        if (thread_start(bench_sleeper, NULL, 16 * 1024) < 0)
            return 1;
    while (__atomic_load_n(&bench_sleeping, __ATOMIC_SEQ_CST) < BENCH_SLEEPER_THREADS - 1)
        sys_yield();
    sys_yield(); /* round robin: every thread that counted has reached its sleep */
    ipc_msg_init(m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, BENCH_ID_HELLO);
    if (ipc_send(m, IPC_TIMEOUT_NONE) < 0)
        return 1;
    bench_sleeper(NULL);
    return 0;
}

/*
 * zero_fill_read from the system's pager while BENCH_SLEEPER_TASKS x
 * BENCH_SLEEPER_THREADS threads of other tasks sleep: every external fault
 * arms a deadline among theirs, so the row against zero_fill_read shows what
 * arming costs with many armed.
 */
static int bench_zero_fill_sleepers(const char *config)
{
    struct ipc_message *m = &bench_msg;
    long task[BENCH_SLEEPER_TASKS];
    port_name_t boot;
    int failed = 0;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &boot) == 0, "sleepers' port"))
        return 1;
    for (unsigned i = 0; i < BENCH_SLEEPER_TASKS; i++) {
        task[i] = sys_task_spawn_bootstrap("bench_fault", "sleepers", boot);
        failed |= !TEST_CHECK(task[i] > 0 && ipc_recv(m, boot, IPC_TIMEOUT_NONE) == 0 &&
                                  m->id == BENCH_ID_HELLO,
                              "sleepers task %u: %s", i, err_text(task[i]));
    }
    if (!failed)
        failed = bench_zero_fill_as("zero_fill_read_256_sleepers", false, 0, config);
    for (unsigned i = 0; i < BENCH_SLEEPER_TASKS; i++) {
        struct task_status st;
        if (task[i] > 0 && sys_task_kill(task_port_of((uint32_t)task[i])) == 0)
            sys_task_wait(task_port_of((uint32_t)task[i]), &st);
    }
    port_destroy(boot);
    return failed;
}

/* A fixed pseudo-random permutation of 0..@n-1 in bench_perm. */
static void bench_perm_fill(uint32_t n)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (uint32_t i = 0; i < n; i++)
        bench_perm[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t j = (uint32_t)(x % (i + 1)), t = bench_perm[i];
        bench_perm[i] = bench_perm[j], bench_perm[j] = t;
    }
}

/*
 * seq_touch_64k or rand_touch_64k (@random): a write to each of 65,536 fresh
 * pages in chunks of 4096; median = all ticks / 65,536, p99 = the worst chunk's
 * per-fault cost.
 */
static int bench_touch_64k(bool random, unsigned flags, const char *config)
{
    uint64_t size = (uint64_t)BENCH_TOUCH_PAGES * PAGE_SIZE, total = 0, worst = 0;
    long base = sys_vm_allocate(size, BENCH_RW | flags);

    if (!TEST_CHECK(base > 0, "allocate 256 MiB: %s", err_text(base)))
        return 1;
    for (uint32_t c = 0; c < BENCH_TOUCH_PAGES; c += BENCH_TOUCH_CHUNK) {
        uint64_t t0 = bench_rdtsc();
        for (uint32_t i = c; i < c + BENCH_TOUCH_CHUNK; i++) {
            uint64_t page = random ? bench_perm[i] : i;
            *(volatile uint8_t *)(base + (long)(page * PAGE_SIZE)) = 1;
        }
        uint64_t t = bench_rdtsc() - t0;
        total += t;
        worst = t / BENCH_TOUCH_CHUNK > worst ? t / BENCH_TOUCH_CHUNK : worst;
    }
    sys_vm_deallocate((void *)base, size);
    printf("BENCH fault metric=%s config=%s median=%lu p99=%lu n=%u unit=icount_ticks\n",
           random ? "rand_touch_64k" : "seq_touch_64k", config,
           (unsigned long)(total / BENCH_TOUCH_PAGES), (unsigned long)worst, BENCH_TOUCH_PAGES);
    return 0;
}

/* A call to the pager with @id and words @w0..@w2; the reply stays in bench_msg. */
static long bench_pager_call(port_name_t pager, uint32_t id, uint64_t w0, uint64_t w1, uint64_t w2)
{
    struct ipc_message *m = &bench_msg;

    ipc_msg_init(m, pager, IPC_DISP_COPY_SEND, id);
    m->w[0] = w0, m->w[1] = w1, m->w[2] = w2;
    long err = ipc_call(m, IPC_TIMEOUT_NONE);
    if (err == 0 && m->id != (id | IPC_ID_REPLY))
        err = -ERR_INVAL;
    return err;
}

/* A region of @pages pages served by our pager as @kind (logging from scratch), or -ERR_*. */
static long bench_pager_region(port_name_t pager, unsigned kind, unsigned pages)
{
    long err =
        bench_pager_call(pager, BENCH_ID_PREPARE, kind, kind == BENCH_KIND_STORE ? pages : 0, 1);

    if (err == 0)
        err = (long)bench_msg.w[0];
    return err < 0 ? err : sys_vm_map(pager, (size_t)pages * PAGE_SIZE, BENCH_RW);
}

/* supply_from_store, config=kernel: pages the in-kernel pager copies out of the image. */
static int bench_store_kernel(void)
{
    unsigned wrong =
        bench_touch_pages((long)bench_image, BENCH_WARMUP + BENCH_N_STORE, false, false, NULL);

    if (!TEST_CHECK(wrong == 0 && bench_image[0] == 1, "image page 0 reads %lu",
                    (unsigned long)bench_image[0]))
        return 1;
    bench_report("supply_from_store", "kernel", BENCH_N_STORE);
    return 0;
}

/*
 * The faults of a region of our pager of @kind: timed into bench_samples and
 * bench_faults, checked (store pages hold their store word). Returns 0 or 1.
 */
static int bench_pager_faults(port_name_t pager, unsigned kind)
{
    unsigned pages = BENCH_WARMUP + BENCH_N_STORE;
    long base = bench_pager_region(pager, kind, pages);

    if (!TEST_CHECK(base > 0, "pager region (kind %u): %s", kind, err_text(base)))
        return 1;
    unsigned wrong = bench_touch_pages(
        base, pages, false, true, kind == BENCH_KIND_STORE ? bench_store_word : bench_expect_zero);
    sys_vm_deallocate((void *)base, (size_t)pages * PAGE_SIZE);
    return !TEST_CHECK(wrong == 0, "%u pages of kind %u read wrong", wrong, kind);
}

/* The stamps of measured fault @i: user, trap, request, pager received/answered, ... */
static void bench_fault_points(unsigned i, const struct bench_log_entry *log, uint64_t pts[9])
{
    const struct bench_fault *f = &bench_faults[i];
    const struct bench_log_entry *e = &log[BENCH_WARMUP + i];

    pts[0] = f->start, pts[1] = f->tr.trap, pts[2] = f->tr.request, pts[3] = e->received;
    pts[4] = e->answered, pts[5] = f->tr.supplied, pts[6] = e->returned;
    pts[7] = f->tr.resumed, pts[8] = f->end;
}

/* Print the breakdown of @path from bench_faults and the pager's @log; 1 if out of order. */
static int bench_breakdown_print(const char *path, const struct bench_log_entry *log)
{
    static const char *const names[] = {
        "fault_entry",      "trap_to_request",    "request_to_pager",
        "pager_work",       "answer_to_supplied", "supplied_to_pager_return",
        "pager_to_resumed", "resumed_to_user",    "total"};
    uint64_t pts[9];
    unsigned disorder = 0;

    for (unsigned s = 0; s < 9; s++) {
        for (unsigned i = 0; i < BENCH_N_STORE; i++) {
            bench_fault_points(i, log, pts);
            for (unsigned k = 0; s == 0 && k < 8; k++)
                disorder += pts[k + 1] < pts[k];
            bench_samples[i] = s == 8 ? pts[8] - pts[0] : pts[s + 1] - pts[s];
        }
        bench_report_segment(path, names[s], BENCH_N_STORE);
    }
    /* A sample can pair a fault with the wrong trace when a timer tick lands
     * between the fault and reading its trace; more than 1% means a bug. */
    if (disorder)
        printf("bench_fault: %s: %u stamps out of order\n", path, disorder);
    return !TEST_CHECK(disorder * 100 <= BENCH_N_STORE, "%s: %u stamps out of order", path,
                       disorder);
}

/* Fault a region of our pager of @kind and print the breakdown of its faults as @path. */
static int bench_breakdown(port_name_t pager, unsigned kind, const char *path)
{
    struct ipc_message *m = &bench_msg;

    if (bench_pager_faults(pager, kind))
        return 1;
    long err = bench_pager_call(pager, BENCH_ID_LOG, 0, 0, 0);
    if (!TEST_CHECK(err == 0 && m->ndesc == 1 && ipc_desc_ool_ok(&m->ext.desc[0]), "pager log: %s",
                    err_text(err)))
        return 1;
    const struct bench_log_entry *log = (const void *)(uintptr_t)m->ext.desc[0].address;
    uint64_t size = m->ext.desc[0].size, count = m->w[0];
    int failed = !TEST_CHECK(count == BENCH_WARMUP + BENCH_N_STORE, "%s: pager logged %lu", path,
                             (unsigned long)count);
    if (!failed)
        failed = bench_breakdown_print(path, log);
    sys_vm_deallocate((void *)log, size);
    if (!failed && kind == BENCH_KIND_STORE) {
        for (unsigned i = 0; i < BENCH_N_STORE; i++)
            bench_samples[i] = bench_faults[i].end - bench_faults[i].start;
        bench_report("supply_from_store", "bench_pager", BENCH_N_STORE);
    }
    return failed;
}

/* Spawn our pager and return a send right to its port (PORT_NULL on failure). */
static port_name_t bench_spawn_pager(long *task)
{
    struct ipc_message *m = &bench_msg;
    port_name_t boot, pager = PORT_NULL;

    if (port_allocate(IPC_RIGHT_RECEIVE, &boot) < 0)
        return PORT_NULL;
    *task = sys_task_spawn_bootstrap("bench_fault", "pager", boot);
    if (*task >= 0 && ipc_recv(m, boot, 5000000000ull) == 0 && m->id == BENCH_ID_HELLO &&
        m->ndesc == 1)
        pager = m->ext.desc[0].name;
    port_destroy(boot);
    return pager;
}

static void bench_prefault_arrays(void);

/* Pages returned to pager @dp that it has taken (stored on disk or in memory). */
static uint64_t bench_pager_stored(port_name_t dp)
{
    struct pager_stats_info st = {.returns = 0};

    pager_stats_read(dp, &st);
    return st.returns;
}

/*
 * @pages pages at a fresh region (@flags: VM_ALLOC_KERNEL_PAGER or 0), each
 * written by @fill(page, i) (NULL: one word, bench_store_word), then all
 * pushed out with one SYS_VM_PAGEOUT; for the default pager (@dp set) it
 * waits until the pager stored them all. The time from the pageout to
 * stored, per page, by @clock, goes to *@per_page. Returns the region or
 * -ERR_*.
 */
static long bench_paged_out(unsigned pages, unsigned flags, port_name_t dp, uint64_t *per_page,
                            uint64_t (*clock)(void), void (*fill)(char *page, uint64_t i))
{
    long base = sys_vm_allocate((uint64_t)pages * PAGE_SIZE, BENCH_RW | flags);

    if (base < 0)
        return base;
    for (unsigned i = 0; i < pages; i++) {
        if (fill != NULL)
            fill((char *)(base + (long)i * (long)PAGE_SIZE), i);
        else
            *(volatile uint64_t *)(base + (long)i * (long)PAGE_SIZE) = bench_store_word(i);
    }
    uint64_t stored0 = dp != PORT_NULL ? bench_pager_stored(dp) : 0;
    uint64_t t0 = clock();
    long pushed = sys_vm_pageout((void *)base, (uint64_t)pages * PAGE_SIZE);
    while (dp != PORT_NULL && bench_pager_stored(dp) - stored0 < (uint64_t)pages)
        sys_yield();
    *per_page = (clock() - t0) / pages;
    if (pushed != (long)pages) {
        sys_vm_deallocate((void *)base, (uint64_t)pages * PAGE_SIZE);
        return pushed < 0 ? pushed : -ERR_BUSY;
    }
    return base;
}

/*
 * swap_in_<where> and pageout_dirty under @config: pages written, pushed out
 * (to the pager @dp, or the kernel store when @dp is PORT_NULL), then read
 * back one fault each; every page must hold what was written.
 */
static int bench_swap_in(const char *where, const char *config, port_name_t dp)
{
    unsigned pages = BENCH_WARMUP + BENCH_N_SWAP;
    uint64_t per_page = 0;
    char metric[32];
    long base = bench_paged_out(pages, dp == PORT_NULL ? VM_ALLOC_KERNEL_PAGER : 0, dp, &per_page,
                                bench_rdtsc, NULL);

    if (!TEST_CHECK(base > 0, "swap_in_%s: %s", where, err_text(base)))
        return 1;
    unsigned wrong = bench_touch_pages(base, pages, false, false, bench_store_word);
    sys_vm_deallocate((void *)base, (uint64_t)pages * PAGE_SIZE);
    if (!TEST_CHECK(wrong == 0, "swap_in_%s: %u pages read back wrong", where, wrong))
        return 1;
    snprintf(metric, sizeof(metric), "swap_in_%s", where);
    bench_report(metric, config, BENCH_N_SWAP);
    /* One figure per run (all the pages at once): median and p99 are the same. */
    printf("BENCH fault metric=pageout_dirty_%s config=%s median=%lu p99=%lu n=%u "
           "unit=icount_ticks\n",
           where, config, (unsigned long)per_page, (unsigned long)per_page, pages);
    return 0;
}

/*
 * The system pager's port (init's "pager"), with its name in bench_sys_name,
 * or PORT_NULL when the in-kernel pager serves anonymous memory (pager=kernel).
 */
static port_name_t bench_system_pager(void)
{
    struct pager_stats_info st;
    port_name_t dp = PORT_NULL;

    if (pager_stats_system(&dp) != 0 || pager_stats_read(dp, &st) != 0)
        return PORT_NULL;
    memcpy(bench_sys_name, st.name, sizeof(bench_sys_name));
    return dp;
}

/*
 * swap_in_disk and pageout_dirty, booted without icount (the disk works in
 * real time: under icount the guest's idle wait for it would count as the
 * timer period it skips to): nanoseconds per major fault from the swap disk,
 * and per page written back to it.
 */
static int bench_swap_disk(port_name_t dp, const char *metric)
{
    unsigned pages = BENCH_WARMUP + BENCH_N_SWAP;
    uint64_t per_page = 0;
    unsigned wrong = 0;
    long base = bench_paged_out(pages, 0, dp, &per_page, sys_clock_ns, NULL);

    if (!TEST_CHECK(base > 0, "swap out: %s", err_text(base)))
        return 1;
    /* From the last page down, as bench_touch_pages: the kernel asks for runs
     * only on ascending faults, so each is one page's swap-in (a prepaging
     * pager may still bring its neighbours, which is what it is for). */
    for (unsigned k = 0; k < pages; k++) {
        unsigned i = pages - 1 - k;
        uint64_t t0 = sys_clock_ns();
        wrong += *(volatile uint64_t *)(base + (long)i * (long)PAGE_SIZE) != bench_store_word(i);
        uint64_t t1 = sys_clock_ns();
        if (k >= BENCH_WARMUP)
            bench_samples[k - BENCH_WARMUP] = t1 - t0;
    }
    sys_vm_deallocate((void *)base, (uint64_t)pages * PAGE_SIZE);
    if (!TEST_CHECK(wrong == 0, "%s: %u pages read back wrong", metric, wrong))
        return 1;
    bench_sort(bench_samples, BENCH_N_SWAP);
    printf("BENCH fault metric=%s config=%s median=%lu p99=%lu n=%u unit=ns\n", metric,
           bench_sys_name, (unsigned long)bench_samples[BENCH_N_SWAP / 2],
           (unsigned long)bench_samples[BENCH_N_SWAP * 99 / 100], BENCH_N_SWAP);
    printf("BENCH fault metric=pageout_dirty config=%s median=%lu p99=%lu n=%u unit=ns\n",
           bench_sys_name, (unsigned long)per_page, (unsigned long)per_page, pages);
    return 0;
}

/*
 * seq_swap_in or rand_swap_in (@random), booted without icount: pages pushed
 * out to the swap disk, then touched in order or in a random order; median =
 * pages per second over the whole run, p99 = the slowest chunk's rate.
 */
static int bench_swap_wall(port_name_t dp, bool random)
{
    uint64_t per_page, worst = UINT64_MAX;
    long base = bench_paged_out(BENCH_SWAP_WALL_PAGES, 0, dp, &per_page, sys_clock_ns, NULL);

    if (!TEST_CHECK(base > 0, "swap out %u pages: %s", BENCH_SWAP_WALL_PAGES, err_text(base)))
        return 1;
    struct kern_stat k0, k1;
    bench_perm_fill(BENCH_SWAP_WALL_PAGES);
    sys_kern_stat(&k0);
    uint64_t t0 = sys_clock_ns(), wrong = 0;
    for (uint32_t c = 0; c < BENCH_SWAP_WALL_PAGES; c += BENCH_SWAP_WALL_CHUNK) {
        uint64_t c0 = sys_clock_ns();
        for (uint32_t i = c; i < c + BENCH_SWAP_WALL_CHUNK; i++) {
            uint64_t page = random ? bench_perm[i] : i;
            wrong +=
                *(volatile uint64_t *)(base + (long)(page * PAGE_SIZE)) != bench_store_word(page);
        }
        uint64_t rate = BENCH_SWAP_WALL_CHUNK * 1000000000ull / (sys_clock_ns() - c0 + 1);
        worst = rate < worst ? rate : worst;
    }
    uint64_t elapsed = sys_clock_ns() - t0 + 1;
    uint64_t rate = BENCH_SWAP_WALL_PAGES * 1000000000ull / elapsed;
    sys_kern_stat(&k1);
    sys_vm_deallocate((void *)base, (uint64_t)BENCH_SWAP_WALL_PAGES * PAGE_SIZE);
    if (!TEST_CHECK(wrong == 0, "%lu pages read back wrong", (unsigned long)wrong))
        return 1;
    printf("BENCH fault metric=%s config=%s median=%lu p99=%lu n=%u unit=pages_per_s\n",
           random ? "rand_swap_in" : "seq_swap_in", bench_sys_name, (unsigned long)rate,
           (unsigned long)worst, BENCH_SWAP_WALL_PAGES);
    /* What the CPU did per page, the time it did not wait for the disk
     * (under icount: instructions, the TSC counting one per ns). */
    uint64_t idle = k1.idle_ns - k0.idle_ns;
    uint64_t cpu = (elapsed > idle ? elapsed - idle : 0) / BENCH_SWAP_WALL_PAGES;
    printf("BENCH fault metric=%s config=%s median=%lu p99=%lu n=%u unit=ns_cpu\n",
           random ? "rand_swap_in_cpu" : "seq_swap_in_cpu", bench_sys_name, (unsigned long)cpu,
           (unsigned long)cpu, BENCH_SWAP_WALL_PAGES);
    return 0;
}

/*
 * The swap boot ("swap", without icount, swap=disk): the disk's metrics of
 * the system's pager. A pager without a disk has none: a note, no rows.
 */
static int bench_swap_main(void)
{
    port_name_t dp = bench_system_pager();
    struct pager_stats_info st = {.disk = 0};

    if (dp != PORT_NULL && pager_stats_read(dp, &st) == 0 && !st.disk) {
        printf("bench_fault: the pager %s has no disk: no swap metrics\n", bench_sys_name);
        return test_report("bench_fault");
    }
    if (!TEST_CHECK(dp != PORT_NULL && st.disk, "no external pager serves anonymous memory"))
        return test_report("bench_fault");
    struct pager_pool_info pool = {.capacity = 0};
    pager_stats_pool_read(dp, &pool); /* a compressed pool keeps the pages: no disk read */
    bench_prefault_arrays();
    int failed = bench_swap_disk(dp, pool.capacity ? "swap_in_pool" : "swap_in_disk") ||
                 bench_swap_wall(dp, false) || bench_swap_wall(dp, true);
    TEST_CHECK(!failed, "a benchmark failed");
    return test_report("bench_fault");
}

/* Every metric of one config: @flags VM_ALLOC_KERNEL_PAGER (kernel) or 0 (external). */
static int bench_config(unsigned flags, const char *config)
{
    return bench_zero_fill(false, flags, config) || bench_zero_fill(true, flags, config) ||
           bench_touch_64k(false, flags, config) || bench_touch_64k(true, flags, config);
}

/* Make the bookkeeping arrays resident, so no measurement faults on them. */
static void bench_prefault_arrays(void)
{
    memset(bench_samples, 0, sizeof(bench_samples));
    memset(bench_faults, 0, sizeof(bench_faults));
    bench_perm_fill(BENCH_TOUCH_PAGES);
    prefault_stack(16 * 1024);
}

/*
 * The fault suite (no argument): the in-kernel pager (config=kernel), the
 * system's pager (config=its name; none with pager=kernel), supply from
 * store of the image and of this module's own pager (config=bench_pager)
 * with the breakdowns, swap-in from the RAM stores, and last zero fill from
 * the system's pager beside 256 sleeping threads.
 */
static int bench_main(void)
{
    struct task_status st = {0, 0, 0};
    long task = -1;
    port_name_t pager = bench_spawn_pager(&task), sys = bench_system_pager();

    if (!TEST_CHECK(pager != PORT_NULL, "no pager (task %ld)", task))
        return test_report("bench_fault");
    bench_prefault_arrays();
    int failed = bench_config(VM_ALLOC_KERNEL_PAGER, "kernel") ||
                 (sys != PORT_NULL && bench_config(0, bench_sys_name)) || bench_store_kernel() ||
                 bench_breakdown(pager, BENCH_KIND_STORE, "supply") ||
                 bench_breakdown(pager, BENCH_KIND_ZERO, "unavailable") ||
                 bench_swap_in("ram", "kernel", PORT_NULL) ||
                 (sys != PORT_NULL && bench_swap_in("ram", bench_sys_name, sys)) ||
                 (sys != PORT_NULL && bench_zero_fill_sleepers(bench_sys_name));
    TEST_CHECK(!failed, "a benchmark failed");
    TEST_CHECK(bench_pager_call(pager, BENCH_ID_QUIT, 0, 0, 0) == 0, "quit the pager");
    TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "pager ended %d/%d", st.end, st.code);
    port_deallocate(pager);
    return test_report("bench_fault");
}

static void bench_fill_text(char *page, uint64_t i)
{
    page_fill_text(page, BENCH_POOL_SEED, i);
}

static void bench_fill_random(char *page, uint64_t i)
{
    page_fill_random(page, BENCH_POOL_SEED, i);
}

static void bench_fill_zero(char *page, uint64_t i)
{
    (void)i;
    *(volatile char *)page = 1; /* modified, and all zeros again */
    *(volatile char *)page = 0;
}

/* The first word of text-like page @i (what bench_touch_pages reads). */
static uint64_t bench_text_word(uint64_t i)
{
    static char page[PAGE_SIZE];
    uint64_t w;

    page_fill_text(page, BENCH_POOL_SEED, i);
    memcpy(&w, page, sizeof(w));
    return w;
}

/* swap_in_pool_text and pageout_dirty_pool_text: text-like pages through the pool of @dp. */
static int bench_pool_text(port_name_t dp)
{
    unsigned pages = BENCH_WARMUP + BENCH_N_SWAP;
    uint64_t per_page = 0;
    long base = bench_paged_out(pages, 0, dp, &per_page, bench_rdtsc, bench_fill_text);

    if (!TEST_CHECK(base > 0, "swap_in_pool_text: %s", err_text(base)))
        return 1;
    unsigned wrong = bench_touch_pages(base, pages, false, false, bench_text_word);
    sys_vm_deallocate((void *)base, (uint64_t)pages * PAGE_SIZE);
    if (!TEST_CHECK(wrong == 0, "swap_in_pool_text: %u pages read back wrong", wrong))
        return 1;
    bench_report("swap_in_pool_text", bench_sys_name, BENCH_N_SWAP);
    printf("BENCH fault metric=pageout_dirty_pool_text config=%s median=%lu p99=%lu n=%u "
           "unit=icount_ticks\n",
           bench_sys_name, (unsigned long)per_page, (unsigned long)per_page, pages);
    return 0;
}

/*
 * What BENCH_POOL_PAGES pages written by @fill take in the pool of @dp:
 * pool bytes per page, pages rejected, and for text the ratio (x100). A
 * pager without a disk keeps rejected pages and says its store is full, so
 * pageout may push fewer: the figures are per page pushed.
 */
static int bench_pool_content(port_name_t dp, const char *content,
                              void (*fill)(char *page, uint64_t i))
{
    struct pager_pool_info p0, p1;
    uint64_t size = (uint64_t)BENCH_POOL_PAGES * PAGE_SIZE, r0;
    long base = sys_vm_allocate(size, BENCH_RW);

    if (!TEST_CHECK(base > 0, "pool %s: %s", content, err_text(base)))
        return 1;
    for (unsigned i = 0; i < BENCH_POOL_PAGES; i++)
        fill((char *)(base + (long)i * (long)PAGE_SIZE), i);
    pager_stats_pool_read(dp, &p0);
    r0 = bench_pager_stored(dp);
    long pushed = sys_vm_pageout((void *)base, size);
    while (pushed > 0 && bench_pager_stored(dp) - r0 < (uint64_t)pushed)
        sys_yield();
    pager_stats_pool_read(dp, &p1);
    sys_vm_deallocate((void *)base, size);
    if (!TEST_CHECK(pushed > 0, "pool %s: pageout %ld", content, pushed))
        return 1;
    uint64_t bytes = (p1.bytes - p0.bytes) / (uint64_t)pushed;
    uint64_t rejected = p1.rejected - p0.rejected;
    printf("BENCH fault metric=pool_bytes_per_page_%s config=%s median=%lu p99=%lu n=%ld "
           "unit=bytes\n",
           content, bench_sys_name, (unsigned long)bytes, (unsigned long)bytes, pushed);
    printf("BENCH fault metric=pool_rejected_%s config=%s median=%lu p99=%lu n=%ld unit=pages\n",
           content, bench_sys_name, (unsigned long)rejected, (unsigned long)rejected, pushed);
    if (p1.bytes > p0.bytes && strcmp(content, "text") == 0) {
        uint64_t ratio = (p1.original - p0.original) * 100 / (p1.bytes - p0.bytes);
        printf("BENCH fault metric=pool_ratio_%s config=%s median=%lu p99=%lu n=%ld "
               "unit=ratio_x100\n",
               content, bench_sys_name, (unsigned long)ratio, (unsigned long)ratio, pushed);
    }
    return 0;
}

/* The rows of a pager with a compressed pool (none for others); random last (it may fill it). */
static int bench_pool(port_name_t dp)
{
    struct pager_pool_info pool = {.capacity = 0};

    if (dp == PORT_NULL || pager_stats_pool_read(dp, &pool) != 0 || pool.capacity == 0)
        return 0;
    return bench_pool_text(dp) || bench_pool_content(dp, "zero", bench_fill_zero) ||
           bench_pool_content(dp, "text", bench_fill_text) ||
           bench_pool_content(dp, "random", bench_fill_random);
}

/*
 * The pagers suite ("system", tools/bench pagers): only the system's pager,
 * whichever pager= chose, every row with its name as config ("kernel" for
 * the in-kernel pager): zero fill, sequential and random first touch,
 * swap-in from its RAM store and dirty pageout to it, and a compressed
 * pool's rows (bench_pool).
 */
static int bench_system_main(void)
{
    port_name_t sys = bench_system_pager();
    unsigned flags = sys != PORT_NULL ? 0 : VM_ALLOC_KERNEL_PAGER;

    bench_prefault_arrays();
    int failed = bench_config(flags, bench_sys_name) || bench_swap_in("ram", bench_sys_name, sys) ||
                 bench_pool(sys);
    TEST_CHECK(!failed, "a benchmark failed");
    return test_report("bench_fault");
}

/*
 * A region of the in-kernel pager with every page touched, so that the
 * system's resident user pages (vm_stat frames_user) reach @target; its
 * size in *@size (0: nothing was needed). Returns its base, or <= 0.
 */
static long bench_fill_resident(uint64_t target, uint64_t *size)
{
    struct vm_stat st;

    *size = 0;
    if (sys_vm_stat(&st) != 0)
        return -1;
    if (st.frames_user >= target)
        return 1;
    *size = (target - st.frames_user) * PAGE_SIZE;
    long base = sys_vm_allocate(*size, BENCH_RW | VM_ALLOC_KERNEL_PAGER);
    for (uint64_t off = 0; base > 0 && off < *size; off += PAGE_SIZE)
        *(volatile uint8_t *)(base + (long)off) = 1;
    return base;
}

/*
 * zero_fill_read at @k thousand (1024) resident user pages, in the kernel and
 * from the system's pager @sys (if any): metric zero_fill_read_<k>k_resident.
 */
static int bench_scaling_resident(unsigned k, port_name_t sys)
{
    char metric[48];
    uint64_t size;
    long base = bench_fill_resident((uint64_t)k * 1024, &size);

    if (!TEST_CHECK(base > 0, "%uk resident pages: %s", k, err_text(base)))
        return 1;
    snprintf(metric, sizeof(metric), "zero_fill_read_%uk_resident", k);
    int failed = bench_zero_fill_as(metric, false, VM_ALLOC_KERNEL_PAGER, "kernel") ||
                 (sys != PORT_NULL && bench_zero_fill_as(metric, false, 0, bench_sys_name));
    if (size)
        sys_vm_deallocate((void *)base, size);
    return failed;
}

/* The scaling suite (see the top); bench_ipc scaling runs last, as a child. */
static int bench_scaling_main(void)
{
    static const unsigned resident_k[] = {4, 64, 256};
    port_name_t sys = bench_system_pager();
    struct task_status st = {0, 0, 0};
    int failed = 0;

    bench_suite = "scaling";
    bench_prefault_arrays();
    for (unsigned i = 0; i < sizeof(resident_k) / sizeof(resident_k[0]) && !failed; i++)
        failed = bench_scaling_resident(resident_k[i], sys);
    if (!failed && sys != PORT_NULL)
        failed = bench_zero_fill_as("zero_fill_read_0_sleepers", false, 0, bench_sys_name) ||
                 bench_zero_fill_sleepers(bench_sys_name);
    long ipc = failed ? -1 : sys_task_spawn("bench_ipc", "scaling");
    TEST_CHECK(ipc > 0 && sys_task_wait(task_port_of((uint32_t)ipc), &st) == 0 &&
                   st.end == TASK_END_EXIT && st.code == 0,
               "bench_ipc scaling ended %d/%d", st.end, st.code);
    TEST_CHECK(!failed, "a benchmark failed");
    return test_report("bench_fault");
}

int main(int argc, char **argv)
{
    const char *role = argc > 1 ? argv[1] : "";

    if (strcmp(role, "pager") == 0)
        return bench_pager_main();
    if (strcmp(role, "swap") == 0)
        return bench_swap_main();
    if (strcmp(role, "system") == 0)
        return bench_system_main();
    if (strcmp(role, "sleepers") == 0)
        return bench_sleepers_main();
    if (strcmp(role, "switch") == 0)
        return bench_switch_main();
    if (strcmp(role, "scaling") == 0)
        return bench_scaling_main();
    return bench_main();
}
