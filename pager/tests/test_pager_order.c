/*
 * The order of several serving threads (pager/lib/pager_order.c): the turn
 * passes in sequence order; in its turn a message claims its object or is
 * queued on it, and the claiming thread handles the queue in order; so one
 * object's messages are handled in sequence order whatever order the
 * threads got to them in. Real threads on the host (pthreads); the object
 * table is a fake of three objects.
 */
#include "pager_order.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define ORDER_PORT 5u
#define ORDER_MSGS 96u
#define ORDER_OBJECTS 3u

static struct pager order_pager;
static struct pager_object order_table[ORDER_OBJECTS]; /* ids 1, 2, 3 */

/* libipc's: these tests have no gate port (waits spin), so nothing sends or receives. */
long ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns)
{
    (void)m, (void)options, (void)rcv_name, (void)timeout_ns;
    fail_msg("no IPC without a gate");
    return -ERR_INVAL;
}

struct pager_object *pager_object_get(struct pager *pager, uint64_t id)
{
    (void)pager;
    if (id < 1 || id > ORDER_OBJECTS)
        return NULL;
    __atomic_add_fetch(&order_table[id - 1].refs, 1, __ATOMIC_RELAXED);
    return &order_table[id - 1];
}

void pager_object_release(struct pager *pager, struct pager_object *obj)
{
    (void)pager;
    assert_true(__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) >= 1); /* the table's stays */
}

static void table_reset(void)
{
    static _Alignas(4096) unsigned char arena[1 << 20];
    static bool added;

    if (!added)
        added = pager_mem_add(arena, sizeof(arena));
    memset(order_table, 0, sizeof(order_table));
    for (unsigned i = 0; i < ORDER_OBJECTS; i++) {
        order_table[i].id = i + 1;
        order_table[i].refs = 1;
        order_table[i].pager = &order_pager;
        order_table[i].pending_tail = &order_table[i].pending;
    }
}

static struct pager_msg msg_numbered(uint32_t seqno, port_name_t port)
{
    struct ipc_message in = {.local = port, .seqno = seqno};
    return pager_msg_of(&order_pager, 0, &in);
}

static void order_reset(bool ordered, uint32_t turn)
{
    memset(&order_pager, 0, sizeof(order_pager));
    order_pager.port = ORDER_PORT;
    order_pager.ordered = ordered;
    order_pager.turn = turn;
}

/* One thread: a turn passed moves it on by one, once; skipping waits first. */
static void test_turn_pass_once(void **state)
{
    (void)state;
    order_reset(true, 10);
    struct pager_msg m = msg_numbered(10, ORDER_PORT);
    assert_true(m.turn);
    pager_turn_wait(&m); /* its turn: no wait */
    pager_turn_pass(&m);
    assert_int_equal(order_pager.turn, 11);
    assert_false(m.turn);
    pager_turn_pass(&m); /* a second pass changes nothing */
    pager_turn_skip(&m);
    assert_int_equal(order_pager.turn, 11);
    m = msg_numbered(11, ORDER_PORT);
    pager_turn_skip(&m);
    assert_int_equal(order_pager.turn, 12);
}

/* The numbers wrap at 2^32 as the kernel's do. */
static void test_turn_wraps(void **state)
{
    (void)state;
    order_reset(true, UINT32_MAX);
    struct pager_msg m = msg_numbered(UINT32_MAX, ORDER_PORT);
    pager_turn_skip(&m);
    assert_int_equal(order_pager.turn, 0);
    m = msg_numbered(0, ORDER_PORT);
    pager_turn_skip(&m);
    assert_int_equal(order_pager.turn, 1);
}

