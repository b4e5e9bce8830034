/*
 * The policy pager's own test (pager=policy_pager pager_quota=Q,
 * docs/pagers.md): a region of 4Q pages, stamped and read back over
 * several passes, never has more than Q pages of the pager's objects
 * resident at once (the kernel's exact peak, read through pager_stats
 * policy), and the pager chose its victims itself (its evictions, its aging
 * rounds, the kernel's over-quota marks). Then a few pinned pages, left
 * untouched while the rest is swept again, become the oldest pages: the
 * kernel vetoes them, the pager counts the vetoes and takes other victims,
 * the pinned pages stay resident, and the peak still holds.
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdbool.h>

#define TP_PASSES 3u
#define TP_PINNED 4u /* pages pinned for the vetoes */

static port_name_t tp_pager;
static uint64_t tp_quota;

static struct pager_policy_info tp_policy(void)
{
    struct pager_policy_info pi = {0};
    TEST_CHECK(pager_stats_policy_read(tp_pager, &pi) == 0, "pager_stats policy");
    return pi;
}

static volatile uint64_t *tp_page(long base, uint64_t i)
{
    return (volatile uint64_t *)(base + i * PAGE_SIZE);
}

static uint64_t tp_stamp(uint64_t pass, uint64_t i, uint64_t word)
{
    return 0x90110c4000000000ull ^ pass << 40 ^ i << 8 ^ word;
}

/*
 * One pass over pages [@first, @npages): check the previous pass's stamps
 * (none before pass 1), write this pass's. Returns the pages that were wrong.
 */
static unsigned tp_pass(long base, uint64_t first, uint64_t npages, uint64_t pass)
{
    unsigned bad = 0;

    for (uint64_t i = first; i < npages; i++) {
        volatile uint64_t *p = tp_page(base, i);
        for (uint64_t w = 0; pass > 1 && w < PAGE_SIZE / 8; w += 61)
            if (p[w] != tp_stamp(pass - 1, i, w)) {
                bad++;
                break;
            }
        for (uint64_t w = 0; w < PAGE_SIZE / 8; w += 61)
            p[w] = tp_stamp(pass, i, w);
    }
    return bad;
}

static bool tp_resident(long base, uint64_t i)
{
    struct vm_query q;
    return sys_vm_query((const void *)tp_page(base, i), &q) == 0 && q.resident;
}

/* Every pass: the pages read back, the peak within the quota, the pager's victims. */
static void tp_sweeps(long base, uint64_t npages)
{
    for (uint64_t pass = 1; pass <= TP_PASSES; pass++) {
        unsigned bad = tp_pass(base, 0, npages, pass);
        TEST_CHECK(bad == 0, "pass %lu: %u pages lost their stamps", (unsigned long)pass, bad);
    }
    struct pager_policy_info pi = tp_policy();
    TEST_CHECK(pi.peak <= tp_quota && pi.resident <= tp_quota,
               "peak %lu, resident %lu over the quota of %lu", (unsigned long)pi.peak,
               (unsigned long)pi.resident, (unsigned long)tp_quota);
    /* Each pass brings at least 3Q pages in past a full quota: each needs a victim. */
    TEST_CHECK(pi.evictions >= 3 * tp_quota * TP_PASSES && pi.rounds > 0 && pi.signals > 0,
               "the pager chose %lu victims in %lu rounds (%lu requests over quota)",
               (unsigned long)pi.evictions, (unsigned long)pi.rounds, (unsigned long)pi.signals);
    printf("test_policy_pager: quota %lu: peak %lu, %lu evictions, %lu rounds, %lu over quota\n",
           (unsigned long)tp_quota, (unsigned long)pi.peak, (unsigned long)pi.evictions,
           (unsigned long)pi.rounds, (unsigned long)pi.signals);
}

/* Pin the first pages, sweep the rest: the pinned ones are vetoed, stay, keep their data. */
static void tp_vetoes(long base, uint64_t npages)
{
    struct pager_policy_info before = tp_policy();

    TEST_CHECK(sys_vm_pin((void *)base, TP_PINNED * PAGE_SIZE) == 0, "pin");
    for (uint64_t pass = TP_PASSES + 1; pass <= TP_PASSES + 2; pass++) {
        unsigned bad = tp_pass(base, TP_PINNED, npages, pass);
        TEST_CHECK(bad == 0, "pass %lu with pins: %u pages lost their stamps", (unsigned long)pass,
                   bad);
    }
    struct pager_policy_info pi = tp_policy();
    unsigned resident = 0;
    for (uint64_t i = 0; i < TP_PINNED; i++)
        resident += tp_resident(base, i);
    TEST_CHECK(pi.vetoes > before.vetoes, "no veto with %u pinned pages (%lu vetoes)", TP_PINNED,
               (unsigned long)pi.vetoes);
    TEST_CHECK(resident == TP_PINNED, "%u of %u pinned pages resident", resident, TP_PINNED);
    TEST_CHECK(pi.peak <= tp_quota, "peak %lu over the quota of %lu with pins",
               (unsigned long)pi.peak, (unsigned long)tp_quota);
    TEST_CHECK(sys_vm_unpin((void *)base, TP_PINNED * PAGE_SIZE) == 0, "unpin");
    unsigned bad = tp_pass(base, 0, TP_PINNED, TP_PASSES + 1);
    TEST_CHECK(bad == 0, "pinned pages lost %u stamps", bad);
    printf("test_policy_pager: %lu vetoes with %u pinned pages\n",
           (unsigned long)(pi.vetoes - before.vetoes), TP_PINNED);
}

int main(void)
{
    if (!TEST_CHECK(pager_stats_system(&tp_pager) == 0, "no system pager"))
        return test_report("test_policy_pager");
    tp_quota = tp_policy().quota;
    if (!TEST_CHECK(tp_quota > TP_PINNED, "quota %lu: boot with pager_quota=N",
                    (unsigned long)tp_quota))
        return test_report("test_policy_pager");
    uint64_t npages = 4 * tp_quota;
    long base = sys_vm_allocate(npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "allocate %lu pages: %ld", (unsigned long)npages, base))
        return test_report("test_policy_pager");
    tp_sweeps(base, npages);
    tp_vetoes(base, npages);
    TEST_CHECK(sys_vm_deallocate((void *)base, npages * PAGE_SIZE) == 0, "deallocate");
    return test_report("test_policy_pager");
}
