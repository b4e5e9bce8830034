/*
 * The several-CPU benchmark (run by tools/bench smp, on 4 CPUs). With rdtsc
 * around each sample, as bench_ipc: config=fast lines are icount ticks
 * (the boot with -icount, its CPUs in turns), config=wall lines the same
 * samples in nanoseconds (the boot without icount, a host thread per CPU).
 *
 *  - call_null_same_cpu / call_null_cross_cpu: a register-only call to a
 *    server thread of this task kept to this CPU (the fast path's direct
 *    switch) or to another (the general path: the wake-up IPI there, and
 *    back).
 *  - pageout_local / pageout_shootdown: vm_pageout of one resident page of
 *    this task, with no other thread of it running, then while a thread of
 *    it spins on another CPU: the difference is one TLB shootdown.
 *    pageout16_*: the same with 16 pages a call, per page: their
 *    shootdowns leave in one batch (one interrupt for the 16).
 *  - fault_cpus_N (N = 1, 2, 4): N threads, one kept to each of the first N
 *    CPUs, each touch FAULT_PAGES fresh pages served by the system pager at
 *    once; a sample is the time to the last thread's end, over all pages
 *    (ticks or ns per page; wall: read pages/s = 10^9 / it). Each thread
 *    reads the TSC at its own end: the main thread sleeps while they run,
 *    and its wake-up may wait for the next timer tick (session 15 found
 *    the earlier rows were that tick, 10^7 ticks over the pages).
 *  - fault_cpus_N_pager_per_cpu: the same in a boot whose system pager
 *    serves with a thread kept to each CPU (pager_threads=cpus; argument
 *    "pager_per_cpu"), so that a fault is served on its own CPU.
 */
#include <abi/errors.h>
#include <abi/page.h>
#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#include "bench_util.h"

#define BENCH_N 2000
#define BENCH_N_PAGEOUT 500
#define PAGEOUT_BATCH 16 /* pages per vm_pageout of the pageout16 rows */
#define BENCH_WARMUP 100
#define FAULT_PAGES 512 /* pages each faulting thread touches */
#define FAULT_ROUNDS 5  /* samples of each fault_cpus_N */
#define SMP_ID_NULL 0x401u

static uint64_t samples[BENCH_N];
static uint64_t tsc_per_ms;

/* The median and p99 of @n samples, each divided by @per, as fast and wall lines. */
static void report(const char *name, unsigned n, uint64_t per)
{
    bench_report_fast_wall("smp", name, samples, n, per, tsc_per_ms);
}

static bool pin(unsigned cpu)
{
    return sys_thread_affinity(0, 1ull << cpu) >= 0;
}

/* --- calls --- */

static port_name_t svc;
static volatile unsigned server_cpu, server_ready;

static struct ipc_message srv_msg, cli_msg;

static void server(void *arg)
{
    struct ipc_message *m = &srv_msg;

    (void)arg;
    if (!pin(server_cpu))
        return;
    server_ready = 1;
    long err = ipc_recv(m, svc, IPC_TIMEOUT_NONE);
    while (err == 0) {
        bool quit = m->id != SMP_ID_NULL;
        ipc_msg_init(m, m->remote, IPC_DISP_MOVE_SEND_ONCE, m->id | IPC_ID_REPLY);
        if (quit) {
            ipc_send(m, 0);
            return;
        }
        err = ipc_reply_recv(m, svc, IPC_TIMEOUT_NONE);
    }
}

static int calls(unsigned cpu, const char *name)
{
    struct ipc_message *m = &cli_msg;

    server_cpu = cpu;
    server_ready = 0;
    if (thread_start(server, NULL, 0) <= 0)
        return TEST_CHECK(0, "%s: server thread", name), 1;
    while (!server_ready)
        sys_yield();
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N; i++) {
        ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, SMP_ID_NULL);
        uint64_t t0 = bench_rdtsc();
        long err = ipc_call(m, IPC_TIMEOUT_NONE);
        uint64_t t1 = bench_rdtsc();
        if (err || m->id != (SMP_ID_NULL | IPC_ID_REPLY))
            return TEST_CHECK(0, "%s call %u: %s", name, i, err_text(err)), 1;
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, SMP_ID_NULL + 1); /* quit */
    TEST_CHECK(ipc_call(m, IPC_TIMEOUT_NONE) == 0, "%s: the server quits", name);
    report(name, BENCH_N, 1);
    return 0;
}

/* --- pageout with and without a shootdown --- */

static volatile int spin_state; /* 1: spinning, 2: asked to stop, 3: stopped */

static void spinner(void *arg)
{
    (void)arg;
    if (!pin(1))
        return;
    spin_state = 1;
    while (spin_state == 1)
        __builtin_ia32_pause();
    spin_state = 3;
}

/* vm_pageout of @npages resident (modified) pages per sample; per page. */
static int pageouts(const char *name, unsigned npages)
{
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (base < 0)
        return TEST_CHECK(0, "%s: vm_allocate", name), 1;
    volatile uint64_t *p = (volatile uint64_t *)base;
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_N_PAGEOUT; i++) {
        for (unsigned k = 0; k < npages; k++)
            p[k * PAGE_SIZE / 8] = i; /* resident (and modified) again */
        uint64_t t0 = bench_rdtsc();
        long n = sys_vm_pageout((void *)base, npages * PAGE_SIZE);
        uint64_t t1 = bench_rdtsc();
        if (n != (long)npages)
            return TEST_CHECK(0, "%s: vm_pageout pushed %ld", name, n), 1;
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    for (unsigned k = 0; k < npages; k++)
        TEST_CHECK(p[k * PAGE_SIZE / 8] == BENCH_WARMUP + BENCH_N_PAGEOUT - 1,
                   "%s: page %u came back", name, k);
    sys_vm_deallocate((void *)base, npages * PAGE_SIZE);
    report(name, BENCH_N_PAGEOUT, npages);
    return 0;
}

