/*
 * The statistics every pager on the framework answers (pager/lib/stats.c),
 * end to end on the host: the client's pager_stats_read (libipc) calls a
 * fake kernel that hands the request to the generated dispatch with a
 * framework pager as its context and returns the reply, so each figure must
 * travel from the pager's counters, its object table and its store callback
 * to the same field of struct pager_stats_info.
 */
#include <ipc/pager_stats.h>
#include <pager/pager.h>
#include <pager_stats_defs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static struct pager test_pager;
port_name_t ipc_bootstrap_port = PORT_NULL; /* libipc's; pager_stats_system is not called */

static struct ipc_message test_sent[PAGER_OWNER_WAITS]; /* replies sent on their own */
static unsigned test_nsent;

/* The fake kernel: the call lands in the pager's dispatch, its answer comes back; a send alone
 * (a deferred reply) is recorded. */
long ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns)
{
    static struct ipc_message out;

    (void)rcv_name, (void)timeout_ns;
    if (!(options & IPC_RECV)) {
        assert_true(test_nsent < PAGER_OWNER_WAITS);
        test_sent[test_nsent++] = *m;
        return 0;
    }
    m->remote = 77; /* the reply right the receiver gets */
    if (!pager_stats_dispatch(&test_pager, m, &out))
        return -ERR_INVAL;
    *m = out;
    return 0;
}

void ipc_msg_destroy(const struct ipc_message *m)
{
    (void)m;
}

int port_deallocate(port_name_t name)
{
    (void)name;
    fail_msg("no reply may fail here");
    return 0;
}

/* A store callback whose figures are all different. */
static void test_store_stats(struct pager *pager, struct pager_store_stats *out)
{
    (void)pager;
    *out = (struct pager_store_stats){.disk = 1,
                                      .blocks = 1000,
                                      .used = 40,
                                      .writes = 41,
                                      .reads = 42,
                                      .kept = 43,
                                      .stored = 44,
                                      .pool_bytes = 50,
                                      .pool_capacity = 51,
                                      .pool_pages = 52,
                                      .pool_original = 53,
                                      .pool_hits = 54,
                                      .pool_zero = 55,
                                      .pool_rejected = 56,
                                      .pool_evicted = 57,
                                      .owner_blocks = 1};
}

static const struct pager_ops test_ops_disk = {.on_store_stats = test_store_stats};
static const struct pager_ops test_ops_plain = {0};
static struct pager_object test_objects[3];
static uint8_t test_arena[256 * 1024] __attribute__((aligned(4096))); /* the framework's memory */

/* A pager named "test_pager" with three objects and distinct counters, served by @ops. */
static void test_pager_setup(const struct pager_ops *ops)
{
    memset(&test_pager, 0, sizeof(test_pager));
    if (pager_mem_left() == 0)
        pager_mem_add(test_arena, sizeof(test_arena));
    assert_int_equal(pager_table_init(&test_pager.table), 0);
    assert_int_equal(pager_owners_init(&test_pager), 0);
    test_nsent = 0;
    for (unsigned i = 0; i < 3; i++) {
        test_objects[i] = (struct pager_object){.id = 10 + i, .pager = &test_pager};
        assert_int_equal(pager_table_insert(&test_pager.table, &test_objects[i]), 0);
    }
    test_pager.ops = ops;
    memcpy(test_pager.name, "test_pager", sizeof("test_pager"));
    test_pager.requests = 5, test_pager.returns = 6, test_pager.supplies = 7;
    test_pager.unavailable = 8, test_pager.errors = 9, test_pager.resident = 11;
}

static void test_pager_teardown(void)
{
    for (unsigned i = 0; i < 3; i++)
        pager_table_remove(&test_pager.table, 10 + i);
    pager_table_fini(&test_pager.table);
    hash_fini(&test_pager.owners);
}

