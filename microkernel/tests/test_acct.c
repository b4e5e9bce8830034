/*
 * Accounts on the host: a frame is charged to the current account when
 * allocated and discharged when freed, a charge moves with its holder, an
 * account outlives its task while it holds something and its slot is
 * reused only once it holds nothing; ports are charged to the task holding
 * their receive right, a memory object's pages to the object's account,
 * and a message queued on a port to the port's receiver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ipc/ipc_kmsg.h>
#include <vm/frame.h>
#include <vm/vm_object.h>

#include "ipc_support.h"

/* The figures of account @slot: frames of @state, or objects of @kind. */
static uint64_t frames_of(uint32_t slot, enum frame_state state)
{
    struct acct_figures f;

    acct_read(slot, &f);
    return f.frames[state];
}

static uint64_t objects_of(uint32_t slot, enum acct_object kind)
{
    struct acct_figures f;

    acct_read(slot, &f);
    return f.objects[kind];
}

/* Charged to the current account, moved, discharged when freed. */
static void test_acct_frames_charged_moved_freed(void **state)
{
    (void)state;
    uint32_t a = acct_open(10), b = acct_open(11);

    assert_true(a != ACCT_KERNEL && b != ACCT_KERNEL && a != b);
    assert_int_equal(acct_switch(a), ACCT_KERNEL);
    paddr_t p1 = frame_alloc(FRAME_USER, NULL), p2 = frame_alloc(FRAME_TABLE, NULL);
    acct_switch(ACCT_KERNEL);
    assert_int_equal(frames_of(a, FRAME_USER), 1);
    assert_int_equal(frames_of(a, FRAME_TABLE), 1);
    frame_charge(p1, b);
    assert_int_equal(frames_of(a, FRAME_USER), 0);
    assert_int_equal(frames_of(b, FRAME_USER), 1);
    frame_charge(p1, b); /* to the same account: nothing changes */
    assert_int_equal(frames_of(b, FRAME_USER), 1);
    frame_free(p1);
    frame_free(p2);
    assert_true(acct_empty(a) && acct_empty(b));
    acct_close(a);
    acct_close(b);
}

/* A closed account holding something is still found; once empty its slot is reused. */
static void test_acct_outlives_task_while_holding(void **state)
{
    (void)state;
    uint32_t a = acct_open(20);
    uint32_t prev = acct_switch(a);
    paddr_t p = frame_alloc(FRAME_USER, NULL);

    acct_switch(prev);
    acct_close(a);
    assert_int_equal(acct_find(20), (int)a);
    assert_int_not_equal(acct_open(21), a); /* not reused while it holds a frame */
    acct_close((uint32_t)acct_find(21));
    frame_free(p);
    assert_int_equal(acct_find(20), -1);
    uint32_t again = acct_open(22);
    assert_int_equal(again, a); /* the first free slot: reused now */
    assert_int_equal(acct_find(22), (int)again);
    acct_close(again);
}

/* Every slot taken: the next task is charged to the kernel's account. */
static void test_acct_full_falls_back_to_kernel(void **state)
{
    (void)state;
    uint32_t slots[ACCT_SLOTS];
    unsigned n = 0;

    for (uint32_t s; (s = acct_open(100 + n)) != ACCT_KERNEL;)
        slots[n++] = s;
    assert_int_equal(n, ACCT_SLOTS - 1);
    assert_int_equal(acct_find(100 + n), -1);
    while (n > 0)
        acct_close(slots[--n]);
}

/* A port is charged to the holder of its receive right, the kernel's in transit. */
static void test_acct_port_follows_receive_right(void **state)
{
    (void)state;
    struct task t;
    uint64_t kernel_ports = objects_of(ACCT_KERNEL, ACCT_OBJ_PORT);

    ipc_test_task_init(&t, 30);
    t.acct = acct_open(30);
    struct port *port = port_create();
    assert_int_equal(objects_of(ACCT_KERNEL, ACCT_OBJ_PORT), kernel_ports + 1);
    port_set_receiver(port, &t, 0x100);
    assert_int_equal(objects_of(t.acct, ACCT_OBJ_PORT), 1);
    assert_int_equal(objects_of(ACCT_KERNEL, ACCT_OBJ_PORT), kernel_ports);
    port_set_receiver(port, NULL, PORT_NULL);
    assert_int_equal(objects_of(t.acct, ACCT_OBJ_PORT), 0);
    port->refs = 0;
    port_free(port);
    assert_int_equal(objects_of(ACCT_KERNEL, ACCT_OBJ_PORT), kernel_ports);
    ipc_test_task_destroy(&t);
    acct_close(t.acct);
}

/* A message queued on a port: its pages are the receiver's, and go when the port dies. */
static void test_acct_queued_message_charged_to_receiver(void **state)
{
    (void)state;
    struct task sender, receiver;

    ipc_test_task_init(&sender, 40);
    ipc_test_task_init(&receiver, 41);
    sender.acct = acct_open(40);
    receiver.acct = acct_open(41);
    struct port *port = port_create();
    port_set_receiver(port, &receiver, 0x100);
    struct kmsg *m = ipc_kmsg_alloc(true);
    uint32_t prev = acct_switch(sender.acct);
    for (unsigned i = 0; i < 3; i++)
        m->ool[m->ool_pages++] = frame_alloc(FRAME_USER, NULL);
    acct_switch(prev);
    assert_int_equal(frames_of(sender.acct, FRAME_USER), 3);
    port_enqueue(port, m);
    assert_int_equal(frames_of(sender.acct, FRAME_USER), 0);
    assert_int_equal(frames_of(receiver.acct, FRAME_USER), 3);
    port_kill(port); /* destroys the queued message */
    assert_true(acct_empty(sender.acct));
    assert_int_equal(frames_of(receiver.acct, FRAME_USER), 0);
    port->refs = 0;
    port_free(port);
    ipc_test_task_destroy(&sender);
    ipc_test_task_destroy(&receiver);
    acct_close(sender.acct);
    acct_close(receiver.acct);
}

