/*
 * Host tests of the per-CPU run queues (task/sched_queue.c): where a ready
 * thread is queued (the CPU it last ran on, an idle one instead of a busy
 * one, its affinity), what a CPU takes next (its own queue in order, then
 * a thread that may run there from another CPU's queue, within the scan
 * bound), and threads pinned elsewhere after they were queued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <task/sched_queue.h>

#define CPUS3 0x7u /* CPUs 0, 1 and 2 run threads */
#define NTHREADS (SCHED_STEAL_SCAN + 4)

static struct sched_queues q;
static struct thread th[NTHREADS];

static int setup(void **state)
{
    (void)state;
    sched_queues_init(&q);
    memset(th, 0, sizeof(th));
    for (unsigned i = 0; i < NTHREADS; i++)
        th[i].id = i + 1;
    return 0;
}

/* A thread last run on @cpu with @affinity (0: any). */
static struct thread *thread_on(unsigned i, unsigned cpu, uint32_t affinity)
{
    th[i].cpu = (uint8_t)cpu;
    th[i].affinity = affinity;
    return &th[i];
}

static struct thread *take(unsigned me, uint32_t idle, uint32_t *kick)
{
    uint32_t k = 0;
    struct thread *t = sched_queue_take(&q, me, CPUS3, idle, &k);

    if (kick)
        *kick = k;
    else
        assert_int_equal(k, 0);
    return t;
}

/* The CPU it ran on, unless that one is busy while another idles; never outside its affinity. */
static void test_sched_queue_put_where(void **state)
{
    (void)state;
    assert_int_equal(sched_queue_put(&q, thread_on(0, 1, 0), false, CPUS3, 0), 1);
    assert_int_equal(sched_queue_put(&q, thread_on(1, 1, 0), false, CPUS3, 0x4), 2);
    assert_int_equal(sched_queue_put(&q, thread_on(2, 1, 0), false, CPUS3, 0x6), 1);
    assert_int_equal(sched_queue_put(&q, thread_on(3, 1, 0x1), false, CPUS3, 0), 0);
    assert_int_equal(sched_queue_put(&q, thread_on(4, 2, 0x3), false, CPUS3, 0x4), 0);
    assert_int_equal(sched_queue_put(&q, thread_on(5, 0, 0x6), false, CPUS3, 0x4), 2);
    /* An affinity to CPUs that run no threads: any CPU that does. */
    assert_int_equal(sched_queue_put(&q, thread_on(6, 2, 0x10), false, CPUS3, 0), 2);
    /* One CPU, as on the host or before the APs run: CPU 0 whatever it says. */
    assert_int_equal(sched_queue_put(&q, thread_on(7, 3, 0x4), false, 0x1, 0), 0);
    assert_int_equal(q.queued, 0x7);
}

/* A CPU runs its own queue in order (woken threads at the front) before it looks elsewhere. */
static void test_sched_queue_own_first(void **state)
{
    (void)state;
    sched_queue_put(&q, thread_on(0, 0, 0), false, CPUS3, 0);
    sched_queue_put(&q, thread_on(1, 0, 0), false, CPUS3, 0);
    sched_queue_put(&q, thread_on(2, 0, 0), true, CPUS3, 0);
    sched_queue_put(&q, thread_on(3, 1, 0), false, CPUS3, 0);
    assert_true(sched_queue_work(&q, 0));
    assert_ptr_equal(take(0, 0, NULL), &th[2]);
    assert_ptr_equal(take(0, 0, NULL), &th[0]);
    assert_ptr_equal(take(0, 0, NULL), &th[1]);
    assert_int_equal(q.steals[0], 0);
    assert_ptr_equal(take(0, 0, NULL), &th[3]); /* then CPU 1's */
    assert_int_equal(q.steals[0], 1);
    assert_null(take(0, 0, NULL));
    assert_null(take(1, 0, NULL));
    assert_false(sched_queue_work(&q, 0));
    assert_false(sched_queue_work(&q, 1));
    assert_int_equal(q.queued, 0);
}

/*
 * Taking from another CPU: only threads that may run on the taker, among
 * the first SCHED_STEAL_SCAN of each queue.
 */
static void test_sched_queue_steal_bounds(void **state)
{
    (void)state;
    for (unsigned i = 0; i < SCHED_STEAL_SCAN; i++)
        sched_queue_put(&q, thread_on(i, 1, 0x2), false, CPUS3, 0); /* pinned to CPU 1 */
    sched_queue_put(&q, thread_on(SCHED_STEAL_SCAN, 1, 0), false, CPUS3, 0);
    assert_true(sched_queue_work(&q, 0)); /* maybe: it has to look */
    assert_null(take(0, 0, NULL));        /* the free one lies past the bound */
    assert_ptr_equal(take(1, 0, NULL), &th[0]);
    assert_ptr_equal(take(0, 0, NULL), &th[SCHED_STEAL_SCAN]); /* now within it */
    assert_int_equal(q.steals[0], 1);
    /* A thread pinned to CPU 2 is not CPU 0's to take. */
    sched_queue_put(&q, thread_on(SCHED_STEAL_SCAN + 1, 2, 0x4), false, CPUS3, 0);
    assert_null(take(0, 0, NULL));
    assert_ptr_equal(take(2, 0, NULL), &th[SCHED_STEAL_SCAN + 1]);
}

/* A thread pinned elsewhere after it was queued moves on, and an idle CPU it goes to is named. */
static void test_sched_queue_pinned_after(void **state)
{
    uint32_t kick;

    (void)state;
    sched_queue_put(&q, thread_on(0, 0, 0), false, CPUS3, 0);
    sched_queue_put(&q, thread_on(1, 0, 0), false, CPUS3, 0);
    th[0].affinity = 0x4;
    assert_ptr_equal(take(0, 0x4, &kick), &th[1]);
    assert_int_equal(kick, 0x4);
    assert_ptr_equal(take(2, 0, NULL), &th[0]);
    /* To a busy CPU: queued there, nobody to wake. */
    sched_queue_put(&q, thread_on(2, 0, 0), false, CPUS3, 0);
    th[2].affinity = 0x2;
    assert_null(take(0, 0, &kick));
    assert_int_equal(kick, 0);
    assert_ptr_equal(take(1, 0, NULL), &th[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sched_queue_put_where, setup),
        cmocka_unit_test_setup(test_sched_queue_own_first, setup),
        cmocka_unit_test_setup(test_sched_queue_steal_bounds, setup),
        cmocka_unit_test_setup(test_sched_queue_pinned_after, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
