/*
 * The pager credit rule (vm_credit.c) on the host: a pager is charged one
 * frame per vm_credit_take up to its share (the default or its own), all
 * pagers together up to the pool's cap; each frame it gives back cancels a
 * charge; the end of an episode voids every charge at once, and a pager's
 * charges from an old episode count for nothing in the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <vm/vm_credit.h>

#define RESERVE 64u

/* Charge @c until refused; the number of frames charged. */
static unsigned take_all(struct vm_credit_pool *pool, struct vm_credit *c, uint64_t share)
{
    unsigned n = 0;

    while (vm_credit_take(pool, c, share))
        n++;
    return n;
}

/* A fresh pool in which pager @a spent its share and pager @b took one frame. */
static void spend_a_one_of_b(struct vm_credit_pool *pool, struct vm_credit *a, struct vm_credit *b)
{
    vm_credit_pool_init(pool, RESERVE);
    assert_int_equal(take_all(pool, a, 0), RESERVE / 4);
    assert_true(vm_credit_take(pool, b, 0));
}

/* A quarter of the reserve each, half of it together, at least one frame. */
static void test_vm_credit_sizes(void **state)
{
    struct vm_credit_pool pool;
    (void)state;

    vm_credit_pool_init(&pool, RESERVE);
    assert_int_equal(pool.share, RESERVE / 4);
    assert_int_equal(pool.cap, RESERVE / 2);
    assert_int_equal(vm_credit_share(&pool, 0), RESERVE / 4);
    assert_int_equal(vm_credit_share(&pool, 3), 3);
    vm_credit_pool_init(&pool, 1);
    assert_int_equal(pool.share, 1);
    assert_int_equal(pool.cap, 1);
}

/* A pager gets exactly its share, then is spent; its own share replaces the default. */
static void test_vm_credit_share_bounds_one_pager(void **state)
{
    struct vm_credit_pool pool;
    struct vm_credit a = {0}, b = {0};
    (void)state;

    vm_credit_pool_init(&pool, RESERVE);
    assert_false(vm_credit_spent(&pool, &a, 0));
    assert_int_equal(take_all(&pool, &a, 0), RESERVE / 4);
    assert_true(vm_credit_spent(&pool, &a, 0));
    assert_int_equal(vm_credit_used(&pool, &a), RESERVE / 4);
    assert_int_equal(pool.used, RESERVE / 4);
    assert_int_equal(take_all(&pool, &b, 5), 5);
    assert_int_equal(pool.used, RESERVE / 4 + 5);
    assert_int_equal(pool.max_used, RESERVE / 4);
}

/* However many pagers, together they never take more than the cap. */
static void test_vm_credit_cap_bounds_all_pagers(void **state)
{
    struct vm_credit_pool pool;
    struct vm_credit c[8] = {{0}};
    unsigned total = 0;
    (void)state;

    vm_credit_pool_init(&pool, RESERVE);
    for (unsigned i = 0; i < 8; i++)
        total += take_all(&pool, &c[i], 0);
    assert_int_equal(total, RESERVE / 2);
    assert_int_equal(pool.used, RESERVE / 2);
    assert_true(vm_credit_spent(&pool, &c[7], 0)); /* never charged, but the pool is spent */
    assert_int_equal(vm_credit_used(&pool, &c[7]), 0);
}

/* The end of an episode voids every charge; charges of old episodes count for nothing. */
static void test_vm_credit_restore_voids_charges(void **state)
{
    struct vm_credit_pool pool;
    struct vm_credit a = {0}, b = {0};
    (void)state;

    spend_a_one_of_b(&pool, &a, &b);
    uint64_t epoch = pool.epoch;
    vm_credit_restore(&pool);
    assert_int_equal(pool.epoch, epoch + 1);
    assert_int_equal(pool.used, 0);
    assert_int_equal(vm_credit_used(&pool, &a), 0);
    assert_false(vm_credit_spent(&pool, &a, 0));
    /* b took one frame last episode: it gets its whole share again, not one less. */
    assert_int_equal(take_all(&pool, &b, 0), RESERVE / 4);
    assert_int_equal(pool.used, RESERVE / 4);
    assert_int_equal(pool.max_used, RESERVE / 4);
    /* A restore with nothing charged starts no new episode. */
    vm_credit_restore(&pool);
    epoch = pool.epoch;
    vm_credit_restore(&pool);
    assert_int_equal(pool.epoch, epoch);
}

/* Frames given back cancel charges of this episode, never more than were charged. */
static void test_vm_credit_refund(void **state)
{
    struct vm_credit_pool pool;
    struct vm_credit a = {0}, b = {0};
    (void)state;

    spend_a_one_of_b(&pool, &a, &b);
    vm_credit_refund(&pool, &a, 3);
    assert_int_equal(vm_credit_used(&pool, &a), RESERVE / 4 - 3);
    assert_int_equal(pool.used, RESERVE / 4 - 3 + 1);
    /* A pager that frees what it takes never runs out. */
    for (unsigned i = 0; i < 1000; i++) {
        assert_true(vm_credit_take(&pool, &a, 0));
        vm_credit_refund(&pool, &a, 1);
    }
    assert_int_equal(pool.max_used, RESERVE / 4);
    vm_credit_refund(&pool, &a, UINT64_MAX); /* it ends: all its charges go */
    assert_int_equal(vm_credit_used(&pool, &a), 0);
    assert_int_equal(pool.used, 1); /* b's */
    /* Charges of a past episode are not refunded into this one. */
    vm_credit_restore(&pool);
    vm_credit_refund(&pool, &b, 1);
    assert_int_equal(pool.used, 0);
    assert_int_equal(take_all(&pool, &b, 0), RESERVE / 4);
}

/* The pool's count is always the sum of the pagers' counts, each within its share. */
static void test_vm_credit_accounting_exact(void **state)
{
    static const uint64_t shares[3] = {0, 40, 80}; /* the default (250), and two of their own */
    struct vm_credit_pool pool;
    struct vm_credit c[3] = {{0}};
    (void)state;

    vm_credit_pool_init(&pool, 1000);
    for (unsigned round = 0; round < 5; round++) {
        for (unsigned i = 0; i < 200 + 100 * round; i++) {
            unsigned k = (i * 7 + round) % 3;
            (void)vm_credit_take(&pool, &c[k], shares[k]);
        }
        uint64_t sum = 0;
        for (unsigned k = 0; k < 3; k++) {
            sum += vm_credit_used(&pool, &c[k]);
            assert_true(vm_credit_used(&pool, &c[k]) <= vm_credit_share(&pool, shares[k]));
        }
        assert_int_equal(sum, pool.used);
        assert_true(pool.used <= pool.cap);
        vm_credit_restore(&pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_credit_sizes),
        cmocka_unit_test(test_vm_credit_share_bounds_one_pager),
        cmocka_unit_test(test_vm_credit_cap_bounds_all_pagers),
        cmocka_unit_test(test_vm_credit_restore_voids_charges),
        cmocka_unit_test(test_vm_credit_refund),
        cmocka_unit_test(test_vm_credit_accounting_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