/* Every figure of the framework and of the store callback arrives in its own field. */
static void test_stats_every_figure(void **state)
{
    struct pager_stats_info st;

    (void)state;
    test_pager_setup(&test_ops_disk);
    assert_int_equal(pager_stats_read(3, &st), 0);
    assert_string_equal(st.name, "test_pager");
    assert_int_equal(st.objects, 3);
    assert_int_equal(st.resident, 11);
    assert_int_equal(st.stored, 44);
    assert_int_equal(st.requests, 5);
    assert_int_equal(st.returns, 6);
    assert_int_equal(st.supplies, 7);
    assert_int_equal(st.unavailable, 8);
    assert_int_equal(st.errors, 9);
    assert_int_equal(st.disk, 1);
    assert_int_equal(st.blocks, 1000);
    assert_int_equal(st.used, 40);
    assert_int_equal(st.writes, 41);
    assert_int_equal(st.reads, 42);
    assert_int_equal(st.kept, 43);
    test_pager_teardown();
}

/* pager_stats pool: every figure of a compressed pool in its own field. */
static void test_stats_pool_figures(void **state)
{
    struct pager_pool_info pool;

    (void)state;
    test_pager_setup(&test_ops_disk);
    assert_int_equal(pager_stats_pool_read(3, &pool), 0);
    assert_int_equal(pool.bytes, 50);
    assert_int_equal(pool.capacity, 51);
    assert_int_equal(pool.pages, 52);
    assert_int_equal(pool.original, 53);
    assert_int_equal(pool.hits, 54);
    assert_int_equal(pool.zero, 55);
    assert_int_equal(pool.rejected, 56);
    assert_int_equal(pool.evicted, 57);
    test_pager_teardown();
}

/* Without on_store_stats the store's figures are 0; the framework's are still there. */
static void test_stats_no_store(void **state)
{
    struct pager_stats_info st;

    (void)state;
    test_pager_setup(&test_ops_plain);
    pager_table_remove(&test_pager.table, 12);
    assert_int_equal(pager_stats_read(3, &st), 0);
    assert_int_equal(st.objects, 2);
    assert_int_equal(st.requests, 5);
    assert_int_equal(st.disk + st.blocks + st.used + st.writes + st.reads + st.kept + st.stored, 0);
    struct pager_pool_info pool;
    assert_int_equal(pager_stats_pool_read(3, &pool), 0);
    assert_int_equal(pool.bytes + pool.capacity + pool.pages + pool.original + pool.hits +
                         pool.zero + pool.rejected + pool.evicted,
                     0);
    test_pager_teardown();
}

static struct pager_object test_owned[4]; /* owners 5, 5, 6, 7 */

/* Enter test_owned[i] with its owner's objects. */
static void test_owned_enter(unsigned i, uint64_t owner)
{
    test_owned[i] = (struct pager_object){.id = 20 + i, .owner = owner, .pager = &test_pager};
    assert_int_equal(pager_owner_enter(&test_pager, &test_owned[i]), 0);
    assert_non_null(pager_owner_blocks(&test_owned[i]));
}

/* Ask pager_stats owner about @task as a client does; the answer in the outputs. */
static int test_owner_ask(uint64_t task, uint64_t wait, uint64_t out[3])
{
    return pager_stats_owner(3, task, wait, &out[0], &out[1], &out[2]);
}

/* Hand a waiting owner request for @task to the dispatch: false when it was put off. */
static bool test_owner_ask_deferred(uint64_t task, port_name_t reply)
{
    static struct ipc_message in, out;

    assert_int_equal(pager_stats_owner_build(&in, 3, task, 1), 0);
    in.remote = reply;
    return pager_stats_dispatch(&test_pager, &in, &out);
}

/* Reply @i sent on its own went to @reply with @objects and @blocks (counted). */
static void test_owner_reply_is(unsigned i, port_name_t reply, uint64_t objects, uint64_t blocks)
{
    assert_true(i < test_nsent);
    assert_int_equal(test_sent[i].id, PAGER_STATS_OWNER_REPLY_ID);
    assert_int_equal(test_sent[i].remote, reply);
    assert_int_equal(test_sent[i].w[0], 0);
    assert_int_equal(test_sent[i].w[1], 1);
    assert_int_equal(test_sent[i].w[2], objects);
    assert_int_equal(test_sent[i].w[3], blocks);
}

