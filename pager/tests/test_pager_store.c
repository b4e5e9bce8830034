/*
 * The page store and the framework allocator on the host: insert, lookup,
 * remove, duplicates, growth through many pages, drain, and that every block
 * goes back to the allocator (the same arena serves a second round).
 */
#include <pager/pager_mem.h>
#include <pager/pager_store.h>

#include <abi/errors.h>
#include <abi/page.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#define ARENA_SIZE (8u << 20)

static void *arena;

static int setup(void **state)
{
    (void)state;
    if (arena == NULL) {
        arena = aligned_alloc(4096, ARENA_SIZE);
        pager_mem_add(arena, ARENA_SIZE);
    }
    return 0;
}

static void test_pager_store_insert_lookup_remove(void **state)
{
    struct pager_store s;
    struct pager_page out;
    int dummy;

    (void)state;
    assert_int_equal(pager_store_init(&s), 0);
    assert_null(pager_store_lookup(&s, 0));
    assert_int_equal(pager_store_insert(&s, 0x5000, &dummy, (struct pager_run *)&s), 0);
    struct pager_page *p = pager_store_lookup(&s, 0x5000);
    assert_non_null(p);
    assert_ptr_equal(p->addr, &dummy);
    assert_ptr_equal(p->run, (struct pager_run *)&s);
    assert_int_equal(pager_store_insert(&s, 0x5000, NULL, NULL), -ERR_BUSY);
    assert_int_equal(s.table.count, 1);
    assert_int_equal(pager_store_remove(&s, 0x5000, &out), 0);
    assert_int_equal(out.offset, 0x5000);
    assert_ptr_equal(out.addr, &dummy);
    assert_int_equal(pager_store_remove(&s, 0x5000, &out), -ERR_NOENT);
    assert_null(pager_store_lookup(&s, 0x5000));
    assert_int_equal(s.table.count, 0);
    pager_store_fini(&s);
}

/* 100,000 pages: the table grows, every page is found, absent offsets are not. */
static void test_pager_store_many_pages(void **state)
{
    struct pager_store s;
    const uint64_t n = 100000;

    (void)state;
    assert_int_equal(pager_store_init(&s), 0);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(
            pager_store_insert(&s, i * 2 * PAGE_SIZE, (void *)(uintptr_t)(i + 1), NULL), 0);
    assert_int_equal(s.table.count, n);
    assert_true((1ull << s.table.order) >= n / 2); /* grew: chains stay short */
    for (uint64_t i = 0; i < n; i++) {
        struct pager_page *p = pager_store_lookup(&s, i * 2 * PAGE_SIZE);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p->addr, i + 1);
        assert_null(pager_store_lookup(&s, (i * 2 + 1) * PAGE_SIZE));
    }
    for (uint64_t i = 0; i < n; i += 2)
        assert_int_equal(pager_store_remove(&s, i * 2 * PAGE_SIZE, NULL), 0);
    assert_int_equal(s.table.count, n / 2);
    assert_null(pager_store_lookup(&s, 0));
    assert_non_null(pager_store_lookup(&s, 2 * PAGE_SIZE));
    for (uint64_t i = 1; i < n; i += 2)
        assert_int_equal(pager_store_remove(&s, i * 2 * PAGE_SIZE, NULL), 0);
    assert_int_equal(s.table.count, 0);
    pager_store_fini(&s);
}

static void count_page(void *ctx, const struct pager_page *page)
{
    uint64_t *sum = ctx;

    *sum += page->offset / PAGE_SIZE;
}

static void test_pager_store_drain(void **state)
{
    struct pager_store s;
    uint64_t sum = 0;

    (void)state;
    assert_int_equal(pager_store_init(&s), 0);
    for (uint64_t i = 1; i <= 100; i++)
        assert_int_equal(pager_store_insert(&s, i * PAGE_SIZE, NULL, NULL), 0);
    pager_store_drain(&s, count_page, &sum);
    assert_int_equal(sum, 5050);
    assert_int_equal(s.table.count, 0);
    assert_null(pager_store_lookup(&s, PAGE_SIZE));
    pager_store_fini(&s);
}

/* Freed blocks are reused: rounds of the same work leave the arena where it was. */
static void test_pager_mem_reuses_blocks(void **state)
{
    struct pager_store s;
    size_t left;

    (void)state;
    assert_int_equal(pager_store_init(&s), 0);
    for (uint64_t i = 0; i < 5000; i++)
        assert_int_equal(pager_store_insert(&s, i * PAGE_SIZE, NULL, NULL), 0);
    pager_store_drain(&s, count_page, &(uint64_t){0});
    pager_store_fini(&s);
    left = pager_mem_left();
    for (int round = 0; round < 3; round++) {
        assert_int_equal(pager_store_init(&s), 0);
        for (uint64_t i = 0; i < 5000; i++)
            assert_int_equal(pager_store_insert(&s, i * PAGE_SIZE, NULL, NULL), 0);
        pager_store_drain(&s, count_page, &(uint64_t){0});
        pager_store_fini(&s);
    }
    assert_int_equal(pager_mem_left(), left);
}

static void test_pager_mem_limits(void **state)
{
    (void)state;
    assert_null(pager_mem_alloc(0));
    assert_null(pager_mem_alloc((1u << PAGER_MEM_MAX_SHIFT) + 1));
    unsigned char *b = pager_mem_zalloc(100);
    assert_non_null(b);
    assert_int_equal((uintptr_t)b % 16, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(b[i], 0);
    pager_mem_free(b, 100);
    assert_ptr_equal(pager_mem_alloc(128), b); /* same class, straight from the free list */
    pager_mem_free(b, 128);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pager_store_insert_lookup_remove, setup),
        cmocka_unit_test_setup(test_pager_store_many_pages, setup),
        cmocka_unit_test_setup(test_pager_store_drain, setup),
        cmocka_unit_test_setup(test_pager_mem_reuses_blocks, setup),
        cmocka_unit_test_setup(test_pager_mem_limits, setup),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(arena);
    return failed;
}
