/*
 * Host tests of the hash table (lib/hash.c) on its own, with a counting
 * allocator: lookup, duplicates left to the caller, removal, growth up to
 * order_max, a table that cannot grow (no memory) still finding everything,
 * the key shift, and hash_pop emptying a table bucket by bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <lib/hash.h>

struct item {
    uint32_t tag;
    uint64_t key;
    struct hash_link link;
};

static unsigned live_blocks;
static int allocs_left = -1; /* -1: never fail */

static void *item_zalloc(size_t bytes)
{
    if (allocs_left == 0)
        return NULL;
    if (allocs_left > 0)
        allocs_left--;
    live_blocks++;
    return calloc(1, bytes);
}

static void item_free(void *ptr, size_t bytes)
{
    (void)bytes;
    if (ptr != NULL)
        live_blocks--;
    free(ptr);
}

static const struct hash_type item_type = {
    .key_offset = HASH_KEY_OFFSET(struct item, key, link),
    .key_shift = 12,
    .order_min = 2,
    .order_max = 8,
    .zalloc = item_zalloc,
    .free = item_free,
};

static struct item *item_of(struct hash_link *link)
{
    return link != NULL ? hash_entry(link, struct item, link) : NULL;
}

static int reset(void **state)
{
    (void)state;
    live_blocks = 0;
    allocs_left = -1;
    return 0;
}

static void test_hash_insert_lookup_remove(void **state)
{
    struct item a = {.tag = 1, .key = 0x5000}, b = {.tag = 2, .key = 0x7000};
    struct hash_table t;

    (void)state;
    assert_true(hash_init(&t, &item_type));
    assert_null(hash_lookup(&t, 0x5000));
    hash_insert(&t, &a.link);
    hash_insert(&t, &b.link);
    assert_ptr_equal(item_of(hash_lookup(&t, 0x5000)), &a);
    assert_ptr_equal(item_of(hash_lookup(&t, 0x7000)), &b);
    assert_null(hash_lookup(&t, 0x5001)); /* same page number, other key */
    assert_int_equal(t.count, 2);
    assert_ptr_equal(item_of(hash_remove(&t, 0x5000)), &a);
    assert_null(a.link.next);
    assert_null(hash_remove(&t, 0x5000));
    assert_ptr_equal(item_of(hash_remove(&t, 0x7000)), &b);
    assert_int_equal(t.count, 0);
    hash_fini(&t);
    assert_int_equal(live_blocks, 0);
}

/* 1000 items grow the table to order_max (256 buckets) and no further. */
static void test_hash_grows_to_its_limit(void **state)
{
    enum { N = 1000 };
    struct item *items = calloc(N, sizeof(*items));
    struct hash_table t;

    (void)state;
    assert_true(hash_init(&t, &item_type));
    for (unsigned i = 0; i < N; i++) {
        items[i].key = (uint64_t)i << 12;
        hash_insert(&t, &items[i].link);
    }
    assert_int_equal(t.order, item_type.order_max);
    assert_int_equal(live_blocks, 1); /* every smaller array went back */
    for (unsigned i = 0; i < N; i++)
        assert_ptr_equal(item_of(hash_lookup(&t, (uint64_t)i << 12)), &items[i]);
    for (unsigned i = 0; i < N; i++)
        assert_ptr_equal(item_of(hash_remove(&t, (uint64_t)i << 12)), &items[i]);
    hash_fini(&t);
    assert_int_equal(live_blocks, 0);
    free(items);
}

/* Without memory to grow, the table keeps its buckets and still works. */
static void test_hash_full_without_memory(void **state)
{
    enum { N = 64 };
    struct item items[N];
    struct hash_table t;

    (void)state;
    allocs_left = 1; /* the first bucket array only */
    assert_true(hash_init(&t, &item_type));
    for (unsigned i = 0; i < N; i++) {
        items[i].key = (uint64_t)i << 12;
        hash_insert(&t, &items[i].link);
    }
    assert_int_equal(t.order, item_type.order_min);
    for (unsigned i = 0; i < N; i++)
        assert_ptr_equal(item_of(hash_lookup(&t, (uint64_t)i << 12)), &items[i]);
    allocs_left = 0;
    hash_fini(&t);
    struct hash_table u;
    assert_false(hash_init(&u, &item_type));
}

/* hash_pop hands out every item once, in bucket order, and empties the table. */
static void test_hash_pop_empties(void **state)
{
    enum { N = 40 };
    struct item items[N];
    struct hash_table t;
    struct hash_link *link;
    unsigned seen = 0, last_bucket = 0;

    (void)state;
    assert_true(hash_init(&t, &item_type));
    for (unsigned i = 0; i < N; i++) {
        items[i] = (struct item){.tag = 0, .key = (uint64_t)i << 12};
        hash_insert(&t, &items[i].link);
    }
    for (uint64_t b = 0; (link = hash_pop(&t, &b)) != NULL;) {
        struct item *it = item_of(link);
        assert_int_equal(it->tag, 0);
        assert_null(link->next);
        assert_true(b >= last_bucket);
        last_bucket = (unsigned)b;
        it->tag = 1;
        seen++;
    }
    assert_int_equal(seen, N);
    assert_int_equal(t.count, 0);
    hash_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_hash_insert_lookup_remove, reset),
        cmocka_unit_test_setup(test_hash_grows_to_its_limit, reset),
        cmocka_unit_test_setup(test_hash_full_without_memory, reset),
        cmocka_unit_test_setup(test_hash_pop_empties, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