/* One serving thread, or a message from another port (a set's member): no turn. */
static void test_turn_not_ordered(void **state)
{
    (void)state;
    order_reset(false, 3);
    struct pager_msg m = msg_numbered(40, ORDER_PORT);
    assert_false(m.turn);
    pager_turn_skip(&m); /* would wait forever if it waited */
    assert_int_equal(order_pager.turn, 3);
    order_reset(true, 3);
    m = msg_numbered(40, ORDER_PORT + 1);
    assert_false(m.turn);
    pager_turn_skip(&m);
    assert_int_equal(order_pager.turn, 3);
}

/* A kernel message for object @id numbered @seqno, carrying @tag in word 1. */
static struct ipc_message kernel_msg(uint32_t seqno, uint64_t id, uint64_t tag)
{
    return (struct ipc_message){
        .local = ORDER_PORT, .seqno = seqno, .flags = IPC_FLAG_KERNEL, .w = {id, tag}};
}

/*
 * One thread, step by step: the first message for an object claims it,
 * later ones queue on it (and the turn moves on at once), one for an
 * unknown object is left to its handler; the claimer gets the queue back in
 * order, then the object is free and its references are as before.
 */
static void test_admit_claims_or_queues(void **state)
{
    (void)state;
    order_reset(true, 0);
    table_reset();
    struct ipc_message in[5] = {kernel_msg(0, 1, 100), kernel_msg(1, 1, 111), kernel_msg(2, 9, 222),
                                kernel_msg(3, 1, 333), kernel_msg(4, 2, 444)};
    struct pager_msg m[5];
    for (unsigned i = 0; i < 5; i++)
        m[i] = pager_msg_of(&order_pager, 0, &in[i]);

    assert_false(pager_order_admit(&m[0]));
    assert_ptr_equal(m[0].claimed, &order_table[0]);
    assert_true(order_table[0].busy);
    assert_true(pager_order_admit(&m[1])); /* queued: the caller is done with it */
    in[1].w[1] = 0;                        /* its buffer is the caller's again */
    assert_false(pager_order_admit(&m[2]));
    assert_null(m[2].claimed);
    assert_true(pager_order_admit(&m[3]));
    assert_false(pager_order_admit(&m[4])); /* another object: claimed at once */
    assert_ptr_equal(m[4].claimed, &order_table[1]);
    assert_int_equal(order_pager.turn, 5);

    struct pager_pending *p = pager_order_next(&m[0]);
    assert_non_null(p);
    assert_int_equal(p->m.w[1], 111);
    assert_int_equal(p->m.seqno, 1);
    pager_mem_free(p, p->size);
    p = pager_order_next(&m[0]);
    assert_non_null(p);
    assert_int_equal(p->m.w[1], 333);
    pager_mem_free(p, p->size);
    assert_true(order_table[0].busy);
    assert_null(pager_order_next(&m[0]));
    assert_null(m[0].claimed);
    assert_false(order_table[0].busy);
    assert_null(pager_order_next(&m[4]));
    for (unsigned i = 0; i < ORDER_OBJECTS; i++)
        assert_int_equal(order_table[i].refs, 1);

    /* Free again: the next message claims it. */
    in[0] = kernel_msg(5, 1, 555);
    m[0] = pager_msg_of(&order_pager, 0, &in[0]);
    assert_false(pager_order_admit(&m[0]));
    assert_ptr_equal(m[0].claimed, &order_table[0]);
    assert_null(pager_order_next(&m[0]));
}

struct order_object {
    pager_spin_t lock;
    uint32_t log[ORDER_MSGS];
    unsigned n;
    unsigned handling; /* threads in its handler now: never more than one */
};

static struct order_object order_objects[ORDER_OBJECTS];
static pthread_barrier_t order_start;

/* A handler: take the object's lock in turn, record the message's number under it. */
static void *order_thread(void *arg)
{
    uint32_t seqno = (uint32_t)(uintptr_t)arg;
    struct pager_msg m = msg_numbered(seqno, ORDER_PORT);
    struct order_object *o = &order_objects[seqno % ORDER_OBJECTS];

    pthread_barrier_wait(&order_start);
    pager_turn_wait(&m);
    pager_spin_lock(&o->lock);
    pager_turn_pass(&m);
    for (volatile unsigned spin = 0; spin < 1000u * (ORDER_MSGS - seqno); spin++)
        ; /* the earlier ones work longer: the later would overtake them */
    o->log[o->n++] = seqno;
    pager_spin_unlock(&o->lock);
    return NULL;
}

