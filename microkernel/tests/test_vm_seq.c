/*
 * Host tests of sequential-fault detection (vm/vm_seq.c): the window of a
 * data_request doubles while faults follow each other, whether the pager
 * answered one page or the whole range, and falls back to one page on any
 * other fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <lib/lib.h>
#include <vm/vm_seq.h>

#define P PAGE_SIZE

/* A pager that answers the whole range: the next fault is just past it. */
static void test_vm_seq_whole_ranges(void **state)
{
    struct vm_seq s = {0};
    uint64_t at = 10 * P;
    const uint32_t expect[] = {1, 2, 4, 8, 16, 16, 16};

    (void)state;
    for (unsigned i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        uint32_t n = vm_seq_fault(&s, at);
        assert_int_equal(n, expect[i]);
        at += n * P;
    }
}

/* A pager that answers only the faulting page: faults one page apart still grow it. */
static void test_vm_seq_page_by_page(void **state)
{
    struct vm_seq s = {0};

    (void)state;
    assert_int_equal(vm_seq_fault(&s, 0), 1);
    assert_int_equal(vm_seq_fault(&s, P), 2);
    assert_int_equal(vm_seq_fault(&s, 2 * P), 4);
    /* Inside the last range, past the next page: still sequential. */
    assert_int_equal(vm_seq_fault(&s, 5 * P), 8);
}

/* Anything else starts again at one page: random faults never ask for more. */
static void test_vm_seq_random_resets(void **state)
{
    struct vm_seq s = {0};
    const uint64_t pages[] = {7, 3, 100, 42, 43, 1000, 0, 999};
    const uint32_t expect[] = {1, 1, 1, 1, 2, 1, 1, 1};

    (void)state;
    for (unsigned i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        assert_int_equal(vm_seq_fault(&s, pages[i] * P), expect[i]);
    /* The page after 999 follows it; the same page again is not a run. */
    assert_int_equal(vm_seq_fault(&s, 1000 * P), 2);
    assert_int_equal(vm_seq_fault(&s, 1000 * P), 1);
    /* Past the reach of a grown window: back to one. */
    assert_int_equal(vm_seq_fault(&s, 1001 * P), 2);
    assert_int_equal(vm_seq_fault(&s, 1004 * P), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_seq_whole_ranges),
        cmocka_unit_test(test_vm_seq_page_by_page),
        cmocka_unit_test(test_vm_seq_random_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
