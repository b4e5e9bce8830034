/*
 * Several CPUs (test_smp N): SYS_CPU_INFO must report N CPUs found in the
 * ACPI tables, N online and running threads, with distinct local APIC ids,
 * and reject a bad buffer. Calls to a helper task come back right and fresh
 * pages fault in zero, keep what is written and come back when freed. With
 * N > 1: N threads of this task, each spinning until it has seen every CPU
 * it can, together run on every CPU; and N - 1 tasks that spin in user mode
 * on the other CPUs are killed while they run there (the kernel marks their
 * threads and interrupts their CPUs), end, and hold nothing after. Threads
 * pinned to a CPU (SYS_THREAD_AFFINITY) run only there while as many
 * threads as CPUs compete, the caller moves at once, and bad threads and
 * masks are refused.
 */
#include "ipc_util.h"

#include <abi/errors.h>
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>

#define SMP_CALLS 200
#define SMP_PAGES 64
#define SMP_SPIN_LIMIT 20000000 /* cpu_info calls a thread makes at most, looking for CPUs */
#define SMP_YIELD_LIMIT 2000000 /* yields while waiting for the spinners to take their CPUs */

static struct ipc_message smp_msg;

/* The decimal number @s, or 0 if it is not one. */
static unsigned smp_parse(const char *s)
{
    unsigned n = 0;

    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        n = n * 10 + (unsigned)(*s - '0');
    }
    return n;
}

static uint32_t smp_all(unsigned cpus)
{
    return cpus >= 32 ? ~0u : (1u << cpus) - 1;
}

static void smp_check_info(unsigned expected)
{
    struct cpu_info ci;
    long err = sys_cpu_info(&ci);
    unsigned dup = 0;

    if (!TEST_CHECK(err == 0, "cpu_info: %s", err_text(err)))
        return;
    printf("test_smp: %u CPUs found, %u online, boot CPU apic %u\n", ci.found, ci.online,
           ci.apic_id[0]);
    TEST_CHECK(ci.found == expected, "%u CPUs found, expected %u", ci.found, expected);
    TEST_CHECK(ci.online == expected, "%u CPUs online, expected %u", ci.online, expected);
    for (unsigned i = 0; i < ci.found && i < CPU_INFO_MAX; i++)
        for (unsigned j = i + 1; j < ci.found && j < CPU_INFO_MAX; j++)
            dup += ci.apic_id[i] == ci.apic_id[j];
    TEST_CHECK(dup == 0, "%u repeated APIC ids", dup);
    TEST_CHECK(ci.running == smp_all(expected), "CPUs running threads %#x", ci.running);
    TEST_CHECK(ci.cpu < expected, "the caller runs on CPU %u", ci.cpu);
    err = sys_cpu_info((struct cpu_info *)0x10);
    TEST_CHECK(err == -ERR_FAULT, "cpu_info into page 0: %s", err_text(err));
    err = sys_cpu_info((struct cpu_info *)0xffff800000000000ull);
    TEST_CHECK(err == -ERR_FAULT, "cpu_info into the kernel: %s", err_text(err));
}

/* SMP_CALLS calls to the echo helper; each reply must carry the words inverted. */
static void smp_check_calls(void)
{
    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);
    unsigned bad = 0;

    if (!TEST_CHECK(task >= 0 && svc != PORT_NULL, "spawn helper: %s", err_text(task)))
        return;
    for (uint64_t i = 0; i < SMP_CALLS; i++) {
        ipc_msg_init(&smp_msg, svc, IPC_DISP_COPY_SEND, IPCT_ID_WORDS);
        smp_msg.w[0] = i;
        smp_msg.w[1] = i * 7;
        long err = ipc_call(&smp_msg, IPC_TIMEOUT_NONE);
        bad += err != 0 || smp_msg.w[0] != ~i || smp_msg.w[1] != ~(i * 7);
    }
    TEST_CHECK(bad == 0, "%u of %d calls went wrong", bad, SMP_CALLS);
    ipc_msg_init(&smp_msg, svc, IPC_DISP_COPY_SEND, IPCT_ID_QUIT);
    TEST_CHECK(ipc_call(&smp_msg, IPC_TIMEOUT_NONE) == 0, "quit");
    port_deallocate(svc);
    TEST_CHECK(ipct_wait_child(task) == 0, "helper ended badly");
}