/* Handle a message: record its number on its object, after some work (more for earlier ones). */
static void order_handle(const struct ipc_message *in)
{
    struct order_object *o = &order_objects[in->w[0] - 1];

    assert_int_equal(__atomic_add_fetch(&o->handling, 1, __ATOMIC_ACQ_REL), 1);
    for (volatile unsigned spin = 0; spin < 1000u * (ORDER_MSGS - in->seqno); spin++)
        ;
    o->log[o->n++] = in->seqno;
    __atomic_sub_fetch(&o->handling, 1, __ATOMIC_ACQ_REL);
}

/* A serving thread's part: admit, handle if claimed, then what others queued. */
static void *admit_thread(void *arg)
{
    uint32_t seqno = (uint32_t)(uintptr_t)arg;
    struct ipc_message in = kernel_msg(seqno, 1 + seqno % ORDER_OBJECTS, 0);
    struct pager_msg m = pager_msg_of(&order_pager, 0, &in);
    struct pager_pending *p;

    pthread_barrier_wait(&order_start);
    if (pager_order_admit(&m))
        return NULL;
    order_handle(&in);
    while ((p = pager_order_next(&m)) != NULL) {
        order_handle(&p->m);
        pager_mem_free(p, p->size);
    }
    return NULL;
}

/* Start ORDER_MSGS threads running @fn, last number first, all let go at once. */
static void order_run(void *(*fn)(void *))
{
    pthread_t th[ORDER_MSGS];

    memset(order_objects, 0, sizeof(order_objects));
    pager_spin_yield = (void (*)(void))sched_yield;
    assert_int_equal(pthread_barrier_init(&order_start, NULL, ORDER_MSGS), 0);
    for (unsigned i = ORDER_MSGS; i-- > 0;)
        assert_int_equal(pthread_create(&th[i], NULL, fn, (void *)(uintptr_t)i), 0);
    for (unsigned i = 0; i < ORDER_MSGS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&order_start);
    assert_int_equal(order_pager.turn, ORDER_MSGS);
    for (unsigned k = 0; k < ORDER_OBJECTS; k++) {
        struct order_object *o = &order_objects[k];
        assert_int_equal(o->n, ORDER_MSGS / ORDER_OBJECTS);
        for (unsigned i = 0; i < o->n; i++)
            assert_int_equal(o->log[i], k + i * ORDER_OBJECTS);
    }
}

/*
 * The framework's way, with real threads: each object's messages handled
 * in number order, one at a time, every one once, and the objects free
 * afterwards.
 */
static void test_admit_keeps_each_objects_order(void **state)
{
    (void)state;
    order_reset(true, 0);
    table_reset();
    order_run(admit_thread);
    for (unsigned i = 0; i < ORDER_OBJECTS; i++) {
        assert_false(order_table[i].busy);
        assert_null(order_table[i].pending);
        assert_int_equal(order_table[i].refs, 1);
    }
}

/*
 * ORDER_MSGS threads, started last number first and all let go at once,
 * the earliest messages doing the most work: each object's log is still in
 * number order, and every message was handled once.
 */
static void test_turn_keeps_each_objects_order(void **state)
{
    (void)state;
    order_reset(true, 0);
    order_run(order_thread);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_turn_pass_once),
        cmocka_unit_test(test_turn_wraps),
        cmocka_unit_test(test_turn_not_ordered),
        cmocka_unit_test(test_turn_keeps_each_objects_order),
        cmocka_unit_test(test_admit_claims_or_queues),
        cmocka_unit_test(test_admit_keeps_each_objects_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