/* A memory object is charged to its creator's account, or the one it is given; so are its pages. */
static void test_acct_object_and_its_pages(void **state)
{
    (void)state;
    uint32_t a = acct_open(50), b = acct_open(51);
    uint32_t prev = acct_switch(a);
    struct vm_object *obj;

    assert_int_equal(vm_object_create_kernel(4 * PAGE_SIZE, NULL, 0, &obj), 0);
    acct_switch(prev);
    assert_int_equal(objects_of(a, ACCT_OBJ_VM_OBJECT), 1);
    vm_object_charge(obj, b);
    assert_int_equal(objects_of(a, ACCT_OBJ_VM_OBJECT), 0);
    assert_int_equal(objects_of(b, ACCT_OBJ_VM_OBJECT), 1);
    paddr_t frame = frame_alloc(FRAME_USER, NULL); /* allocated by the kernel's account */
    assert_non_null(vm_object_page_insert(obj, 0, frame));
    assert_int_equal(frames_of(b, FRAME_USER), 1);
    vm_object_unref(obj);
    assert_true(acct_empty(a) && acct_empty(b));
    acct_close(a);
    acct_close(b);
}

/*
 * Jobs: a member's objects count in its job; the root's slot outlives the
 * root while a member lives (even an orphan whose spawner ended), and is
 * reused once no account counts in the job.
 */
static void test_acct_job_shared_and_outlives_root(void **state)
{
    (void)state;
    uint32_t root = acct_open(60);
    uint32_t child = acct_open_in(61, root), grandchild = acct_open_in(62, child);
    uint32_t other = acct_open(63);

    assert_true(child != ACCT_KERNEL && grandchild != ACCT_KERNEL && other != ACCT_KERNEL);
    assert_int_equal(acct_job(child), root);
    assert_int_equal(acct_job(grandchild), root); /* the job, not the spawner */
    assert_int_equal(acct_job(other), other);
    assert_int_equal(acct_job_accounts(grandchild), 3);
    acct_object(child, ACCT_OBJ_PAGED, 5);
    acct_object(grandchild, ACCT_OBJ_PAGED, 7);
    acct_object(other, ACCT_OBJ_PAGED, 1);
    assert_int_equal(acct_job_objects(root, ACCT_OBJ_PAGED), 12);
    assert_int_equal(acct_job_objects(other, ACCT_OBJ_PAGED), 1);
    assert_null(acct_check());

    acct_close(root);
    acct_close(child); /* still holding: counts in the job */
    assert_int_equal(acct_job_accounts(grandchild), 2);
    uint32_t fresh = acct_open(64);
    assert_true(fresh != root && fresh != child); /* the root's slot is the job's */
    assert_int_equal(acct_job_objects(grandchild, ACCT_OBJ_PAGED), 12);
    acct_object(child, ACCT_OBJ_PAGED, -5); /* now empty: it leaves */
    assert_int_equal(acct_job_accounts(grandchild), 1);
    assert_int_equal(acct_job_objects(grandchild, ACCT_OBJ_PAGED), 7);
    assert_null(acct_check());
    acct_object(grandchild, ACCT_OBJ_PAGED, -7);
    acct_close(grandchild);
    acct_object(other, ACCT_OBJ_PAGED, -1);
    acct_close(other);
    acct_close(fresh);
    assert_null(acct_check());
    assert_int_equal(acct_open(65), root); /* the first slot again, free at last */
    acct_close(root);
}

/* A job holds at most ACCT_JOB_ACCOUNTS_MAX accounts; one that ends makes room. */
static void test_acct_job_accounts_bounded(void **state)
{
    (void)state;
    uint32_t slots[ACCT_JOB_ACCOUNTS_MAX];
    uint32_t root = acct_open(70);
    unsigned n = 1;

    slots[0] = root;
    while (n < ACCT_JOB_ACCOUNTS_MAX) {
        slots[n] = acct_open_in(71 + n, slots[n - 1]);
        assert_int_not_equal(slots[n], ACCT_KERNEL);
        n++;
    }
    assert_int_equal(acct_open_in(200, root), ACCT_KERNEL);
    uint32_t outside = acct_open(201); /* another job is not refused */
    assert_int_not_equal(outside, ACCT_KERNEL);
    acct_close(slots[5]);
    uint32_t again = acct_open_in(202, slots[9]);
    assert_int_equal(again, slots[5]);
    assert_int_equal(acct_job(again), root);
    assert_null(acct_check());
    slots[5] = again;
    while (n > 0)
        acct_close(slots[--n]);
    acct_close(outside);
    assert_null(acct_check());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acct_frames_charged_moved_freed),
        cmocka_unit_test(test_acct_outlives_task_while_holding),
        cmocka_unit_test(test_acct_full_falls_back_to_kernel),
        cmocka_unit_test(test_acct_port_follows_receive_right),
        cmocka_unit_test(test_acct_queued_message_charged_to_receiver),
        cmocka_unit_test(test_acct_object_and_its_pages),
        cmocka_unit_test(test_acct_job_shared_and_outlives_root),
        cmocka_unit_test(test_acct_job_accounts_bounded),
    };
    return cmocka_run_group_tests(tests, ipc_test_group_setup, ipc_test_group_teardown);
}