/* SMP_PAGES fresh pages: zero filled on first touch (faults, maybe around), pattern kept. */
static void smp_check_faults(void)
{
    struct vm_stat s0, s1;
    long base = sys_vm_allocate(SMP_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    unsigned nonzero = 0, bad = 0;

    if (!TEST_CHECK(base > 0, "vm_allocate: %s", err_text(base)))
        return;
    sys_vm_stat(&s0);
    for (unsigned i = 0; i < SMP_PAGES; i++) {
        uint64_t *p = (uint64_t *)(base + i * PAGE_SIZE);
        nonzero += p[0] != 0 || p[PAGE_SIZE / 8 - 1] != 0;
        p[0] = i * 0x9e3779b97f4a7c15ull;
        p[PAGE_SIZE / 8 - 1] = ~p[0];
    }
    sys_vm_stat(&s1);
    for (unsigned i = 0; i < SMP_PAGES; i++) {
        const uint64_t *p = (const uint64_t *)(base + i * PAGE_SIZE);
        bad += p[0] != i * 0x9e3779b97f4a7c15ull || p[PAGE_SIZE / 8 - 1] != ~p[0];
    }
    TEST_CHECK(nonzero == 0, "%u fresh pages were not zero", nonzero);
    TEST_CHECK(bad == 0, "%u pages lost what was written", bad);
    TEST_CHECK(s1.faults > s0.faults && s1.zero_fills - s0.zero_fills >= SMP_PAGES,
               "faults +%lu, zero fills +%lu for %d pages", (unsigned long)(s1.faults - s0.faults),
               (unsigned long)(s1.zero_fills - s0.zero_fills), SMP_PAGES);
    TEST_CHECK(sys_vm_deallocate((void *)base, SMP_PAGES * PAGE_SIZE) == 0, "vm_deallocate");
}

/* --- every CPU runs threads --- */

static uint32_t seen;          /* bit i: a thread of ours ran on CPU i */
static uint32_t spinners_done; /* threads that stopped looking */

static void smp_spinner(void *arg)
{
    uint32_t want = *(const uint32_t *)arg;
    struct cpu_info ci;

    for (unsigned i = 0; i < SMP_SPIN_LIMIT; i++) {
        if (sys_cpu_info(&ci) == 0)
            __atomic_fetch_or(&seen, 1u << ci.cpu, __ATOMIC_RELAXED);
        if ((__atomic_load_n(&seen, __ATOMIC_RELAXED) & want) == want)
            break;
    }
    __atomic_fetch_add(&spinners_done, 1, __ATOMIC_RELEASE);
}

static void smp_check_spread(unsigned cpus)
{
    static uint32_t want;
    struct cpu_info before, after;

    want = smp_all(cpus);
    sys_cpu_info(&before);
    for (unsigned i = 0; i < cpus; i++)
        TEST_CHECK(thread_start(smp_spinner, &want, 0) > 0, "thread_start %u", i);
    while (__atomic_load_n(&spinners_done, __ATOMIC_ACQUIRE) < cpus)
        sys_yield();
    sys_cpu_info(&after);
    printf("test_smp: %u threads ran on CPUs %#x\n", cpus, seen);
    TEST_CHECK(seen == want, "our threads ran on CPUs %#x of %#x", seen, want);
    for (unsigned i = 0; i < cpus; i++)
        TEST_CHECK(after.switches[i] > before.switches[i], "CPU %u switched no thread in", i);
}

/* --- affinity --- */

#define SMP_PINNED_CALLS 20000 /* cpu_info calls a pinned thread makes, each checked */

struct smp_pinned {
    unsigned cpu;          /* where it must run */
    volatile int go;       /* pinned: it may start */
    unsigned elsewhere;    /* calls that found it on another CPU */
    volatile int finished; /* done */
};

static volatile int smp_competing; /* spinners keep every CPU busy while this is set */

static void smp_pinned_thread(void *arg)
{
    struct smp_pinned *p = arg;
    struct cpu_info ci;

    while (!p->go)
        sys_yield();
    sys_yield(); /* pinned before go: from this switch on it runs only there */
    for (unsigned i = 0; i < SMP_PINNED_CALLS; i++)
        if (sys_cpu_info(&ci) != 0 || ci.cpu != p->cpu)
            p->elsewhere++;
    __atomic_store_n(&p->finished, 1, __ATOMIC_RELEASE);
}

static void smp_competitor(void *arg)
{
    (void)arg;
    while (smp_competing)
        __builtin_ia32_pause();
    __atomic_fetch_add(&spinners_done, 1, __ATOMIC_RELEASE);
}

static void smp_check_affinity(unsigned cpus)
{
    static struct smp_pinned pinned[CPU_INFO_MAX];
    struct cpu_info ci;
    long tid[CPU_INFO_MAX];

    /* Bad requests change nothing. */
    TEST_CHECK(sys_thread_affinity(0x7fffffff, 1) == -ERR_NOENT, "a thread of nobody's");
    TEST_CHECK(sys_thread_affinity(0, 1ul << CPU_INFO_MAX) == -ERR_INVAL, "a CPU past the last");
    TEST_CHECK(sys_thread_affinity(0, 1ul << cpus) == -ERR_INVAL, "a CPU that does not run");
    /* The caller moves at once, and gets its old mask back. */
    long old = sys_thread_affinity(0, 1u << (cpus - 1));
    TEST_CHECK(old == 0, "the first affinity was %ld", old);
    TEST_CHECK(sys_cpu_info(&ci) == 0 && ci.cpu == cpus - 1, "pinned to CPU %u, runs on %u",
               cpus - 1, ci.cpu);
    TEST_CHECK(sys_thread_affinity(0, 0) == (long)(1u << (cpus - 1)), "the mask comes back");

    /* One thread pinned to each CPU, and as many unpinned spinners competing. */
    spinners_done = 0;
    smp_competing = 1;
    for (unsigned i = 0; i < cpus; i++)
        TEST_CHECK(thread_start(smp_competitor, NULL, 0) > 0, "competitor %u", i);
    for (unsigned i = 0; i < cpus; i++) {
        pinned[i] = (struct smp_pinned){.cpu = i};
        tid[i] = thread_start(smp_pinned_thread, &pinned[i], 0);
        TEST_CHECK(tid[i] > 0, "pinned thread %u", i);
        if (tid[i] > 0)
            TEST_CHECK(sys_thread_affinity((uint64_t)tid[i], 1u << i) == 0, "pin %ld to CPU %u",
                       tid[i], i);
    }
    for (unsigned i = 0; i < cpus; i++)
        pinned[i].go = 1;
    for (unsigned i = 0; i < cpus; i++)
        while (tid[i] > 0 && !__atomic_load_n(&pinned[i].finished, __ATOMIC_ACQUIRE))
            sys_yield();
    smp_competing = 0;
    while (__atomic_load_n(&spinners_done, __ATOMIC_ACQUIRE) < cpus)
        sys_yield();
    sys_cpu_info(&ci);
    printf("test_smp: %u pinned threads, %u calls each; %lu threads taken from other CPUs' "
           "queues\n",
           cpus, SMP_PINNED_CALLS, (unsigned long)ci.steals);
    for (unsigned i = 0; i < cpus; i++)
        TEST_CHECK(pinned[i].elsewhere == 0, "the thread pinned to CPU %u ran elsewhere %u times",
                   i, pinned[i].elsewhere);
}

/* --- killing tasks while they run on other CPUs --- */

static void smp_check_remote_kill(unsigned cpus)
{
    port_name_t ports[CPU_INFO_MAX];
    long ids[CPU_INFO_MAX];
    struct cpu_info before, ci;
    unsigned n = cpus - 1, busy = 0;

    sys_cpu_info(&before);
    for (unsigned i = 0; i < n; i++) {
        ids[i] = sys_task_spawn_port("spin", "", 0, &ports[i]);
        TEST_CHECK(ids[i] > 0, "spawn spin: %s", err_text(ids[i]));
    }
    /* Until every other CPU switched a thread in (a spinner: nothing else is ready). */
    for (unsigned i = 0; i < SMP_YIELD_LIMIT && busy != n; i++) {
        sys_yield();
        sys_cpu_info(&ci);
        busy = 0;
        for (unsigned c = 0; c < cpus; c++)
            busy += c != ci.cpu && ci.switches[c] > before.switches[c];
    }
    TEST_CHECK(busy == n, "only %u other CPUs took a spinner", busy);
    for (unsigned i = 0; i < n; i++) {
        if (ids[i] <= 0)
            continue;
        TEST_CHECK(sys_task_kill(ports[i]) == 0, "kill spinner %u", i);
        struct task_status st;
        long err = sys_task_wait(ports[i], &st);
        TEST_CHECK(err == 0 && st.end == TASK_END_KILLED, "spinner %u: wait %s, end %u", i,
                   err_text(err), st.end);
        port_deallocate(ports[i]);
    }
    sys_cpu_info(&ci);
    printf("test_smp: %lu threads killed while they ran on another CPU\n",
           (unsigned long)(ci.remote_kills - before.remote_kills));
    TEST_CHECK(ci.remote_kills > before.remote_kills, "no spinner was running when killed");
}

int main(int argc, char **argv)
{
    unsigned expected = argc > 1 ? smp_parse(argv[1]) : 0;

    if (!TEST_CHECK(expected > 0, "usage: test_smp CPUS"))
        return test_report("test_smp");
    smp_check_info(expected);
    smp_check_calls();
    smp_check_faults();
    if (expected > 1) {
        smp_check_spread(expected);
        smp_check_affinity(expected);
        smp_check_remote_kill(expected);
    }
    smp_check_info(expected); /* still all there after the work */
    return test_report("test_smp");
}
