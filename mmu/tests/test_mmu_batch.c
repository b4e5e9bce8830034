/*
 * Host tests of gathered shootdowns (mmu_batch_*): while a batch is open,
 * unmapping pages of a user space another CPU has loaded sends nothing and
 * invalidates the local TLB at once; mmu_batch_end interrupts each CPU
 * concerned once, and what such a CPU does with the batch
 * (mmu_shootdown_batch) drops exactly the pages of the space it has loaded,
 * or all of it after more than MMU_BATCH_MAX pages. Without a batch, and
 * for the kernel half, every change is sent at once as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mmu_fake.h"

#define USER_VA 0x0000000000400000ULL
#define KERN_VA 0xffffc00000000000ULL
#define FRAME 0x0000000123456000ULL

static struct mmu_space space;

/* Two CPUs; @space mapped at @npages pages from USER_VA and loaded on CPU 1; code runs on CPU 0. */
static void setup_two_cpus(bool pcid, unsigned npages)
{
    fake_setup(pcid, pcid);
    fake_cpus = 3;
    assert_int_equal(mmu_space_create(&space), MMU_OK);
    for (unsigned i = 0; i < npages; i++)
        assert_int_equal(mmu_map(&space, USER_VA + i * PAGE_SIZE, FRAME, MMU_PROT_READ), MMU_OK);
    fake_cpu = 1;
    mmu_switch(&space);
    fake_cpu = 0;
    fake_shootdown_count = 0;
    fake_hw.invlpgs = 0;
}

static void test_unbatched_unmap_interrupts_at_once(void **state)
{
    (void)state;
    setup_two_cpus(false, 2);
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_unmap(&space, USER_VA + PAGE_SIZE, NULL, NULL), MMU_OK);
    assert_int_equal(fake_shootdown_count, 2);
    assert_int_equal(fake_shootdowns[0].cpus, 2);
    assert_int_equal(fake_batch_count, 0);
}

