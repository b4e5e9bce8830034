/*
 * The object table on the host: insert, lookup, duplicate ids refused,
 * remove, and many objects (the table grows and finds each one).
 */
#include <pager/pager_mem.h>
#include <pager/pager_table.h>

#include <abi/errors.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#define ARENA_SIZE (4u << 20)

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

static void test_pager_table_insert_lookup_remove(void **state)
{
    struct pager_table t;
    struct pager_object a = {.id = 17}, b = {.id = 17}, c = {.id = 18};

    (void)state;
    assert_int_equal(pager_table_init(&t), 0);
    assert_null(pager_table_lookup(&t, 17));
    assert_int_equal(pager_table_insert(&t, &a), 0);
    assert_int_equal(pager_table_insert(&t, &b), -ERR_BUSY);
    assert_int_equal(pager_table_insert(&t, &c), 0);
    assert_ptr_equal(pager_table_lookup(&t, 17), &a);
    assert_ptr_equal(pager_table_lookup(&t, 18), &c);
    assert_int_equal(t.table.count, 2);
    assert_ptr_equal(pager_table_remove(&t, 17), &a);
    assert_null(pager_table_remove(&t, 17));
    assert_null(pager_table_lookup(&t, 17));
    assert_ptr_equal(pager_table_lookup(&t, 18), &c);
    assert_ptr_equal(pager_table_remove(&t, 18), &c);
    assert_int_equal(t.table.count, 0);
    pager_table_fini(&t);
}

/* 20,000 objects with ids far apart: each is found, each leaves cleanly. */
static void test_pager_table_many_objects(void **state)
{
    struct pager_table t;
    const unsigned n = 20000;
    struct pager_object *objs = calloc(n, sizeof(*objs));

    (void)state;
    assert_non_null(objs);
    assert_int_equal(pager_table_init(&t), 0);
    for (unsigned i = 0; i < n; i++) {
        objs[i].id = (uint64_t)i * 0x100000001ull + 3;
        assert_int_equal(pager_table_insert(&t, &objs[i]), 0);
    }
    assert_true((1u << t.table.order) >= n / 2);
    for (unsigned i = 0; i < n; i++)
        assert_ptr_equal(pager_table_lookup(&t, objs[i].id), &objs[i]);
    assert_null(pager_table_lookup(&t, 1));
    for (unsigned i = 0; i < n; i++)
        assert_ptr_equal(pager_table_remove(&t, objs[i].id), &objs[i]);
    assert_int_equal(t.table.count, 0);
    pager_table_fini(&t);
    free(objs);
}

/* An object carries its own page store, independent of the others'. */
static void test_pager_table_object_stores(void **state)
{
    struct pager_table t;
    struct pager_object a = {.id = 1}, b = {.id = 2};

    (void)state;
    assert_int_equal(pager_table_init(&t), 0);
    assert_int_equal(pager_store_init(&a.store), 0);
    assert_int_equal(pager_store_init(&b.store), 0);
    assert_int_equal(pager_table_insert(&t, &a), 0);
    assert_int_equal(pager_table_insert(&t, &b), 0);
    struct pager_object *obj = pager_table_lookup(&t, 2);
    assert_int_equal(pager_store_insert(&obj->store, 0x1000, NULL, NULL), 0);
    assert_non_null(pager_store_lookup(&b.store, 0x1000));
    assert_null(pager_store_lookup(&a.store, 0x1000));
    assert_int_equal(pager_store_remove(&b.store, 0x1000, NULL), 0);
    pager_store_fini(&a.store);
    pager_store_fini(&b.store);
    pager_table_remove(&t, 1);
    pager_table_remove(&t, 2);
    pager_table_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pager_table_insert_lookup_remove, setup),
        cmocka_unit_test_setup(test_pager_table_many_objects, setup),
        cmocka_unit_test_setup(test_pager_table_object_stores, setup),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(arena);
    return failed;
}