static int shootdowns(void)
{
    struct cpu_info a, b;
    int failed = pageouts("pageout_local", 1) || pageouts("pageout16_local", PAGEOUT_BATCH);

    spin_state = 0;
    if (thread_start(spinner, NULL, 0) <= 0)
        return TEST_CHECK(0, "spinner thread"), 1;
    while (spin_state != 1)
        sys_yield();
    sys_cpu_info(&a);
    failed |= pageouts("pageout_shootdown", 1);
    sys_cpu_info(&b);
    TEST_CHECK(b.shootdowns - a.shootdowns >= BENCH_N_PAGEOUT, "%lu shootdowns for %u pageouts",
               (unsigned long)(b.shootdowns - a.shootdowns), BENCH_N_PAGEOUT);
    /* PAGEOUT_BATCH pages a call: their shootdowns leave together, a batch per call. */
    failed |= pageouts("pageout16_shootdown", PAGEOUT_BATCH);
    sys_cpu_info(&a);
    TEST_CHECK(a.shootdown_batches - b.shootdown_batches <= BENCH_WARMUP + BENCH_N_PAGEOUT,
               "%lu shootdown batches for %u pageouts of %u pages",
               (unsigned long)(a.shootdown_batches - b.shootdown_batches),
               BENCH_WARMUP + BENCH_N_PAGEOUT, PAGEOUT_BATCH);
    spin_state = 2;
    while (spin_state != 3)
        sys_yield();
    return failed;
}

/* --- faults from several CPUs at once --- */

static volatile uint64_t fault_base;
static volatile unsigned fault_go, fault_ready, fault_done;
static volatile uint64_t fault_end; /* the TSC at the last faulter's end (the latest) */

static void faulter(void *arg)
{
    unsigned idx = (unsigned)(uintptr_t)arg;

    if (!pin(idx))
        return;
    __atomic_add_fetch(&fault_ready, 1, __ATOMIC_RELEASE);
    while (!fault_go)
        __builtin_ia32_pause();
    volatile char *p = (volatile char *)(fault_base + (uint64_t)idx * FAULT_PAGES * PAGE_SIZE);
    for (unsigned i = 0; i < FAULT_PAGES; i++)
        p[i * PAGE_SIZE] = 1;
    /* Its own end, read here: the main thread, asleep meanwhile, may wake a tick later. */
    uint64_t end = bench_rdtsc(), seen = fault_end;
    while (end > seen && !__atomic_compare_exchange_n(&fault_end, &seen, end, false,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    __atomic_add_fetch(&fault_done, 1, __ATOMIC_RELEASE);
}

static int faults(unsigned ncpus, const char *name)
{
    for (unsigned r = 0; r < FAULT_ROUNDS; r++) {
        long base = sys_vm_allocate((uint64_t)ncpus * FAULT_PAGES * PAGE_SIZE,
                                    VM_PROT_READ | VM_PROT_WRITE);
        if (base < 0)
            return TEST_CHECK(0, "%s: vm_allocate", name), 1;
        fault_base = (uint64_t)base;
        fault_go = 0;
        fault_ready = 0;
        fault_done = 0;
        fault_end = 0;
        for (unsigned c = 0; c < ncpus; c++)
            if (thread_start(faulter, (void *)(uintptr_t)c, 0) <= 0)
                return TEST_CHECK(0, "%s: thread %u", name, c), 1;
        while (__atomic_load_n(&fault_ready, __ATOMIC_ACQUIRE) < ncpus)
            sys_yield(); /* each on its CPU */
        uint64_t t0 = bench_rdtsc();
        fault_go = 1;
        while (__atomic_load_n(&fault_done, __ATOMIC_ACQUIRE) < ncpus)
            sys_sleep_ns(100000);
        samples[r] = fault_end - t0;
        sys_vm_deallocate((void *)base, (uint64_t)ncpus * FAULT_PAGES * PAGE_SIZE);
    }
    report(name, FAULT_ROUNDS, (uint64_t)ncpus * FAULT_PAGES);
    return 0;
}

int main(int argc, char **argv)
{
    struct cpu_info ci;
    /* "pager_per_cpu": the boot's system pager serves with a thread kept to each CPU
     * (pager_threads=cpus): only the fault rows, named fault_cpus_N_pager_per_cpu. */
    bool per_cpu = argc > 1 && strcmp(argv[1], "pager_per_cpu") == 0;

    if (!TEST_CHECK(sys_cpu_info(&ci) == 0 && (ci.running & 0xf) == 0xf,
                    "bench_smp needs 4 CPUs running threads (running %#x)", ci.running))
        return test_report("bench_smp");
    tsc_per_ms = bench_calibrate();
    if (!TEST_CHECK(pin(0), "pin the main thread") ||
        !TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &svc) == 0 && port_insert_send(svc) == 0,
                    "the server's port"))
        return test_report("bench_smp");
    int failed;
    if (per_cpu)
        failed = faults(1, "fault_cpus_1_pager_per_cpu") ||
                 faults(2, "fault_cpus_2_pager_per_cpu") || faults(4, "fault_cpus_4_pager_per_cpu");
    else
        failed = calls(0, "call_null_same_cpu") || calls(1, "call_null_cross_cpu") ||
                 shootdowns() || faults(1, "fault_cpus_1") || faults(2, "fault_cpus_2") ||
                 faults(4, "fault_cpus_4");
    TEST_CHECK(!failed, "a benchmark failed");
    return test_report("bench_smp");
}
