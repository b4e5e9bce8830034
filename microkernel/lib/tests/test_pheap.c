/* Host tests of the pairing heap (lib/pheap.h) against a plain array. */
#include <lib/list.h>
#include <lib/pheap.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define ITEMS 512

struct item {
    uint64_t key;
    struct pheap_node node;
};

static struct item items[ITEMS];

static bool item_less(const struct pheap_node *a, const struct pheap_node *b)
{
    return container_of(a, struct item, node)->key < container_of(b, struct item, node)->key;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The smallest key of the linked items, or UINT64_MAX. */
static uint64_t reference_min(void)
{
    uint64_t min = UINT64_MAX;

    for (int i = 0; i < ITEMS; i++)
        if (pheap_linked(&items[i].node) && items[i].key < min)
            min = items[i].key;
    return min;
}

/* Every child's key is at least its parent's, and the links agree; returns the nodes seen. */
static int check_tree(const struct pheap_node *n, const struct pheap_node *parent)
{
    int seen = 0;
    const struct pheap_node *prev = parent;

    for (; n; prev = n, n = n->next) {
        assert_ptr_equal(n->prev, prev);
        if (parent)
            assert_false(item_less(n, parent));
        seen += 1 + check_tree(n->child, n);
    }
    return seen;
}

/* Removing a middle child keeps its siblings' links (root 0, children 4 3 2 1; remove 3). */
static void test_pheap_remove_middle_child(void **state)
{
    struct pheap h;

    (void)state;
    pheap_init(&h, item_less);
    for (int i = 0; i < 5; i++) {
        items[i].key = (uint64_t)i;
        pheap_insert(&h, &items[i].node);
    }
    pheap_remove(&h, &items[3].node);
    assert_false(pheap_linked(&items[3].node));
    assert_int_equal(check_tree(h.root, NULL), 4);
    for (uint64_t want = 0; want < 5; want += want == 2 ? 2 : 1)
        assert_int_equal(container_of(pheap_pop(&h), struct item, node)->key, want);
    assert_true(pheap_empty(&h));
}

static void test_pheap_empty(void **state)
{
    struct pheap h;
    struct pheap_node n;

    (void)state;
    pheap_init(&h, item_less);
    pheap_node_init(&n);
    assert_true(pheap_empty(&h));
    assert_null(pheap_min(&h));
    assert_null(pheap_pop(&h));
    assert_false(pheap_linked(&n));
}

/* Pops come out sorted, duplicates included. */
static void test_pheap_sorts(void **state)
{
    struct pheap h;
    uint64_t last = 0;

    (void)state;
    pheap_init(&h, item_less);
    for (int i = 0; i < ITEMS; i++) {
        items[i].key = next_random() % 100;
        pheap_insert(&h, &items[i].node);
        assert_true(pheap_linked(&items[i].node));
    }
    assert_int_equal(check_tree(h.root, NULL), ITEMS);
    for (int i = 0; i < ITEMS; i++) {
        struct pheap_node *n = pheap_pop(&h);
        assert_non_null(n);
        assert_false(pheap_linked(n));
        uint64_t key = container_of(n, struct item, node)->key;
        assert_true(key >= last);
        last = key;
    }
    assert_true(pheap_empty(&h));
}

/* Random inserts, pops and removals of any node keep the minimum and the shape right. */
static void test_pheap_random_against_array(void **state)
{
    struct pheap h;
    int linked = 0;

    (void)state;
    pheap_init(&h, item_less);
    for (int i = 0; i < ITEMS; i++)
        pheap_node_init(&items[i].node);
    for (int op = 0; op < 20000; op++) {
        uint64_t r = next_random(); /* one draw: xorshift's consecutive outputs correlate */
        struct item *it = &items[r % ITEMS];
        unsigned what = (r >> 32) % 4;
        if (what < 2 && !pheap_linked(&it->node)) {
            it->key = next_random() % 1000;
            pheap_insert(&h, &it->node);
            linked++;
        } else if (what == 2 && pheap_linked(&it->node)) {
            pheap_remove(&h, &it->node);
            linked--;
        } else if (what == 3 && linked > 0) {
            uint64_t want = reference_min();
            struct pheap_node *n = pheap_pop(&h);
            assert_int_equal(container_of(n, struct item, node)->key, want);
            linked--;
        }
        uint64_t want = reference_min();
        if (want == UINT64_MAX)
            assert_null(pheap_min(&h));
        else
            assert_int_equal(container_of(pheap_min(&h), struct item, node)->key, want);
        assert_int_equal(check_tree(h.root, NULL), linked);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pheap_empty),
        cmocka_unit_test(test_pheap_remove_middle_child),
        cmocka_unit_test(test_pheap_sorts),
        cmocka_unit_test(test_pheap_random_against_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
