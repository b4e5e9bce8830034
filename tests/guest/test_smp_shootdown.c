/*
 * TLB shootdown (issue 16), test_smp_shootdown EVICTIONS: a thread of this
 * task reads SHOOT_PAGES pages over and over while the main thread pushes
 * them all out, each time once the reader has read them all back in, until
 * EVICTIONS pages were evicted. Meanwhile a
 * copy of this program ("churn") allocates, stamps and frees pages without
 * end, so that the frame each page-out frees is soon another task's. With
 * the reader running on another CPU, every page-out must interrupt that CPU
 * to drop the page's translation before the frame is freed: a reader that
 * kept it would read the churn task's stamp. The reader must never see
 * anything but its own stamps, every page-out must evict every page, and
 * the kernel must have sent shootdowns. At the end both tasks hold nothing
 * (init checks).
 */
#include <abi/errors.h>
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <string.h>

#define READER_STAMP 0x5eade25eade25eadull /* page i holds READER_STAMP + i */
#define SHOOT_PAGES 16
#define CHURN_STAMP 0xc0ffee00c0ffee00ull
#define CHURN_PAGES 8
#define WAIT_LIMIT 4000000000ul /* spins while waiting for the reader: a bound, not a time */

static volatile uint64_t *pages;
static volatile uint64_t sweeps; /* reads of every page so far */
static volatile uint64_t wrong;  /* reads that saw another value */
static volatile uint64_t last_wrong;
static volatile int stop;
static volatile int reader_done;

static void reader(void *arg)
{
    (void)arg;
    while (!stop) {
        for (unsigned i = 0; i < SHOOT_PAGES; i++) {
            uint64_t v = pages[i * PAGE_SIZE / 8];
            if (v != READER_STAMP + i) {
                wrong++;
                last_wrong = v;
            }
        }
        sweeps++;
    }
    reader_done = 1;
}

/* The other task: frames taken, stamped and given back, until it is killed. */
static int churn(void)
{
    for (;;) {
        long base = sys_vm_allocate(CHURN_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        if (base < 0)
            return 2;
        for (unsigned i = 0; i < CHURN_PAGES; i++)
            for (unsigned w = 0; w < PAGE_SIZE / 8; w += 64)
                ((volatile uint64_t *)(base + i * PAGE_SIZE))[w] = CHURN_STAMP;
        sys_vm_deallocate((void *)base, CHURN_PAGES * PAGE_SIZE);
    }
}

/*
 * Spin until the reader, on another CPU, has read every page @n more times
 * (it faults them back in first). (Yielding instead would hand this CPU to
 * the churn task for a whole time slice.)
 */
static bool wait_sweeps(uint64_t n)
{
    uint64_t start = sweeps;

    for (unsigned long i = 0; i < WAIT_LIMIT; i++) {
        if (sweeps - start >= n)
            return true;
        __builtin_ia32_pause();
    }
    return false;
}

int main(int argc, char **argv)
{
    unsigned long want = 0, evicted = 0, calls = 0;
    struct cpu_info before, after;
    port_name_t churn_port;

    if (argc > 1 && strcmp(argv[1], "churn") == 0)
        return churn();
    for (const char *p = argc > 1 ? argv[1] : ""; *p >= '0' && *p <= '9'; p++)
        want = want * 10 + (unsigned long)(*p - '0');
    if (!TEST_CHECK(want > 0, "usage: test_smp_shootdown EVICTIONS"))
        return test_report("test_smp_shootdown");

    long base = sys_vm_allocate(SHOOT_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "vm_allocate: %s", err_text(base)))
        return test_report("test_smp_shootdown");
    pages = (volatile uint64_t *)base;
    for (unsigned i = 0; i < SHOOT_PAGES; i++)
        pages[i * PAGE_SIZE / 8] = READER_STAMP + i;
    long churn_id = sys_task_spawn_port("test_smp_shootdown", "churn", 0, &churn_port);
    TEST_CHECK(churn_id > 0, "spawn the churn task: %s", err_text(churn_id));
    TEST_CHECK(thread_start(reader, NULL, 0) > 0, "start the reader");
    sys_cpu_info(&before);

    while (evicted < want) {
        if (!TEST_CHECK(wait_sweeps(2), "after %lu evictions the reader stopped", evicted))
            break;
        long n = sys_vm_pageout((void *)base, SHOOT_PAGES * PAGE_SIZE);
        calls++;
        if (n > 0)
            evicted += (unsigned long)n;
        if (n != SHOOT_PAGES &&
            !TEST_CHECK(false, "after %lu evictions vm_pageout pushed %ld pages", evicted, n))
            break;
    }
    sys_cpu_info(&after);
    stop = 1;
    while (!reader_done)
        sys_yield();
    if (churn_id > 0) {
        struct task_status st;
        TEST_CHECK(sys_task_kill(churn_port) == 0, "kill the churn task");
        TEST_CHECK(sys_task_wait(churn_port, &st) == 0 && st.end == TASK_END_KILLED,
                   "the churn task ended otherwise (%u)", st.end);
        port_deallocate(churn_port);
    }
    uint64_t batches = after.shootdown_batches - before.shootdown_batches;
    printf("test_smp_shootdown: %lu evictions, %lu reads, %lu wrong (last %#lx), %lu "
           "shootdowns on %u CPUs, %lu batches of %lu pages\n",
           evicted, (unsigned long)(sweeps * SHOOT_PAGES), (unsigned long)wrong,
           (unsigned long)last_wrong, (unsigned long)(after.shootdowns - before.shootdowns),
           after.online, (unsigned long)batches,
           (unsigned long)(after.shootdown_batch_pages - before.shootdown_batch_pages));
    TEST_CHECK(evicted >= want, "%lu evictions of %lu", evicted, want);
    TEST_CHECK(wrong == 0, "the reader saw another value %lu times (last %#lx)",
               (unsigned long)wrong, (unsigned long)last_wrong);
    TEST_CHECK(after.online < 2 || after.shootdowns > before.shootdowns, "no shootdown on %u CPUs",
               after.online);
    /* A vm_pageout of SHOOT_PAGES pages (one chunk) gathers its shootdowns: a batch at most. */
    TEST_CHECK(after.online < 2 || (batches > 0 && batches <= calls),
               "%lu shootdown batches for %lu vm_pageout calls", (unsigned long)batches, calls);
    TEST_CHECK(sys_vm_deallocate((void *)base, SHOOT_PAGES * PAGE_SIZE) == 0, "vm_deallocate");
    return test_report("test_smp_shootdown");
}