/* Each owner's objects and the blocks its store charged to it, apart from the others'. */
static void test_stats_owner_counts(void **state)
{
    uint64_t a[3];

    (void)state;
    test_pager_setup(&test_ops_disk);
    test_owned_enter(0, 5), test_owned_enter(1, 5), test_owned_enter(2, 6);
    *pager_owner_blocks(&test_owned[0]) += 3; /* as swap_map_charge does */
    *pager_owner_blocks(&test_owned[1]) += 1;
    *pager_owner_blocks(&test_owned[2]) += 4;
    assert_int_equal(test_owner_ask(5, 0, a), 0);
    assert_int_equal(a[0], 1), assert_int_equal(a[1], 2), assert_int_equal(a[2], 4);
    assert_int_equal(test_owner_ask(6, 0, a), 0);
    assert_int_equal(a[1], 1), assert_int_equal(a[2], 4);
    assert_int_equal(test_owner_ask(99, 0, a), 0); /* an owner never seen: nothing */
    assert_int_equal(a[1] + a[2], 0);
    /* One object leaves with its blocks freed; a store without the count reports no blocks. */
    *pager_owner_blocks(&test_owned[0]) -= 3;
    pager_owner_leave(&test_pager, &test_owned[0]);
    assert_null(pager_owner_blocks(&test_owned[0]));
    assert_int_equal(test_owner_ask(5, 0, a), 0);
    assert_int_equal(a[1], 1), assert_int_equal(a[2], 1);
    test_pager.ops = &test_ops_plain;
    assert_int_equal(test_owner_ask(5, 0, a), 0);
    assert_int_equal(a[0], 0), assert_int_equal(a[1], 1), assert_int_equal(a[2], 0);
    *pager_owner_blocks(&test_owned[1]) -= 1;
    pager_owner_leave(&test_pager, &test_owned[1]);
    *pager_owner_blocks(&test_owned[2]) -= 4;
    pager_owner_leave(&test_pager, &test_owned[2]);
    assert_int_equal(test_pager.owners.count, 0); /* owners holding nothing are forgotten */
    assert_int_equal(test_nsent, 0);
    test_pager_teardown();
}

/*
 * A request that waits is answered when the owner's last object leaves (the
 * terminate handled, its blocks freed), not before, and only it; blocks
 * still charged then are reported and stay visible. One serving thread
 * answers at once; past PAGER_OWNER_WAITS waiting requests, -ERR_LIMIT.
 */
static void test_stats_owner_wait(void **state)
{
    uint64_t a[3];

    (void)state;
    test_pager_setup(&test_ops_disk);
    test_owned_enter(0, 5), test_owned_enter(1, 5), test_owned_enter(2, 6);
    *pager_owner_blocks(&test_owned[0]) += 2;
    *pager_owner_blocks(&test_owned[2]) += 1;
    assert_false(test_owner_ask_deferred(5, 40));
    assert_false(test_owner_ask_deferred(6, 41));
    assert_int_equal(test_nsent, 0);
    *pager_owner_blocks(&test_owned[0]) -= 2;
    pager_owner_leave(&test_pager, &test_owned[0]);
    assert_int_equal(test_nsent, 0); /* owner 5 still has one */
    pager_owner_leave(&test_pager, &test_owned[1]);
    assert_int_equal(test_nsent, 1);
    test_owner_reply_is(0, 40, 0, 0);
    pager_owner_leave(&test_pager, &test_owned[2]); /* its block was never freed: a leak */
    assert_int_equal(test_nsent, 2);
    test_owner_reply_is(1, 41, 0, 1);
    assert_int_equal(test_owner_ask(6, 1, a), 0); /* no object left: at once */
    assert_int_equal(a[1], 0), assert_int_equal(a[2], 1);
    /* One serving thread handled everything queued before: the figures at once. */
    test_owned_enter(3, 7);
    test_pager.single_thread = true;
    assert_int_equal(test_owner_ask(7, 1, a), 0);
    assert_int_equal(a[1], 1);
    test_pager.single_thread = false;
    for (unsigned i = 0; i < PAGER_OWNER_WAITS; i++)
        assert_false(test_owner_ask_deferred(7, 50 + i));
    assert_int_equal(test_owner_ask(7, 1, a), -ERR_LIMIT);
    test_nsent = 0;
    pager_owner_leave(&test_pager, &test_owned[3]);
    assert_int_equal(test_nsent, PAGER_OWNER_WAITS);
    test_pager_teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_every_figure), cmocka_unit_test(test_stats_pool_figures),
        cmocka_unit_test(test_stats_no_store),     cmocka_unit_test(test_stats_owner_counts),
        cmocka_unit_test(test_stats_owner_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
