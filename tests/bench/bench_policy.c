/*
 * The page-replacement benchmark (tools/bench policy): the same two
 * reference patterns under every pageout policy of the kernel, switched at
 * run time with SYS_VM_POLICY_SET (the program needs the host-privilege
 * right: host_priv=bench_policy), with the swap disk behind the default
 * pager. For each policy and pattern it prints the pages brought in (the
 * default pager's data_requests: first touches and swap-ins), the faults
 * (every trap that mapped a page, including pages still resident that
 * pageout had unmapped), the pages evicted and the wall time per
 * reference, as BENCH lines of suite "policy" (config = the policy's name).
 * It runs without instruction counting: under -icount with sleep=off the
 * guest clock skips ahead while the disk works, and disk transfers time out.
 * The counts are the result; the times only rank the policies on one run.
 * The run needs pager=default_pager or another external pager (the
 * default).
 *
 * - phases: a working set that moves (section 3.6's locality model). Three
 *   phases, each over its own window of 1.2 U pages (U: the frames free at
 *   the start), the windows overlapping by two thirds; within a phase 7 of
 *   8 references go to a hot set of 0.35 U pages at the window's start, the
 *   rest anywhere in the window. A policy that keeps used pages keeps the
 *   hot set; one that ignores use (FIFO) evicts it over and over.
 * - loop: three sequential sweeps over 1.1 U pages, the pattern where every
 *   policy that approximates LRU faults on every page.
 *
 * A quarter of the references write. Every page read back holds what was
 * last written to it (0 until then): the PASS line says the data survived
 * every eviction. "quick" runs the first policy only, for the test that
 * keeps this program working.
 *
 * "pager": instead of the kernel's policies, the replacement policy of the
 * system's pager within its frame quota (pager=policy_pager pager_quota=N,
 * config "pager_aging"): the patterns are sized against the quota (the
 * pager's frames, as the kernel's rows are against the free frames above
 * pageout's high mark), and the evictions
 * are the pager's own (pager_stats policy) plus any of pageout's.
 */
#include <abi/page.h>
#include <abi/syscall.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <lib/lib.h>
#include <stdbool.h>
#include <stdint.h>

#define POLICY_NAME_MAX 16

/* The kernel's pageout policies (vm/policy/); LRU and OPT exist for the host tests only. */
static const char *const policy_names[] = {"fifo", "clock", "nru", "aging", "wsclock"};

/* A reference pattern, sized in pages from the usable frames. */
struct pattern {
    const char *name;
    uint64_t (*run)(uint64_t usable, volatile uint64_t *base, uint64_t *refs);
};

static uint64_t rng_state;
static uint64_t *written; /* bit i: page i of the region was written */
static uint64_t wrong;    /* pages that read back something else */

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t stamp(uint64_t page)
{
    return 0x9017c0de00000000ull | page;
}

/* One reference to page @page of the region at @base: a read, and a quarter of the time a write. */
static void touch(volatile uint64_t *base, uint64_t page)
{
    volatile uint64_t *word = base + page * (PAGE_SIZE / 8);
    uint64_t v = *word;
    bool was_written = written[page / 64] & (1ull << (page % 64));

    if (v != (was_written ? stamp(page) : 0) && wrong++ < 4)
        printf("FAIL: bench_policy: page %lu reads %lx\n", (unsigned long)page, (unsigned long)v);
    if ((rng_next() & 3) == 0) {
        *word = stamp(page);
        written[page / 64] |= 1ull << (page % 64);
    }
}

static uint64_t phases_pages(uint64_t usable)
{
    return usable * 12 / 10 + 2 * (usable * 4 / 10);
}

static uint64_t run_phases(uint64_t usable, volatile uint64_t *base, uint64_t *refs)
{
    uint64_t window = usable * 12 / 10, hot = usable * 35 / 100, n = 0;

    for (uint64_t phase = 0; phase < 3; phase++) {
        uint64_t start = phase * (usable * 4 / 10);
        for (uint64_t r = 0; r < 3 * usable; r++, n++) {
            uint64_t x = rng_next();
            touch(base, start + ((x & 7) != 0 ? (x >> 8) % hot : (x >> 8) % window));
        }
    }
    *refs = n;
    return phases_pages(usable);
}

static uint64_t loop_pages(uint64_t usable)
{
    return usable * 11 / 10;
}

static uint64_t run_loop(uint64_t usable, volatile uint64_t *base, uint64_t *refs)
{
    uint64_t pages = loop_pages(usable), n = 0;

    for (int pass = 0; pass < 3; pass++)
        for (uint64_t p = 0; p < pages; p++, n++)
            touch(base, p);
    *refs = n;
    return pages;
}

static const struct pattern patterns[] = {
    {"phases", run_phases},
    {"loop", run_loop},
};