static void test_batch_sends_once_at_the_end(void **state)
{
    struct mmu_batch b;
    (void)state;

    setup_two_cpus(false, 3);
    mmu_batch_begin(&b);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(mmu_unmap(&space, USER_VA + i * PAGE_SIZE, NULL, NULL), MMU_OK);
    assert_int_equal(fake_shootdown_count, 0); /* nothing sent yet */
    assert_int_equal(fake_batch_count, 0);
    assert_int_equal(b.pages, 3);
    assert_int_equal(b.cpus, 2);
    struct mmu_batch sent = b; /* what CPU 1 reads in its interrupt */
    mmu_batch_end(&b);
    assert_int_equal(fake_batch_count, 1);
    assert_int_equal(fake_batch_cpus[0], 2);
    assert_ptr_equal(fake_batch_last, &b);
    assert_false(b.open);
    struct mmu_batch_stat st = mmu_batch_stat();
    assert_true(st.batches >= 1 && st.pages >= 3);

    /* On CPU 1, which has the space loaded: each page dropped, no full flush. */
    fake_cpu = 1;
    mmu_switch(&space);
    unsigned cr3_writes = fake_hw.cr3_writes;
    fake_hw.invlpgs = 0;
    mmu_shootdown_batch(&sent);
    assert_int_equal(fake_hw.invlpgs, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_true(fake_hw_invlpg_seen(USER_VA + i * PAGE_SIZE));
    assert_int_equal(fake_hw.cr3_writes, cr3_writes);

    /* A CPU that loaded another space meanwhile has nothing to drop. */
    fake_hw.invlpgs = 0;
    mmu_switch(mmu_kernel_space());
    mmu_shootdown_batch(&sent);
    assert_int_equal(fake_hw.invlpgs, 0);
    fake_cpu = 0;

    /* Closed: the next unmap is sent at once again. */
    assert_int_equal(mmu_map(&space, USER_VA, FRAME, MMU_PROT_READ), MMU_OK);
    fake_cpu = 1;
    mmu_switch(&space);
    fake_cpu = 0;
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    assert_int_equal(fake_shootdown_count, 1);
}

static void test_batch_without_other_cpus_sends_nothing(void **state)
{
    struct mmu_batch b;
    (void)state;

    setup_two_cpus(false, 1);
    fake_cpu = 1;
    mmu_switch(mmu_kernel_space()); /* CPU 1 leaves the space */
    fake_cpu = 0;
    mmu_switch(&space); /* loaded here only */
    fake_hw.invlpgs = 0;
    mmu_batch_begin(&b);
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    assert_int_equal(fake_hw.invlpgs, 1); /* the local TLB at once */
    assert_int_equal(b.pages, 0);
    mmu_batch_end(&b);
    assert_int_equal(fake_batch_count, 0);
    assert_int_equal(fake_shootdown_count, 0);
}

static void test_batch_overflow_flushes_whole_space(void **state)
{
    struct mmu_batch b;
    unsigned n = MMU_BATCH_MAX + 8;
    (void)state;

    setup_two_cpus(false, n);
    mmu_batch_begin(&b);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(mmu_unmap(&space, USER_VA + i * PAGE_SIZE, NULL, NULL), MMU_OK);
    assert_int_equal(b.pages, n);
    struct mmu_batch sent = b;
    mmu_batch_end(&b);
    assert_int_equal(fake_batch_count, 1);

    fake_cpu = 1;
    mmu_switch(&space);
    unsigned cr3_writes = fake_hw.cr3_writes;
    fake_hw.invlpgs = 0;
    mmu_shootdown_batch(&sent);
    assert_int_equal(fake_hw.cr3_writes, cr3_writes + 1);
    assert_int_equal(fake_hw.cr3, space.root); /* no PCID: a plain reload flushes it */
    assert_int_equal(fake_hw.invlpgs, 0);
}

static void test_batch_kernel_half_not_deferred(void **state)
{
    struct mmu_batch b;
    (void)state;

    setup_two_cpus(false, 0);
    assert_int_equal(mmu_map(mmu_kernel_space(), KERN_VA, FRAME, MMU_PROT_READ), MMU_OK);
    mmu_batch_begin(&b);
    assert_int_equal(mmu_unmap(mmu_kernel_space(), KERN_VA, NULL, NULL), MMU_OK);
    assert_int_equal(fake_shootdown_count, 1); /* every other running CPU, at once */
    assert_int_equal(fake_shootdowns[0].cpus, 2);
    mmu_batch_end(&b);
    assert_int_equal(fake_batch_count, 0);
}

static void test_batch_pcid_marks_every_other_cpu_stale(void **state)
{
    struct mmu_batch b;
    (void)state;

    setup_two_cpus(true, 1);
    assert_true(mmu_pcid_enabled());
    __atomic_store_n(&space.tlb_stale, 0, __ATOMIC_RELAXED);
    mmu_batch_begin(&b);
    assert_int_equal(mmu_unmap(&space, USER_VA, NULL, NULL), MMU_OK);
    /* CPU 1 may switch away before the batch reaches it: it flushes when it comes back. */
    assert_int_equal(space.tlb_stale, ~1u);
    struct mmu_batch sent = b;
    mmu_batch_end(&b);

    fake_cpu = 1;
    mmu_switch(mmu_kernel_space());
    mmu_shootdown_batch(&sent); /* it left: nothing now */
    mmu_switch(&space);
    assert_int_equal(fake_hw.cr3 & (1ULL << 63), 0); /* no NOFLUSH: the PCID is flushed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unbatched_unmap_interrupts_at_once),
        cmocka_unit_test(test_batch_sends_once_at_the_end),
        cmocka_unit_test(test_batch_without_other_cpus_sends_nothing),
        cmocka_unit_test(test_batch_overflow_flushes_whole_space),
        cmocka_unit_test(test_batch_kernel_half_not_deferred),
        cmocka_unit_test(test_batch_pcid_marks_every_other_cpu_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
