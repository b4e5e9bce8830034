/*
 * The aging policy of policy_pager on the host: the table stays sorted, a
 * round shifts R into the counters and drops pages no longer resident, a
 * batch stays within one object and one query's span, and the victim is the
 * page referenced least recently (the classic example: counters after five
 * rounds), a clean one before a modified one, never a vetoed one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aging.h"

#define PG 4096u
#define CAP 16u

static struct aging_page pages[CAP];
static struct aging_set set;

static int setup(void **state)
{
    (void)state;
    memset(pages, 0, sizeof(pages));
    set = (struct aging_set){.pages = pages, .n = 0, .cap = CAP};
    return 0;
}

/* Entries come out sorted by object then offset; a page added twice is renewed; full is -1. */
static void test_aging_table(void **state)
{
    (void)state;
    assert_int_equal(aging_add(&set, 2, 3 * PG), 0);
    assert_int_equal(aging_add(&set, 1, 5 * PG), 0);
    assert_int_equal(aging_add(&set, 2, 1 * PG), 1);
    assert_int_equal(aging_add(&set, 1, 0), 0);
    assert_int_equal(set.n, 4);
    const uint64_t want[4][2] = {{1, 0}, {1, 5 * PG}, {2, PG}, {2, 3 * PG}};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(pages[i].obj, want[i][0]);
        assert_int_equal(pages[i].offset, want[i][1]);
        assert_int_equal(pages[i].age, AGING_NEW);
    }
    pages[2].age = 3;
    assert_int_equal(aging_add(&set, 2, PG), 2); /* renewed, not added */
    assert_int_equal(set.n, 4);
    assert_int_equal(pages[2].age, AGING_NEW);
    assert_int_equal(aging_find(&set, 2, 3 * PG), 3);
    assert_int_equal(aging_find(&set, 2, 2 * PG), -1);
    assert_int_equal(aging_forget(&set, 1), 2);
    assert_int_equal(set.n, 2);
    assert_int_equal(aging_find(&set, 2, PG), 0);
    aging_remove(&set, 0);
    assert_int_equal(aging_find(&set, 2, 3 * PG), 0);
    for (unsigned i = 0; i < CAP - 1; i++)
        assert_true(aging_add(&set, 9, i * PG) >= 0);
    assert_int_equal(aging_add(&set, 9, 100 * PG), -1);
}

/* A batch: same object, within the span; the next object starts a new one. */
static void test_aging_batch(void **state)
{
    (void)state;
    aging_add(&set, 1, 0);
    aging_add(&set, 1, 7 * PG);
    aging_add(&set, 1, 8 * PG);
    aging_add(&set, 2, 0);
    assert_int_equal(aging_batch(&set, 0, 8), 2); /* page 8 is 8 pages after page 0 */
    assert_int_equal(aging_batch(&set, 0, 9), 3);
    assert_int_equal(aging_batch(&set, 2, 512), 3);
    assert_int_equal(aging_batch(&set, 3, 512), 4);
}

/* One round over pages 0..5 of one object, R bits per page from @rbits. */
static void round_of(uint8_t rbits)
{
    uint8_t bits[6];

    for (unsigned i = 0; i < 6; i++)
        bits[i] = AGING_BIT_RESIDENT | ((rbits >> (5 - i)) & 1 ? AGING_BIT_REF : 0);
    assert_int_equal(aging_apply(&set, 0, set.n, bits, 0), 6);
}

/*
 * The textbook's example (Fig. 3-17): six pages, R bits over five ticks
 * 101011, 110010, 110101, 100010, 011000; page 3's counter ends smallest
 * (00100000), then page 5's (00101000), then page 4's (01011000).
 */
static void test_aging_counters(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 6; i++) {
        aging_add(&set, 1, i * PG);
        pages[i].age = 0;
    }
    const uint8_t ticks[5] = {0x2b, 0x32, 0x35, 0x22, 0x18};
    for (unsigned t = 0; t < 5; t++)
        round_of(ticks[t]);
    const uint8_t want[6] = {0x78, 0xb0, 0x88, 0x20, 0x58, 0x28};
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(pages[i].age, want[i]);
    assert_int_equal(aging_victim(&set), 3);
    pages[3].vetoed = true; /* pinned: the next smallest */
    assert_int_equal(aging_victim(&set), 5);
    pages[5].vetoed = true;
    assert_int_equal(aging_victim(&set), 4);
}

/* A tie: the clean page goes first; a round forgets vetoes and drops absent pages. */
static void test_aging_clean_first(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 3; i++)
        aging_add(&set, 1, i * PG);
    const uint8_t bits[3] = {AGING_BIT_RESIDENT | AGING_BIT_MOD, 0, AGING_BIT_RESIDENT};
    pages[0].vetoed = pages[2].vetoed = true;
    assert_int_equal(aging_apply(&set, 0, 3, bits, 0), 2); /* page 1 is gone */
    assert_int_equal(set.n, 2);
    assert_true(pages[0].modified && !pages[0].vetoed && pages[0].age == 0x40);
    assert_true(!pages[1].modified && !pages[1].vetoed && pages[1].offset == 2 * PG);
    assert_int_equal(aging_victim(&set), 1); /* same age: the clean one */
    pages[0].vetoed = pages[1].vetoed = true;
    assert_int_equal(aging_victim(&set), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_aging_table, setup),
        cmocka_unit_test_setup(test_aging_batch, setup),
        cmocka_unit_test_setup(test_aging_counters, setup),
        cmocka_unit_test_setup(test_aging_clean_first, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
