/*
 * Faults on every CPU served by an external pager on one CPU (issue 16):
 * test_smp_stress THREADS PASSES, booted with pager_cpu=N swap=disk. One
 * region of four times the frames free at its start; THREADS threads, kept
 * in turn to each CPU that runs threads, each write a stamp of the pass
 * into every page of their own slice of it and read it all back, PASSES
 * times, while all of
 * them also read a few pages they share (written once, before they start).
 * Pageout keeps pushing the slices to the swap disk, and the pager, kept to
 * its CPU, keeps bringing them back, answering faults from every CPU at
 * once. Every page must read back as last written, every thread must
 * finish (no deadlock: the harness's timeout ends a run that never does),
 * the threads must have run on every CPU, and the region's frames come
 * back when it is freed (init's check after the task ends).
 */
#include <abi/errors.h>
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#include "swap_util.h"

#define STRESS_SHARED 16u     /* pages every thread reads */
#define STRESS_THREADS_MAX 32 /* threads at most */
#define STRESS_SHARED_EVERY 8 /* a shared page read after every so many of a thread's own */
#define STRESS_CPU_EVERY 64   /* the CPU looked up after every so many pages */

struct stress_thread {
    uint64_t first, count; /* its slice: pages of the region */
    uint32_t cpu;          /* the CPU it keeps to */
    uint64_t bad, shared_bad;
    uint32_t cpus; /* bit i: it ran on CPU i */
    volatile int finished;
};

static uint64_t base;
static unsigned passes;
static struct stress_thread workers[STRESS_THREADS_MAX];

static volatile uint64_t *page_at(uint64_t i)
{
    return (volatile uint64_t *)(base + i * PAGE_SIZE);
}

static void stress_note_cpu(struct stress_thread *w)
{
    struct cpu_info ci;

    if (sys_cpu_info(&ci) == 0)
        w->cpus |= 1u << ci.cpu;
}

static void stress_worker(void *arg)
{
    struct stress_thread *w = arg;
    uint64_t shared = 0;

    if (sys_thread_affinity(0, 1ull << w->cpu) < 0)
        w->bad++; /* counted as a failure: every CPU must fault */
    for (unsigned pass = 1; pass <= passes; pass++) {
        for (uint64_t j = 0; j < w->count; j++) {
            uint64_t i = w->first + j;
            sw_stamp(page_at(i), base + i * PAGE_SIZE, pass);
            if (j % STRESS_SHARED_EVERY == 0) {
                uint64_t s = shared++ % STRESS_SHARED;
                w->shared_bad += !sw_stamped(page_at(s), base + s * PAGE_SIZE, 0);
            }
            if (j % STRESS_CPU_EVERY == 0)
                stress_note_cpu(w);
        }
        for (uint64_t j = 0; j < w->count; j++) {
            uint64_t i = w->first + j;
            w->bad += !sw_stamped(page_at(i), base + i * PAGE_SIZE, pass);
        }
    }
    stress_note_cpu(w);
    __atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
}

static unsigned stress_parse(const char *s, unsigned dflt)
{
    unsigned n = 0;

    for (; s && *s >= '0' && *s <= '9'; s++)
        n = n * 10 + (unsigned)(*s - '0');
    return n ? n : dflt;
}

int main(int argc, char **argv)
{
    unsigned nthreads = stress_parse(argc > 1 ? argv[1] : NULL, 8);
    struct sw_stats s0 = {0}, s1 = {0};
    struct cpu_info ci;
    uint32_t cpus = 0;
    uint64_t bad = 0, shared_bad = 0;

    passes = stress_parse(argc > 2 ? argv[2] : NULL, 2);
    if (nthreads > STRESS_THREADS_MAX)
        nthreads = STRESS_THREADS_MAX;
    struct vm_stat vm;
    uint64_t npages = sys_vm_stat(&vm) == 0 ? 4 * vm.frames_free : 0;
    long r = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(r > 0, "vm_allocate %lu pages: %s", (unsigned long)npages, err_text(r)))
        return test_report("test_smp_stress");
    base = (uint64_t)r;
    for (uint64_t s = 0; s < STRESS_SHARED; s++)
        sw_stamp(page_at(s), base + s * PAGE_SIZE, 0);
    sw_stats(&s0);
    uint64_t per = (npages - STRESS_SHARED) / nthreads;
    unsigned ncpus = 0, cpu_of[CPU_INFO_MAX];
    sys_cpu_info(&ci);
    for (unsigned i = 0; i < CPU_INFO_MAX; i++)
        if ((ci.running >> i) & 1)
            cpu_of[ncpus++] = i;
    for (unsigned t = 0; t < nthreads; t++) {
        workers[t] = (struct stress_thread){
            .first = STRESS_SHARED + t * per, .count = per, .cpu = cpu_of[t % ncpus]};
        TEST_CHECK(thread_start(stress_worker, &workers[t], 0) > 0, "thread %u", t);
    }
    for (unsigned t = 0; t < nthreads; t++)
        while (!__atomic_load_n(&workers[t].finished, __ATOMIC_ACQUIRE))
            sys_sleep_ns(1000000); /* waits for the event; the period only spares the CPU */
    sw_stats(&s1);
    sys_cpu_info(&ci);
    for (unsigned t = 0; t < nthreads; t++) {
        bad += workers[t].bad;
        shared_bad += workers[t].shared_bad;
        cpus |= workers[t].cpus;
    }
    printf("test_smp_stress: %u threads x %lu pages x %u passes over %lu free frames: %lu wrong, "
           "%lu shared wrong; ran on CPUs %#x of %#x; pager requests %lu, returns %lu, disk "
           "reads %lu, writes %lu\n",
           nthreads, (unsigned long)per, passes, (unsigned long)vm.frames_free, (unsigned long)bad,
           (unsigned long)shared_bad, cpus, ci.running, (unsigned long)(s1.requests - s0.requests),
           (unsigned long)(s1.returns - s0.returns), (unsigned long)(s1.reads - s0.reads),
           (unsigned long)(s1.writes - s0.writes));
    TEST_CHECK(bad == 0, "%lu pages read back otherwise than written", (unsigned long)bad);
    TEST_CHECK(shared_bad == 0, "%lu reads of the shared pages were wrong",
               (unsigned long)shared_bad);
    TEST_CHECK(cpus == ci.running, "the threads ran on CPUs %#x of %#x", cpus, ci.running);
    TEST_CHECK(s1.returns > s0.returns && s1.reads > s0.reads,
               "no swapping: %lu pages returned, %lu read from the disk",
               (unsigned long)(s1.returns - s0.returns), (unsigned long)(s1.reads - s0.reads));
    TEST_CHECK(sys_vm_deallocate((void *)base, npages * PAGE_SIZE) == 0, "vm_deallocate");
    return test_report("test_smp_stress");
}
