/*
 * Task ports on the host: task_port_lookup finds the task only through a
 * send right to its port, under whatever name and in whatever task holds
 * one (PORT_NULL: the caller); every other name gets its own error; the
 * port dies with the record; the last send right to an ended task's port
 * frees its record (task_release, a test double here), never a live one's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <task/task.h>
#include <task/task_port.h>
#include <vm/frame.h>

#include "host_support.h"
#include "ipc_support.h"

static struct task a, b, target;
static uint64_t baseline;
static int released; /* task_release calls */

/* The double of task.c's: the port goes with the record. */
void task_release(struct task *task)
{
    released++;
    task_port_destroy(task);
}

static int setup(void **state)
{
    (void)state;
    baseline = host_free_frames();
    ipc_test_task_init(&a, 1);
    ipc_test_task_init(&b, 2);
    target = (struct task){.id = 3, .state = TASK_ALIVE};
    assert_int_equal(task_port_init(&target), 0);
    released = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (target.self_port)
        task_port_destroy(&target);
    ipc_test_task_destroy(&a);
    ipc_test_task_destroy(&b);
    assert_int_equal(host_free_frames(), baseline);
    return 0;
}

/* Give @t a send right to @task's port, as spawn gives the creator. */
static port_name_t give_port(struct task *t, struct task *task)
{
    struct kright r = task_port_right(task);

    assert_int_equal(ipc_space_reserve(&t->ipc, 1), 0);
    return ipc_right_install(t, &r);
}

/* The right finds the task wherever it goes; the task that moved it away loses it. */
static void test_task_port_travels(void **state)
{
    struct task *found = NULL;
    (void)state;
    port_name_t port = give_port(&a, &target);

    assert_int_equal(task_port_lookup(&a, port, &found), 0);
    assert_ptr_equal(found, &target);
    assert_int_equal(task_port_lookup(&a, PORT_NULL, &found), 0);
    assert_ptr_equal(found, &a);
    assert_true(task_port_names(&a, port, &target));
    assert_false(task_port_names(&a, PORT_NULL, &a)); /* a right names a task, PORT_NULL none */
    assert_int_equal(task_port_lookup(&b, port, &found), -ERR_NAME);
    port_name_t moved = ipc_test_right_transfer(&a, port, IPC_DISP_MOVE_SEND, &b);
    assert_int_equal(task_port_lookup(&a, port, &found), -ERR_NAME);
    assert_int_equal(task_port_lookup(&b, moved, &found), 0);
    assert_ptr_equal(found, &target);
    struct port *p = target.self_port;
    assert_int_equal(p->kobject_ops->call(p->kobject, NULL, NULL), -ERR_NOSYS);
}

/* Every other kind of name gets its own error. */
static void test_task_port_other_names(void **state)
{
    struct task *found = NULL;
    (void)state;
    port_name_t own = ipc_test_port_allocate(&a);

    assert_int_equal(task_port_lookup(&a, 0xfffff01u, &found), -ERR_NAME);
    assert_int_equal(task_port_lookup(&a, own, &found), -ERR_RIGHT); /* receive only */
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_INSERT_SEND, own, 0), 0);
    assert_int_equal(task_port_lookup(&a, own, &found), -ERR_INVAL); /* not a task port */
    port_name_t once = ipc_test_right_transfer(&a, own, IPC_DISP_MAKE_SEND_ONCE, &b);
    assert_int_equal(task_port_lookup(&b, once, &found), -ERR_RIGHT);
    port_name_t set = (port_name_t)ipc_test_port_op(&a, PORT_OP_ALLOCATE, IPC_RIGHT_PORT_SET, 0);
    assert_int_equal(task_port_lookup(&a, set, &found), -ERR_RIGHT);
    /* The record goes: the port dies, its names are dead. */
    port_name_t port = give_port(&b, &target);
    task_port_destroy(&target);
    assert_int_equal(task_port_lookup(&b, port, &found), -ERR_DEAD);
    assert_false(task_port_names(&b, port, &target));
}

/* The last send right of an ended task's port frees its record; a live task's, nothing. */
static void test_task_port_no_senders(void **state)
{
    (void)state;
    port_name_t port = give_port(&a, &target);

    assert_int_equal(ipc_test_port_op(&a, PORT_OP_DEALLOCATE, port, 0), 0);
    assert_int_equal(released, 0); /* alive: it goes on */
    port = give_port(&a, &target);
    port_name_t copy = ipc_test_right_transfer(&a, port, IPC_DISP_COPY_SEND, &b);
    target.state = TASK_ZOMBIE;
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_DEALLOCATE, port, 0), 0);
    assert_int_equal(released, 0); /* b may still wait for it */
    assert_int_equal(ipc_test_port_op(&b, PORT_OP_DEALLOCATE, copy, 0), 0);
    assert_int_equal(released, 1);
    assert_null(target.self_port);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_task_port_travels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_port_other_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_port_no_senders, setup, teardown),
    };
    return cmocka_run_group_tests(tests, ipc_test_group_setup, ipc_test_group_teardown);
}