/* The region a pattern needs, at most. */
static uint64_t region_pages(uint64_t usable)
{
    uint64_t a = phases_pages(usable), b = loop_pages(usable);
    return a > b ? a : b;
}

static void report(const char *metric, const char *pattern, const char *policy, uint64_t value,
                   const char *unit)
{
    printf("BENCH policy metric=%s_%s config=%s median=%lu p99=%lu n=1 unit=%s\n", pattern, metric,
           policy, (unsigned long)value, (unsigned long)value, unit);
}

/* The system pager's own evictions so far (0 without a pager-side policy). */
static uint64_t pager_evictions(port_name_t pager)
{
    struct pager_policy_info pi = {0};

    if (pager != PORT_NULL)
        pager_stats_policy_read(pager, &pi);
    return pi.evictions;
}

/*
 * Run every pattern over a fresh region: under the kernel's @policy, or
 * with @pager (not PORT_NULL) under that pager's own (@policy names it).
 * False if it cannot.
 */
static bool bench_policy(const char *policy, uint64_t usable, port_name_t pager)
{
    uint64_t pages = region_pages(usable);
    long err = pager != PORT_NULL ? 0 : sys_vm_policy_set(ipc_host_port, policy);

    if (!TEST_CHECK(err == 0, "set policy %s: %s", policy, err_text(err)))
        return false;
    for (unsigned i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        long base = sys_vm_allocate(pages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        long bits = sys_vm_allocate((pages + 63) / 64 * 8, VM_PROT_READ | VM_PROT_WRITE);
        if (!TEST_CHECK(base > 0 && bits > 0, "allocate %lu pages", (unsigned long)pages))
            return false;
        written = (uint64_t *)bits;
        rng_state = 0x2545f4914f6cdd1dull + i;
        struct vm_stat v0, v1;
        uint64_t refs, e0 = pager_evictions(pager);
        sys_vm_stat(&v0);
        uint64_t t0 = sys_clock_ns();
        patterns[i].run(usable, (volatile uint64_t *)base, &refs);
        uint64_t t1 = sys_clock_ns();
        sys_vm_stat(&v1);
        uint64_t evicted = v1.pageouts - v0.pageouts + pager_evictions(pager) - e0;
        report("pageins", patterns[i].name, policy, v1.pager_requests - v0.pager_requests, "pages");
        report("faults", patterns[i].name, policy, v1.faults - v0.faults, "faults");
        report("evictions", patterns[i].name, policy, evicted, "pages");
        report("time", patterns[i].name, policy, (t1 - t0) / refs, "ns_per_ref");
        sys_vm_deallocate((void *)base, pages * PAGE_SIZE);
        sys_vm_deallocate((void *)bits, (pages + 63) / 64 * 8);
    }
    return true;
}

/* "pager": the patterns once, under the system pager's policy within its quota. */
static int bench_pager_policy(uint64_t usable)
{
    port_name_t pager;
    struct pager_policy_info pi = {0};

    if (!TEST_CHECK(pager_stats_system(&pager) == 0 && pager_stats_policy_read(pager, &pi) == 0 &&
                        pi.quota > 0,
                    "the system's pager has no frame quota (pager=policy_pager pager_quota=N)"))
        return test_report("bench_policy");
    /* The quota is the pager's memory above any watermark: the patterns are sized to it. */
    usable = MIN(usable, pi.quota);
    printf(
        "bench_policy: the pager's policy within a quota of %lu frames, patterns sized for %lu\n",
        (unsigned long)pi.quota, (unsigned long)usable);
    bench_policy("pager_aging", usable, pager);
    TEST_CHECK(wrong == 0, "%lu pages read back wrong", (unsigned long)wrong);
    return test_report("bench_policy");
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    char previous[POLICY_NAME_MAX];
    struct vm_stat st;

    sys_vm_stat(&st);
    /* What the patterns are sized against: the free frames above pageout's high mark. */
    uint64_t usable = st.frames_free - st.frames_free / 8;
    if (argc > 1 && strcmp(argv[1], "pager") == 0)
        return bench_pager_policy(usable);
    if (!TEST_CHECK(sys_vm_policy_get(previous, sizeof(previous)) >= 0, "read the policy"))
        return test_report("bench_policy");
    printf("bench_policy: %lu frames free, patterns sized for %lu, policy %s before\n",
           (unsigned long)st.frames_free, (unsigned long)usable, previous);
    unsigned npolicies = quick ? 1 : sizeof(policy_names) / sizeof(policy_names[0]);
    for (unsigned i = 0; i < npolicies; i++)
        if (!bench_policy(policy_names[i], usable, PORT_NULL))
            break;
    TEST_CHECK(wrong == 0, "%lu pages read back wrong", (unsigned long)wrong);
    TEST_CHECK(sys_vm_policy_set(ipc_host_port, previous) == 0, "restore policy %s", previous);
    return test_report("bench_policy");
}
